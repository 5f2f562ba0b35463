"""Push, per-record controls and push-all cases that machine mutants of the reference sync survived (bench/mutation.py):
location countries (FM-L*), exact product names (Q17, FM-C2), a save that changes nothing (P-03, Q11), a model change
(FM-C5), tickets (T-04), "Sync now" of a record deleted in Autotask or while Autotask fails (R-03, O-01, O-04, O-08),
a Default Account Manager that Autotask no longer accepts (SC-08, P-11) during a save and a push-all (PA-06, PA-07).

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance.adapter import Refused
from conformance.suites._common import checked, prop
from conformance.world import QUEUES, add_resource, base_settings, world

RULES = ["P-03", "Q11", "Q17", "FM-C2", "FM-C5", "T-04", "R-03", "O-01", "O-04", "SC-08", "P-11", "PA-06", "PA-07"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [],
        "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"},
                     {"id": 30002, "company": 1001, "first": "Bob", "last": "Roe", "title": "CTO"}],
        "locations": [], "tickets": [], "docs": []}


def _rec(w: Any, kind: str, rid: Any) -> dict[str, Any]:
    return next(r for r in w.records(kind) if r["id"] == rid)


def _save(w: Any, kind: str, rid: Any, changes: dict[str, Any]) -> None:
    try:
        w.adapter.edit_and_save(kind, rid, changes)
    except Refused:
        pass  # a sync may report a failure as a refusal; the record's state is what the rules judge


def _states(w: Any) -> dict[tuple[str, Any], Any]:
    return {(k, r["id"]): r["link"] and r["link"]["state"] for k, rs in w.all_records().items() for r in rs}


# ============================================================== a pushed location carries its country
@prop(rules=["P-06", "FM-L3"], needs={"push", "edit_and_save", "create_record"}, max_examples=2,
      country=st.sampled_from(["United States", "Canada"]))
def test_P06_a_pushed_location_carries_its_country(factory: Any, country: str) -> None:
    """Before any pass has run, a location saved with two-way on (its organization pushed first, Q12) is created
    in Autotask (P-06) with its country mapped to Autotask's country (§3.4: Country ↔ Country)."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        org = w.adapter.create_record("organization", {"name": "Fresh Org", "org_type": "Customer"}, via="api")
        _save(w, "organization", org, {})
        assert (_rec(w, "organization", org)["link"] or {}).get("state") == "enabled", "P-06: organization not pushed"
        rid = w.adapter.create_record("location", {"name": "Annex", "address1": "9 Side St", "city": "Springfield",
                                                   "region": "IL", "country": country}, org_id=org, via="api")
        _save(w, "location", rid, {})
        r = _rec(w, "location", rid)
        assert r["link"] and r["link"]["state"] == "enabled", f"P-06: the location was not pushed: {r['link']}"
        at = w.at_get("CompanyLocations", int(r["link"]["psa_id"]))
        countries = {c["id"]: c for c in w.at_query("Countries")}
        got = countries.get(at.get("countryID"), {})
        assert country in (got.get("displayName"), got.get("name")), (
            f"FM-L: the pushed location has countryID {at.get('countryID')} ({got}), not {country!r}")
    checked()
