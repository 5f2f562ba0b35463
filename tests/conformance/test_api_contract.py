"""The mock against its own OpenAPI document: the document itself, the schemathesis contract suite
(conformance/suites/api_contract.py) in-process, and proof that the suite catches broken servers.

Hypothesis settings come from the loaded profile (tests/conftest.py: "ci" under CI is derandomised).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("schemathesis")

from conformance.contract import (  # noqa: E402
    CORE_ENTITIES,
    DocumentIndex,
    Target,
    autotask_error_problem,
    load_document,
    prune_document,
)
from conformance.suites.api_contract import ApiContract, ContractSettings, main  # noqa: E402
from mockserver.admin.client import AdminClient  # noqa: E402
from mockserver.app import create_app  # noqa: E402
from mockserver.config import MockConfig  # noqa: E402

BASIC = Path(__file__).resolve().parent.parent / "fixtures" / "basic.yaml"
HEADERS = {"UserName": "sync@BASIC.APIUSER.com", "Secret": "s3cret", "ApiIntegrationCode": "TESTCODE"}
SPEC_PATH = "/ATServicesRest/swagger/docs/v1"


def basic_app(**settings):
    return create_app(MockConfig(fixtures=[str(BASIC)]).with_overrides(**settings))


@pytest.fixture(scope="module")
def document() -> dict:
    """The mock's document (a pure function of the catalogue and the host it is served from)."""
    return load_document(Target(HEADERS, app=basic_app()))


def contract_for(app, document, **settings) -> ApiContract:
    settings.setdefault("extensions", True)  # the mock's own compatibility routes are checked too
    return ApiContract(Target(HEADERS, app=app), document=document, settings=ContractSettings(**settings))


# ---------------------------------------------------------------------------------------------- the document
def test_document_loads_in_schemathesis(document):
    import schemathesis
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_dict(document)
    results = list(schema.get_all_operations())
    bad = [r.err() for r in results if not isinstance(r, Ok)]
    assert not bad, bad[:3]
    assert len(results) == sum(len(item) for item in document["paths"].values())


def test_document_is_valid_swagger(document):
    """openapi-spec-validator (when installed) on a representative part: every path shape (core root and child
    URLs, deletes, the mock's extensions, the global endpoints); all 1,270 paths take it ~10 s."""
    validator = pytest.importorskip("openapi_spec_validator")
    part = prune_document(document, CORE_ENTITIES)
    for path in ("/V1.0/zoneInformation", "/VersionInformation", "/V1.0/ThresholdInformation", "/V1.0/EntityInformation"):
        part["paths"][path] = document["paths"][path]
    part["definitions"].update({k: v for k, v in document["definitions"].items() if not k.endswith("Model")
                                or "Result" in k or "Information" in k})
    validator.validate(part)


def test_document_is_served_at_the_real_place_with_the_requesting_host():
    client = basic_app().test_client()
    for path in (SPEC_PATH, SPEC_PATH.lower(), SPEC_PATH + "/"):
        resp = client.get(path, base_url="http://127.0.0.1:5123")
        assert resp.status_code == 200, path
        doc = resp.get_json()
        assert doc["swagger"] == "2.0" and doc["basePath"] == "/ATServicesRest"
        assert doc["host"] == "127.0.0.1:5123" and doc["schemes"][0] == "http"
    assert client.get(SPEC_PATH, base_url="https://webservices5.autotask.net").get_json()["schemes"][0] == "https"


