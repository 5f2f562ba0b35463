"""The mock's responses for the core entities against the REAL Autotask definitions in shared/reference.

Entity models come from autotask-openapi.definitions-2024.json (camelCase), envelopes and metadata models from
autotask-openapi.generic-definitions-current.json (see conformance.contract.RealSpec for the conversion:
nullable properties, closed objects, every property required). So: every property the mock returns exists in
the real model with a compatible type, and every property of the real model is in the mock's answer.

Data: the basic fixture (tests/fixtures/basic.yaml) for writes and reads, the demo tenant for reads.
Skipped when shared/ is absent. Known deviations are listed in KNOWN_EXTRA and pinned by xfail(strict=True)
tests at the end: when the mock is fixed they XPASS (and fail), and the entry must go.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from conformance.contract import DEFINITIONS_2024, GENERIC_CURRENT, RealSpec, shared_reference_dir

REPO = Path(__file__).resolve().parents[2]
REFERENCE = shared_reference_dir(REPO)
pytestmark = pytest.mark.skipif(
    not ((REFERENCE / DEFINITIONS_2024).is_file() and (REFERENCE / GENERIC_CURRENT).is_file()),
    reason=f"the real Autotask definitions are not in {REFERENCE}",
)

BASIC = REPO / "tests" / "fixtures" / "basic.yaml"
TENANTS = {
    "basic": {"UserName": "sync@BASIC.APIUSER.com", "Secret": "s3cret", "ApiIntegrationCode": "TESTCODE"},
    "demo": {"UserName": "demo@DEMO1234.APIUSER.com", "Secret": "demo-secret",
             "ApiIntegrationCode": "DEMO0INTEGRATION0CODE0"},
}
CORE_MODELS = {
    "Companies": "Company", "Contacts": "Contact", "CompanyLocations": "CompanyLocation",
    "ConfigurationItems": "ConfigurationItem", "ConfigurationItemTypes": "ConfigurationItemType",
    "Products": "Product", "Tickets": "Ticket", "Resources": "Resource", "ClassificationIcons": "ClassificationIcon",
}
V1 = "/ATServicesRest/V1.0"
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 500}

# Properties the mock returns that the real model lacks (entity -> names); none are known now.
KNOWN_EXTRA: dict[str, set[str]] = {}
KNOWN_UDF_INFO_EXTRA: set[str] = set()

# Bodies that pass the mock's business rules in the basic tenant (resource 101, company 1, product 30, type 1).
CREATE = {
    "Companies": ("Companies", {"companyName": "Real Spec Co", "companyType": 1, "ownerResourceID": 101,
                                "phone": "555-0999", "city": "Springfield"}),
    "Contacts": ("Companies/1/Contacts", {"firstName": "Ann", "lastName": "Lee", "isActive": 1,
                                          "emailAddress": "ann@acme.example"}),
    "CompanyLocations": ("Companies/1/Locations", {"name": "Branch 7", "city": "Shelbyville"}),
    "ConfigurationItems": ("ConfigurationItems", {"companyID": 1, "productID": 30, "isActive": True,
                                                  "configurationItemType": 1, "referenceTitle": "ACME-WS-99",
                                                  "serialNumber": "SN-099"}),
    "ConfigurationItemTypes": ("ConfigurationItemTypes", {"name": "Router"}),
    "Products": ("Products", {"name": "Dock", "productBillingCodeID": 1, "isActive": True}),
    "Tickets": ("Tickets", {"companyID": 1, "title": "Real spec", "status": 1, "priority": 2}),
}
UPDATE = {
    "Companies": ("Companies", {"city": "Capital City"}),
    "Contacts": ("Companies/1/Contacts", {"title": "CTO"}),
    "CompanyLocations": ("Companies/1/Locations", {"city": "Ogdenville"}),
    "ConfigurationItems": ("ConfigurationItems", {"serialNumber": "SN-100"}),
    "ConfigurationItemTypes": ("ConfigurationItemTypes", {"name": "Switch"}),
    "Products": ("Products", {"description": "USB-C dock"}),
    "Tickets": ("Tickets", {"title": "Real spec (edited)"}),
}


@pytest.fixture(scope="module")
def real() -> RealSpec:
    return RealSpec.load(REFERENCE)


def make_client():
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    return create_app(MockConfig(fixtures=[str(BASIC), "demo"])).test_client()


@pytest.fixture(scope="module")
def client():
    """Read-only tests share one app (basic + demo tenants)."""
    return make_client()


class Api:
    def __init__(self, client, tenant: str) -> None:
        self.client = client
        self.headers = TENANTS[tenant]

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        url = path if path.startswith(("/", "http")) else f"{V1}/{path}"
        resp = self.client.open(url, method=method, json=body, headers=self.headers)
        assert resp.status_code == expect, (method, url, resp.status_code, resp.get_data(as_text=True)[:500])
        return resp.get_json()


def without_known(entity: str, payload: Any) -> Any:
    """The payload minus the known deviations (so every other property is still checked)."""
    extra = KNOWN_EXTRA.get(entity)
    if not extra:
        return payload
    payload = copy.deepcopy(payload)
    records = payload.get("items") or [] if "items" in payload else [payload.get("item")]
    for record in records:
        if isinstance(record, dict):
            for name in extra:
                record.pop(name, None)
    return payload


def assert_conforms(real: RealSpec, payload: Any, schema: dict, what: str) -> None:
    problems = real.problems(payload, schema)
    assert not problems, f"{what} does not match the real model:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------------------------- reads
@pytest.mark.parametrize("tenant", sorted(TENANTS))
@pytest.mark.parametrize("entity", sorted(CORE_MODELS))
def test_query_and_get_match_the_real_models(entity, tenant, client, real):
    api = Api(client, tenant)
    model = CORE_MODELS[entity]
    result = api.call("POST", f"{entity}/query", ALL)
    assert_conforms(real, without_known(entity, result), real.envelope("query", model), f"{tenant} {entity} query")
    by_url = api.call("GET", f"{entity}/query?search=" + '{"filter":[{"op":"exist","field":"id"}],"maxRecords":3}')
    assert_conforms(real, without_known(entity, by_url), real.envelope("query", model), f"{tenant} {entity} GET query")
    for record in result["items"][:3]:
        item = api.call("GET", f"{entity}/{record['id']}")
        assert item["item"]["id"] == record["id"]
        assert_conforms(real, without_known(entity, item), real.envelope("item", model), f"{tenant} {entity} get")
    assert api.call("GET", f"{entity}/999999999") == {"item": None}
    count = api.call("POST", f"{entity}/query/count", ALL)
    assert count == {"queryCount": len(result["items"])} or len(result["items"]) == 500
    assert_conforms(real, count, real.schema("QueryCountResultModel"), f"{tenant} {entity} count")


def test_the_demo_tenant_has_records_of_every_core_entity(client):
    api = Api(client, "demo")
    for entity in CORE_MODELS:
        assert api.call("POST", f"{entity}/query", ALL)["items"], entity


def test_paged_query_envelopes(client, real):
    api = Api(client, "demo")
    body = {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 50}
    first = api.call("POST", "Contacts/query", body)
    assert first["pageDetails"]["nextPageUrl"] and first["pageDetails"]["prevPageUrl"] is None
    assert_conforms(real, first, real.envelope("query", "Contact"), "first page")
    second = api.call("POST", first["pageDetails"]["nextPageUrl"], body)
    assert isinstance(second["pageDetails"]["prevPageUrl"], str)
    assert_conforms(real, second, real.envelope("query", "Contact"), "second page")
    partial = api.call("POST", "Contacts/query", {**body, "includeFields": ["firstName", "lastName"]})
    assert_conforms(real, partial, real.envelope("query", "Contact", require_all=False), "includeFields page")


# ---------------------------------------------------------------------------------------------- writes
@pytest.mark.parametrize("entity", sorted(CREATE))
def test_created_and_updated_records_match_the_real_models(entity, real):
    api = Api(make_client(), "basic")
    model = CORE_MODELS[entity]
    path, body = CREATE[entity]
    created = api.call("POST", path, body)
    assert_conforms(real, created, real.schema("OperationResultModel"), f"create {entity}")
    assert isinstance(created["itemId"], int)
    item = api.call("GET", f"{entity}/{created['itemId']}")
    assert_conforms(real, without_known(entity, item), real.envelope("item", model), f"created {entity}")
    for name, value in body.items():
        assert item["item"][name] == value, name
    upath, changes = UPDATE[entity]
    updated = api.call("PATCH", upath, {"id": created["itemId"], **changes})
    assert updated == {"itemId": created["itemId"]}
    assert_conforms(real, updated, real.schema("OperationResultModel"), f"update {entity}")
    query = api.call("POST", f"{entity}/query", {"filter": [{"op": "eq", "field": "id", "value": created["itemId"]}]})
    assert [i["id"] for i in query["items"]] == [created["itemId"]]
    assert_conforms(real, without_known(entity, query), real.envelope("query", model), f"query of updated {entity}")
    for name, value in changes.items():
        assert query["items"][0][name] == value, name


def test_delete_answers_the_operation_result(real):
    api = Api(make_client(), "basic")
    created = api.call("POST", "ConfigurationItemTypes", {"name": "Temporary"})
    deleted = api.call("DELETE", f"ConfigurationItemTypes/{created['itemId']}")
    assert deleted == created
    assert_conforms(real, deleted, real.schema("OperationResultModel"), "delete")
    child = api.call("POST", "Companies/2/Contacts", {"firstName": "Tmp", "lastName": "Contact", "isActive": 1})
    assert_conforms(real, api.call("DELETE", f"Companies/2/Contacts/{child['itemId']}"),
                    real.schema("OperationResultModel"), "child delete")


# ---------------------------------------------------------------------------------------------- metadata
@pytest.mark.parametrize("tenant", sorted(TENANTS))
def test_metadata_envelopes_match_the_real_models(tenant, client, real):
    api = Api(client, tenant)
    for entity in CORE_MODELS:
        info = api.call("GET", f"{entity}/entityInformation")
        assert_conforms(real, info, real.schema("EntityInformationResultModel"), f"{entity} entityInformation")
        assert info["info"]["name"] == CORE_MODELS[entity]
        fields = api.call("GET", f"{entity}/entityInformation/fields")
        assert_conforms(real, fields, real.schema("FieldInformationResultModel"), f"{entity} fields")
        real_props = set(real.model(CORE_MODELS[entity])["properties"]) - {"userDefinedFields"}
        names = {f["name"] for f in fields["fields"]} - KNOWN_EXTRA.get(entity, set())
        assert names == real_props, entity
        udfs = api.call("GET", f"{entity}/entityInformation/userDefinedFields")
        udfs = {"fields": [{k: v for k, v in f.items() if k not in KNOWN_UDF_INFO_EXTRA} for f in udfs["fields"]]}
        assert_conforms(real, udfs, real.schema("UserDefinedFieldInformationResultModel"), f"{entity} UDFs")
    assert_conforms(real, api.call("GET", "EntityInformation"), real.schema("GlobalEntityInformationResultModel"),
                    "EntityInformation")
    assert_conforms(real, api.call("GET", "ThresholdInformation"), real.schema("ThresholdStatusResultModel"),
                    "ThresholdInformation")
    zone = api.client.get(f"{V1}/zoneInformation?user={api.headers['UserName']}")
    assert_conforms(real, zone.get_json(), real.schema("ZoneInformationResultModel"), "zoneInformation")
    version = api.client.get("/ATServicesRest/VersionInformation")
    assert_conforms(real, version.get_json(), real.schema("ApiVersionResultModel"), "VersionInformation")


def test_the_mock_document_models_match_the_real_models(client, real):
    """The mock's own OpenAPI document (what schemathesis checks it against) agrees with the real models."""
    doc = client.get("/ATServicesRest/swagger/docs/v1").get_json()
    for entity, model in CORE_MODELS.items():
        mine = doc["definitions"][f"{model}Model"]["properties"]
        theirs = real.model(model)["properties"]
        assert set(mine) - KNOWN_EXTRA.get(entity, set()) == set(theirs), entity
        for name, schema in theirs.items():
            if "$ref" in schema or schema.get("type") == "array":
                assert mine[name]["type"] == "array", (entity, name)
                continue
            assert mine[name]["type"] == schema["type"], (entity, name)
            if schema.get("format"):
                assert mine[name].get("format") == schema["format"], (entity, name)


