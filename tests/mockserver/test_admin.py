"""The /_mock/ admin API: tenants, reset, export, seed, clocks, journal, token, OpenAPI description."""

from __future__ import annotations

import json

import pytest
import yaml

from mockserver.admin.api import ADMIN_ENDPOINTS
from mockserver.admin.isolation import isolate_fixture
from mockserver.app import get_context
from mockserver.fixtures_loader import read_fixture
from tests.mockserver.conftest import BASIC, BASIC_HEADERS, V1, Api, make_app

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
NEW_COMPANY = {"companyName": "Initech", "companyType": 1, "ownerResourceID": 101, "phone": "555-0400"}


@pytest.fixture
def admin(app):
    return app.test_client()


def basic_doc():
    doc, _ = read_fixture(str(BASIC))
    return doc


# ---------------------------------------------------------------------------------------------- index, settings
def test_index_lists_endpoints_and_tenants(admin):
    body = admin.get("/_mock/").get_json()
    assert body["tenants"] == ["basic", "other"]
    listed = {(e["method"], e["path"]) for e in body["endpoints"]}
    assert {(m, p) for m, p, _ in ADMIN_ENDPOINTS} <= listed
    assert admin.get("/_mock").status_code == 200


def test_settings_are_public_settings(admin):
    body = admin.get("/_mock/settings").get_json()
    assert body["missing_item_status"] == 200
    assert body["journal_size"] == 1000
    assert "admin_token" not in body


def test_unknown_admin_path_is_a_json_404(admin):
    resp = admin.get("/_mock/nope")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "No admin endpoint GET /_mock/nope."


# ---------------------------------------------------------------------------------------------- tenants
def test_list_and_get_tenants(admin):
    tenants = admin.get("/_mock/tenants").get_json()["tenants"]
    assert [t["name"] for t in tenants] == ["basic", "other"]
    basic = admin.get("/_mock/tenants/basic").get_json()
    assert basic["credentials"] == {"userName": "sync@BASIC.APIUSER.com", "secret": "s3cret",
                                    "integrationCode": "TESTCODE", "resourceID": 100}
    assert basic["zone"] == 5 and basic["ci"] == 4242 and basic["zoneName"] == "Test Zone"
    assert basic["clock"] == {"now": "2026-01-01T00:00:00Z", "frozen": True}
    assert basic["records"]["Companies"] == 3
    assert basic["journal"] == {"kept": 0, "dropped": 0, "capacity": 1000}
    assert admin.get("/_mock/tenants/nobody").status_code == 404


def test_create_tenant_from_a_json_fixture_body(app, admin):
    doc = isolate_fixture(basic_doc(), "json1")
    resp = admin.post("/_mock/tenants", json=doc)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == "basic-json1"
    assert body["credentials"]["userName"] == "sync.json1@BASIC.APIUSER.com"
    assert body["credentials"]["integrationCode"] == "TESTCODEJSON1"
    api = Api(app.test_client(), {"UserName": "sync.json1@BASIC.APIUSER.com", "Secret": "s3cret",
                                  "ApiIntegrationCode": "TESTCODEJSON1"})
    assert len(api.query("Companies")["items"]) == 3


def test_create_tenant_from_a_yaml_body(admin):
    text = BASIC.read_text().replace("name: basic", "name: fromyaml").replace("BASIC.APIUSER", "YAML.APIUSER")
    resp = admin.post("/_mock/tenants", data=text, content_type="application/yaml")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["credentials"]["userName"] == "sync@YAML.APIUSER.com"


