"""Fault injection over the admin API and the fixture format (issue 7)."""

from __future__ import annotations

import copy
import json
import threading
from contextlib import contextmanager

import pytest
import requests
import yaml

from mockserver.app import create_app, get_context
from mockserver.cli import build_server, stop_server
from mockserver.config import MockConfig
from mockserver.faults import DroppedConnection, FaultRuleError, is_dropped, validate_fault_rules
from mockserver.throttle import set_sleep
from tests.mockserver.conftest import BASIC, BASIC_HEADERS, OTHER, OTHER_HEADERS, V1, Api, make_app

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


@contextmanager
def live(app, threads: int = 4):
    """The app on a real waitress server at 127.0.0.1:<free port>; yields the V1.0 base URL."""
    server = build_server(app, "127.0.0.1", 0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}{V1}"
    finally:
        stop_server(server, thread, timeout=10)


def add(app, rule, **params):
    resp = app.test_client().post("/_mock/faults", json=rule, query_string=params)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["faults"]


def rules(app, **params):
    return app.test_client().get("/_mock/faults", query_string=params).get_json()["faults"]


@pytest.fixture
def fapp():
    return make_app()


@pytest.fixture
def fapi(fapp):
    return Api(fapp.test_client(), BASIC_HEADERS)


def test_status_fault_for_the_next_n_matches_then_normal_again(fapp, fapi):
    add(fapp, {"method": "post", "path": "/atservicesrest/v1.0/COMPANIES/query", "status": 500, "times": 2})
    statuses = [fapi.post("Companies/query", ALL).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    (rule,) = rules(fapp)
    assert rule["matched"] == 2 and rule["fired"] == 2 and rule["remaining"] == 0 and rule["active"] is False


def test_injected_status_body_and_headers(fapp, fapi):
    add(fapp, {"entity": "Companies", "kind": "item", "status": 503, "body": {"errors": ["busy"]}, "headers": {"X-Thing": "1"}})
    resp = fapi.get("Companies/1")
    assert resp.status_code == 503 and resp.get_json() == {"errors": ["busy"]} and resp.headers["X-Thing"] == "1"
    add(fapp, {"entity": "Contacts", "status": 429})
    resp = fapi.get("Contacts/20")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "60" and "errors" in resp.get_json()


def test_until_cleared_and_delete_by_id(fapp, fapi):
    (rule,) = add(fapp, {"path": "Companies/*", "status": 500})
    assert [fapi.get("Companies/1").status_code for _ in range(3)] == [500] * 3
    assert fapp.test_client().get(f"/_mock/faults/{rule['id']}").get_json()["fired"] == 3
    assert fapp.test_client().delete(f"/_mock/faults/{rule['id']}").status_code == 200
    assert fapi.get("Companies/1").status_code == 200
    assert fapp.test_client().delete("/_mock/faults/nope").status_code == 404


def test_matching_by_glob_regex_entity_and_method(fapp, fapi):
    add(fapp, {"pathRegex": r"/contacts/\d+$", "method": ["GET"], "status": 418})
    assert fapi.get("Contacts/20").status_code == 418
    assert fapi.get("Contacts/query?search=" + json.dumps(ALL)).status_code == 200
    assert fapi.get("Companies/1").status_code == 200
    fapp.test_client().delete("/_mock/faults")
    add(fapp, {"entity": "Company", "method": "PATCH", "status": 500})  # model name works too
    assert fapi.patch("Companies", {"id": 1, "phone": "1"}).status_code == 500
    assert fapi.get("Companies/1").get_json()["item"]["phone"] == "555-0100"  # not committed


def test_nth_call_only(fapp, fapi):
    add(fapp, {"entity": "Companies", "kind": "item", "nth": [2, 4], "status": 500})
    assert [fapi.get("Companies/1").status_code for _ in range(5)] == [200, 500, 200, 500, 200]


def test_tenant_scoped_rules(fapp, fapi):
    other = Api(fapp.test_client(), OTHER_HEADERS)
    add(fapp, {"entity": "Companies", "status": 500}, tenant="other")
    assert fapi.query("Companies")["items"]
    assert other.post("Companies/query", ALL).status_code == 500
    assert [r["id"] for r in rules(fapp, tenant="basic")] == []
    assert fapp.test_client().post("/_mock/faults?tenant=nobody", json={"status": 500}).status_code == 404


def test_probability_is_seeded_and_deterministic():
    def pattern(seed):
        app = make_app(fault_seed=seed)
        add(app, {"entity": "Companies", "kind": "item", "probability": 0.5, "status": 500})
        api = Api(app.test_client(), BASIC_HEADERS)
        return [api.get("Companies/1").status_code for _ in range(30)]

    first = pattern(7)
    assert first == pattern(7)
    assert 0 < first.count(500) < 30
    assert pattern(8) != first


def test_latency_goes_through_the_injectable_sleep(fapp, fapi):
    slept = []
    set_sleep(fapp, slept.append)
    add(fapp, {"entity": "Companies", "latency": 2.5, "times": 1})
    assert fapi.get("Companies/1").status_code == 200
    assert fapi.get("Companies/1").status_code == 200
    assert slept == [2.5]


def test_faults_appear_in_the_journal(fapp, fapi):
    add(fapp, {"id": "boom", "entity": "Companies", "status": 500})
    fapi.get("Companies/1")
    entries = fapp.test_client().get("/_mock/journal").get_json()["entries"]
    assert entries[0]["status"] == 500 and entries[0]["fault"].startswith("boom: status 500")


def test_omit_records_keeps_page_details_plausible(fapp, fapi):
    complete = fapi.query("Companies", maxRecords=2)
    add(fapp, {"entity": "Companies", "kind": "query", "omitRecords": {"ids": [2]}, "times": 1})
    short = fapi.query("Companies", maxRecords=2)
    assert [i["id"] for i in complete["items"]] == [1, 2]
    assert [i["id"] for i in short["items"]] == [1]
    assert short["pageDetails"]["count"] == 1
    assert short["pageDetails"]["nextPageUrl"] == complete["pageDetails"]["nextPageUrl"]  # paging goes on
    add(fapp, {"entity": "Companies", "omitRecords": 1, "seed": 1})
    page = fapi.query("Companies")
    assert len(page["items"]) == 2 and page["pageDetails"]["count"] == 2
    entries = fapp.test_client().get("/_mock/journal").get_json()["entries"]
    assert "omitted ids" in entries[0]["fault"]


def test_truncated_body_in_process(fapp, fapi):
    add(fapp, {"entity": "Companies", "truncate": {"bytes": 12}})
    resp = fapi.get("Companies/1")
    assert resp.status_code == 200 and len(resp.data) == 12
    with pytest.raises(ValueError):
        json.loads(resp.data)


def test_drop_in_process_carries_the_marker(fapp, fapi):
    add(fapp, {"entity": "Companies", "drop": True})
    resp = fapi.get("Companies/1")
    assert is_dropped(resp.headers) and resp.data == b""
    assert issubclass(DroppedConnection, requests.ConnectionError)


def test_over_a_real_server_drop_is_a_connection_error_and_commit_keeps_the_write():
    app = make_app()
    with live(app) as base:
        session = requests.Session()
        session.headers.update(BASIC_HEADERS)
        add(app, {"entity": "Companies", "kind": "item", "drop": True, "times": 1})
        with pytest.raises(requests.ConnectionError):
            session.get(f"{base}/Companies/1", timeout=10)
        assert session.get(f"{base}/Companies/1", timeout=10).status_code == 200

        add(app, {"entity": "Companies", "method": "POST", "kind": "collection", "drop": True, "commit": True, "times": 1})
        company = {"companyName": "Dropped Inc", "companyType": 1, "ownerResourceID": 101, "phone": "1"}
        with pytest.raises(requests.ConnectionError):
            session.post(f"{base}/Companies", json=company, timeout=10)
        found = session.post(f"{base}/Companies/query", json={"filter": [{"op": "eq", "field": "companyName", "value": "Dropped Inc"}]}, timeout=10)
        assert found.json()["pageDetails"]["count"] == 1  # the write happened; only the answer was lost

        add(app, {"entity": "Contacts", "truncate": {"fraction": 0.5, "keepLength": True}, "times": 1})
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            session.get(f"{base}/Contacts/20", timeout=10).json()
        assert session.get(f"{base}/Contacts/20", timeout=10).json()["item"]["id"] == 20


def fixture_with_faults(faults):
    doc = copy.deepcopy(yaml.safe_load(BASIC.read_text()))
    doc["faults"] = faults
    return doc


def test_fixture_faults_replay_and_reset_rearms_them():
    doc = fixture_with_faults([
        {"id": "flaky-page", "entity": "Companies", "kind": "query", "nth": 2, "status": 500},
        {"entity": "Contacts", "omitRecords": {"ids": [21]}},
    ])
    app = create_app(MockConfig(fixtures=[doc, str(OTHER)]))
    api = Api(app.test_client(), BASIC_HEADERS)
    listed = rules(app, tenant="basic")
    assert [(r["id"], r["source"]) for r in listed] == [("flaky-page", "fixture:basic"), ("basic-2", "fixture:basic")]
    assert [api.post("Companies/query", ALL).status_code for _ in range(3)] == [200, 500, 200]
    assert [i["id"] for i in api.query("Contacts")["items"]] == [20]
    assert app.test_client().post("/_mock/tenants/basic/reset").status_code == 200
    assert [api.post("Companies/query", ALL).status_code for _ in range(3)] == [200, 500, 200]
    # clearing disarms fixture rules until the next reset
    app.test_client().delete("/_mock/faults", query_string={"tenant": "basic"})
    assert [i["id"] for i in api.query("Contacts")["items"]] == [20, 21]


def test_invalid_rules_are_rejected_with_every_problem():
    assert validate_fault_rules([{"status": 99, "nth": 0, "bogus": 1}, {"entity": "Companies"}]) == [
        "faults[0]: fault #1: unknown key 'bogus' (known: id, description, method, path, pathRegex, entity, kind, "
        "tenant, integrationCode, userName, nth, probability, seed, times, latency, drop, status, body, headers, "
        "commit, omitRecords, truncate)",
        "faults[0]: fault #1: nth: must be a positive integer or a list of them (1 = the first matching call)",
        "faults[0]: fault #1: status: must be an HTTP status code (100-599)",
        "faults[0]: fault #1: a fault rule needs an action: latency, drop, status, omitRecords or truncate",
        "faults[1]: fault #2: a fault rule needs an action: latency, drop, status, omitRecords or truncate",
    ]
    with pytest.raises(FaultRuleError):
        create_app(MockConfig(fixtures=[fixture_with_faults([{"drop": True, "status": 500}])]))
    app = make_app()
    resp = app.test_client().post("/_mock/faults", json=[{"status": 500}, {"probability": 2, "status": 500}])
    assert resp.status_code == 400 and resp.get_json()["problems"]
    assert rules(app) == []  # all or nothing


def test_admin_token_protects_the_fault_endpoints():
    app = make_app(admin_token="t0k")
    client = app.test_client()
    assert client.get("/_mock/faults").status_code == 401
    assert client.post("/_mock/faults", json={"status": 500}).status_code == 401
    assert client.get("/_mock/faults", headers={"X-Mock-Admin-Token": "t0k"}).status_code == 200
    assert client.get("/_mock/faults", headers={"Authorization": "Bearer t0k"}).status_code == 200


def test_admin_calls_are_not_counted_or_faulted(fapp, fapi):
    add(fapp, {"path": "*", "status": 500})
    assert fapp.test_client().get("/_mock/faults").status_code == 200
    assert get_context(fapp).store.tenant("basic").threshold_count() == 0
