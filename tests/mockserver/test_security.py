"""Security levels: per-entity permissions, 403 / 500 denials, protected-data masking (issue 7)."""

from __future__ import annotations

import copy

import pytest
import yaml

from mockserver.app import create_app
from mockserver.config import MockConfig
from mockserver.errors import ADEQUATE_PERMISSIONS
from mockserver.security import level_allows, required_operation, restricted_copy, sees_protected_data
from tests.mockserver.conftest import BASIC, BASIC_HEADERS, Api

READONLY = {**BASIC_HEADERS, "UserName": "readonly@BASIC.APIUSER.com", "Secret": "ro"}
COMPANIES_ONLY = {**BASIC_HEADERS, "UserName": "companies@BASIC.APIUSER.com", "Secret": "co"}
NO_PROTECTED = {**BASIC_HEADERS, "UserName": "noprotected@BASIC.APIUSER.com", "Secret": "np"}
COMPANY = {"companyName": "New Co", "companyType": 1, "ownerResourceID": 101, "phone": "555-0199"}


def basic_with_users() -> dict:
    doc = copy.deepcopy(yaml.safe_load(BASIC.read_text()))
    doc["securityLevels"] += [
        {
            "name": "Companies clerk",
            "permissions": {
                "*": {"query": True, "create": False, "update": False, "delete": False},
                "Company": {"query": True, "create": True, "update": True, "delete": False},
            },
            "viewProtectedData": True,
        },
        restricted_copy("API User (no protected data)"),
    ]
    doc["apiUsers"] += [
        {"userName": "readonly@BASIC.APIUSER.com", "secret": "ro", "resourceID": 101, "securityLevel": "Read-only API"},
        {"userName": "companies@BASIC.APIUSER.com", "secret": "co", "securityLevel": "Companies clerk"},
        {"userName": "noprotected@BASIC.APIUSER.com", "secret": "np", "securityLevel": "API User (no protected data)"},
    ]
    return doc


def make(**settings):
    return create_app(MockConfig(fixtures=[basic_with_users()]).with_overrides(**settings))


@pytest.fixture
def sec_app():
    return make()


def clients(app):
    client = app.test_client()
    return (Api(client, BASIC_HEADERS), Api(client, READONLY), Api(client, COMPANIES_ONLY), Api(client, NO_PROTECTED))


def test_route_kinds_map_to_permissions():
    assert required_operation("query", "POST") == "query"
    assert required_operation("count", "GET") == "query"
    assert required_operation("next", "POST") == "query"
    assert required_operation("item", "GET") == "query"
    assert required_operation("child_collection", "GET") == "query"
    assert required_operation("child_item", "GET") == "query"
    assert required_operation("entity_info", "GET") == "query"
    assert required_operation("fields", "GET") == "query"
    assert required_operation("collection", "POST") == "create"
    assert required_operation("child_collection", "POST") == "create"
    assert required_operation("collection", "PATCH") == "update"
    assert required_operation("item", "PUT") == "update"
    assert required_operation("child_collection", "PATCH") == "update"
    assert required_operation("item", "DELETE") == "delete"
    assert required_operation("child_item", "DELETE") == "delete"
    assert required_operation("threshold", "GET") is None


def test_level_rules_entity_entry_beats_star_and_unlisted_operations_are_denied():
    level = {"name": "x", "permissions": {"*": {"query": True}, "companies": {"create": True}}}
    assert level_allows(level, "Companies", "Company", "create")
    assert not level_allows(level, "Companies", "Company", "query")  # the entity entry replaces "*"
    assert level_allows(level, "Contacts", "Contact", "query")
    assert not level_allows(level, "Contacts", "Contact", "delete")
    assert not level_allows({"name": "none", "permissions": {}}, "Contacts", "Contact", "query")
    assert level_allows({"name": "API User (system)", "builtin": True}, "Contacts", "Contact", "delete")
    assert sees_protected_data({"name": "API User (system)", "builtin": True})
    assert not sees_protected_data(restricted_copy("copy"))


