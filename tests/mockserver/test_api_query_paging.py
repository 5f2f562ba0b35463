"""Queries, counts, paging and metadata over HTTP (autotask-api.md §4, §5, §7)."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlparse

from tests.mockserver.conftest import BASIC_HEADERS, Api, make_app

COMPANY = {"companyType": 1, "ownerResourceID": 101, "phone": "555"}


def _bulk_companies(api: Api, n: int, prefix: str = "Bulk") -> list[int]:
    return [api.post("Companies", {**COMPANY, "companyName": f"{prefix} {i:05d}"}).get_json()["itemId"] for i in range(n)]


def test_get_query_with_search_and_post_query_agree(api):
    search = {"filter": [{"op": "beginsWith", "field": "companyName", "value": "acme"}]}
    by_get = api.get(f"Companies/query?search={json.dumps(search)}").get_json()
    by_post = api.post("Companies/query", search).get_json()
    assert [i["id"] for i in by_get["items"]] == [i["id"] for i in by_post["items"]] == [1, 3]
    assert by_get["pageDetails"] == {"count": 2, "requestCount": 500, "prevPageUrl": None, "nextPageUrl": None}


def test_string_comparisons_are_case_insensitive_like_sql_server(api):
    found = api.query("Companies", {"op": "eq", "field": "companyName", "value": "ACME CORP"})
    assert [i["id"] for i in found["items"]] == [1, 3]


def test_nested_and_or_groups_and_field_names_case_insensitive(api):
    found = api.query("Companies", {"op": "or", "items": [
        {"op": "eq", "field": "CompanyName", "value": "Globex"},
        {"op": "and", "items": [{"op": "eq", "field": "ID", "value": "3"}, {"op": "exist", "field": "parentCompanyID"}]},
    ]})
    assert [i["id"] for i in found["items"]] == [2, 3]


def test_all_operators_are_accepted(api):
    ops = [
        {"op": "eq", "field": "id", "value": 1}, {"op": "noteq", "field": "id", "value": 2},
        {"op": "gt", "field": "id", "value": 0}, {"op": "gte", "field": "id", "value": 1},
        {"op": "lt", "field": "id", "value": 9}, {"op": "lte", "field": "id", "value": 1},
        {"op": "beginsWith", "field": "companyName", "value": "Ac"}, {"op": "endsWith", "field": "companyName", "value": "rp"},
        {"op": "contains", "field": "companyName", "value": "me C"}, {"op": "exist", "field": "city"},
        {"op": "notExist", "field": "parentCompanyID"}, {"op": "in", "field": "id", "value": [1, 2]},
        {"op": "notIn", "field": "id", "value": [3]},
    ]
    found = api.query("Companies", *ops)
    assert [i["id"] for i in found["items"]] == [1]


def test_udf_filter(api):
    found = api.query("ConfigurationItems", {"op": "eq", "field": "MAC Address", "value": "00:1a:2b:3c:4d:5e", "udf": True})
    assert [i["id"] for i in found["items"]] == [40]


def test_include_fields_projects(api):
    found = api.query("Companies", {"op": "eq", "field": "id", "value": 1}, includeFields=["CompanyName", "city"])
    assert found["items"] == [{"id": 1, "companyName": "Acme Corp", "city": "Springfield",
                               "userDefinedFields": [{"name": "Number of Employees", "value": "42"}]}]


def test_include_fields_udfs_named_setting():
    named = Api(make_app(include_fields_udfs="named").test_client(), BASIC_HEADERS)
    found = named.query("Companies", {"op": "eq", "field": "id", "value": 1}, includeFields=["city"])
    assert found["items"] == [{"id": 1, "city": "Springfield", "userDefinedFields": []}]
    found = named.query("Companies", {"op": "eq", "field": "id", "value": 1}, includeFields=["city", "number of employees"])
    assert found["items"][0]["userDefinedFields"] == [{"name": "Number of Employees", "value": "42"}]


def test_query_errors_are_autotask_shaped(api):
    for body in ({"filter": []}, {}, {"filter": [{"op": "eq", "field": "nope", "value": 1}]},
                 {"filter": [{"op": "like", "field": "id", "value": 1}]},
                 {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 501},
                 {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 0},
                 {"filter": [{"op": "eq", "field": "isActive", "value": "yes"}]}):
        resp = api.post("Companies/query", body)
        assert resp.status_code == 500, body
        assert resp.get_json()["errors"], body
    assert api.get("Companies/query").status_code == 500  # search is required


def test_count(api):
    resp = api.post("Companies/query/count", {"filter": [{"op": "gte", "field": "id", "value": 0}]})
    assert resp.get_json() == {"queryCount": 3}
    search = json.dumps({"filter": [{"op": "eq", "field": "companyType", "value": 1}]})
    assert api.get(f"Companies/query/count?search={search}").get_json() == {"queryCount": 2}


def test_paging_after_post_posts_the_same_body(api):
    created = _bulk_companies(api, 1203)
    body = {"filter": [{"op": "beginsWith", "field": "companyName", "value": "Bulk"}]}
    page = api.post("Companies/query", body).get_json()
    seen = [i["id"] for i in page["items"]]
    assert page["pageDetails"]["count"] == 500 and page["pageDetails"]["prevPageUrl"] is None
    next_url = page["pageDetails"]["nextPageUrl"]
    assert next_url.startswith("http://localhost/ATServicesRest/V1.0/Companies/query/next?paging=")
    assert "%7b%22pagesize%22" in next_url.lower() and "%7b" in next_url  # .NET-style lower-case escapes
    assert api.get(next_url).status_code == 405  # GET on a POST query's next page, as the real API
    pages = 1
    while next_url:
        page = api.post(next_url, body).get_json()
        pages += 1
        seen += [i["id"] for i in page["items"]]
        assert page["pageDetails"]["prevPageUrl"]
        next_url = page["pageDetails"]["nextPageUrl"]
    assert pages == 3 and seen == created


def test_paging_after_get_follows_next_with_get(api):
    created = _bulk_companies(api, 600)
    search = json.dumps({"filter": [{"op": "beginsWith", "field": "companyName", "value": "Bulk"}], "MaxRecords": 250})
    page = api.get(f"Companies/query?search={search}").get_json()
    seen = [i["id"] for i in page["items"]]
    while page["pageDetails"]["nextPageUrl"]:
        url = page["pageDetails"]["nextPageUrl"]
        assert parse_qs(urlparse(url).query)["search"]
        page = api.get(url).get_json()
        assert page["pageDetails"]["requestCount"] == 250
        seen += [i["id"] for i in page["items"]]
    assert seen == created
    prev = page["pageDetails"]["prevPageUrl"]
    back = api.get(prev).get_json()
    assert [i["id"] for i in back["items"]] == created[250:500]


def test_id_requery_paging_is_gap_free_while_records_are_created(app):
    """autotask-client style paging (re-query with id > last id) sees every pre-existing record once."""
    api = Api(app.test_client(), BASIC_HEADERS)
    before = _bulk_companies(api, 1100, "Seed")
    stop = threading.Event()
    created_during: list[int] = []

    def writer():
        writer_api = Api(app.test_client(), BASIC_HEADERS)
        while not stop.is_set() and len(created_during) < 300:
            created_during.append(writer_api.post("Companies", {**COMPANY, "companyName": "Seed late"}).get_json()["itemId"])

    thread = threading.Thread(target=writer)
    thread.start()
    seen: list[int] = []
    last = 0
    while True:
        page = api.query("Companies", {"op": "gt", "field": "id", "value": last},
                         {"op": "beginsWith", "field": "companyName", "value": "Seed"})
        ids = [i["id"] for i in page["items"]]
        seen += ids
        if len(ids) < 500:
            break
        last = ids[-1]
    stop.set()
    thread.join()
    assert seen == sorted(set(seen))  # ascending, no duplicates
    assert set(before) <= set(seen)  # nothing that existed is skipped
    assert set(seen) <= set(before) | set(created_during)


def test_child_listing_is_paged_like_a_query(api):
    body = api.get("Companies/1/Contacts").get_json()
    assert [c["id"] for c in body["items"]] == [20, 21] and body["pageDetails"]["count"] == 2


def test_entity_information(api):
    info = api.get("Companies/entityInformation").get_json()["info"]
    assert info["name"] == "Company" and info["canCreate"] and info["canUpdate"] and not info["canDelete"]
    assert info["canQuery"] and info["hasUserDefinedFields"] and info["supportsWebhookCallouts"]
    contacts = api.get("Contacts/entityInformation").get_json()["info"]
    assert contacts["canCreate"] and contacts["canDelete"]
    assert api.get("Companies/1/Contacts/entityInformation").get_json()["info"]["name"] == "Contact"


def test_field_metadata_with_tenant_picklists(api):
    fields = {f["name"]: f for f in api.get("Companies/entityInformation/fields").get_json()["fields"]}
    company_type = fields["companyType"]
    assert company_type["isPickList"] and company_type["isRequired"]
    assert {"value": "1", "label": "Customer"}.items() <= company_type["picklistValues"][0].items()
    assert fields["companyName"]["dataType"] == "string" and fields["companyName"]["length"] == 100
    assert fields["id"]["isReadOnly"] and fields["ownerResourceID"]["isReference"]
    assert fields["ownerResourceID"]["referenceEntityType"] == "Resource"
    ci_fields = {f["name"]: f for f in api.get("ConfigurationItems/entityInformation/fields").get_json()["fields"]}
    labels = [p["label"] for p in ci_fields["configurationItemType"]["picklistValues"]]
    assert labels == ["Workstation", "Server"]
    statuses = {f["name"]: f for f in api.get("Tickets/entityInformation/fields").get_json()["fields"]}["status"]
    assert [p["label"] for p in statuses["picklistValues"]] == ["New", "Complete"]


def test_udf_metadata(api):
    fields = api.get("ConfigurationItems/entityInformation/userDefinedFields").get_json()["fields"]
    assert [f["name"] for f in fields] == ["MAC Address", "Local Admin Password"]
    assert fields[0]["type"] == "string" and fields[0]["length"] == 100


def test_threshold_information_counts_requests(api):
    first = api.get("ThresholdInformation").get_json()
    api.get("Companies/1")
    second = api.get("ThresholdInformation").get_json()
    assert first["externalRequestThreshold"] == 10000 and first["requestThresholdTimeframe"] == 60
    assert second["currentTimeframeRequestCount"] == first["currentTimeframeRequestCount"] + 2


def test_every_root_entity_answers_query_count_and_entity_information(api, app):
    from mockserver.app import get_context

    catalog = get_context(app).catalog
    names = [e.name for e in catalog if e.root_query]
    assert len(names) >= 156
    for name in names:
        assert api.post(f"{name}/query", {"filter": [{"op": "gte", "field": "id", "value": 0}]}).status_code == 200, name
        counted = api.post(f"{name}/query/count", {"filter": [{"op": "gte", "field": "id", "value": 0}]}).get_json()
        assert isinstance(counted["queryCount"], int), name
        assert api.get(f"{name}/entityInformation").status_code == 200, name
        assert api.get(f"{name}/entityInformation/fields").status_code == 200, name
        assert api.get(f"{name}/1").status_code == 200, name


def test_every_child_url_of_the_spec_is_routed(api, app):
    """Child collections answer their entityInformation; verbs the spec lacks get 405, never 404."""
    from mockserver.app import get_context

    catalog = get_context(app).catalog
    children = [c for e in catalog for c in e.child_paths]
    assert len(children) >= 90
    for child in children:
        base = f"{child.parent}/1/{child.segment}"
        assert api.get(f"{base}/entityInformation").status_code == 200, base
        for verb in ("POST", "PATCH", "PUT"):
            if verb not in child.methods:
                assert api.call(verb, base, {}).status_code == 405, (verb, base)
        if "DELETE" not in child.item_methods:
            assert api.delete(f"{base}/1").status_code == 405, base


def test_eq_ignores_trailing_spaces_like_sql_server_ansi_padding(api):
    found = api.query("Companies", {"op": "eq", "field": "companyName", "value": "Globex "})
    assert [i["id"] for i in found["items"]] == [2]
    found = api.query("Companies", {"op": "endsWith", "field": "companyName", "value": "Globex "})
    assert found["items"] == []


def test_unknown_operator_can_be_ignored_like_a_live_report_says():
    lenient = Api(make_app(unknown_operator="ignore").test_client(), BASIC_HEADERS)
    found = lenient.query("Companies", {"op": "ne", "field": "id", "value": 1}, {"op": "eq", "field": "id", "value": 2})
    assert [i["id"] for i in found["items"]] == [2]