def test_document_describes_the_catalogue(document):
    from mockserver.catalog import load_catalog

    catalog = load_catalog()
    defs = document["definitions"]
    for spec in catalog:
        model = defs[f"{spec.model}Model"]
        assert model["additionalProperties"] is False
        expected = set(spec.fields) | ({"userDefinedFields"} if spec.has_user_defined_fields else set())
        assert set(model["properties"]) == expected, spec.name
        assert all(p.get("x-nullable") for n, p in model["properties"].items() if n != "userDefinedFields")
    company = defs["CompanyModel"]["properties"]
    assert company["companyName"] == {"type": "string", "maxLength": 100, "x-nullable": True}
    assert company["createDate"]["readOnly"] is True and company["createDate"]["format"] == "date-time"
    assert "readOnly" not in company["id"]  # required in PATCH/PUT bodies
    assert company["ownerResourceID"]["x-reference-entity"] == "Resources"
    # GET by id: item is null for a missing id, else every field is present
    item = document["paths"]["/V1.0/Companies/{id}"]["get"]["responses"]["200"]["schema"]["properties"]["item"]
    assert item["x-nullable"] is True and set(item["allOf"][1]["required"]) == set(company)
    # bodies: POST requires the catalogue's required fields, PATCH/PUT the id
    post = document["paths"]["/V1.0/Companies"]["post"]
    body = next(p for p in post["parameters"] if p.get("in") == "body")["schema"]
    assert set(body["required"]) == {"companyName", "companyType", "ownerResourceID", "phone"}
    patch = document["paths"]["/V1.0/Companies"]["patch"]
    assert next(p for p in patch["parameters"] if p.get("in") == "body")["schema"]["required"] == ["id"]


def test_document_error_responses_and_headers(document):
    assert {p["name"] for p in document["parameters"].values()} == {
        "ApiIntegrationCode", "UserName", "Secret", "ImpersonationResourceId"}
    op = document["paths"]["/V1.0/Contacts/query"]["post"]
    refs = {p.get("$ref") for p in op["parameters"]}
    assert {"#/parameters/UserName", "#/parameters/Secret", "#/parameters/ApiIntegrationCode"} <= refs
    responses = op["responses"]
    assert set(responses) == {"200", "400", "401", "403", "404", "405", "429", "500"}
    resolved = {code: document["responses"][r["$ref"].split("/")[-1]] for code, r in responses.items() if "$ref" in r}
    assert resolved["500"]["schema"] == {"$ref": "#/definitions/ErrorResultModel"}
    assert resolved["404"]["schema"] == resolved["405"]["schema"] == {"$ref": "#/definitions/AspNetErrorModel"}
    assert resolved["400"]["schema"] == {"$ref": "#/definitions/AspNetErrorModel"}
    errors = document["definitions"]["ErrorResultModel"]
    assert errors["required"] == ["errors"] and errors["properties"]["errors"]["minItems"] == 1
    assert document["definitions"]["AspNetErrorModel"]["required"] == ["Message"]


def test_document_links_chain_create_get_patch_query(document):
    op_ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    links = document["paths"]["/V1.0/Companies"]["post"]["responses"]["200"]["x-links"]
    assert links["GetById"] == {"operationId": "Companies_QueryItem", "parameters": {"path.id": "$response.body#/itemId"}}
    assert links["PatchById"]["requestBody"] == {"id": "$response.body#/itemId"}
    assert links["QueryById"]["requestBody"]["filter"][0] == {"op": "eq", "field": "id", "value": "$response.body#/itemId"}
    assert links["CreateContacts"]["operationId"] == "CompaniesContactsChild_CreateEntity"
    child = document["paths"]["/V1.0/Companies/{parentId}/Contacts"]["post"]["responses"]["200"]["x-links"]
    assert child["PatchChild"]["parameters"] == {"path.parentId": "$request.path.parentId"}
    assert child["GetById"]["operationId"] == "Contacts_QueryItem"
    for item in document["paths"].values():
        for op in item.values():
            for link in op["responses"]["200"].get("x-links", {}).values():
                assert link["operationId"] in op_ids


def test_mock_extensions_are_marked_and_can_be_left_out(document):
    item = document["paths"]["/V1.0/Companies/{id}"]
    assert item["patch"]["x-autotask-mock-extension"] == "item_url_writes"
    assert item["put"]["x-autotask-mock-extension"] == "item_url_writes"
    assert "x-autotask-mock-extension" not in item["get"]
    real_only = prune_document(document, ["Companies"], extensions=False)
    assert set(real_only["paths"]["/V1.0/Companies/{id}"]) == {"get"}
    assert set(prune_document(document, ["Companies"])["paths"]["/V1.0/Companies/{id}"]) == {"get", "patch", "put"}
    # the mock without the extension answers 405, which every operation documents
    client = basic_app(item_url_writes=False).test_client()
    resp = client.patch("/ATServicesRest/V1.0/Companies/1", json={"city": "X"}, headers=HEADERS)
    assert resp.status_code == 405 and "Message" in resp.get_json()


