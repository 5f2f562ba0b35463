"""The realistic tenant generator: deterministic, valid, and varied enough to exercise the edge cases."""

from __future__ import annotations

import collections
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from mockserver.fixtures import FixtureError, dumps_fixture, load_fixture_file, validate_fixture
from mockserver.fixtures.generator import (
    ADMIN_RESOURCE_ID,
    API_RESOURCE_ID,
    DEFAULT_NOW,
    generate_tenant,
)

MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$")


@pytest.fixture(scope="module")
def tenant() -> dict:
    return generate_tenant(seed=7, companies=60)


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_identical_bytes():
    a = dumps_fixture(generate_tenant(seed=11, companies=12, cis=150, tickets=40), "json")
    b = dumps_fixture(generate_tenant(seed=11, companies=12, cis=150, tickets=40), "json")
    assert a == b
    assert dumps_fixture(json.loads(a), "json") == a


def test_output_does_not_depend_on_hash_seed_or_process():
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib; from mockserver.fixtures import dumps_fixture; "
        "from mockserver.fixtures.generator import generate_tenant; "
        "print(hashlib.sha256(dumps_fixture(generate_tenant(seed=8, companies=6, cis=60, tickets=20)).encode()).hexdigest())"
    )
    here = hashlib.sha256(dumps_fixture(generate_tenant(seed=8, companies=6, cis=60, tickets=20)).encode()).hexdigest()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=300)
        assert out.stdout.strip() == here


def test_different_seed_gives_different_tenant():
    a = generate_tenant(seed=11, companies=12, cis=150, tickets=40)
    b = generate_tenant(seed=12, companies=12, cis=150, tickets=40)
    assert dumps_fixture(a, "json") != dumps_fixture(b, "json")
    assert [c["companyName"] for c in a["records"]["Companies"]] != [c["companyName"] for c in b["records"]["Companies"]]


def test_more_cis_do_not_change_the_companies():
    small = generate_tenant(seed=5, companies=10, cis=20)
    large = generate_tenant(seed=5, companies=10, cis=400)
    for entity in ("Companies", "CompanyLocations", "Contacts", "Products", "Resources"):
        assert small["records"][entity] == large["records"][entity], entity


def test_now_drives_every_date():
    now = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
    doc = generate_tenant(seed=3, companies=8, now=now)
    assert doc["tenant"]["clock"] == "2030-06-15T12:00:00Z"
    stamps = [
        v
        for recs in doc["records"].values()
        for r in recs
        for k, v in r.items()
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v) and k != "warrantyExpirationDate"
        and k != "dueDateTime"
    ]
    assert stamps and all(parse(s) <= now for s in stamps)


# ------------------------------------------------------------------ validity and shape


def test_output_validates(tenant):
    validate_fixture(tenant, "generated")


def test_counts_follow_the_options():
    doc = generate_tenant(seed=1, companies=9, contacts_per_company=(2, 2), locations_per_company=(1, 1), cis=33, tickets=7, products=12)
    recs = doc["records"]
    assert len(recs["Companies"]) == 9
    assert len(recs["Contacts"]) == 18
    assert len(recs["CompanyLocations"]) == 9
    assert len(recs["ConfigurationItems"]) == 33
    assert len(recs["Tickets"]) == 7
    assert len(recs["Products"]) == 12
    default = generate_tenant(seed=1, companies=10)
    assert len(default["records"]["ConfigurationItems"]) == 80
    assert len(default["records"]["Tickets"]) == 50


def test_tiny_and_invalid_options():
    doc = generate_tenant(seed=1, companies=1, contacts_per_company=(0, 0), cis=0, tickets=0, products=1)
    validate_fixture(doc, "tiny")
    assert doc["records"]["Contacts"] == [] and doc["records"]["ConfigurationItems"] == []
    for bad in (
        {"companies": 0},
        {"locations_per_company": (0, 2)},
        {"contacts_per_company": (3, 1)},
        {"name": "Bad Name"},
        {"products": 0},
        {"cis": -1},
    ):
        with pytest.raises(ValueError):
            generate_tenant(seed=1, **bad)


