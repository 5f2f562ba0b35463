"""py-autotask 2.3.0 (PyPI) against the live mock.

Configured only with ``AutotaskClient.create(username=, integration_code=, secret=, api_url=<mock>/ATServicesRest)``;
the client then calls ``{api_url}/v1.0/{Entity}/...`` (lower-case version segment).

What this client cannot do against any server, by design (documented, not tested as failures of the mock):
* zone lookup: hard-wired to https://webservices.autotask.net/...; the only supported override (``api_url``)
  skips it. test_zone_response_parses_into_client_model still checks the mock's zone answer with the client's
  own code by pointing the class constant ``AutotaskAuth.ZONE_INFO_URL`` at the mock.
* paging: ``query_all`` never follows ``nextPageUrl`` (it tries to set ``offset`` on a pydantic model, fails
  and returns page 1). Paging past 1,000 records works with the caller looping ``id > last id`` through
  ``companies.query``, which is what test_paging_past_1000_records does.
* update is ``PATCH /{Entity}/{id}`` (not in the real API; the mock accepts it while item_url_writes=True).
* ``contacts.create_contact`` POSTs to the root ``/Contacts`` with invented PascalCase names: the real API has
  no such route; creating a contact under a company works through the ``CompanyContacts`` child handler.
"""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():  # the package's pydantic-v1-style models warn at import
    warnings.simplefilter("ignore")
    pytest.importorskip("py_autotask", reason="py-autotask not installed (pip install py-autotask==2.3.0)")
    from py_autotask.auth import AutotaskAuth
    from py_autotask.client import AutotaskClient
    from py_autotask.exceptions import AutotaskAPIError, AutotaskAuthError
    from py_autotask.types import EntityMetadata, FieldMetadata, QueryResponse

# entities.count passes filter dicts where its pydantic model expects QueryFilter objects (serialises fine).
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydantic.main")

COMPANY_NAME = "PyAutotask Acceptance Co"


def make_client(live_mock, credentials, **overrides) -> AutotaskClient:
    kwargs = {**credentials, "api_url": f"{live_mock.base_url}/ATServicesRest", **overrides}
    return AutotaskClient.create(**kwargs)


@pytest.fixture(scope="module")
def client(live_mock, credentials):
    with make_client(live_mock, credentials) as c:
        yield c


@pytest.fixture(scope="module")
def company_id(client, facts) -> int:
    created = client.companies.create(
        {"companyName": COMPANY_NAME, "companyType": 1, "ownerResourceID": facts.owner_resource_id,
         "phone": "555-0300", "city": "Pyville"}
    )
    return created.item_id


def test_create(company_id, facts):
    assert isinstance(company_id, int) and company_id > facts.bulk_last_id


def test_get(client, company_id):
    item = client.companies.get(company_id)
    assert item["id"] == company_id
    assert (item["companyName"], item["companyType"], item["city"]) == (COMPANY_NAME, 1, "Pyville")
    assert client.get("Companies", 987654321) is None  # {"item": null} -> None


def test_query_with_filters(client, facts):
    response = client.companies.query(
        [
            {"op": "beginsWith", "field": "companyName", "value": f"{facts.bulk_prefix} 00"},
            {"op": "eq", "field": "companyType", "value": "1"},  # string value, as the client's examples send
        ],
        include_fields=["id", "companyName"],
    )
    assert isinstance(response, QueryResponse)  # pageDetails.count / requestCount are required by its model
    assert [i["companyName"] for i in response.items] == [f"{facts.bulk_prefix} {n:04d}" for n in range(1, 100, 2)]
    assert set(response.items[0]) == {"id", "companyName", "userDefinedFields"}
    assert (response.page_details.count, response.page_details.request_count) == (50, 500)
    assert response.page_details.next_page_url is None

    in_list = client.query("Companies", filters=[{"op": "in", "field": "id", "value": [1, 3]}])
    assert [i["id"] for i in in_list.items] == [1, 3]
    udf = client.companies.query([{"op": "eq", "field": "Number of Employees", "value": "42", "udf": True}])
    assert [i["id"] for i in udf.items] == [1]
    limited = client.companies.query(
        [{"op": "contains", "field": "companyName", "value": "company 01"}], max_records=25
    )
    assert (limited.page_details.count, limited.page_details.request_count) == (25, 25)
    assert limited.page_details.next_page_url


def test_paging_past_1000_records(client, facts, live_mock):
    ids: list[int] = []
    last, pages = 0, []
    for _ in range(10):
        page = client.companies.query(
            [
                {"op": "beginsWith", "field": "companyName", "value": facts.bulk_prefix},
                {"op": "gt", "field": "id", "value": last},
            ]
        )
        pages.append(page.page_details)
        ids.extend(item["id"] for item in page.items)
        if len(page.items) < 500:
            break
        last = page.items[-1]["id"]
    assert ids == list(range(facts.bulk_first_id, facts.bulk_last_id + 1))
    assert [p.count for p in pages] == [500, 500, 200]
    assert pages[0].next_page_url.startswith(f"{live_mock.root}V1.0/Companies/query/next?")
    assert pages[-1].next_page_url is None


