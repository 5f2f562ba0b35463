"""The in-process short cuts answer exactly what the general machinery answers.

Three short cuts exist for speed (bench/bench_mock.py): the WSGI fast lane that serves API requests
without Flask's request context, the test client that builds plain environs itself, and the orjson
JSON provider. Each test here runs the same request both ways and compares everything a client sees.
"""

from __future__ import annotations

import json
import math

import pytest
from flask import request, signals
from flask.testing import FlaskClient
from werkzeug.http import HTTP_STATUS_CODES

from mockserver.inprocess import MockTestClient, build_environ
from mockserver.journal import get_journal
from tests.mockserver.conftest import BASIC_HEADERS, V1, make_app

JSON = {**BASIC_HEADERS, "Content-Type": "application/json"}

# (args, kwargs) for client.open: the plain requests the short path takes, and some it must hand on
REQUESTS = [
    ((f"{V1}/Companies/1",), {"headers": BASIC_HEADERS}),
    ((f"{V1}/companies/1/",), {"headers": BASIC_HEADERS, "method": "HEAD"}),
    ((f"{V1}/Companies/999999",), {"headers": BASIC_HEADERS}),
    ((f"{V1}/Companies/query?search=%7B%22filter%22%3A%5B%7B%22op%22%3A%22eq%22%2C%22field%22%3A%22id%22%2C%22value%22%3A1%7D%5D%7D",),
     {"headers": BASIC_HEADERS}),
    ((f"{V1}/Companies/query",), {"headers": BASIC_HEADERS, "query_string": 'search={"filter":[{"op":"gt","field":"id","value":0}]}'}),
    ((f"http://localhost{V1}/Companies/query",), {"method": "POST", "headers": BASIC_HEADERS,
                                                  "json": {"filter": [{"op": "gte", "field": "id", "value": 0}]}}),
    ((f"{V1}/Companies/query",), {"method": "POST", "headers": JSON, "data": '{"filter": [{"op": "exist", "field": "id"}]}'}),
    ((f"{V1}/Companies/query",), {"method": "POST", "headers": JSON, "data": b'{"filter": '}),  # malformed
    ((f"{V1}/Companies",), {"method": "PATCH", "headers": JSON, "data": json.dumps({"id": 1, "city": "Zürich"})}),
    ((f"{V1}/Companies/entityInformation",), {"headers": BASIC_HEADERS}),
    ((f"{V1}/zoneInformation?user=sync%40BASIC.APIUSER.com",), {"headers": {"Host": "webservices.autotask.net"}}),
    ((f"{V1}/Companies/1",), {"headers": {**BASIC_HEADERS, "Secret": "wrong"}}),
    ((f"{V1}/Companies/1",), {"headers": [*BASIC_HEADERS.items(), ("X-Repeated", "a"), ("X-Repeated", "b")]}),
    ((f"{V1}/Nope/%C3%BC",), {"headers": BASIC_HEADERS}),
    ((f"{V1}/Companies/1",), {"method": "TRACE", "headers": BASIC_HEADERS}),
    ((f"{V1}/Companies/1",), {"method": "POST", "headers": BASIC_HEADERS, "data": {"form": "field"}}),  # a form
    (("/_mock/tenants",), {}),
]


def _seen(resp) -> tuple:
    headers = sorted((k, v) for k, v in resp.headers.items())
    return resp.status, headers, resp.get_data()


def _run_both(args, kwargs, *, prepare=None):
    fast_app, slow_app = make_app(), make_app()
    if prepare is not None:
        prepare(slow_app)
    fast = fast_app.test_client().open(*args, **kwargs)
    slow = FlaskClient(slow_app).open(*args, **kwargs)
    return fast, slow, fast_app, slow_app


@pytest.mark.parametrize(("args", "kwargs"), REQUESTS, ids=[f"{k.get('method', 'GET')} {a[0][-40:]}" for a, k in REQUESTS])
def test_fast_paths_answer_like_flask_and_werkzeug(args, kwargs):
    """Mock test client + fast lane vs stock FlaskClient + Flask dispatch (forced by a request hook)."""

    def force_flask_lane(app):
        app.before_request(lambda: None)

    fast, slow, fast_app, slow_app = _run_both(args, kwargs, prepare=force_flask_lane)
    assert _seen(fast) == _seen(slow)
    assert fast.status == f"{fast.status_code} {HTTP_STATUS_CODES[fast.status_code]}"  # IIS's phrases
    assert fast.request.path == slow.request.path and fast.request.method == slow.request.method
    fast_entries, slow_entries = get_journal(fast_app).entries(), get_journal(slow_app).entries()
    drop = {"durationMs", "time", "seq"}
    assert [{k: v for k, v in e.items() if k not in drop} for e in fast_entries] == \
           [{k: v for k, v in e.items() if k not in drop} for e in slow_entries]


def test_the_app_hands_its_test_client_the_short_path():
    assert isinstance(make_app().test_client(), MockTestClient)