def test_ten_thousand_cis_validate():
    doc = generate_tenant(seed=99, companies=100, cis=10_000, tickets=300)
    validate_fixture(doc, "10k")
    cis = doc["records"]["ConfigurationItems"]
    assert len(cis) == 10_000
    assert len({c["id"] for c in cis}) == 10_000
    per_company = collections.Counter(c["companyID"] for c in cis)
    assert max(per_company.values()) > 3 * (10_000 / 100), "a few large clients, many small ones"


# ------------------------------------------------------------------ variety


def test_companies_have_types_classifications_duplicates_and_parents(tenant):
    companies = tenant["records"]["Companies"]
    assert len({c["companyType"] for c in companies}) >= 4
    assert sum(c["companyType"] == 1 for c in companies) > len(companies) / 2, "mostly customers"
    assert any(c["classification"] is None for c in companies)
    assert len({c["classification"] for c in companies}) >= 4
    names = collections.Counter(c["companyName"] for c in companies)
    assert any(n > 1 for n in names.values()), "some duplicate company names (M-15)"
    assert any(c["parentCompanyID"] for c in companies)
    assert any(not c["isActive"] for c in companies)


def test_locations_primary_and_extra(tenant):
    locs = tenant["records"]["CompanyLocations"]
    per_company = collections.Counter(loc["companyID"] for loc in locs)
    assert set(per_company) == {c["id"] for c in tenant["records"]["Companies"]}
    assert any(n > 1 for n in per_company.values())
    primaries = collections.Counter(loc["companyID"] for loc in locs if loc["isPrimary"])
    assert all(n == 1 for n in primaries.values()) and len(primaries) == len(per_company)
    by_company = {c["id"]: c for c in tenant["records"]["Companies"]}
    for loc in locs:
        if loc["isPrimary"]:
            assert loc["address1"] == by_company[loc["companyID"]]["address1"]


def test_contacts_with_location_manual_address_both_and_neither(tenant):
    contacts = tenant["records"]["Contacts"]
    kinds = collections.Counter((k["companyLocationID"] is not None, k["addressLine"] is not None) for k in contacts)
    assert kinds[(True, False)] and kinds[(False, True)] and kinds[(False, False)] and kinds[(True, True)]
    assert {k["isActive"] for k in contacts} == {0, 1}, "Contacts.isActive is an integer"
    manual = [k for k in contacts if k["addressLine"]]
    assert all(k["city"] and k["zipCode"] and k["countryID"] for k in manual)