def test_system_level_has_full_access(sec_app):
    system, *_ = clients(sec_app)
    assert system.post("Companies", COMPANY).status_code == 200
    assert system.delete("ConfigurationItemTypes/2").status_code == 200


def test_read_only_user_can_read_but_every_write_is_403_naming_the_permission(sec_app):
    system, readonly, *_ = clients(sec_app)
    before = system.query("Companies")["pageDetails"]["count"]
    assert readonly.query("Companies")["pageDetails"]["count"] == before
    assert readonly.get("Companies/1").status_code == 200
    assert readonly.get("Companies/1/Locations").status_code == 200
    assert readonly.get("Companies/entityInformation/fields").status_code == 200
    assert readonly.get("ThresholdInformation").status_code == 200

    cases = [
        (readonly.post("Companies", COMPANY), "create", "Companies"),
        (readonly.patch("Companies", {"id": 1, "phone": "1"}), "update", "Companies"),
        (readonly.put("Companies", {"id": 1, **COMPANY}), "update", "Companies"),
        (readonly.post("Companies/1/Contacts", {"firstName": "A", "lastName": "B"}), "create", "Contacts"),
        (readonly.delete("Companies/1/Contacts/21"), "delete", "Contacts"),
        (readonly.delete("ConfigurationItemTypes/2"), "delete", "ConfigurationItemTypes"),
    ]
    for resp, operation, entity in cases:
        assert resp.status_code == 403, resp.get_json()
        (message,) = resp.get_json()["errors"]
        assert f"{operation} permission" in message and entity in message and "Read-only API" in message
    assert system.query("Companies")["pageDetails"]["count"] == before
    assert system.get("Companies/1").get_json()["item"]["phone"] == "555-0100"
    assert system.get("Contacts/21").get_json()["item"] is not None


def test_permission_error_status_500_uses_the_adequate_permissions_text():
    app = make(permission_error_status=500)
    _, readonly, *_ = clients(app)
    resp = readonly.post("Companies", COMPANY)
    assert resp.status_code == 500
    assert resp.get_json() == {"errors": [ADEQUATE_PERMISSIONS.format(action="create", entity="Company")]}
    assert "does not have the adequate permissions" in resp.get_json()["errors"][0]


def test_entity_specific_permissions(sec_app):
    _, _, clerk, _ = clients(sec_app)
    assert clerk.post("Companies", COMPANY).status_code == 200
    assert clerk.patch("Companies", {"id": 2, "phone": "555-0222"}).status_code == 200
    assert clerk.query("Contacts")["pageDetails"]["count"] == 2
    resp = clerk.post("Companies/1/Contacts", {"firstName": "A", "lastName": "B"})
    assert resp.status_code == 403 and "create permission on Contacts" in resp.get_json()["errors"][0]


def test_protected_udf_values_are_masked_without_view_protected_data(sec_app):
    system, readonly, clerk, noprotected = clients(sec_app)

    def udfs(api):
        item = api.get("ConfigurationItems/40").get_json()["item"]
        return {u["name"]: u["value"] for u in item["userDefinedFields"]}

    assert udfs(system)["Local Admin Password"] == "hunter2"
    assert udfs(clerk)["Local Admin Password"] == "hunter2"
    for api in (readonly, noprotected):
        values = udfs(api)
        assert values["Local Admin Password"] == "*****"
        assert values["MAC Address"] == "00:1A:2B:3C:4D:5E"
        queried = api.query("ConfigurationItems", {"op": "eq", "field": "id", "value": 40})["items"][0]
        assert {u["name"]: u["value"] for u in queried["userDefinedFields"]}["Local Admin Password"] == "*****"
    # a user without protected-data visibility may still write (a copy of API User (system))
    assert noprotected.post("Companies", COMPANY).status_code == 200


def test_denied_calls_are_not_counted_against_the_threshold(sec_app):
    system, readonly, *_ = clients(sec_app)
    readonly.post("Companies", COMPANY)
    assert system.get("ThresholdInformation").get_json()["currentTimeframeRequestCount"] == 1
