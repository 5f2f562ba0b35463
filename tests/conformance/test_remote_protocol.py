"""The remote adapter protocol: the shipped document, the server's dispatch and error mapping, and the client's
verdict on broken adapters (AdapterProtocolError: one line naming the operation and what was wrong)."""

from __future__ import annotations

import inspect
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.adapter import Connection, NotSupported, Refused, SyncAdapter, load_factory
from conformance.errors import AdapterProtocolError
from conformance.remote import RemoteAdapterError, RemoteAdapterFactory
from conformance.remote_protocol import DOCUMENT, OPERATIONS, VERSION, route
from conformance.serve import AdapterService, build_adapter_server

ISSUE_OPERATIONS = {"capabilities", "connect", "apply_settings", "run_pass", "records", "create_record",
                    "edit_and_save", "disable", "enable", "sync_now", "delete", "push_all", "pause", "resume",
                    "disconnect", "delete_all", "summary", "close"}


# ---------------------------------------------------------------------------------------------- the document
def test_document_is_versioned_and_every_schema_is_valid_json_schema() -> None:
    assert VERSION.count(".") == 1 and all(p.isdigit() for p in VERSION.split("."))
    Draft202012Validator.check_schema(DOCUMENT)
    for op in OPERATIONS.values():
        Draft202012Validator.check_schema({"$defs": DOCUMENT["$defs"], **op.args_schema})
        Draft202012Validator.check_schema({"$defs": DOCUMENT["$defs"], **op.result_schema})


def test_every_sync_adapter_method_has_an_operation() -> None:
    assert ISSUE_OPERATIONS <= set(OPERATIONS)
    methods = {n for n, f in inspect.getmembers(SyncAdapter, callable) if not n.startswith("_")}
    assert methods <= {op.method for op in OPERATIONS.values()}, methods - {op.method for op in OPERATIONS.values()}


def test_disconnect_modes_route_to_their_own_operations() -> None:
    assert route("disconnect", {"mode": "keep"})[0].name == "disconnect"
    assert route("disconnect", {"mode": "delete"}) == (OPERATIONS["delete_all"], {})
    assert route("delete_record", {"kind": "contact", "record_id": 3})[0].name == "delete"


# ---------------------------------------------------------------------------------------------- the server
class ToyAdapter:
    """Answers fixed things, so the server's mapping can be checked without a sync."""

    capabilities = frozenset({"record_controls"})
    closed = 0

    def connect(self, connection: Connection) -> None:
        assert isinstance(connection, Connection)
        self.connection = connection

    def apply_settings(self, settings: dict[str, Any]) -> None:
        if settings.get("default_account_manager") == 1:
            raise Refused("API-only resource")

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        raise ZeroDivisionError("the sync crashed")

    def records(self, kind: str) -> list[dict[str, Any]]:
        return [{"kind": kind, "id": 1, "org_id": None, "fields": {}, "unmapped": {}, "link": None,
                 "created_at": None}]

    def push_all(self) -> None:
        raise NotSupported("push_all")

    def disconnect(self, mode: str) -> None:
        self.mode = mode

    def close(self) -> None:
        type(self).closed += 1


def toy_factory() -> ToyAdapter:
    return ToyAdapter()


def _post(service: AdapterService, op: str, args: dict[str, Any] | None = None, session: str = "s1",
          prefix: str = "") -> tuple[int, Any]:
    return service.handle("POST", f"{prefix}/{op}", json.dumps({"session": session, "args": args or {}}).encode())


def test_server_maps_refused_to_409_not_supported_to_501_and_failures_to_500() -> None:
    service = AdapterService(f"{__name__}:toy_factory")
    assert _post(service, "apply_settings", {"settings": {"default_account_manager": 1}})[0] == 409
    status, body = _post(service, "push_all")
    assert (status, body["error"]) == (501, "NotSupported")
    status, body = _post(service, "run_pass", {"full": True})
    assert status == 500 and body["error"] == "ZeroDivisionError" and "the sync crashed" in body["message"]
    assert "Traceback" in body["traceback"]


def test_server_answers_results_and_binds_delete_all_to_disconnect_delete() -> None:
    service = AdapterService(f"{__name__}:toy_factory")
    status, body = _post(service, "capabilities", {"protocol": VERSION})
    assert status == 200 and body["result"]["protocol"] == VERSION and body["result"]["capabilities"] == [
        "record_controls"]
    conn = {"username": "u", "secret": "s", "integration_code": "c", "zone_lookup_url": "http://x", "now": "n"}
    assert _post(service, "connect", {"connection": conn}) == (200, {"result": None})
    assert _post(service, "records", {"kind": "contact"})[1]["result"][0]["kind"] == "contact"
    assert _post(service, "delete_all")[0] == 200
    assert service._sessions[(service.spec, "s1")].mode == "delete"  # noqa: SLF001
    before = ToyAdapter.closed
    assert _post(service, "close") == (200, {"result": None})
    assert ToyAdapter.closed == before + 1 and service.session_count == 0


def test_server_refuses_bad_requests_with_a_json_error() -> None:
    service = AdapterService(f"{__name__}:toy_factory")
    assert service.handle("POST", "/run_pass", b"{nope")[0] == 400
    assert service.handle("POST", "/run_pass", b'{"args": {}}')[0] == 400  # no session
    assert _post(service, "records", {"kind": "planet"})[0] == 400  # not a kind
    assert _post(service, "teleport")[0] == 404
    assert _post(service, "capabilities", {"protocol": "9.0"})[0] == 400
    assert service.handle("GET", "/run_pass", b"")[0] == 405
    assert _post(service, "records", {"kind": "contact"}, prefix=f"/factory/{__name__}:toy_factory")[0] == 404