def test_configuration_items_variety(tenant):
    cis = tenant["records"]["ConfigurationItems"]
    assert any(c["configurationItemType"] is None for c in cis), "blank CI types (SC-02)"
    assert any(c["serialNumber"] is None for c in cis) and any(c["serialNumber"] == "" for c in cis), "blank serials (M-11)"
    assert any(not c["isActive"] for c in cis), "inactive CIs (Q21)"
    assert any(not c["referenceTitle"] for c in cis), "names falling back to the product (FM-C1)"
    assert any(c["warrantyExpirationDate"] for c in cis) and any(c["installDate"] for c in cis)
    macs = [u["value"] for c in cis for u in c.get("userDefinedFields", []) if u["name"] == "MAC Address"]
    assert "" in macs, "blank MAC values"
    assert any(MAC_RE.match(m) and ":" in m and m == m.upper() for m in macs), "colon upper"
    assert any(MAC_RE.match(m) and "-" in m for m in macs), "dashes"
    assert any(re.fullmatch(r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}", m) for m in macs), "Cisco dots"
    assert any(m and m == m.lower() and re.search(r"[a-f]", m) for m in macs), "lower case"
    assert any(re.fullmatch(r"[0-9A-Fa-f]{12}", m) for m in macs), "bare"
    serials = collections.Counter((c["companyID"], c["serialNumber"]) for c in cis if c["serialNumber"])
    assert len(serials) > 0.9 * sum(1 for c in cis if c["serialNumber"]), "serials mostly unique"


def test_products_have_manufacturers_and_models(tenant):
    products = tenant["records"]["Products"]
    manufacturers = {p["manufacturerName"] for p in products}
    assert {"Dell", "HP", "Lenovo", "Cisco", "Ubiquiti", "Microsoft", "APC", "Synology"} <= manufacturers
    assert all(p["manufacturerProductName"] and p["name"].startswith(p["manufacturerName"]) for p in products)
    assert len({p["name"] for p in products}) == len(products)


def test_resources_admin_and_api_only(tenant):
    resources = {r["id"]: r for r in tenant["records"]["Resources"]}
    api = resources[API_RESOURCE_ID]
    assert api["licenseType"] == 7 and api["userName"].endswith(".APIUSER.com")
    assert tenant["apiUsers"][0]["resourceID"] == API_RESOURCE_ID
    assert tenant["apiUsers"][0]["userName"] == api["userName"]
    admin = resources[ADMIN_RESOURCE_ID]
    assert admin["licenseType"] != 7 and admin["isActive"]
    owners = {c["ownerResourceID"] for c in tenant["records"]["Companies"]}
    assert ADMIN_RESOURCE_ID in owners
    assert all(resources[o]["licenseType"] != 7 and resources[o]["isActive"] for o in owners), "API-only users own nothing (SC-08)"
    labels = {p["value"]: p["label"] for p in tenant["picklists"]["Resources.licenseType"]}
    assert labels[7] == "API User"


def test_tickets_spread_over_two_years(tenant):
    tickets = tenant["records"]["Tickets"]
    created = [parse(t["createDate"]) for t in tickets]
    assert min(created) >= DEFAULT_NOW - timedelta(days=731)
    assert max(created) < DEFAULT_NOW
    assert max(created) - min(created) > timedelta(days=700)
    years = collections.Counter(d.year for d in created)
    assert len(years) >= 2
    assert all(parse(t["lastActivityDate"]) >= parse(t["createDate"]) for t in tickets)
    assert any(parse(t["lastActivityDate"]) - parse(t["createDate"]) > timedelta(days=60) for t in tickets)
    assert len({t["queueID"] for t in tickets}) >= 4
    numbers = [t["ticketNumber"] for t in tickets]
    assert len(set(numbers)) == len(numbers)
    for t in tickets:
        assert re.fullmatch(r"T\d{8}\.\d{4}", t["ticketNumber"])
        assert t["ticketNumber"][1:9] == t["createDate"][:10].replace("-", "")


def test_protected_udf_present(tenant):
    defs = {d["name"]: d for d in tenant["userDefinedFields"]["ConfigurationItems"]}
    assert defs["Local Admin Password"]["isProtected"] is True
    assert any(
        u["name"] == "Local Admin Password" for c in tenant["records"]["ConfigurationItems"] for u in c.get("userDefinedFields", [])
    )


# ------------------------------------------------------------------ command line


def test_generate_command_writes_a_valid_file(tmp_path):
    """``autotask-mock generate`` (the click CLI, the only one) writes what generate_tenant returns."""
    from click.testing import CliRunner

    from mockserver.cli import main

    runner = CliRunner()
    out = tmp_path / "t.json"
    args = ["generate", "--seed", "4", "--companies", "5", "--cis", "30", "--contacts-per-company", "1-2"]
    assert runner.invoke(main, [*args, "-o", str(out)]).exit_code == 0
    doc = load_fixture_file(out)
    validate_fixture(doc, out.name)
    assert len(doc["records"]["ConfigurationItems"]) == 30
    assert doc == generate_tenant(seed=4, companies=5, cis=30, contacts_per_company=(1, 2))
    yaml_out = tmp_path / "t.yaml"
    assert runner.invoke(main, [*args, "-o", str(yaml_out)]).exit_code == 0
    assert load_fixture_file(yaml_out) == doc
    result = runner.invoke(main, ["generate", "--companies", "2", "--cis", "3", "--tickets", "1", "--name", "cli",
                                  "--now", "2025-01-01T00:00:00Z"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed["tenant"]["name"] == "cli" and printed["tenant"]["clock"] == "2025-01-01T00:00:00Z"
    assert runner.invoke(main, ["generate", "--companies", "0"]).exit_code == 2


def test_generated_fixture_errors_are_reported_like_any_other():
    doc = generate_tenant(seed=2, companies=3, cis=5, tickets=2)
    doc["records"]["Tickets"][0]["queueID"] = 1
    with pytest.raises(FixtureError, match=r"records\.Tickets\[0\] \(id 700001\): field queueID: value 1 is not in picklist Tickets\.queueID"):
        validate_fixture(doc, "gen.json")