def test_request_hooks_and_signals_still_see_api_requests():
    app = make_app()
    seen: list[str] = []

    @app.before_request
    def _hook() -> None:
        seen.append(request.path)

    resp = app.test_client().get(f"{V1}/Companies/1", headers=BASIC_HEADERS)
    assert resp.status_code == 200 and seen == [f"{V1}/Companies/1"]

    app2 = make_app()
    finished: list[int] = []

    def on_finished(sender, response, **extra):
        finished.append(response.status_code)

    signals.request_finished.connect(on_finished, app2)
    try:
        assert app2.test_client().get(f"{V1}/Companies/1", headers=BASIC_HEADERS).status_code == 200
    finally:
        signals.request_finished.disconnect(on_finished, app2)
    assert finished == [200]


def test_cookies_and_context_preservation_take_werkzeugs_way():
    app = make_app()
    client = app.test_client()
    client.set_cookie("session", "x")
    assert client.get(f"{V1}/Companies/1", headers=BASIC_HEADERS).status_code == 200
    with app.test_client() as preserving:
        resp = preserving.get(f"{V1}/Companies/1", headers=BASIC_HEADERS)
        assert resp.status_code == 200


def test_build_environ_encodes_paths_as_pep_3333_says():
    env = build_environ("get", "/a%20b/%C3%BC", "x=%C3%BC", [("Host", "h:8080"), ("A", "1"), ("a", "2")], b"{}",
                        scheme="https", netloc="h:8080")
    assert env["REQUEST_METHOD"] == "GET" and env["PATH_INFO"] == "/a b/Ã¼"  # latin-1 code points of the bytes
    assert env["SERVER_NAME"] == "h" and env["SERVER_PORT"] == "8080" and env["HTTP_HOST"] == "h:8080"
    assert env["HTTP_A"] == "1, 2" and env["CONTENT_LENGTH"] == "2" and env["wsgi.url_scheme"] == "https"


@pytest.mark.parametrize("text", [
    '{"a": 1, "b": [1.5, -2, "x\\u00fc"], "c": null, "d": true}',
    '{"n": NaN, "i": Infinity}',  # orjson refuses; the stdlib answers
    '"\\ud800"',  # a lone surrogate
    '{"a": 1, "a": 2}',
    "[1e308, -0.0, 18446744073709551615]",
])
def test_json_provider_parses_like_the_stdlib(text):
    provider = make_app().json
    got, want = provider.loads(text), json.loads(text)
    assert json.dumps(got) == json.dumps(want) or (
        isinstance(got, dict) and all(math.isnan(v) or math.isinf(v) for v in got.values()))


def test_json_provider_reports_malformed_documents_as_the_stdlib_does():
    with pytest.raises(json.JSONDecodeError):
        make_app().json.loads("{")


# ---------------------------------------------------------------------------------------------- over HTTP
HTTP_REQUESTS = [
    ("GET", f"{V1}/Companies/1", BASIC_HEADERS, None),
    ("HEAD", f"{V1}/Companies/1", BASIC_HEADERS, None),
    ("GET", f"{V1}/Companies/999999", BASIC_HEADERS, None),
    ("POST", f"{V1}/Companies/query", JSON, b'{"filter":[{"op":"gte","field":"id","value":0}]}'),
    ("POST", f"{V1}/Companies/query", JSON, b'{"filter": '),
    ("GET", f"{V1}/Companies/query/count?search=%7B%22filter%22%3A%5B%7B%22op%22%3A%22exist%22%2C%22field%22%3A%22id%22%7D%5D%7D", BASIC_HEADERS, None),
    ("DELETE", f"{V1}/Companies/1", BASIC_HEADERS, None),
    ("OPTIONS", f"{V1}/Companies", BASIC_HEADERS, None),
    ("GET", f"{V1}/zoneInformation?user=sync%40BASIC.APIUSER.com", {}, None),
    ("GET", f"{V1}/Companies/1", {**BASIC_HEADERS, "Secret": "wrong"}, None),
    ("GET", f"{V1}/NoSuchEntity/1", BASIC_HEADERS, None),
    ("PATCH", f"{V1}/Companies", JSON, '{"id": 2, "city": "Zürich"}'.encode()),
]


def _serve(app):
    import threading

    from mockserver.cli import build_server, stop_server

    server = build_server(app, "127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread, stop_server


def _raw(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None) -> tuple:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        kept = sorted((k.lower(), v.replace(str(port), "PORT")) for k, v in resp.getheaders() if k.lower() != "date")
        return resp.status, resp.reason, kept, data.replace(str(port).encode(), b"PORT")
    finally:
        conn.close()


def test_over_http_the_fast_lane_sends_the_bytes_flask_would():
    fast_app, slow_app = make_app(), make_app()
    slow_app.before_request(lambda: None)  # forces the Flask lane
    servers = [_serve(fast_app), _serve(slow_app)]
    try:
        ports = [s[0].effective_port for s in servers]
        for method, path, headers, body in HTTP_REQUESTS:
            fast, slow = (_raw(port, method, path, headers, body) for port in ports)
            assert fast == slow, (method, path)
            assert fast[1] == HTTP_STATUS_CODES[fast[0]], (method, path)  # IIS's reason phrases on the wire
    finally:
        for server, thread, stop in servers:
            stop(server, thread)