def test_any_factory_serves_factories_by_path() -> None:
    service = AdapterService(None, any_factory=True)
    status, body = _post(service, "capabilities", prefix=f"/factory/{__name__}:toy_factory")
    assert status == 200 and body["result"]["name"] == f"{__name__}:toy_factory"
    assert _post(service, "capabilities", prefix="/factory/no.such.module:factory")[0] == 404


# ---------------------------------------------------------------------------------------------- the client
@contextmanager
def serving(app: Any) -> Iterator[str]:
    server = build_adapter_server(app, "127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        from mockserver.cli import stop_server

        stop_server(server, thread, timeout=5)


def test_client_round_trip_and_error_mapping_over_http() -> None:
    with serving(AdapterService(f"{__name__}:toy_factory")) as url:
        factory = load_factory(url)
        assert isinstance(factory, RemoteAdapterFactory)
        a = factory()
        assert a.capabilities == frozenset({"record_controls"})
        a.connect(Connection("u", "s", "c", "http://127.0.0.1:1", "2026-01-01T00:00:00Z"))
        assert a.records("organization")[0]["id"] == 1
        with pytest.raises(Refused):
            a.apply_settings({"default_account_manager": 1})
        with pytest.raises(NotSupported):
            a.push_all()
        with pytest.raises(RemoteAdapterError, match="ZeroDivisionError: the sync crashed"):
            a.run_pass()
        a.disconnect("delete")
        a.close()


def _canned(status: int, body: bytes, content_type: str = "application/json", delay: float = 0.0) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if delay:
            time.sleep(delay)
        start_response(f"{status} X", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app


def _caps(url: str, timeout: float | None = None) -> AdapterProtocolError:
    with pytest.raises(AdapterProtocolError) as info:
        _ = RemoteAdapterFactory(url, timeout=timeout)().capabilities
    assert str(info.value).count("\n") == 0 and "'capabilities'" in str(info.value)
    return info.value


def test_a_broken_adapter_raises_adapter_protocol_error_naming_operation_and_fault() -> None:
    with serving(_canned(200, b"<html>hello</html>", "text/html")) as url:
        assert "not JSON" in _caps(url).detail
    with serving(_canned(200, b'{"value": 1}')) as url:
        assert "wrong shape" in _caps(url).detail
    with serving(_canned(200, b'{"result": {"protocol": "1.0", "capabilities": "teleport"}}')) as url:
        assert "wrong shape" in _caps(url).detail
    with serving(_canned(200, b'{"result": {"protocol": "7.3", "capabilities": []}}')) as url:
        assert "wrong protocol version" in _caps(url).detail and "7.3" in _caps(url).detail
    with serving(_canned(200, b'{"result": {"protocol": "1.0", "capabilities": []}}', delay=1.0)) as url:
        assert "no answer within 0.3s" in _caps(url, timeout=0.3).detail
        time.sleep(1.0)  # let the slow answer finish before the server stops under it
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert "not answering" in _caps(f"http://127.0.0.1:{port}").detail


def test_the_protocol_error_is_sticky_and_checked_before_any_other_operation() -> None:
    with serving(_canned(200, b'{"result": {"protocol": "2.0", "capabilities": []}}')) as url:
        factory = RemoteAdapterFactory(url)
        with pytest.raises(AdapterProtocolError, match="wrong protocol version"):
            factory().run_pass()  # the version is checked first, whatever the kit calls first
        with pytest.raises(AdapterProtocolError, match="in 'capabilities'"):
            factory().records("organization")
        factory().close()  # closing after a protocol error does not bury it under another


def _garbage_after_capabilities(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ["PATH_INFO"].endswith("/capabilities"):
        body = json.dumps({"result": {"protocol": VERSION, "capabilities": ["create_record"]}}).encode()
        ctype = "application/json"
    else:
        body, ctype = b"Internal Server Error", "text/plain"
    start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


def test_a_protocol_error_inside_a_property_surfaces_as_one_adapter_protocol_error() -> None:
    from conformance.kill import suite_tests

    with serving(_garbage_after_capabilities) as url:
        with pytest.raises(AdapterProtocolError) as info:
            suite_tests()["test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first"](
                RemoteAdapterFactory(url))
    assert info.value.operation == "close" and "not JSON" in info.value.detail  # require() closes its probe first


class SlowPass:
    """``run_pass`` waits until ``summary`` is called in the same session (a status read during a pass)."""

    capabilities = frozenset()
    events: dict[int, threading.Event] = {}

    def __init__(self) -> None:
        self.released = threading.Event()

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        return {"ok": self.released.wait(10), "error": None}

    def summary(self) -> dict[str, Any]:
        self.released.set()
        return {}

    def close(self) -> None:
        pass


def slow_factory() -> SlowPass:
    return SlowPass()


def test_calls_of_one_session_may_overlap_while_sessions_take_turns() -> None:
    """D-01/PA-06 read the status or pause while a pass runs: one session's calls overlap without deadlock."""
    with serving(AdapterService(f"{__name__}:slow_factory")) as url:
        a = RemoteAdapterFactory(url)()
        out: list[Any] = []
        t = threading.Thread(target=lambda: out.append(a.run_pass()))
        t.start()
        time.sleep(0.3)
        assert a.summary() == {}  # answered while run_pass is still running in the same session
        t.join(10)
        assert out == [{"ok": True, "error": None}]
        a.close()


def test_the_openapi_rendering_is_valid_and_has_a_path_per_operation() -> None:
    from openapi_spec_validator import validate

    from conformance.remote_protocol import openapi

    doc = openapi()
    validate(doc)
    assert {p.strip("/") for p in doc["paths"]} == set(OPERATIONS)
    assert doc["paths"]["/delete_all"]["post"]["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/error"}
    assert "#/$defs/" not in json.dumps(doc)