def test_the_real_spec_check_catches_deviations(real):
    """The conversion is strict where it must be: unknown, missing and mistyped properties are reported."""
    schema = real.envelope("item", "ConfigurationItemType")
    good = {"item": {"id": 1, "isActive": True, "name": "Server"}}
    assert real.problems(good, schema) == []
    assert real.problems({"item": None}, schema) == []
    assert real.problems({"item": {"id": 1, "isActive": None, "name": None}}, schema) == []
    assert real.problems({"item": {"id": 1, "isActive": True}}, schema)  # name missing
    assert real.problems({"item": {**good["item"], "extra": 1}}, schema)  # unknown property
    assert real.problems({"item": {**good["item"], "isActive": 1}}, schema)  # integer for a boolean
    assert real.problems({"item": {**good["item"], "id": "1"}}, schema)  # string for an integer
    assert real.problems({"item": {**good["item"], "id": 2**63}}, schema)  # out of int64
    ticket = real.envelope("item", "Ticket", require_all=False)
    assert real.problems({"item": {"createDate": "2026-01-01T00:00:00.000Z"}}, ticket) == []
    assert real.problems({"item": {"createDate": "yesterday"}}, ticket)
    assert real.problems({"itemId": 7}, real.schema("OperationResultModel")) == []  # itemId is a C# Object


# ---------------------------------------------------------------------------------------------- former bugs
def test_company_locations_have_only_real_fields(client, real):
    api = Api(client, "basic")
    item = api.call("GET", "CompanyLocations/10")
    assert_conforms(real, item, real.envelope("item", "CompanyLocation"), "CompanyLocations/10")


def test_udf_metadata_has_only_real_properties(client, real):
    api = Api(client, "basic")
    udfs = api.call("GET", "ConfigurationItems/entityInformation/userDefinedFields")
    assert udfs["fields"]
    assert_conforms(real, udfs, real.schema("UserDefinedFieldInformationResultModel"), "UDF metadata")
