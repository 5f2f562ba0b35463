"""Roles in the demo tenant and the generator, and roleID validation (issue 15, fidelity gaps).

A time-entry integration set up as a new user would: it reads its resource's defaultServiceDeskRoleID
and logs time with it. Before, the demo tenant had no Roles at all, so no time entry had a valid role.
"""

from __future__ import annotations

import pytest

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.fixtures.generator import generate_tenant
from tests.mockserver.conftest import Api

DEMO = {"UserName": "demo@DEMO1234.APIUSER.com", "Secret": "demo-secret", "ApiIntegrationCode": "DEMO0INTEGRATION0CODE0"}
ALL = [{"op": "gte", "field": "id", "value": 0}]


@pytest.fixture(scope="module")
def demo_app():
    return create_app(MockConfig(fixtures=["demo"]))


@pytest.fixture
def demo(demo_app) -> Api:
    return Api(demo_app.test_client(), DEMO)


def _time_entry(api: Api, resource_id: int, role_id: int | None) -> dict:
    ticket = api.query("Tickets", maxRecords=1)["items"][0]
    body = {"resourceID": resource_id, "ticketID": ticket["id"], "dateWorked": "2025-12-30T00:00:00Z",
            "startDateTime": "2025-12-30T09:00:00Z", "endDateTime": "2025-12-30T10:00:00Z",
            "hoursWorked": 1.0, "summaryNotes": "Replaced the switch"}
    if role_id is not None:
        body["roleID"] = role_id
    return body


def test_a_time_entry_for_a_demo_resource_can_be_created_with_its_default_role(demo: Api):
    resources = demo.query("Resources", {"op": "eq", "field": "isActive", "value": True})["items"]
    assert len(resources) >= 5
    for resource in resources:
        role_id = resource["defaultServiceDeskRoleID"]
        assert role_id is not None, resource["id"]
        resp = demo.post("TimeEntries", _time_entry(demo, resource["id"], role_id))
        assert resp.status_code == 200, resp.get_json()
        entry = demo.get(f"TimeEntries/{resp.get_json()['itemId']}").get_json()["item"]
        assert entry["roleID"] == role_id and entry["resourceID"] == resource["id"]


def test_every_active_demo_resource_holds_its_default_role(demo: Api):
    roles = {r["id"] for r in demo.query("Roles")["items"]}
    departments = {d["id"] for d in demo.query("Departments")["items"]}
    held = demo.query("ResourceServiceDeskRoles")["items"]
    resource_roles = demo.query("ResourceRoles")["items"]
    assert roles and departments
    for resource in demo.query("Resources", {"op": "eq", "field": "isActive", "value": True})["items"]:
        default = resource["defaultServiceDeskRoleID"]
        assert default in roles
        mine = [h for h in held if h["resourceID"] == resource["id"]]
        assert [h["roleID"] for h in mine if h["isDefault"]] == [default]
        assert all(h["isActive"] for h in mine)
        assert {r["roleID"] for r in resource_roles if r["resourceID"] == resource["id"]} == {h["roleID"] for h in mine}
    assert {r["departmentID"] for r in resource_roles} <= departments


def test_role_references_are_validated(demo: Api):
    resource = demo.query("Resources", {"op": "eq", "field": "isActive", "value": True})["items"][0]
    missing = demo.post("TimeEntries", _time_entry(demo, resource["id"], 424242))
    assert missing.status_code == 500
    assert missing.get_json()["errors"] == ["TimeEntry.roleID: Roles 424242 does not exist."]
    held = {h["roleID"] for h in demo.query("ResourceServiceDeskRoles",
                                            {"op": "eq", "field": "resourceID", "value": resource["id"]})["items"]}
    other = next(r["id"] for r in demo.query("Roles")["items"] if r["id"] not in held)
    not_held = demo.post("TimeEntries", _time_entry(demo, resource["id"], other))
    assert not_held.status_code == 500
    assert f"does not hold role {other}" in not_held.get_json()["errors"][0]
    # other entities carrying a role: a ticket's assignee role, a resource's default role
    ticket = demo.query("Tickets", {"op": "exist", "field": "assignedResourceID"}, maxRecords=1)["items"][0]
    assert ticket["assignedResourceRoleID"] is not None
    bad_ticket = demo.patch("Tickets", {"id": ticket["id"], "assignedResourceRoleID": 424242})
    assert bad_ticket.get_json()["errors"] == ["Ticket.assignedResourceRoleID: Roles 424242 does not exist."]
    bad_default = demo.patch("Resources", {"id": resource["id"], "defaultServiceDeskRoleID": 424242})
    assert bad_default.get_json()["errors"] == ["Resource.defaultServiceDeskRoleID: Roles 424242 does not exist."]


def test_udf_definitions_carry_default_value(demo: Api):
    fields = {f["name"]: f for f in demo.get("UserDefinedFieldDefinitions/entityInformation/fields").get_json()["fields"]}
    assert fields["defaultValue"]["dataType"] == "string"


@pytest.mark.parametrize("seed", [1, 7])
def test_generated_tenants_have_the_same_role_structure(seed):
    doc = generate_tenant(seed=seed, companies=30, name=f"roles{seed}")
    records = doc["records"]
    role_ids = {r["id"] for r in records["Roles"]}
    for resource in records["Resources"]:
        assert resource["defaultServiceDeskRoleID"] in role_ids
        assert any(h["resourceID"] == resource["id"] and h["roleID"] == resource["defaultServiceDeskRoleID"]
                   and h["isDefault"] for h in records["ResourceServiceDeskRoles"])
    assert {d["id"] for d in records["Departments"]} >= {r["departmentID"] for r in records["ResourceRoles"]}
    app = create_app(MockConfig(fixtures=[doc]))  # loads: every reference and held role is valid
    api = Api(app.test_client(), {"UserName": doc["apiUsers"][0]["userName"], "Secret": doc["apiUsers"][0]["secret"],
                                  "ApiIntegrationCode": doc["integrationCodes"][0]})
    resource = records["Resources"][0]
    resp = api.post("TimeEntries", _time_entry(api, resource["id"], resource["defaultServiceDeskRoleID"]))
    assert resp.status_code == 200, resp.get_json()
    assert generate_tenant(seed=seed, companies=30, name=f"roles{seed}") == doc  # deterministic per seed


def test_field_types_may_only_type_an_untyped_field_of_the_spec():
    import json

    import yaml

    from mockserver.catalog.loader import CATALOG_JSON, OVERRIDES_YAML, CatalogError, build_catalog

    data = json.loads(CATALOG_JSON.read_text())
    assert data["entities"]["UserDefinedFieldDefinitions"]["untyped_fields"] == ["defaultValue"]
    overrides = yaml.safe_load(OVERRIDES_YAML.read_text())
    overrides["entities"]["UserDefinedFieldDefinitions"]["field_types"]["madeUpField"] = "string"
    with pytest.raises(CatalogError, match="madeUpField"):
        build_catalog(data, overrides)