def test_prune_keeps_only_the_entities_and_their_definitions(document):
    core = prune_document(document, ["ConfigurationItemTypes"])
    index = DocumentIndex(core)
    assert {index.entity_for_path(p) for p in core["paths"]} == {"ConfigurationItemTypes"}
    assert "ConfigurationItemTypeModel" in core["definitions"] and "CompanyModel" not in core["definitions"]
    contacts = prune_document(document, ["Contacts"])
    assert "/V1.0/Companies/{parentId}/Contacts" in contacts["paths"]
    assert "/V1.0/Companies/query" not in contacts["paths"]
    # links to pruned operations are dropped
    links = contacts["paths"]["/V1.0/Companies/{parentId}/Contacts"]["post"]["responses"]["200"]["x-links"]
    assert all(link["operationId"].startswith(("Contacts_", "CompaniesContactsChild_")) for link in links.values())


# ---------------------------------------------------------------------------------------------- the 500 rule
@pytest.mark.parametrize(("status", "body", "ok"), [
    (200, {"items": []}, True),
    (500, {"errors": ["Company.companyName: Value is required."]}, True),
    (500, {"errors": []}, False),
    (500, {"errors": [""]}, False),
    (500, {"errors": [1]}, False),
    (500, {"Message": "An error has occurred."}, False),
    (500, {"errors": ["x"], "stack": "..."}, False),
    (500, {"errors": ['Traceback (most recent call last):\n  File "app.py", line 3, in x']}, False),
    (500, {"errors": ["at Autotask.Api.Save(Object o) in C:\\src\\Api.cs:line 42"]}, False),
    (500, None, False),
    (502, {"errors": ["Bad gateway"]}, False),
    (503, None, False),
])
def test_autotask_error_problem(status, body, ok):
    text = "" if body is None else json.dumps(body)
    assert (autotask_error_problem(status, body, text) is None) is ok


# ---------------------------------------------------------------------------------------------- the suite
@pytest.mark.parametrize("entity", CORE_ENTITIES)
def test_operations_conform_to_the_document(entity, document):
    contract = contract_for(basic_app(), document, stateful=False)
    report = contract.run_operations(entities=[entity])
    report.raise_for_failures()
    assert len(report.operations) >= 7, report.operations
    assert report.statuses("operations")[200] > 0, report.summary()


def test_stateful_create_get_patch_query(document):
    app = basic_app()
    admin = AdminClient(app=app)
    contract = contract_for(app, document, reset=lambda: admin.reset_tenant("basic"))
    report = contract.run_stateful()
    report.raise_for_failures()
    stats = report.stateful
    for step in ("created", "read a created record", "updated a created record", "queried a created record"):
        assert stats[step] > 0, report.summary()


def test_stateful_without_reset_shares_state_across_scenarios(document):
    contract = contract_for(basic_app(), document, entities=("ConfigurationItemTypes",), stateful_scenarios=6,
                            stateful_steps=8)
    report = contract.run_stateful()
    report.raise_for_failures()
    assert report.stateful["created"] > 0


def test_repaired_bodies_use_existing_references(document):
    import random

    contract = contract_for(basic_app(), document, stateful=False)
    knowledge = contract.knowledge
    assert knowledge.ids["Resources"] == [101]  # the API-only resource 100 cannot own companies
    rng = random.Random(1)
    body = knowledge.sanitize("Companies", {"companyName": "X", "ownerResourceID": 999, "createDate": "2020-01-01",
                                            "bogus": 1, "id": 5}, rng)
    assert body["ownerResourceID"] == 101 and body["companyType"] in (1, 2, 3, 7)
    assert "createDate" not in body and "bogus" not in body and "id" not in body
    assert body["phone"]  # required, filled in
    contact = knowledge.sanitize("Contacts", {"firstName": "A", "companyID": 3}, rng, parent=("Companies", 2))
    assert contact["companyID"] == 2 and contact["lastName"]
    patch = knowledge.sanitize("Companies", {"id": 1, "city": "Paris"}, rng, mode="patch")
    assert patch == {"id": 1, "city": "Paris"}