def test_create_tenant_from_a_named_fixture_isolated(admin):
    resp = admin.post("/_mock/tenants", json={"fixture": str(BASIC), "isolate": "t1"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["name"] == "basic-t1"
    again = admin.post("/_mock/tenants", json={"fixture": str(BASIC), "isolate": True})
    assert again.status_code == 201
    assert again.get_json()["name"].startswith("basic-") and again.get_json()["name"] != "basic-t1"


def test_create_tenant_with_a_name_and_conflicts(admin):
    resp = admin.post("/_mock/tenants", json={"fixture": str(BASIC), "name": "renamed", "isolate": "r"})
    assert resp.status_code == 201 and resp.get_json()["name"] == "renamed"
    # the same tenant name again: 409 unless replace
    dup = admin.post("/_mock/tenants", json={"fixture": str(BASIC), "name": "renamed", "isolate": "r2"})
    assert dup.status_code == 409
    assert admin.post("/_mock/tenants", json={"fixture": str(BASIC), "name": "renamed", "isolate": "r2",
                                              "replace": True}).status_code == 201
    # a user name that belongs to another tenant: 409
    clash = admin.post("/_mock/tenants?name=clash", json=basic_doc())
    assert clash.status_code == 409
    assert "already belongs to tenant 'basic'" in clash.get_json()["error"]


def test_create_tenant_errors(admin):
    bad = basic_doc()
    bad["tenant"]["name"] = "broken"
    bad["apiUsers"][0]["userName"] = "broken@x"
    bad["records"]["Contacts"][0]["companyID"] = 999
    resp = admin.post("/_mock/tenants", json=bad)
    assert resp.status_code == 400
    assert any("999" in p for p in resp.get_json()["problems"])
    assert admin.post("/_mock/tenants", json={"fixture": "no-such-fixture-anywhere"}).status_code == 404
    assert admin.post("/_mock/tenants", data="{not json", content_type="application/json").status_code == 400
    assert admin.post("/_mock/tenants", json=[1, 2]).status_code == 400
    assert admin.get("/_mock/tenants/broken").status_code == 404  # nothing half-built


def test_delete_tenant(app, admin, api):
    api.get("Companies/1")
    assert admin.delete("/_mock/tenants/basic").get_json() == {"removed": "basic"}
    assert api.get("Companies/1").status_code == 500  # the user is gone with the tenant
    assert admin.delete("/_mock/tenants/basic").status_code == 404
    from mockserver.journal import get_journal

    assert all(e["status"] == 500 for e in get_journal(app).entries("basic"))  # only the request after removal


# ---------------------------------------------------------------------------------------------- reset
def test_reset_one_tenant_restores_records_clock_and_clears_journal(app, admin, api):
    api.post("Companies", NEW_COMPANY)
    admin.put("/_mock/tenants/basic/clock", json={"now": "2030-01-01T00:00:00Z"})
    assert len(api.query("Companies")["items"]) == 4
    resp = admin.post("/_mock/tenants/basic/reset")
    assert resp.status_code == 200
    assert resp.get_json()["clock"]["now"] == "2026-01-01T00:00:00Z"
    assert resp.get_json()["journal"]["kept"] == 0
    assert len(api.query("Companies")["items"]) == 3
    assert admin.post("/_mock/tenants/nobody/reset").status_code == 404


def test_reset_all_and_remove_added(admin, api, other_api):
    admin.post("/_mock/tenants", json={"fixture": str(BASIC), "isolate": "added"})
    api.post("Companies", NEW_COMPANY)
    other_api.post("Companies", NEW_COMPANY)
    body = admin.post("/_mock/reset").get_json()
    assert body == {"reset": ["basic", "basic-added", "other"], "removed": []}
    assert len(api.query("Companies")["items"]) == 3
    assert len(other_api.query("Companies")["items"]) == 3
    body = admin.post("/_mock/reset", json={"removeAdded": True}).get_json()
    assert body == {"reset": ["basic", "other"], "removed": ["basic-added"]}
    assert admin.get("/_mock/journal").get_json()["count"] == 0


# ---------------------------------------------------------------------------------------------- export
def test_export_includes_api_writes(admin, api):
    api.post("Companies", NEW_COMPANY)
    exported = admin.get("/_mock/tenants/basic/export").get_json()
    assert {c["companyName"] for c in exported["records"]["Companies"]} == {"Initech", "Acme Corp", "acme corp", "Globex"}


def test_export_round_trips(admin):
    exported = admin.get("/_mock/tenants/basic/export").get_json()
    assert exported["format"] == "autotask-mock/tenant@1"
    assert exported["tenant"]["name"] == "basic"
    # load the export as a new tenant: it exports to the same document (apart from the names)
    copy = isolate_fixture(exported, "copy")
    assert admin.post("/_mock/tenants", json=copy).status_code == 201
    again = admin.get("/_mock/tenants/basic-copy/export").get_json()
    assert again["records"] == copy["records"]
    assert again["picklists"] == exported["picklists"]
    assert again["userDefinedFields"] == exported["userDefinedFields"]


def test_export_as_yaml(admin):
    resp = admin.get("/_mock/tenants/basic/export?format=yaml")
    assert resp.status_code == 200 and "yaml" in resp.content_type
    doc = yaml.safe_load(resp.get_data(as_text=True))
    assert doc["tenant"]["name"] == "basic"
    assert admin.get("/_mock/tenants/nobody/export").status_code == 404


# ---------------------------------------------------------------------------------------------- seed
def test_seed_records_through_business_rules(app, admin, api):
    resp = admin.post("/_mock/tenants/basic/records", json={
        "Companies": [NEW_COMPANY],
        "Contacts": [{"companyID": 1, "firstName": "Seeded", "lastName": "Person", "isActive": 1}],
    })
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()["created"]
    company_id = created["Companies"][0]
    company = api.get(f"Companies/{company_id}").get_json()["item"]
    assert company["companyName"] == "Initech"
    assert company["createDate"].startswith("2026-01-01T00:00:00")  # stamped with the tenant clock
    # the business rules ran: a new company gets its primary location
    locations = api.query("CompanyLocations", {"op": "eq", "field": "companyID", "value": company_id})["items"]
    assert [loc["isPrimary"] for loc in locations] == [True]
    # seeding is not an API call: not journaled, not counted against the threshold
    from mockserver.journal import get_journal

    assert get_journal(app).entries("basic", method="POST", path="Companies") == []
    threshold = api.get("ThresholdInformation").get_json()
    assert threshold["currentTimeframeRequestCount"] == 3  # the two reads above and this one


def test_seed_stops_at_the_first_invalid_record(admin):
    resp = admin.post("/_mock/tenants/basic/records", json={"records": {"Companies": [NEW_COMPANY, {"companyName": "X"}]}})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["entity"] == "Companies" and body["index"] == 1
    assert len(body["created"]["Companies"]) == 1
    assert "Value is required" in body["error"]
    assert admin.post("/_mock/tenants/basic/records", json={"Nope": [{}]}).status_code == 400
    assert admin.post("/_mock/tenants/basic/records", json=[1]).status_code == 400


# ---------------------------------------------------------------------------------------------- clock
def test_clock_get_set_advance(admin, api):
    assert admin.get("/_mock/tenants/basic/clock").get_json() == {"now": "2026-01-01T00:00:00Z", "frozen": True}
    resp = admin.put("/_mock/tenants/basic/clock", json={"now": "2026-03-01T12:00:00Z", "frozen": True})
    assert resp.get_json() == {"now": "2026-03-01T12:00:00Z", "frozen": True}
    resp = admin.post("/_mock/tenants/basic/clock/advance", json={"days": 1, "hours": 2, "minutes": 3, "seconds": 4})
    assert resp.get_json()["now"] == "2026-03-02T14:03:04Z"
    created = api.post("Companies", NEW_COMPANY).get_json()["itemId"]
    assert api.get(f"Companies/{created}").get_json()["item"]["createDate"].startswith("2026-03-02T14:03:04")
    # the other tenant's clock did not move
    assert admin.get("/_mock/tenants/other/clock").get_json()["now"] == "2026-01-01T00:00:00Z"


def test_clock_unfreeze_and_errors(admin):
    resp = admin.put("/_mock/tenants/basic/clock", json={"frozen": False})
    assert resp.get_json()["frozen"] is False
    assert resp.get_json()["now"].startswith("2026-01-01T00:00:00")
    assert admin.put("/_mock/tenants/basic/clock", json={}).status_code == 400
    assert admin.put("/_mock/tenants/basic/clock", json={"now": "yesterday"}).status_code == 400
    assert admin.post("/_mock/tenants/basic/clock/advance", json={}).status_code == 400
    assert admin.post("/_mock/tenants/basic/clock/advance", json={"days": "x"}).status_code == 400
    assert admin.get("/_mock/tenants/nobody/clock").status_code == 404


def test_all_clocks(admin):
    body = admin.post("/_mock/clock/advance", json={"hours": 1}).get_json()
    assert body == {"tenants": {"basic": {"now": "2026-01-01T01:00:00Z", "frozen": True},
                                "other": {"now": "2026-01-01T01:00:00Z", "frozen": True}}}
    assert admin.get("/_mock/clock").get_json() == body


def test_advancing_the_clock_moves_the_threshold_window(admin, api):
    api.get("Companies/1")
    assert api.get("ThresholdInformation").get_json()["currentTimeframeRequestCount"] == 2
    admin.post("/_mock/tenants/basic/clock/advance", json={"hours": 2})
    assert api.get("ThresholdInformation").get_json()["currentTimeframeRequestCount"] == 1


# ---------------------------------------------------------------------------------------------- journal
def test_journal_endpoints_filter_and_clear(admin, api, other_api):
    api.post("Companies/query", ALL)
    api.get("Companies/1")
    other_api.get("Contacts/20")
    body = admin.get("/_mock/tenants/basic/journal").get_json()
    assert body["count"] == 2 and body["kept"] == 2 and body["capacity"] == 1000
    assert [e["method"] for e in body["entries"]] == ["GET", "POST"]  # newest first
    assert admin.get("/_mock/tenants/basic/journal?method=POST").get_json()["count"] == 1
    assert admin.get("/_mock/tenants/basic/journal?path=companies/1").get_json()["count"] == 1
    assert admin.get("/_mock/journal?entity=Contacts").get_json()["entries"][0]["tenant"] == "other"
    assert admin.get("/_mock/journal").get_json()["count"] == 3
    assert admin.get("/_mock/journal?tenant=other").get_json()["count"] == 1
    assert admin.get("/_mock/journal?limit=1").get_json()["count"] == 1
    first_seq = body["entries"][-1]["seq"]
    assert admin.get(f"/_mock/journal?sinceSeq={first_seq}").get_json()["count"] == 2
    assert admin.get("/_mock/journal?limit=x").status_code == 400
    assert admin.delete("/_mock/tenants/basic/journal").get_json() == {"cleared": 2}
    assert admin.get("/_mock/journal").get_json()["count"] == 1
    assert admin.delete("/_mock/journal").get_json() == {"cleared": 1}
    assert admin.get("/_mock/tenants/nobody/journal").status_code == 404


def test_journal_of_unattributed_requests(app, admin):
    app.test_client().get(f"{V1}/Companies/1", headers={"UserName": "ghost"})
    body = admin.get("/_mock/journal?tenant=").get_json()
    assert body["count"] == 1 and body["entries"][0]["user"] == "ghost"
    assert admin.delete("/_mock/journal?tenant=").get_json() == {"cleared": 1}


# ---------------------------------------------------------------------------------------------- not API calls
def test_admin_calls_are_never_counted_or_journaled(app, admin, api):
    for _ in range(5):
        admin.get("/_mock/tenants")
        admin.get("/_mock/tenants/basic/journal")
        admin.post("/_mock/tenants/basic/clock/advance", json={"seconds": 1})
    assert api.get("ThresholdInformation").get_json()["currentTimeframeRequestCount"] == 1
    body = admin.get("/_mock/journal").get_json()
    assert [e["path"] for e in body["entries"]] == [f"{V1}/ThresholdInformation"]


def test_admin_is_exempt_from_a_tiny_threshold():
    app = make_app(request_threshold=1)
    admin = app.test_client()
    for _ in range(3):
        assert admin.get("/_mock/tenants/basic").status_code == 200
    assert get_context(app).store.tenant("basic").threshold_count() == 0


# ---------------------------------------------------------------------------------------------- token
def test_token_required_when_configured():
    app = make_app(admin_token="s3cr3t-token")
    client = app.test_client()
    resp = client.get("/_mock/tenants")
    assert resp.status_code == 401
    assert "X-Mock-Admin-Token" in resp.get_json()["error"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/_mock/tenants", headers={"X-Mock-Admin-Token": "wrong"}).status_code == 401
    assert client.post("/_mock/reset", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/_mock/tenants", headers={"X-Mock-Admin-Token": "s3cr3t-token"}).status_code == 200
    assert client.get("/_mock/tenants", headers={"Authorization": "Bearer s3cr3t-token"}).status_code == 200
    # the API itself does not take the admin token
    assert Api(client, BASIC_HEADERS).get("Companies/1").status_code == 200


def test_without_a_token_only_loopback_clients_are_admitted(app):
    client = app.test_client()
    remote = client.get("/_mock/tenants", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 401
    assert "loopback" in remote.get_json()["error"]
    assert client.get("/_mock/tenants", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/_mock/tenants", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


# ---------------------------------------------------------------------------------------------- OpenAPI
def test_admin_paths_are_in_the_openapi_documents(admin):
    doc = admin.get("/ATServicesRest/swagger/docs/v1").get_json()
    embedded = doc["x-autotask-mock-admin"]
    assert embedded["basePath"] == "/_mock"
    for method, path, _ in ADMIN_ENDPOINTS:
        rel = path[len("/_mock"):] or "/"
        assert method.lower() in embedded["paths"][rel], (method, path)
    # the admin paths stay out of the Autotask paths (fuzzers must not reset tenants)
    assert not any(p.startswith("/_mock") for p in doc["paths"])
    standalone = admin.get("/_mock/openapi.json").get_json()
    assert standalone["paths"] == embedded["paths"]
    op = standalone["paths"]["/tenants/{tenant}/clock"]["put"]
    assert op["operationId"] == "Admin_SetClock"
    assert {p["name"] for p in op["parameters"]} == {"tenant", "body", "X-Mock-Admin-Token"}
    json.dumps(standalone)  # serialisable


def test_admin_document_is_valid_swagger(admin):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(admin.get("/_mock/openapi.json").get_json())
