"""CRUD envelopes, validation and the business rules of the core entities (autotask-api.md §3, §6, §10)."""

from __future__ import annotations

from tests.mockserver.conftest import BASIC_HEADERS, Api, make_app

COMPANY = {"companyName": "New Co", "companyType": 1, "ownerResourceID": 101, "phone": "555-1234"}


def test_create_returns_item_id_and_get_returns_item(api):
    resp = api.post("Companies", COMPANY)
    assert resp.status_code == 200
    item_id = resp.get_json()["itemId"]
    item = api.get(f"Companies/{item_id}").get_json()["item"]
    assert item["companyName"] == "New Co" and item["id"] == item_id
    assert item["isActive"] is True  # a company created through the API without isActive is active (create default)


def test_input_keys_are_case_insensitive_and_strings_are_coerced(api):
    resp = api.post("Companies", {"CompanyName": "Pascal", "CompanyType": "2", "OwnerResourceID": "101", "Phone": "1"})
    item = api.get(f"Companies/{resp.get_json()['itemId']}").get_json()["item"]
    assert item["companyName"] == "Pascal" and item["companyType"] == 2 and item["ownerResourceID"] == 101


def test_missing_item_is_item_null_by_default_and_404_by_setting(api):
    assert api.get("Companies/999999").get_json() == {"item": None}
    strict = Api(make_app(missing_item_status=404).test_client(), BASIC_HEADERS)
    assert strict.get("Companies/999999").status_code == 404


def test_patch_is_sparse(api):
    api.patch("Companies", {"id": 1, "phone": "555-9999"})
    item = api.get("Companies/1").get_json()["item"]
    assert item["phone"] == "555-9999" and item["companyName"] == "Acme Corp" and item["city"] == "Springfield"


def test_patch_without_id_or_unknown_id_is_an_error(api):
    assert "id" in api.patch("Companies", {"phone": "1"}).get_json()["errors"][0]
    resp = api.patch("Companies", {"id": 424242, "phone": "1"})
    assert resp.status_code == 500 and "No matching records" in resp.get_json()["errors"][0]


def test_put_replaces_and_nulls_omitted_writable_fields(api):
    resp = api.put("Companies", {"id": 1, **COMPANY})
    assert resp.get_json() == {"itemId": 1}
    item = api.get("Companies/1").get_json()["item"]
    assert item["companyName"] == "New Co" and item["city"] is None and item["createDate"] is not None


def test_put_missing_required_field_fails_and_changes_nothing(api):
    resp = api.put("Companies", {"id": 1, "companyName": "X"})
    assert resp.status_code == 500
    assert any("companyType" in m for m in resp.get_json()["errors"])
    assert api.get("Companies/1").get_json()["item"]["companyName"] == "Acme Corp"


def test_required_fields_are_named(api):
    resp = api.post("Companies", {"companyName": "No Type"})
    errors = resp.get_json()["errors"]
    assert resp.status_code == 500
    assert any("companyType" in e for e in errors) and any("ownerResourceID" in e for e in errors)


def test_type_errors_name_the_field(api):
    resp = api.post("Companies", {**COMPANY, "companyType": "abc"})
    assert resp.status_code == 500 and "companyType" in resp.get_json()["errors"][0]


def test_length_limit(api):
    resp = api.post("Companies", {**COMPANY, "companyName": "x" * 101})
    assert resp.status_code == 500 and "companyName" in resp.get_json()["errors"][0]


def test_picklist_values_are_validated(api):
    resp = api.post("Companies", {**COMPANY, "companyType": 99})
    assert resp.status_code == 500 and "companyType" in resp.get_json()["errors"][0]


def test_references_must_exist_in_the_tenant(api):
    resp = api.post("ConfigurationItems", {"companyID": 999, "productID": 30, "isActive": True})
    assert resp.status_code == 500 and "companyID" in resp.get_json()["errors"][0]


def test_read_only_fields_are_ignored_on_write(api):
    resp = api.post("Companies", {**COMPANY, "createDate": "2001-01-01T00:00:00Z", "id": 5})
    item = api.get(f"Companies/{resp.get_json()['itemId']}").get_json()["item"]
    assert item["createDate"].startswith("2026-01-01") and item["id"] != 5


def test_timestamps_come_from_the_tenant_clock(api, tenant):
    from datetime import UTC, datetime

    tenant.clock.set(datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), frozen=True)
    new_id = api.post("Companies", COMPANY).get_json()["itemId"]
    item = api.get(f"Companies/{new_id}").get_json()["item"]
    assert item["createDate"].startswith("2026-03-04T05:06:07") and item["lastActivityDate"] == item["createDate"]
    tenant.clock.advance(60)
    api.patch("Companies", {"id": new_id, "phone": "2"})
    item = api.get(f"Companies/{new_id}").get_json()["item"]
    assert item["lastActivityDate"].startswith("2026-03-04T05:07:07")
    assert item["createDate"].startswith("2026-03-04T05:06:07")


