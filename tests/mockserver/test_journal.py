"""The request journal: what each entry records, bounds, attribution, and the pure matching helpers."""

from __future__ import annotations

import json

import pytest

from mockserver import journal as J
from mockserver.app import get_context
from mockserver.journal import Journal, get_journal
from tests.mockserver.conftest import BASIC_HEADERS, OTHER_HEADERS, V1, Api, make_app

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def entries(app, tenant="basic"):
    return get_journal(app).entries(tenant)


# ---------------------------------------------------------------------------------------------- recording
def test_entry_records_every_documented_field(app, api):
    resp = api.post("Companies/query?x=1", ALL)
    assert resp.status_code == 200
    [entry] = entries(app)
    assert entry["seq"] >= 1
    assert entry["time"] == "2026-01-01T00:00:00Z"  # the tenant clock (frozen in basic.yaml)
    assert entry["method"] == "POST"
    assert entry["path"] == f"{V1}/Companies/query"
    assert entry["query"] == "x=1"
    assert entry["entity"] == "Companies"
    assert entry["kind"] == "query"
    assert entry["tenant"] == "basic"
    assert entry["user"] == BASIC_HEADERS["UserName"]
    assert entry["status"] == 200
    assert isinstance(entry["durationMs"], float) and entry["durationMs"] >= 0
    assert json.loads(entry["requestBody"]) == ALL
    assert entry["requestBodySize"] == len(json.dumps(ALL))
    assert entry["requestBodyTruncated"] is False
    assert entry["responseSize"] == len(resp.get_data())
    assert entry["fault"] is None


def test_newest_first_and_filterable(app, api):
    api.post("Companies/query", ALL)
    api.get("Companies/1")
    api.post("Contacts/query", ALL)
    got = entries(app)
    assert [e["path"].rsplit("/", 2)[-2:] for e in got] == [["Contacts", "query"], ["Companies", "1"], ["Companies", "query"]]
    assert [e["seq"] for e in got] == sorted((e["seq"] for e in got), reverse=True)
    journal = get_journal(app)
    assert [e["entity"] for e in journal.entries("basic", method="post")] == ["Contacts", "Companies"]
    assert len(journal.entries("basic", path="companies/QUERY")) == 1
    assert len(journal.entries("basic", entity="companies")) == 2
    assert len(journal.entries("basic", path="*/Companies/*")) == 2
    assert len(journal.entries("basic", limit=1)) == 1


def test_request_body_is_truncated_to_the_configured_limit():
    app = make_app(journal_body_limit=10)
    Api(app.test_client(), BASIC_HEADERS).post("Companies/query", ALL)
    [entry] = entries(app)
    assert entry["requestBody"] == json.dumps(ALL)[:10]
    assert entry["requestBodyTruncated"] is True
    assert entry["requestBodySize"] == len(json.dumps(ALL))


def test_journal_is_bounded_per_tenant():
    app = make_app(journal_size=3)
    api = Api(app.test_client(), BASIC_HEADERS)
    other = Api(app.test_client(), OTHER_HEADERS)
    for i in range(5):
        api.get(f"Companies/{i + 1}")
    other.get("Companies/1")
    got = entries(app)
    assert [e["path"][-1] for e in got] == ["5", "4", "3"]
    assert get_journal(app).stats("basic") == {"kept": 3, "dropped": 2, "capacity": 3}
    assert len(entries(app, "other")) == 1  # the other tenant's budget is its own


def test_refused_requests_are_journaled_and_attributed(app, api):
    client = app.test_client()
    client.get(f"{V1}/Companies/query", headers={**BASIC_HEADERS, "Secret": "wrong"})  # 401
    client.get(f"{V1}/Companies/query", headers={**BASIC_HEADERS, "ApiIntegrationCode": "nope"})  # 500
    api.get("Companies/query/next")  # bad paging -> error before any handler
    api.get("NoSuchEntity/query")  # ASP.NET 404
    api.delete("Companies")  # 405
    got = {(e["status"], e["path"].split("/V1.0/")[-1]) for e in entries(app)}
    assert (401, "Companies/query") in got
    assert (404, "NoSuchEntity/query") in got
    assert (405, "Companies") in got
    assert all(e["tenant"] == "basic" for e in entries(app))


def test_zone_lookup_is_attributed_by_its_user_parameter(app):
    client = app.test_client()
    resp = client.get(f"{V1}/zoneInformation?user=sync%40OTHER.APIUSER.com", headers={"Host": "webservices.autotask.net"})
    assert resp.status_code == 200
    [entry] = entries(app, "other")
    assert entry["kind"] == "zone" and entry["user"] == "sync@OTHER.APIUSER.com" and entry["host"] == "webservices.autotask.net"
    assert entries(app) == []


def test_unknown_users_go_to_the_unattributed_list(app):
    app.test_client().get(f"{V1}/Companies/1", headers={**BASIC_HEADERS, "UserName": "ghost@nowhere"})
    [entry] = get_journal(app).entries(None)
    assert entry["tenant"] is None and entry["user"] == "ghost@nowhere" and entry["status"] == 500
    assert entries(app) == []
    assert [e["seq"] for e in get_journal(app).entries()] == [entry["seq"]]  # "all" includes it


def test_admin_calls_are_not_journaled(app, api):
    client = app.test_client()
    client.get("/_mock/tenants")
    client.post("/_mock/tenants/basic/clock/advance", json={"seconds": 1})
    client.get("/_mock/journal")
    assert get_journal(app).entries() == []