# ---------------------------------------------------------------------------------------------- broken servers
def broken_app(kind: str):
    """A mock whose responses are corrupted in one way the contract must notice."""
    from flask import request

    app = basic_app()

    @app.after_request
    def corrupt(resp):
        if "/swagger/" in request.path or "entityinformation" in request.path.lower():
            return resp
        body = resp.get_json(silent=True)
        if kind == "extra-field" and resp.status_code == 200 and isinstance(body, dict) and body.get("item"):
            body["item"]["bogusField"] = 1
            resp.set_data(json.dumps(body))
        elif kind == "502" and resp.status_code == 500:
            resp.status_code = 502
        elif kind == "stack-trace" and resp.status_code == 500:
            resp.set_data(json.dumps({"errors": ['Traceback (most recent call last):\n  File "x.py", line 1']}))
        elif kind == "message-500" and resp.status_code == 500:
            resp.set_data(json.dumps({"Message": "An error has occurred."}))
        elif kind == "undocumented-status" and resp.status_code == 200 and request.method == "PATCH":
            resp.status_code = 418
        elif kind == "wrong-type" and isinstance(body, dict) and "queryCount" in body:
            body["queryCount"] = str(body["queryCount"])
            resp.set_data(json.dumps(body))
        elif kind == "missing-page-details" and isinstance(body, dict) and "pageDetails" in body:
            del body["pageDetails"]
            resp.set_data(json.dumps(body))
        elif kind == "lost-create" and request.method == "GET" and isinstance(body, dict) and body.get("item"):
            if body["item"]["id"] > 3:  # records created through the API read back as missing
                resp.set_data(json.dumps({"item": None}))
        return resp

    return app


@pytest.mark.parametrize("kind", ["extra-field", "502", "stack-trace", "message-500", "undocumented-status",
                                  "wrong-type", "missing-page-details"])
def test_the_suite_catches_a_broken_server(kind, document):
    contract = contract_for(broken_app(kind), document, entities=("Companies",), stateful=False, examples=10)
    report = contract.run_operations()
    assert report.failures, f"{kind}: {report.summary()}"


def test_the_stateful_tracker_catches_lost_writes(document):
    contract = contract_for(broken_app("lost-create"), document, entities=("ConfigurationItemTypes",))
    report = contract.run_stateful()
    assert any("returned no item after it was created" in f.message or "of a created" in f.message
               for f in report.failures), report.summary()


# ---------------------------------------------------------------------------------------------- over HTTP
def test_command_line_against_a_live_server(autotask_server, capsys):
    """What a third party runs against their own server (here: the mock on 127.0.0.1, port 0)."""
    creds = autotask_server.credentials
    reset_url = f"{autotask_server.root_url}/_mock/tenants/{autotask_server.tenant_name}/reset"
    code = main(["--base-url", autotask_server.root_url, "--user", creds.user_name, "--secret", creds.secret,
                 "--integration-code", creds.integration_code, "--entity", "ConfigurationItemTypes",
                 "--examples", "3", "--scenarios", "3", "--steps", "6", "--reset-url", reset_url,
                 "--spec", "mock"])  # a server that does not serve the document is checked against the mock's
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 failure(s)" in out
    assert "created" in out  # the stateful phase ran its chains


# ---------------------------------------------------------------------------------------------- former mock bugs
def test_ids_beyond_int64_are_rejected():
    """Found by `schemathesis run` (check ST201): ids are int64, as ASP.NET binds them."""
    client = basic_app().test_client()
    for path in ("Companies/9223372036854775808", "Companies/-9223372036854775809",
                 "Companies/1/Contacts/9223372036854775808", "ConfigurationItemTypes/99999999999999999999"):
        resp = client.get(f"/ATServicesRest/V1.0/{path}", headers=HEADERS)
        assert resp.status_code == 400, (path, resp.get_json())
        assert resp.get_json() == {"Message": "The request is invalid."}