def test_new_company_gets_a_primary_location(api):
    new_id = api.post("Companies", {**COMPANY, "address1": "7 Oak", "city": "Zed"}).get_json()["itemId"]
    locs = api.get(f"Companies/{new_id}/Locations").get_json()["items"]
    assert len(locs) == 1 and locs[0]["isPrimary"] is True and locs[0]["name"] == "Primary Location"
    assert locs[0]["address1"] == "7 Oak"


def test_api_only_resource_cannot_own_a_company(api):
    resp = api.post("Companies", {**COMPANY, "ownerResourceID": 100})
    assert resp.status_code == 500 and "API-only" in resp.get_json()["errors"][0]


def test_contacts_are_written_through_the_company(api):
    resp = api.post("Companies/2/Contacts", {"firstName": "Ann", "lastName": "Lee", "isActive": 1})
    contact_id = resp.get_json()["itemId"]
    item = api.get(f"Contacts/{contact_id}").get_json()["item"]
    assert item["companyID"] == 2 and item["firstName"] == "Ann"
    api.patch("Companies/2/Contacts", {"id": contact_id, "title": "CTO"})
    assert api.get(f"Contacts/{contact_id}").get_json()["item"]["title"] == "CTO"
    assert api.delete(f"Companies/2/Contacts/{contact_id}").get_json() == {"itemId": contact_id}
    assert api.get(f"Contacts/{contact_id}").get_json() == {"item": None}


def test_a_contact_cannot_move_company(api):
    resp = api.patch("Companies/2/Contacts", {"id": 20, "title": "x"})
    assert resp.status_code == 500
    resp = api.patch("Companies/1/Contacts", {"id": 20, "companyID": 2})
    assert resp.status_code == 500
    assert api.get("Contacts/20").get_json()["item"]["companyID"] == 1


def test_configuration_item_company_cannot_change(api):
    resp = api.patch("ConfigurationItems", {"id": 40, "companyID": 2, "serialNumber": "SN-NEW"})
    assert resp.status_code == 200  # ignored, as the ConfigurationItems entity docs say (FM-C7)
    item = api.get("ConfigurationItems/40").get_json()["item"]
    assert item["companyID"] == 1 and item["serialNumber"] == "SN-NEW"
    strict = Api(make_app(immutable_field_change="error").test_client(), BASIC_HEADERS)
    assert strict.patch("ConfigurationItems", {"id": 40, "companyID": 2}).status_code == 500


def test_one_primary_location_per_company(api):
    new_loc = api.post("Companies/1/Locations", {"name": "HQ2", "isPrimary": True}).get_json()["itemId"]
    locs = {loc["id"]: loc for loc in api.get("Companies/1/Locations").get_json()["items"]}
    assert locs[new_loc]["isPrimary"] is True and locs[10]["isPrimary"] is False
    resp = api.patch("Companies/1/Locations", {"id": new_loc, "isPrimary": False})
    assert resp.status_code == 500
    assert api.delete(f"Companies/1/Locations/{new_loc}").status_code == 500  # the primary cannot be deleted


def test_location_names_are_unique_per_company(api):
    resp = api.post("Companies/1/Locations", {"name": "warehouse"})
    assert resp.status_code == 500 and "already exists" in resp.get_json()["errors"][0]


def test_delete_where_allowed(api):
    type_id = api.post("ConfigurationItemTypes", {"name": "Printer"}).get_json()["itemId"]
    assert api.delete(f"ConfigurationItemTypes/{type_id}").get_json() == {"itemId": type_id}
    resp = api.delete(f"ConfigurationItemTypes/{type_id}")
    assert resp.status_code == 500 and "No matching records" in resp.get_json()["errors"][0]


def test_tickets_get_a_ticket_number(api):
    resp = api.post("Tickets", {"companyID": 1, "title": "t", "status": 1, "priority": 2, "queueID": 8})
    item = api.get(f"Tickets/{resp.get_json()['itemId']}").get_json()["item"]
    assert item["ticketNumber"] == "T20260101.0001"


def test_udfs_are_stored_returned_and_sparse_on_patch(api):
    api.patch("ConfigurationItems", {"id": 40, "userDefinedFields": [{"name": "mac address", "value": "AA-BB"}]})
    item = api.get("ConfigurationItems/40").get_json()["item"]
    udfs = {u["name"]: u["value"] for u in item["userDefinedFields"]}
    assert udfs == {"MAC Address": "AA-BB", "Local Admin Password": "hunter2"}
    resp = api.patch("ConfigurationItems", {"id": 40, "userDefinedFields": [{"name": "Nope", "value": "x"}]})
    assert resp.status_code == 500 and "Nope" in resp.get_json()["errors"][0]


def test_py_autotask_style_item_url_patch_is_accepted(api):
    resp = api.patch("Companies/1", {"phone": "777"})
    assert resp.get_json() == {"itemId": 1}
    assert api.get("Companies/1").get_json()["item"]["phone"] == "777"
