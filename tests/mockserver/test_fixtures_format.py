"""The tenant fixture format: scenarios and the demo tenant validate, broken files are reported
precisely, YAML and JSON round-trip."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mockserver.fixtures import (
    FORMAT_ID,
    FixtureError,
    dump_fixture,
    dumps_fixture,
    expand_fixture,
    fixtures_dir,
    list_scenarios,
    load_fixture_file,
    load_scenario,
    loads_fixture,
    resolve_fixture,
    validate_fixture,
)
from mockserver.fixtures.generator import DEMO_FAKER_VERSION, generate_demo

SCENARIOS = list_scenarios()
SCENARIO_NAMES = [s.name for s in SCENARIOS]
DEMO_PATH = fixtures_dir() / "tenants" / "demo.json"
DEFINITIONS = Path("/work/shared/reference/autotask-openapi.definitions-2024.json")
MODEL_OF = {
    "Companies": "Company",
    "CompanyLocations": "CompanyLocation",
    "Contacts": "Contact",
    "ConfigurationItems": "ConfigurationItem",
    "ConfigurationItemTypes": "ConfigurationItemType",
    "Products": "Product",
    "Tickets": "Ticket",
    "Resources": "Resource",
    "Countries": "Country",
    "ClassificationIcons": "ClassificationIcon",
    "BillingCodes": "BillingCode",
    "Roles": "Role",
    "Departments": "Department",
    "ResourceRoles": "ResourceRole",
    "ResourceServiceDeskRoles": "ResourceServiceDeskRole",
}


def errors_of(doc, source="tenant.yaml", **kw) -> list[str]:
    with pytest.raises(FixtureError) as info:
        validate_fixture(doc, source, **kw)
    return info.value.errors


def minimal_doc() -> dict:
    return copy.deepcopy(load_scenario("minimal"))


# ------------------------------------------------------------------ shipped fixtures


def test_scenarios_exist():
    assert len(SCENARIOS) >= 15
    assert "minimal" in SCENARIO_NAMES


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_scenario_validates(name):
    scenario = next(s for s in SCENARIOS if s.name == name)
    raw = load_scenario(name, expand=False)
    validate_fixture(raw, scenario.path.name)
    doc = load_scenario(name)
    validate_fixture(doc, scenario.path.name)
    assert doc["format"] == FORMAT_ID
    assert doc["tenant"]["name"] == name, "a scenario's tenant is named after its file"
    assert scenario.description and len(scenario.description) > 80
    assert scenario.rules and all(isinstance(r, str) for r in scenario.rules)
    assert doc["records"]["Companies"], "every scenario has at least one company"


def test_scenarios_cover_the_edge_cases():
    covered = {rule for s in SCENARIOS for rule in s.rules}
    required = {
        "M-02", "M-08", "M-11", "M-15", "Q25", "FM-L2", "SC-02", "FM-C4", "FM-K1", "Q28", "SC-07", "Q23", "SC-08",
        "O-03", "SC-11", "FM-O3", "Q21", "Q1", "Q3", "Q26", "O-08",
    }
    assert required <= covered, sorted(required - covered)
    # every numbered item of sync-behaviour.md section 16
    sixteen = {f"§16.{i}" for i in range(1, 11)}
    assert sixteen <= covered, sorted(sixteen - covered)


def test_generated_scenario_is_declared_with_generate_key():
    raw = load_scenario("paging-1200-companies", expand=False)
    assert "records" not in raw and raw["generate"]["companies"] == 1200
    doc = load_scenario("paging-1200-companies")
    assert "generate" not in doc
    assert len(doc["records"]["Companies"]) == 1200
    assert doc["apiUsers"][0]["userName"] == "sync@PAGING1200.APIUSER.com"
    resources = {r["id"]: r for r in doc["records"]["Resources"]}
    assert resources[doc["apiUsers"][0]["resourceID"]]["userName"] == "sync@PAGING1200.APIUSER.com"
    assert doc["tenant"]["zoneName"] == "Scenario Zone", "the file's tenant settings win over the generator's"


def test_api_user_names_are_unique_across_shipped_fixtures():
    """One server can load every fixture at once: a user name identifies one tenant."""
    seen: dict[str, str] = {}
    docs = [(s.name, load_scenario(s.name)) for s in SCENARIOS] + [("demo", load_fixture_file(DEMO_PATH))]
    for name, doc in docs:
        for user in doc["apiUsers"]:
            key = user["userName"].lower()
            assert key not in seen, f"{user['userName']} is used by {seen.get(key)} and {name}"
            seen[key] = name


def test_demo_validates_and_has_the_documented_credentials():
    doc = load_fixture_file(DEMO_PATH)
    validate_fixture(doc, DEMO_PATH.name)
    assert doc["tenant"]["name"] == "demo"
    assert doc["integrationCodes"] == ["DEMO0INTEGRATION0CODE0"]
    user = doc["apiUsers"][0]
    assert (user["userName"], user["secret"], user["securityLevel"]) == (
        "demo@DEMO1234.APIUSER.com",
        "demo-secret",
        "API User (system)",
    )
    assert 30 <= len(doc["records"]["Companies"]) <= 50


def test_demo_json_is_up_to_date():
    import faker

    regenerated = dumps_fixture(generate_demo(), "json")
    if regenerated != DEMO_PATH.read_text(encoding="utf-8"):
        if faker.VERSION != DEMO_FAKER_VERSION:
            pytest.skip(f"demo.json was generated with Faker {DEMO_FAKER_VERSION}, this is {faker.VERSION}")
        pytest.fail("fixtures/tenants/demo.json is stale: regenerate it (see fixtures/tenants/README.md)")


def _shipped_docs():
    yield "demo.json", load_fixture_file(DEMO_PATH)
    for s in SCENARIOS:
        if s.name != "paging-1200-companies":
            yield s.path.name, load_scenario(s.name)


@pytest.mark.skipif(not DEFINITIONS.is_file(), reason="reference OpenAPI definitions not available")
def test_field_names_are_real_autotask_fields():
    definitions = json.loads(DEFINITIONS.read_text(encoding="utf-8"))["definitions"]
    catalog = {entity: set(definitions[model]["properties"]) for entity, model in MODEL_OF.items()}
    for source, doc in _shipped_docs():
        validate_fixture(doc, source, catalog=catalog)


# ------------------------------------------------------------------ broken files


def test_dangling_reference_names_file_record_and_field():
    doc = minimal_doc()
    doc["records"]["Contacts"][0]["companyID"] = 999
    errs = errors_of(doc)
    assert errs == ["tenant.yaml: records.Contacts[0] (id 30001): field companyID: Companies 999 does not exist"]
    assert str(FixtureError(errs, "tenant.yaml")) == errs[0]


def test_every_problem_is_reported_together():
    doc = minimal_doc()
    recs = doc["records"]
    recs["Contacts"][0]["companyID"] = 999
    recs["ConfigurationItems"][0]["productID"] = 12345
    recs["ConfigurationItems"][0]["configurationItemType"] = 77
    recs["Companies"][0]["ownerResourceID"] = 1
    recs["Companies"][0]["countryID"] = 1
    recs["Companies"][0]["classification"] = 99
    recs["Companies"][0]["companyType"] = 5  # not in the picklist
    doc["apiUsers"][0]["resourceID"] = 42
    with pytest.raises(FixtureError) as info:
        validate_fixture(doc, "tenant.yaml")
    text = str(info.value)
    assert text.startswith("tenant.yaml: invalid fixture (8 problems)")
    for expected in (
        "records.Contacts[0] (id 30001): field companyID: Companies 999 does not exist",
        "records.ConfigurationItems[0] (id 100001): field productID: Products 12345 does not exist",
        "records.ConfigurationItems[0] (id 100001): field configurationItemType: ConfigurationItemTypes 77 does not exist",
        "records.Companies[0] (id 1001): field ownerResourceID: Resources 1 does not exist",
        "records.Companies[0] (id 1001): field countryID: Countries 1 does not exist",
        "records.Companies[0] (id 1001): field classification: ClassificationIcons 99 does not exist",
        "records.Companies[0] (id 1001): field companyType: value 5 is not in picklist Companies.companyType",
        "apiUsers[0] (sync@MINIMAL.APIUSER.com): field resourceID: Resources 42 does not exist",
    ):
        assert f"tenant.yaml: {expected}" in info.value.errors, expected


def test_error_cap():
    doc = minimal_doc()
    base = doc["records"]["Contacts"][0]
    doc["records"]["Contacts"] += [dict(base, id=40000 + i, companyID=5000 + i) for i in range(120)]
    with pytest.raises(FixtureError) as info:
        validate_fixture(doc, "big.json", max_errors=10)
    assert len(info.value.errors) == 10 and info.value.more == 110
    assert "... and 110 more" in str(info.value)
    assert "(120 problems)" in str(info.value)


def test_duplicate_ids():
    doc = minimal_doc()
    doc["records"]["Contacts"].append(dict(doc["records"]["Contacts"][0], firstName="Other"))
    assert errors_of(doc) == [
        "tenant.yaml: records.Contacts[1] (id 30001): field id: duplicate id 30001 (also records.Contacts[0])"
    ]


def test_primary_locations():
    doc = minimal_doc()
    doc["records"]["CompanyLocations"][0]["isPrimary"] = False
    assert errors_of(doc) == [
        "tenant.yaml: records.Companies[0] (id 1001): has no primary location "
        "(every company needs exactly one CompanyLocations record with isPrimary: true)"
    ]
    doc = minimal_doc()
    doc["records"]["CompanyLocations"].append(dict(doc["records"]["CompanyLocations"][0], id=10099, name="Second"))
    assert errors_of(doc) == [
        "tenant.yaml: records.Companies[0] (id 1001): has 2 primary locations (CompanyLocations 10011, 10099); exactly one is allowed"
    ]
    doc = minimal_doc()
    doc["records"]["CompanyLocations"].append(dict(doc["records"]["CompanyLocations"][0], id=10099, name=" primary location", isPrimary=False))
    assert errors_of(doc) == [
        "tenant.yaml: records.CompanyLocations[1] (id 10099): field name: company 1001 already has a location "
        "named ' primary location' (records.CompanyLocations[0])"
    ]


def test_location_must_belong_to_the_records_company():
    doc = load_scenario("company-type-leaves-scope")
    contact = doc["records"]["Contacts"][0]  # company 1001
    contact["companyLocationID"] = 10021  # company 1002's primary location
    assert errors_of(doc, "s.yaml") == [
        "s.yaml: records.Contacts[0] (id 30001): field companyLocationID: CompanyLocations 10021 belongs to company 1002, not 1001"
    ]


def test_record_shape_problems():
    doc = minimal_doc()
    doc["records"]["Contacts"].append("not a record")
    doc["records"]["Contacts"].append({"id": 30002, "companyID": 1001, "FirstName": "Pascal"})
    doc["records"]["Tickets"] = {"id": 1}
    doc["records"]["ConfigurationItems"][0]["userDefinedFields"].append({"name": "Nope", "value": "x"})
    errs = errors_of(doc)
    assert "tenant.yaml: records.Contacts[1]: each record must be a mapping, got string" in errs
    assert (
        "tenant.yaml: records.Contacts[2] (id 30002): field FirstName: not a camelCase field name "
        "(did you mean 'firstName'? field names are camelCase)" in errs
    )
    assert "tenant.yaml: records.Tickets: must be a list of records, got mapping" in errs
    assert (
        "tenant.yaml: records.ConfigurationItems[0] (id 100001): field userDefinedFields[1]: "
        "user-defined field 'Nope' is not defined in userDefinedFields.ConfigurationItems" in errs
    )


def test_top_level_problems():
    doc = minimal_doc()
    del doc["format"]
    doc["recrods"] = {}
    errs = errors_of(doc)
    assert "tenant.yaml: missing required key 'format' (expected 'autotask-mock/tenant@1')" in errs
    assert any(e.startswith("tenant.yaml: unknown top-level key 'recrods'") for e in errs)
    doc = minimal_doc()
    doc["format"] = "autotask-mock/tenant@2"
    assert errors_of(doc) == [
        "tenant.yaml: field format: unsupported format version '2': this mock reads version 1 (autotask-mock/tenant@1)"
    ]
    doc = minimal_doc()
    doc["x-notes"] = "extensions are allowed"
    validate_fixture(doc, "tenant.yaml")
    assert errors_of({"format": FORMAT_ID}) == [
        "tenant.yaml: missing required section 'tenant'",
        "tenant.yaml: missing required section 'records' (or 'generate')",
        "tenant.yaml: integrationCodes: at least one integration code (tracking identifier) is required",
    ]
    assert errors_of([1, 2]) == ["tenant.yaml: the document must be a mapping, got list"]


def test_tenant_users_levels_picklists_udfs():
    doc = minimal_doc()
    doc["tenant"]["name"] = "Not Valid!"
    doc["tenant"]["clock"] = "2026-01-01 10:00"
    doc["apiUsers"].append(dict(doc["apiUsers"][0], userName=doc["apiUsers"][0]["userName"].upper()))
    doc["apiUsers"][0]["securityLevel"] = "Nobody"
    doc["securityLevels"] = [{"name": "RO", "permissions": {"*": {"query": "yes"}}, "viewProtectedData": False}]
    doc["picklists"]["Tickets.status"].append({"value": 1, "label": "New again"})
    doc["userDefinedFields"]["ConfigurationItems"].append({"name": "X", "type": "colour"})
    errs = errors_of(doc)
    assert "tenant.yaml: tenant: field name: 'Not Valid!' is not a valid tenant name (1-64 of [a-z0-9_-])" in errs
    assert any(e.startswith("tenant.yaml: tenant: field clock: must be an ISO 8601 UTC date-time") for e in errs)
    assert any("apiUsers[1] (SYNC@MINIMAL.APIUSER.COM): field userName: duplicate user name" in e for e in errs)
    assert (
        "tenant.yaml: apiUsers[0] (sync@MINIMAL.APIUSER.com): field securityLevel: "
        "security level 'Nobody' is neither built in nor defined in securityLevels" in errs
    )
    assert "tenant.yaml: securityLevels[0] (RO): field permissions.*.query: must be a boolean, got string" in errs
    assert "tenant.yaml: picklists.Tickets.status[4]: field value: duplicate value 1" in errs
    assert any(e.startswith("tenant.yaml: userDefinedFields.ConfigurationItems[1] (X): field type: unknown type 'colour'") for e in errs)


def test_catalog_option_rejects_unknown_fields_and_entities():
    doc = minimal_doc()
    doc["records"]["Contacts"][0]["favouriteColour"] = "blue"
    doc["records"]["Widgets"] = [{"id": 1}]
    catalog = {e: set(recs[0]) | {"userDefinedFields"} for e, recs in minimal_doc()["records"].items()}
    errs = errors_of(doc, catalog=catalog)
    assert "tenant.yaml: records.Contacts[0] (id 30001): field favouriteColour: unknown field for Contacts" in errs
    assert "tenant.yaml: records.Widgets: unknown entity" in errs


def test_generate_key_is_checked():
    raw = load_scenario("paging-1200-companies", expand=False)
    raw["generate"]["companeis"] = 3
    raw["generate"]["locationsPerCompany"] = [0, 2]
    raw["records"] = {}
    errs = errors_of(raw, "p.yaml")
    assert any(e.startswith("p.yaml: generate: field companeis: unknown generator option") for e in errs)
    assert "p.yaml: generate: field locationsPerCompany: every company needs at least one (primary) location" in errs
    assert "p.yaml: 'records' cannot be combined with 'generate' (the generator provides it)" in errs


# ------------------------------------------------------------------ parsing


def test_parse_errors_name_the_file_and_line(tmp_path):
    bad_yaml = tmp_path / "broken.yaml"
    bad_yaml.write_text("format: autotask-mock/tenant@1\ntenant: {name: x\nrecords: {}\n", encoding="utf-8")
    with pytest.raises(FixtureError) as info:
        load_fixture_file(bad_yaml)
    assert str(info.value).startswith("broken.yaml: invalid YAML at line")
    bad_json = tmp_path / "broken.json"
    bad_json.write_text('{"format": "autotask-mock/tenant@1",\n "tenant": }', encoding="utf-8")
    with pytest.raises(FixtureError) as info:
        load_fixture_file(bad_json)
    assert str(info.value).startswith("broken.json: invalid JSON at line 2 column")
    dup = tmp_path / "dup.yaml"
    dup.write_text("format: a\nformat: b\n", encoding="utf-8")
    with pytest.raises(FixtureError, match=r"dup.yaml: invalid YAML at line 2 column 1: found duplicate key 'format'"):
        load_fixture_file(dup)
    dup_json = tmp_path / "dup.json"
    dup_json.write_text('{"records": {}, "records": {}}', encoding="utf-8")
    with pytest.raises(FixtureError, match="dup.json: invalid JSON: duplicate key 'records'"):
        load_fixture_file(dup_json)
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(FixtureError, match="list.yaml: the document must be a mapping, got list"):
        load_fixture_file(lst)
    with pytest.raises(FixtureError, match="missing.yaml: cannot read fixture"):
        load_fixture_file(tmp_path / "missing.yaml")


def test_yaml_keeps_identifier_like_scalars_as_strings():
    doc = loads_fixture(
        "serial: 0123\nmac: 12:34:56:78:90:12\nzip: 02110\nwhen: 2026-01-01T00:00:00Z\nday: 2026-01-01\n"
        "n: 12\nf: 1.5\nb: true\nnothing: null\nhex: 0x1F\n",
        kind="yaml",
    )
    assert doc == {
        "serial": "0123",
        "mac": "12:34:56:78:90:12",
        "zip": "02110",
        "when": "2026-01-01T00:00:00Z",
        "day": "2026-01-01",
        "n": 12,
        "f": 1.5,
        "b": True,
        "nothing": None,
        "hex": 31,
    }


def test_kind_is_sniffed_without_a_known_extension(tmp_path):
    doc = minimal_doc()
    p = tmp_path / "tenant.fixture"
    p.write_text(dumps_fixture(doc, "json"), encoding="utf-8")
    assert load_fixture_file(p) == doc
    p.write_text(dumps_fixture(doc, "yaml"), encoding="utf-8")
    assert load_fixture_file(p) == doc


# ------------------------------------------------------------------ round trips


TRICKY = {
    "format": FORMAT_ID,
    "description": "A long description: with colons, #hashes, 'quotes', \"double quotes\", unicode \u00e9 and enough words to wrap.",
    "rules": ["M-01", "\u00a716.1"],
    "tenant": {"name": "tricky", "clock": "2026-01-01T00:00:00Z"},
    "integrationCodes": ["TRICKY0CODE"],
    "records": {
        "Companies": [
            {
                "id": 1,
                "companyName": "Caf\u00e9 M\u00fcller & S\u00f6hne, Inc.: \"best\" #1",
                "companyNumber": "0123",
                "phone": "12:34:56",
                "fax": "yes",
                "webAddress": "null",
                "address1": "- dash first",
                "address2": "line one\nline two",
                "city": "1e5",
                "state": "~",
                "postalCode": "2026-01-01",
                "isActive": True,
                "assetValue": 1234.5,
                "parentCompanyID": None,
                "userDefinedFields": [{"name": "Tier", "value": " padded "}],
            }
        ],
        "CompanyLocations": [{"id": 2, "companyID": 1, "name": "'quoted'", "isPrimary": True, "description": "{not: a map}"}],
    },
    "userDefinedFields": {"Companies": [{"name": "Tier", "type": "string"}]},
    "x-extra": {"keep": [1, 2, 3]},
}


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_round_trip_tricky_values(kind, tmp_path):
    validate_fixture(TRICKY, "tricky")
    path = tmp_path / f"t.{kind}"
    dump_fixture(TRICKY, path)
    loaded = load_fixture_file(path)
    assert loaded == TRICKY
    assert list(loaded) == ["format", "description", "rules", "tenant", "integrationCodes", "userDefinedFields", "records", "x-extra"]
    again = tmp_path / f"again.{kind}"
    dump_fixture(loaded, again)
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    "text",
    ["x" * 70, "two  spaces inside a long description that is longer than sixty characters", " leading space" * 6,
     "line one of a long description that goes on\nline two of it, also long enough to wrap somewhere"],
)
def test_round_trip_long_descriptions(text):
    doc = {"format": FORMAT_ID, "description": text, "tenant": {"name": "t"}, "integrationCodes": ["C"], "records": {}}
    assert loads_fixture(dumps_fixture(doc, "yaml"), kind="yaml") == doc


@pytest.mark.parametrize("name", [n for n in SCENARIO_NAMES if n != "paging-1200-companies"] + ["demo"])
@pytest.mark.parametrize("kind", ["json", "yaml", "json.gz"])
def test_round_trip_shipped_fixtures(name, kind, tmp_path):
    doc, _source = resolve_fixture(name)
    path = tmp_path / f"{name}.{kind}"
    dump_fixture(doc, path)
    loaded = load_fixture_file(path)
    assert loaded == doc
    # identical input, identical bytes
    second = tmp_path / f"second.{kind}"
    dump_fixture(copy.deepcopy(doc), second)
    assert second.read_bytes() == path.read_bytes()


def test_scenario_files_are_in_canonical_layout():
    """The shipped YAML is exactly what dump_fixture writes, so regenerating never churns diffs."""
    for s in SCENARIOS:
        raw = load_fixture_file(s.path)
        assert dumps_fixture(raw, "yaml") == s.path.read_text(encoding="utf-8"), s.path.name


# ------------------------------------------------------------------ resolution


def test_resolve_fixture_by_name_and_path():
    doc, source = resolve_fixture("demo")
    assert source == "demo.json" and doc["tenant"]["name"] == "demo"
    doc, source = resolve_fixture("mac-canonicalisation")
    assert source == "mac-canonicalisation.yaml"
    path = next(s.path for s in SCENARIOS if s.name == "minimal")
    doc, source = resolve_fixture(path)
    assert source == "minimal.yaml" and doc["tenant"]["name"] == "minimal"
    doc, source = resolve_fixture(str(path))
    assert source == "minimal.yaml"


def test_resolve_unknown_lists_what_exists():
    with pytest.raises(FixtureError) as info:
        resolve_fixture("no-such-thing")
    text = str(info.value)
    assert text.startswith("no-such-thing: not a file, tenant or scenario")
    assert "demo" in text and "minimal" in text


def test_expand_fixture_overrides():
    raw = {
        "format": FORMAT_ID,
        "description": "tiny",
        "tenant": {"name": "tiny", "zone": 5},
        "integrationCodes": ["OWN0CODE"],
        "generate": {"seed": 3, "companies": 2, "cis": 3, "tickets": 2, "now": "2025-06-01T00:00:00Z"},
    }
    validate_fixture(raw, "tiny.yaml")
    doc = expand_fixture(raw)
    validate_fixture(doc, "tiny.yaml")
    assert doc["integrationCodes"] == ["OWN0CODE"]
    assert doc["tenant"]["zone"] == 5 and doc["tenant"]["name"] == "tiny"
    assert doc["tenant"]["clock"] == "2025-06-01T00:00:00Z"
    assert doc["description"] == "tiny"
    assert len(doc["records"]["ConfigurationItems"]) == 3
    assert expand_fixture(doc) is doc, "documents without generate are returned unchanged"


def test_format_md_example_is_valid():
    """The example in fixtures/FORMAT.md is a valid fixture, written the way people hand-write YAML."""
    text = (fixtures_dir() / "FORMAT.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    doc = loads_fixture(example, "FORMAT.md", kind="yaml")
    validate_fixture(doc, "FORMAT.md")
    assert doc["tenant"]["clock"] == "2026-01-01T00:00:00Z"
    assert doc["records"]["ConfigurationItems"][0]["userDefinedFields"][0]["value"] == "00:1A:2B:3C:4D:5E"
