"""Hostile or broken input never poisons a tenant nor shows Python internals (issue 15, parts 1 and 5).

* A lone UTF-16 surrogate ("\\ud800" in JSON) is refused where text enters the store: API writes (fields,
  UDFs, notes), fixtures, the admin API; query filters holding one get a clean error.
* JSON nested 10,000 deep in a body, ``search=`` or ``paging=``, and ``paging={"nextIds":[1e400]}``, get the
  Autotask-shaped error other malformed input gets, over the test client (fast lane and Flask lane) and
  over waitress.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import requests

from mockserver.app import get_context
from mockserver.cli import build_server, stop_server
from mockserver.config import MockConfig
from mockserver.json_input import JsonInputError, check_document, has_surrogate, load_json
from mockserver.state.store import Store
from mockserver.state.tenant import FixtureLoadError
from tests.mockserver.conftest import BASIC, BASIC_HEADERS, V1, Api, make_app

SURROGATE_COMPANY = '{"companyName":"x\\ud800y","companyType":1,"ownerResourceID":101,"phone":"1"}'
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
DEEP = "[" * 10_000 + "]" * 10_000


def _error_text(resp) -> str:
    body = resp.get_json()
    assert resp.status_code == 500, (resp.status_code, body)
    assert set(body) == {"errors"}, body
    return " ".join(body["errors"])


def _all_reads_work(api: Api) -> None:
    assert api.post("Companies/query", ALL).status_code == 200
    assert api.get("Companies/1").status_code == 200
    assert api.client.get("/_mock/tenants/basic/export").status_code == 200


# ---------------------------------------------------------------------------------- pure helpers
def test_has_surrogate_tells_lone_halves_from_whole_characters():
    assert has_surrogate("x\ud800y")
    assert has_surrogate("\udfff")
    assert not has_surrogate("x\U0001F600y")  # a whole emoji is fine
    assert not has_surrogate("plain")


def test_check_document_names_the_path_of_a_surrogate_in_a_key_or_value():
    with pytest.raises(JsonInputError, match=r"records\.Companies\[0\]\.companyName"):
        check_document({"records": {"Companies": [{"companyName": "a\ud83d"}]}})
    with pytest.raises(JsonInputError, match="property name"):
        check_document({"a\udc00": 1})


def test_load_json_refuses_depth_beyond_the_limit_without_recursion_error():
    with pytest.raises(JsonInputError, match="nested too deeply"):
        load_json(DEEP)
    assert load_json("[" * 60 + "]" * 60) == load_json("[" * 60 + "]" * 60)  # within the limit it parses
    assert load_json('{"v": NaN}')["v"] != 0  # what the stdlib accepts still parses


# ---------------------------------------------------------------------------------- surrogates (part 1)
def test_surrogate_in_a_created_field_is_refused_and_the_tenant_stays_readable(api: Api):
    resp = api.post("Companies", SURROGATE_COMPANY)
    text = _error_text(resp)
    assert "companyName" in text and "surrogate" in text and "\\ud800" in text
    assert not any("x" + "\ud800" in (c.get("companyName") or "") for c in api.query("Companies")["items"])
    _all_reads_work(api)


def test_surrogate_in_a_patch_is_refused(api: Api):
    resp = api.patch("Companies", '{"id": 1, "companyName": "A\\udfffB"}')
    assert "surrogate" in _error_text(resp)
    assert api.get("Companies/1").get_json()["item"]["companyName"] == "Acme Corp"
    _all_reads_work(api)


def test_surrogate_in_a_udf_value_is_refused(api: Api):
    ci = api.query("ConfigurationItems")["items"][0]
    body = '{"id": ' + str(ci["id"]) + ', "userDefinedFields": [{"name": "MAC Address", "value": "4\\ud800"}]}'
    text = _error_text(api.patch("ConfigurationItems", body))
    assert "MAC Address" in text and "surrogate" in text
    assert api.post("ConfigurationItems/query", ALL).status_code == 200
    _all_reads_work(api)


def test_surrogate_in_an_unknown_udf_name_gets_a_clean_error(api: Api):
    body = '{"id": 1, "userDefinedFields": [{"name": "N\\ud800", "value": "1"}]}'
    text = _error_text(api.patch("Companies", body))
    assert "does not exist" in text and "\\ud800" in text  # escaped in the answer, which still encodes
    _all_reads_work(api)


def test_surrogate_in_a_note_is_refused(api: Api):
    tickets = api.query("Tickets")["items"]
    assert tickets, "the basic fixture has tickets"
    body = json.dumps({"title": "t", "description": "half an emoji \ud83d", "noteType": 1, "publish": 1})
    resp = api.post(f"Tickets/{tickets[0]['id']}/Notes", body)
    text = _error_text(resp)
    assert "surrogate" in text
    assert api.post("TicketNotes/query", ALL).status_code == 200


@pytest.mark.parametrize("search", [
    {"filter": [{"op": "eq", "field": "companyName", "value": "x\ud800"}]},
    {"filter": [{"op": "contains", "field": "companyName", "value": "\udc00"}]},
    {"filter": [{"op": "eq", "field": "company\ud800Name", "value": "x"}]},
])
def test_surrogate_in_a_query_filter_gets_a_clean_error(api: Api, search):
    text = json.dumps(search)  # ensure_ascii: the surrogate travels as the escape \\udXXX
    assert "surrogate" in _error_text(api.post("Companies/query", text))
    assert "surrogate" in _error_text(api.get(f"Companies/query?search={quote(text)}"))
    assert "surrogate" in _error_text(api.post("Companies/query/count", text))


def test_surrogate_in_a_fixture_is_refused_with_the_place_named():
    store = Store(get_context(make_app()).catalog, MockConfig(fixtures=[]))
    from mockserver.fixtures_loader import read_fixture

    doc, _ = read_fixture(str(BASIC))
    bad_record = json.loads(json.dumps(doc))
    bad_record["tenant"]["name"] = "bad1"
    bad_record["records"]["Companies"][0]["companyName"] = "Acme \ud800"
    with pytest.raises(FixtureLoadError, match="companyName") as info:
        store.add_tenant(bad_record, "bad.json")
    assert "surrogate" in str(info.value)
    bad_user = json.loads(json.dumps(doc))
    bad_user["tenant"]["name"] = "bad2"
    bad_user["apiUsers"][0]["userName"] = "sync\udc00@BASIC.APIUSER.com"
    with pytest.raises(FixtureLoadError, match="surrogate"):
        store.add_tenant(bad_user, "bad.json")
    assert store.tenant("bad1") is None and store.tenant("bad2") is None


def test_a_deeply_nested_fixture_file_is_a_clean_fixture_error(tmp_path):
    from mockserver.fixtures.format import FixtureError, load_fixture_file

    path = tmp_path / "deep.json"
    path.write_text('{"records": ' + DEEP + "}")
    with pytest.raises(FixtureError, match="nested too deeply"):
        load_fixture_file(path)
    # PyYAML >= 6.0.3 refuses deep YAML while parsing; older libyaml builds it without recursing and loading such a
    # tenant then fails as a fixture problem. Either way: a clean fixture error, never a RecursionError.
    path = tmp_path / "deep.yaml"
    path.write_text("format: autotask-mock/tenant@1\ntenant: {name: deep}\nintegrationCodes: [X]\nfaults: " + DEEP)
    store = Store(get_context(make_app()).catalog, MockConfig(fixtures=[]))
    with pytest.raises((FixtureError, FixtureLoadError), match="nested too deeply|nesting depth"):
        store.add_tenant(load_fixture_file(path), "deep.yaml")


def test_surrogate_in_admin_bodies_is_refused(app):
    client = app.test_client()
    seed = client.post("/_mock/tenants/basic/records", data='{"Companies": [{"companyName": "a\\ud800"}]}',
                       content_type="application/json")
    assert seed.status_code == 400 and "surrogate" in seed.get_json()["error"]
    created = client.post("/_mock/tenants", data='{"fixture": "demo", "name": "d\\udc00emo"}',
                          content_type="application/json")
    assert created.status_code == 400 and "surrogate" in created.get_json()["error"]
    fault = client.post("/_mock/faults", data='{"entity": "Companies", "status": 500, "body": {"errors": ["\\ud800"]}}',
                        content_type="application/json")
    assert fault.status_code == 400 and "surrogate" in fault.get_json()["error"]
    assert client.get("/_mock/tenants/basic/export").status_code == 200


# ---------------------------------------------------------------------------------- depth and overflow (part 5)
def _flask_lane(app) -> None:
    """Route API requests through Flask instead of the fast lane (an own request hook does that)."""
    app.before_request(lambda: None)


@pytest.mark.parametrize("lane", ["fast", "flask"])
def test_deep_nesting_and_overflow_get_clean_errors_in_both_lanes(lane):
    app = make_app()
    if lane == "flask":
        _flask_lane(app)
    api = Api(app.test_client(), BASIC_HEADERS)
    for resp in (
        api.post("Companies", DEEP),
        api.patch("Companies", DEEP),
        api.post("Companies/query", DEEP),
        api.get(f"Companies/query?search={quote(DEEP)}"),
    ):
        text = _error_text(resp)
        assert "nested too deeply" in text and "RecursionError" not in text
    deep_paging = api.get(f"Companies/query/next?paging={quote(DEEP)}&search={quote(json.dumps(ALL))}")
    assert _error_text(deep_paging) == "The paging parameter is not valid."
    webhook_field = api.post("CompanyWebhooks/1/Fields", DEEP)  # the webhook guard reads such bodies first
    assert "nested too deeply" in _error_text(webhook_field)
    paging = quote('{"pageSize":10,"previousIds":[],"nextIds":[1e400]}')
    text = _error_text(api.get(f"Companies/query/next?paging={paging}&search={quote(json.dumps(ALL))}"))
    assert text == "The paging parameter is not valid." and "Overflow" not in text
    admin = app.test_client().post("/_mock/tenants/basic/records", data=DEEP, content_type="application/json")
    assert admin.status_code == 400 and "nested too deeply" in admin.get_json()["error"]


@contextmanager
def _served(app):
    server = build_server(app, "127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_server(server, thread)


@pytest.mark.parametrize("lane", ["fast", "flask"])
def test_deep_nesting_overflow_and_surrogates_over_waitress(lane):
    app = make_app()
    if lane == "flask":
        _flask_lane(app)
    with _served(app) as root:
        session = requests.Session()
        session.headers.update({**BASIC_HEADERS, "Content-Type": "application/json"})
        deep_body = "[" * 100_000 + "]" * 100_000
        for resp in (
            session.post(f"{root}{V1}/Companies", data=deep_body),
            session.post(f"{root}{V1}/Companies/query", data=DEEP),
            session.get(f"{root}{V1}/Companies/query", params={"search": DEEP}),
            session.get(f"{root}{V1}/Companies/query/next",
                        params={"paging": '{"nextIds":[1e400]}', "search": json.dumps(ALL)}),
            session.post(f"{root}{V1}/Companies", data=SURROGATE_COMPANY),
        ):
            assert resp.status_code == 500, resp.text
            errors = resp.json()["errors"]
            assert errors and not any("Recursion" in e or "Overflow" in e or "Traceback" in e for e in errors)
        assert session.post(f"{root}{V1}/Companies/query", data=json.dumps(ALL)).status_code == 200
        admin = session.post(f"{root}/_mock/tenants/basic/records", data=deep_body)
        assert admin.status_code == 400 and "nested too deeply" in admin.json()["error"]
