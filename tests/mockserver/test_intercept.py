"""In-process mode: mock_autotask routes requests to the real Autotask hosts into the app (no socket)."""

from __future__ import annotations

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from mockserver import current_mock, mock_autotask
from mockserver.app import create_app, get_context
from mockserver.config import MockConfig
from mockserver.intercept import AUTOTASK_URL, run_in_app
from tests.mockserver.conftest import BASIC

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
GENERIC = "https://webservices.autotask.net/ATServicesRest/V1.0"


# ---------------------------------------------------------------------------------------------- "existing code"
def legacy_pull(user: str, secret: str, code: str, entity: str = "ConfigurationItems", page_size: int = 100,
                use_get: bool = False):
    """Code written for the real service: hard-coded generic host, zone lookup, then paging on the zone host."""
    zone = requests.get("https://webservices.autotask.net/ATServicesRest/V1.0/zoneInformation",
                        params={"user": user}, timeout=30)
    zone.raise_for_status()
    base = zone.json()["url"]
    headers = {"ApiIntegrationCode": code, "UserName": user, "Secret": secret, "Content-Type": "application/json"}
    query = {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": page_size}
    items, pages = [], 0
    if use_get:
        url = base + f"V1.0/{entity}/query"
        resp = requests.get(url, params={"search": json.dumps(query)}, headers=headers, timeout=30)
        while True:
            resp.raise_for_status()
            page = resp.json()
            items += page["items"]
            pages += 1
            url = page["pageDetails"]["nextPageUrl"]
            if not url:
                break
            resp = requests.get(url, headers=headers, timeout=30)
    else:
        url = base + f"V1.0/{entity}/query"
        while url:
            resp = requests.post(url, json=query, headers=headers, timeout=30)
            resp.raise_for_status()
            page = resp.json()
            items += page["items"]
            pages += 1
            url = page["pageDetails"]["nextPageUrl"]
    count = requests.post(base + f"V1.0/{entity}/query/count", json=query, headers=headers, timeout=30).json()
    return zone.json(), items, pages, count["queryCount"]


@pytest.mark.parametrize("use_get", [False, True], ids=["post-paging", "get-paging"])
def test_hard_coded_real_urls_run_unchanged(use_get):
    with mock_autotask() as at:  # the default "demo" tenant
        c = at.credentials
        zone, items, pages, count = legacy_pull(c.user_name, c.secret, c.integration_code, use_get=use_get)
        assert zone["url"] == "https://webservices2.autotask.net/ATServicesRest/"  # the demo tenant's zone
        assert zone["url"] == at.base_url
        expected = len(at.tenant.table("ConfigurationItems"))
        assert expected > 300
        assert count == expected
        assert len(items) == expected and len({i["id"] for i in items}) == expected
        assert pages == -(-expected // 100)
        # the journal saw the zone lookup on the generic host, everything else on the zone host
        calls = at.calls()
        assert calls[0]["host"] == "webservices.autotask.net" and calls[0]["kind"] == "zone"
        assert {e["host"] for e in calls[1:]} == {"webservices2.autotask.net"}
        method = "GET" if use_get else "POST"
        at.assert_called(method, "ConfigurationItems/query", times=1)
        at.assert_called(method, "ConfigurationItems/query/next", times=pages - 1)
        at.assert_called("POST", "ConfigurationItems/query/count", times=1)


def test_any_zone_host_and_path_case_are_intercepted():
    with mock_autotask(str(BASIC)) as at:
        for host in ("webservices.autotask.net", "webservices5.autotask.net", "WEBSERVICES14.AUTOTASK.NET"):
            resp = requests.get(f"https://{host}/atservicesrest/v1.0/companies/1", headers=at.credentials.headers)
            assert resp.status_code == 200 and resp.json()["item"]["id"] == 1
        assert len(at.calls("GET", "Companies/1")) == 3


def test_url_pattern():
    assert AUTOTASK_URL.match("https://webservices.autotask.net/ATServicesRest/")
    assert AUTOTASK_URL.match("https://webservices24.autotask.net")
    assert AUTOTASK_URL.match("http://webservices2.autotask.net:443/x?y")
    assert not AUTOTASK_URL.match("https://webservices.autotask.net.evil.example/")
    assert not AUTOTASK_URL.match("https://ww2.autotask.net/")
    assert not AUTOTASK_URL.match("https://example.com/webservices.autotask.net/")


# ---------------------------------------------------------------------------------------------- other URLs
class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b"hello from a real socket"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_http():
    server = HTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_other_urls_are_refused_by_default(local_http):
    with mock_autotask(str(BASIC)):
        with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
            requests.get(local_http + "/x", timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get("https://ww5.autotask.net/", timeout=5)  # the UI host is not the API


def test_passthrough_true_lets_other_urls_through(local_http):
    with mock_autotask(str(BASIC), passthrough=True) as at:
        assert requests.get(local_http + "/x", timeout=5).text == "hello from a real socket"
        assert requests.get(f"{GENERIC}/Companies/1", headers=at.credentials.headers).json()["item"]["id"] == 1


def test_passthrough_prefixes(local_http):
    with mock_autotask(str(BASIC), passthrough=[local_http + "/allowed"]):
        assert requests.get(local_http + "/allowed/1", timeout=5).status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.get(local_http + "/other", timeout=5)


def test_extra_hosts_are_routed_into_the_mock():
    with mock_autotask(str(BASIC), hosts=["http://autotask.test", re.compile(r"https://at\.example/")]) as at:
        r1 = requests.get("http://autotask.test/ATServicesRest/V1.0/zoneInformation", params={"user": at.credentials.user_name})
        assert r1.json()["url"] == "http://autotask.test/ATServicesRest/"
        r2 = requests.get("https://at.example/ATServicesRest/V1.0/Companies/2", headers=at.credentials.headers)
        assert r2.json()["item"]["companyName"] == "Globex"
        with pytest.raises(requests.ConnectionError):
            requests.get("http://autotask.testing/")


# ---------------------------------------------------------------------------------------------- decorator forms
@mock_autotask(str(BASIC))
def test_decorator_with_arguments_and_current_mock():
    at = current_mock()
    assert at.tenant_name == "basic"
    assert requests.get(f"{GENERIC}/Companies/1", headers=at.credentials.headers).status_code == 200


@mock_autotask(str(BASIC))
def test_decorator_injects_the_handle_when_asked(autotask):
    assert autotask.credentials.user_name == "sync@BASIC.APIUSER.com"


@mock_autotask
def test_decorator_without_parentheses_uses_demo():
    assert current_mock().credentials.user_name == "demo@DEMO1234.APIUSER.com"


def test_decorator_on_a_plain_function_and_nesting():
    @mock_autotask(str(BASIC))
    def inner():
        return current_mock().tenant_name

    assert inner() == "basic"
    with pytest.raises(RuntimeError):
        current_mock()  # nothing active after the call


def test_requests_after_exit_are_not_intercepted():
    with mock_autotask(str(BASIC)) as at:
        headers = at.credentials.headers
    # outside, a real Autotask host would be contacted: prove interception stopped without the network
    # by starting a fresh strict responses mock and checking it receives the call.
    import responses

    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, f"{GENERIC}/Companies/1", json={"from": "responses"})
        assert requests.get(f"{GENERIC}/Companies/1", headers=headers).json() == {"from": "responses"}


# ---------------------------------------------------------------------------------------------- handle
def test_handle_exposes_app_store_tenant_and_credentials():
    with mock_autotask(str(BASIC)) as at:
        assert get_context(at.app).store is at.store
        assert at.tenant is at.store.tenant("basic")
        assert at.credentials.headers == {"UserName": "sync@BASIC.APIUSER.com", "Secret": "s3cret",
                                          "ApiIntegrationCode": "TESTCODE"}
        assert at.headers["Content-Type"] == "application/json"
        assert at.zone_lookup_url == f"{GENERIC}/zoneInformation?user=sync%40BASIC.APIUSER.com"
        assert at.base_url == "https://webservices5.autotask.net/ATServicesRest/"
        assert at.url("Companies/query") == "https://webservices5.autotask.net/ATServicesRest/V1.0/Companies/query"
        assert requests.get(at.zone_lookup_url).json()["url"] == at.base_url


def test_seed_create_and_session():
    with mock_autotask(str(BASIC)) as at:
        company = at.create("Companies", companyName="Initech", companyType=1, ownerResourceID=101, phone="555")
        ids = at.seed({"Contacts": [{"companyID": company, "firstName": "A", "lastName": "B", "isActive": 1},
                                    {"companyID": company, "firstName": "C", "lastName": "D", "isActive": 1}]})
        assert len(ids["Contacts"]) == 2
        s = at.session()
        got = s.post(at.url("Contacts/query"), json={"filter": [{"op": "eq", "field": "companyID", "value": company}]})
        assert sorted(i["id"] for i in got.json()["items"]) == sorted(ids["Contacts"])
        # seeding is not journaled; the session's query is
        assert [e["path"].split("/V1.0/")[1] for e in at.calls()] == ["Contacts/query"]


def test_load_fixture_reset_and_export():
    with mock_autotask(str(BASIC)) as at:
        at.create("Companies", companyName="Initech", companyType=1, ownerResourceID=101, phone="555")
        assert len(at.export()["records"]["Companies"]) == 4
        at.reset()
        assert len(at.export()["records"]["Companies"]) == 3
        summary = at.load_fixture("minimal")
        assert summary["name"] == "basic"  # same tenant name, new content and credentials
        assert at.tenant_name == "basic"
        c = at.credentials
        assert c.user_name.startswith("sync.") and c.user_name.endswith("@MINIMAL.APIUSER.com")
        resp = requests.get(f"{GENERIC}/Companies/1001", headers=c.headers)
        assert resp.json()["item"]["id"] == 1001


def test_clock_helpers():
    with mock_autotask(str(BASIC)) as at:
        assert at.now() == "2026-01-01T00:00:00Z"
        at.set_clock("2026-06-01T00:00:00Z")
        at.advance(days=1, hours=1)
        assert at.now() == "2026-06-02T01:00:00Z"
        company = at.create("Companies", companyName="Late", companyType=1, ownerResourceID=101, phone="5")
        item = requests.get(at.url(f"Companies/{company}"), headers=at.headers).json()["item"]
        assert item["createDate"].startswith("2026-06-02T01:00:00")


def test_isolate_and_reuse_an_app():
    app = create_app(MockConfig(fixtures=[str(BASIC)]))
    with mock_autotask(str(BASIC), app=app, isolate=True) as at:
        assert at.tenant_name != "basic" and at.tenant_name.startswith("basic-")
        assert at.credentials.user_name != "sync@BASIC.APIUSER.com"
        assert requests.get(f"{GENERIC}/Companies/1", headers=at.credentials.headers).status_code == 200
        name = at.tenant_name
    assert get_context(app).store.tenant(name) is None  # removed on exit
    assert get_context(app).store.tenant("basic") is not None
    with mock_autotask(app=app, tenant="basic") as at:  # an existing tenant
        assert at.credentials.user_name == "sync@BASIC.APIUSER.com"
    assert get_context(app).store.tenant("basic") is not None  # not ours to remove
    with pytest.raises(ValueError):
        mock_autotask(app=app, settings={"missing_item_status": 404}).start()


def test_settings_apply_to_the_new_app():
    with mock_autotask(str(BASIC), settings={"missing_item_status": 404}) as at:
        assert requests.get(f"{GENERIC}/Companies/999", headers=at.headers).status_code == 404


# ---------------------------------------------------------------------------------------------- verification
def test_assert_called_failure_lists_closest_requests_and_reasons():
    with mock_autotask(str(BASIC)) as at:
        requests.post(f"{GENERIC}/Companies/query", json=ALL, headers=at.headers)
        requests.get(f"{GENERIC}/Companies/1", headers=at.headers)
        with pytest.raises(AssertionError) as info:
            at.assert_called("GET", "/ATServicesRest/V1.0/Companies/query")
        text = str(info.value)
        assert "expected GET /ATServicesRest/V1.0/Companies/query to be called at least once, but no request matched." in text
        assert "POST /ATServicesRest/V1.0/Companies/query -> 200\n      - method differs: expected GET, got POST" in text
        assert "- path differs (case-insensitive compare): expected /ATServicesRest/V1.0/Companies/query, " \
               "got /ATServicesRest/V1.0/Companies/1" in text
        with pytest.raises(AssertionError, match=r"count differs: expected POST Companies/query to be called 2 time\(s\), "
                                                 r"it was called 1 time\(s\)"):
            at.assert_called("POST", "Companies/query", times=2)
        with pytest.raises(AssertionError, match="not to be called"):
            at.assert_not_called("GET", "companies/1")
        at.assert_not_called("DELETE")
        entry = at.assert_called_once("post", "COMPANIES/QUERY")
        assert json.loads(entry["requestBody"]) == ALL
        assert "1 request(s) matched" in at.explain("GET", "Companies/1")


def test_assert_called_mentions_requests_from_unknown_users():
    with mock_autotask(str(BASIC)) as at:
        requests.get(f"{GENERIC}/Companies/1", headers={**at.credentials.headers, "UserName": "typo@BASIC.APIUSER.com"})
        with pytest.raises(AssertionError) as info:
            at.assert_called("GET", "Companies/1")
        assert "No request arrived at all." in str(info.value)
        assert "Requests that named no known API user" in str(info.value)
        assert "user='typo@BASIC.APIUSER.com'" in str(info.value)


def test_calls_are_oldest_first_and_journal_newest_first():
    with mock_autotask(str(BASIC)) as at:
        for i in (1, 2, 3):
            requests.get(f"{GENERIC}/Companies/{i}", headers=at.headers)
        assert [c["path"][-1] for c in at.calls()] == ["1", "2", "3"]
        assert [c["path"][-1] for c in at.journal()] == ["3", "2", "1"]
        assert len(at.journal(limit=2)) == 2
        at.clear_journal()
        assert at.calls() == []


# ---------------------------------------------------------------------------------------------- transport details
def test_bodies_of_every_kind_reach_the_app():
    with mock_autotask(str(BASIC)) as at:
        url = at.url("Companies/query")
        assert requests.post(url, data=json.dumps(ALL), headers=at.headers).status_code == 200  # str
        assert requests.post(url, data=json.dumps(ALL).encode(), headers=at.headers).status_code == 200  # bytes
        assert requests.post(url, data=io.BytesIO(json.dumps(ALL).encode()), headers=at.headers).status_code == 200
        assert requests.post(url, data=(c for c in [json.dumps(ALL).encode()]), headers=at.headers).status_code == 200
        head = requests.head(at.url("Companies/1"), headers=at.headers)
        assert head.status_code == 200 and head.content == b""
        assert [json.loads(e["requestBody"]) for e in at.calls("POST")] == [ALL] * 4


def test_errors_keep_status_reason_and_body():
    with mock_autotask(str(BASIC)) as at:
        resp = requests.get(at.url("Companies/1"), headers={**at.headers, "Secret": "wrong"})
        assert resp.status_code == 401 and resp.reason == "Unauthorized"
        resp = requests.delete(at.url("Companies"), headers=at.headers)
        assert resp.status_code == 405 and "Message" in resp.json()
        resp = requests.get(f"{GENERIC}/zoneInformation", params={"user": "nobody@x"})
        assert resp.status_code == 500 and resp.json() == {"errors": ["Zone information could not be determined"]}


def test_requests_from_other_threads_are_intercepted():
    with mock_autotask(str(BASIC)) as at:
        results = []

        def work(i):
            results.append(requests.get(at.url(f"Companies/{i}"), headers=at.headers).status_code)

        threads = [threading.Thread(target=work, args=(i,)) for i in (1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200, 200, 200]
        at.assert_called("GET", "Companies/*", times=3)


def test_injected_drop_fault_is_a_connection_error():
    with mock_autotask(str(BASIC)) as at:
        resp = at.admin.request("POST", "/_mock/faults", params={"tenant": at.tenant_name},
                                body={"path": "Companies/query", "drop": True, "times": 1})
        assert resp[0] == 201, resp
        with pytest.raises(requests.ConnectionError):
            requests.post(at.url("Companies/query"), json=ALL, headers=at.headers)
        ok = requests.post(at.url("Companies/query"), json=ALL, headers=at.headers)
        assert ok.status_code == 200
        dropped, fine = at.calls("POST", "Companies/query")
        assert dropped["fault"] and "drop" in str(dropped["fault"])
        assert fine["fault"] is None


def test_run_in_app_directly():
    app = create_app(MockConfig(fixtures=[str(BASIC)]))
    status, headers, body = run_in_app(app, "GET", "https://webservices.autotask.net/ATServicesRest/VersionInformation",
                                       {}, None)
    assert status == 200 and json.loads(body) == {"apiVersions": ["1.0"]}
    assert dict(headers)["Content-Type"].startswith("application/json")


def test_other_services_can_be_stubbed_on_the_same_responses_mock():
    import responses

    with mock_autotask(str(BASIC)) as at:
        at.responses.add(responses.GET, "https://api.example/ping", json={"pong": True})
        assert requests.get("https://api.example/ping").json() == {"pong": True}
        assert requests.get(at.url("Companies/1"), headers=at.headers).status_code == 200