def test_fault_annotation_from_a_wrapper_is_recorded(app, api):
    ctx = get_context(app)

    def annotate(call, proceed):
        call.extra["fault"] = {"id": "f1", "status": 503}
        return proceed()

    ctx.wrappers.append(annotate)
    api.get("Companies/1")
    assert entries(app)[0]["fault"] == {"id": "f1", "status": 503}


def test_clear_one_tenant_or_all(app, api, other_api):
    api.get("Companies/1")
    other_api.get("Companies/1")
    journal = get_journal(app)
    assert journal.clear("basic") == 1
    assert entries(app) == [] and len(entries(app, "other")) == 1
    journal.clear()
    assert journal.entries() == []


# ---------------------------------------------------------------------------------------------- pure helpers
@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/ATServicesRest/V1.0/Companies/query", "/atservicesrest/v1.0/companies/query", True),
        ("Companies/query", "/ATServicesRest/V1.0/Companies/query/", True),
        ("companies//query", "/ATServicesRest/V1.0/Companies/query", True),
        ("Companies/query", "/ATServicesRest/V1.0/Companies/query/next", False),
        ("query", "/ATServicesRest/V1.0/Companies/query", True),
        ("ies/query", "/ATServicesRest/V1.0/Companies/query", False),  # whole segments only
        ("*/Companies/*", "/ATServicesRest/V1.0/Companies/query/next", True),
        ("Companies/query*", "/ATServicesRest/V1.0/Companies/query/next", True),
        ("/V1.0/Companies/query*", "/ATServicesRest/V1.0/Companies/query", False),  # anchored glob
        ("https://webservices5.autotask.net/ATServicesRest/V1.0/Companies/1", "/ATServicesRest/V1.0/Companies/1", True),
    ],
)
def test_path_matches(pattern, path, expected):
    assert J.path_matches(pattern, path) is expected


def _entry(seq, method, path, status=200, entity=None):
    return {"seq": seq, "method": method, "path": path, "status": status, "entity": entity, "query": ""}


LOG = [
    _entry(3, "POST", "/ATServicesRest/V1.0/Companies/query/next", entity="Companies"),
    _entry(2, "POST", "/ATServicesRest/V1.0/Companies/query", entity="Companies"),
    _entry(1, "GET", "/ATServicesRest/V1.0/zoneInformation"),
]


def test_check_called_ok_and_count():
    assert J.check_called(LOG, "POST", "Companies/query") is None
    assert J.check_called(LOG, "post", "/atservicesrest/v1.0/companies/QUERY", times=1) is None
    message = J.check_called(LOG, "POST", "*/Companies/query*", times=1)
    assert message is not None
    assert message.startswith("count differs: expected POST */Companies/query* to be called 1 time(s), it was called 2 time(s)")
    assert "#3 POST /ATServicesRest/V1.0/Companies/query/next" in message


def test_check_called_explains_near_misses_closest_first():
    message = J.check_called(LOG, "GET", "Companies/query")
    assert message is not None
    lines = message.splitlines()
    assert lines[0] == "expected GET Companies/query to be called at least once, but no request matched."
    assert lines[1] == "Closest of the 3 request(s) that did arrive:"
    # the POST to the very path is the nearest: only its method differs
    assert lines[2].strip().startswith("#2 POST /ATServicesRest/V1.0/Companies/query")
    assert lines[3].strip() == "- method differs: expected GET, got POST"
    assert "path differs (case-insensitive compare): expected Companies/query, got /ATServicesRest/V1.0/zoneInformation" in message


def test_check_called_with_empty_journal_and_times_zero():
    assert J.check_called([], "GET", "Companies/1") == (
        "expected GET Companies/1 to be called at least once, but no request matched.\nNo request arrived at all."
    )
    assert J.check_called(LOG, "DELETE", "Companies/1", times=0) is None


def test_check_not_called():
    assert J.check_not_called(LOG, "DELETE") is None
    message = J.check_not_called(LOG, "POST", "Companies/query")
    assert message is not None and message.startswith("expected POST Companies/query not to be called, but it was called 1 time(s)")


def test_entity_and_status_criteria():
    log = [_entry(1, "GET", "/x/V1.0/Companies/1", status=500, entity="Companies")]
    reasons = J.mismatch_reasons(log[0], "GET", "Companies/1", entity="Contacts", status=200)
    assert reasons == ["entity differs: expected Contacts, got Companies", "status differs: expected 200, got 500"]
    assert J.find_calls(log, status=500) == log


def test_closest_calls_is_pure_and_limited():
    got = J.closest_calls(LOG, "POST", "Companies/query", limit=2)
    assert [(e["seq"], r) for e, r in got][0] == (2, [])
    assert len(got) == 2
    assert LOG[0]["seq"] == 3  # input untouched


def test_explain_lists_matches():
    text = J.explain(LOG, "POST", "Companies/query")
    assert text.startswith("1 request(s) matched POST Companies/query:")


def test_filters_from_args():
    assert J.filters_from_args({"method": "GET", "limit": "5", "sinceSeq": "3", "status": "200", "x": "y", "path": ""}) == {
        "method": "GET", "limit": 5, "since_seq": 3, "status": 200}
    with pytest.raises(ValueError):
        J.filters_from_args({"limit": "many"})


def test_journal_class_directly():
    journal = Journal(size=2)
    for i in range(3):
        journal.record({"tenant": "t", "method": "GET", "path": f"/p/{i}", "status": 200})
    assert [e["path"] for e in journal.entries("t")] == ["/p/2", "/p/1"]
    assert journal.last_seq == 3
    assert journal.entries("t", since_seq=2) == [journal.entries("t")[0]]
