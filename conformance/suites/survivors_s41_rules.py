"""Cases machine mutants of the reference sync survived in the fresh seed-41 sample of bench/mutation.py (kit-s41c):
the Country of a linked location cleared in the documentation and saved with two-way on (§3.4 Country ↔ Country,
P-02).

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import checked, no_crash, prop, save
from conformance.world import base_settings, world

RULES = ["§3.4", "P-02", "P-11"]

_SITE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [], "tickets": [],
         "locations": [{"id": 10001, "company": 1001, "name": "Head Office", "address1": "1 Main St",
                        "city": "Springfield", "state": "IL", "country": 237}],
         "docs": []}


# ============================================================== §3.4 / P-02: a cleared Country is pushed
@prop(rules=["§3.4", "P-02", "P-11"], needs={"push", "edit_and_save"}, max_examples=2,
      city=st.sampled_from([None, "Shelbyville"]))
def test_P02_a_location_whose_country_is_cleared_pushes_the_blank_country(factory: Any, city: str | None) -> None:
    """§3.4 maps the location's Country both ways (P-FM). With two-way on, saving a change to a mapped field of a
    linked, enabled location pushes it to Autotask at once (P-02): a location whose Country is cleared in the
    documentation (with or without another edit) stays enabled — not in the sync-error state (P-11) — and its
    Autotask location no longer has a country."""
    with world(factory, _SITE, base_settings(two_way=True)) as w:
        w.pass_ok()
        r = w.must_link("location", 10001)
        assert r["fields"].get("country") == "United States", f"§3.4: the location was pulled as {r['fields']}"
        changes: dict[str, Any] = {"country": None}
        if city is not None:
            changes["city"] = city
        no_crash("P-02: saving the cleared Country of a linked location", lambda: save(w, "location", r["id"], changes),
                 instead="pushing it", refusal_ok=False)
        after = w.record("location", r["id"])
        assert after is not None and after["link"] and after["link"]["state"] == "enabled", (
            f"P-02/P-11: clearing the Country of a linked location left it {after and after['link']}")
        got = w.at_get("CompanyLocations", 10001)
        assert got is not None and got.get("countryID") in (None, 0, ""), (
            f"P-02: the cleared Country was not pushed; the Autotask location has countryID {got and got.get('countryID')}")
        if city is not None:
            assert got.get("city") == city, f"P-02: the edited City was not pushed: {got.get('city')!r}"
    checked()