def test_query_all_stops_at_first_page_by_design(client, facts):
    # Documents the client's limitation (see module docstring): the mock offers nextPageUrl, the client
    # cannot use it and returns only the first 500 of 1,200 matches.
    items = client.companies.query_all({"op": "beginsWith", "field": "companyName", "value": facts.bulk_prefix})
    assert len(items) == 500


def test_update_patch(client, company_id, live_mock):
    mark = live_mock.mark()
    client.companies.update({"id": company_id, "phone": "555-0399"})
    assert ("PATCH", f"/ATServicesRest/v1.0/Companies/{company_id}") in live_mock.since(mark)
    client.companies.update_by_id(company_id, {"city": "Py City"})
    item = client.companies.get(company_id)
    assert (item["phone"], item["city"], item["companyName"]) == ("555-0399", "Py City", COMPANY_NAME)


def test_count(client, facts):
    bulk = {"op": "beginsWith", "field": "companyName", "value": facts.bulk_prefix}
    assert client.companies.count(bulk) == facts.bulk_count
    assert client.count("Companies", {"filter": [
        {"op": "beginsWith", "field": "companyName", "value": facts.bulk_prefix},
        {"op": "eq", "field": "companyType", "value": 3},
    ]}) == facts.bulk_count // 2


def test_contact_created_under_company(client, company_id, live_mock):
    mark = live_mock.mark()
    company_contacts = client.entities.get_entity("CompanyContacts")
    created = company_contacts.create(
        {"companyID": company_id, "firstName": "Guido", "lastName": "Py", "isActive": 1, "emailAddress": "g@py.example"}
    )
    assert ("POST", f"/ATServicesRest/v1.0/Companies/{company_id}/Contacts") in live_mock.since(mark)
    contact = client.contacts.get(created.item_id)
    assert (contact["companyID"], contact["firstName"], contact["lastName"]) == (company_id, "Guido", "Py")
    by_company = client.contacts.query([{"op": "eq", "field": "companyID", "value": company_id}])
    assert [c["id"] for c in by_company.items] == [created.item_id]
    # The lower-level call does the same.
    second = client.create_child_entity("Companies", company_id, "Contacts",
                                        {"firstName": "Tim", "lastName": "Py", "isActive": 1})
    assert client.contacts.get(second.item_id)["companyID"] == company_id


def test_create_contact_helper_posts_to_root_contacts(client, company_id):
    # contacts.create_contact POSTs /Contacts, a route the real API does not have (Contacts are written through
    # /Companies/{id}/Contacts): the mock refuses it like the real server would.
    with pytest.raises(AutotaskAPIError):
        client.contacts.create_contact("Root", "Contact", company_id)


def test_entity_field_metadata(client):
    info = client.companies.get_entity_info()
    meta = EntityMetadata(**info["info"])
    assert meta.can_create and meta.can_query and meta.can_update and meta.has_user_defined_fields
    fields = {f["name"]: FieldMetadata(**f) for f in client.companies.get_field_info()["fields"]}
    assert fields["companyType"].is_pick_list
    assert {(v["value"], v["label"]) for v in fields["companyType"].picklist_values} >= {("1", "Customer")}
    assert fields["companyName"].is_required and fields["companyName"].data_type == "string"
    assert fields["ownerResourceID"].is_reference and fields["ownerResourceID"].reference_entity_type


def test_wrong_secret_gives_auth_error(live_mock, credentials):
    with make_client(live_mock, credentials, secret="not-the-secret") as bad:
        with pytest.raises(AutotaskAuthError):
            bad.companies.get(1)


def test_zone_response_parses_into_client_model(live_mock, credentials, monkeypatch):
    # Not reachable through configuration (see module docstring): the zone URL is a class constant.
    monkeypatch.setattr(AutotaskAuth, "ZONE_INFO_URL", f"{live_mock.base_url}/atservicesrest/v1.0/zoneInformation")
    AutotaskAuth.clear_zone_cache()
    try:
        client = AutotaskClient.create(**credentials)  # no api_url: the zone lookup decides
        assert client.auth.api_url == live_mock.root
        assert client.auth.zone_info.zone_name == "Test Zone" and client.auth.zone_info.ci == 4242
        assert client.companies.get(1)["companyName"] == "Acme Corp"
        bad = AutotaskClient.create(**{**credentials, "username": "nobody@UNKNOWN.APIUSER.com"})
        with pytest.raises(AutotaskAuthError, match="Zone information could not be determined"):
            bad.auth.api_url  # noqa: B018 - the property runs the lookup
    finally:
        AutotaskAuth.clear_zone_cache()
