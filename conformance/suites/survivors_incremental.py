"""Incremental passes (``run_pass(full=False)``) in the cases machine mutants of the reference sync survived
(bench/mutation.py): the pass reads only what changed in Autotask since the last one (SC-10/ST-09), yet it must
decide what a pass that read everything would.

* M-03/M-02/M-04, M-07, M-09, M-14 (SC-10): a new Autotask contact, device or location of a company that did not
  change itself, whose organization is linked, is matched to its unlinked documentation twin in that organization
  (no duplicate is created); CR-03: a new child of an out-of-scope (unlinked) company is skipped, and the pass
  still succeeds (C-11: a healthy tenant, so nothing may fail).
* FM-O3/Q16 (SC-10): an Autotask parent change that closes a cycle with companies the incremental pass does not
  read again never becomes a cycle of Parent Organizations ("Ignore cycles").

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import assert_no_parent_cycle, checked, prop
from conformance.world import base_settings, world

RULES = ["SC-10", "M-02", "M-03", "M-04", "M-07", "M-09", "M-14", "CR-03", "FM-O3", "Q16"]

# 1001 is in scope (type 1); 1002 is out of scope (type 2, never selected), so it is never linked (SC-01, CR-03).
# 1003 is the company a technician edits just before the first pass (see _edit_elsewhere).
_TWO = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Outsider", "type": 2},
                      {"id": 1003, "name": "Elsewhere", "type": 1}],
        "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


def _edit_elsewhere(w: Any, company: int) -> None:
    """A technician edits ``company`` in Autotask (its last activity becomes now) before the first pass, so the
    other companies' last activity (weeks ago) is older than anything the next pass asks for: an incremental pass
    (ST-09: it reads what changed since the last sync) has no reason to read them again."""
    w.at_update("Companies", company, phone="555-0199")


# The documentation twin (unlinked, created in the linked organization) and the Autotask record that matches it.
_TWIN: dict[str, dict[str, Any]] = {
    "contact": {"first_name": "Ann", "last_name": "Lee", "title": "CEO"},
    "configuration": {"name": "Box", "serial_number": "SN-INC-1", "configuration_type": "Workstation"},
    "location": {"name": "Annex", "address1": "9 Side St", "address2": None, "city": "Springfield", "region": "IL",
                 "postal_code": "00000", "country": "United States"}}


def _at_child(w: Any, kind: str, company: int, other: bool = False) -> int:
    """Create in Autotask the child of ``company`` matching ``_TWIN[kind]`` (M-03 names, M-02 serial, M-04 address);
    ``other`` gives it keys that match nothing. A location comes with a new contact located there (FM-K1)."""
    if kind == "contact":
        return w.at_create("Contacts", companyID=company, firstName="Zed" if other else "Ann", lastName="Lee",
                           isActive=1)
    if kind == "configuration":
        return w.at_create("ConfigurationItems", companyID=company, productID=401, configurationItemType=1,
                           referenceTitle="Box", serialNumber="SN-OTHER" if other else "SN-INC-1", isActive=True,
                           installDate="2024-01-01T00:00:00Z", userDefinedFields=[{"name": "MAC Address",
                                                                                   "value": None}])
    loc = w.at_create("CompanyLocations", companyID=company, name="Annex-AT", address1="7 Other Rd" if other
                      else "9 Side St", city="Springfield", state="IL", postalCode="00000", countryID=237,
                      isActive=True, isPrimary=False)
    # A location has no change time of its own in Autotask (nothing says when an incremental pass must see it); a new
    # contact that has it as its location does, and FM-K1 pulls the contact's location with the contact.
    w.at_create("Contacts", companyID=company, firstName="Lou", lastName="Cation", isActive=1, companyLocationID=loc)
    return loc


@prop(rules=["SC-10", "M-02", "M-03", "M-04", "M-07", "M-09", "M-14", "CR-03"], max_examples=4,
      examples=({"kind": "contact", "outsider": True}, {"kind": "configuration", "outsider": False},
                {"kind": "location", "outsider": True}),
      kind=st.sampled_from(["contact", "configuration", "location"]), outsider=st.booleans())
def test_SC10_M09_CR03_an_incremental_pass_matches_a_new_child_of_an_unchanged_company(factory: Any, kind: str,
                                                                                       outsider: bool) -> None:
    """After a full pass, a new Autotask contact / device / location of a linked company that did not change
    itself links, on the next incremental pass, to the unlinked documentation record of that organization it
    matches (M-03 names, M-02 serial, M-04 address; M-14 within the org): no duplicate is created (M-07 creates
    only when nothing matches, M-09). The new location is the location of a new contact, so FM-K1 pulls it with the
    contact. A new child of an out-of-scope company is skipped (CR-03) and the pass succeeds."""
    with world(factory, _TWO, base_settings()) as w:
        _edit_elsewhere(w, 1003)
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        assert w.linked("organization", 1002) is None, "SC-01: an out-of-scope company was linked"
        twin = w.adapter.create_record(kind, dict(_TWIN[kind]), org_id=org, via="api")
        before = {r["id"] for r in w.records(kind)}
        psa = _at_child(w, kind, 1001)
        out = _at_child(w, kind, 1002, other=True) if outsider else None
        w.pass_ok(full=False)
        rec = w.must_link(kind, psa)
        assert rec["id"] == twin, (f"M-07/M-09/SC-10: the new Autotask {kind} {psa} of an unchanged linked company "
                                   f"was linked to a new record {rec['id']}, not to its unlinked twin {twin}")
        assert rec["org_id"] == org, f"M-14: the {kind} was linked in organization {rec['org_id']}, not {org}"
        extra = [r for r in w.records(kind) if r["id"] not in before]
        assert not extra, f"M-07/M-09: the incremental pass created a duplicate {kind}: {extra}"
        if out is not None:
            assert w.linked(kind, out) is None, \
                f"CR-03: the {kind} {out} of an out-of-scope (unlinked) company was pulled"
    checked()


def _chain(n: int) -> dict[str, Any]:
    """Companies 1001..100n, each the Autotask parent of the next (1001 has none)."""
    cos = [{"id": 1001 + i, "name": f"Co {i}", "type": 1, "parent": 1000 + i if i else None} for i in range(n)]
    cos.append({"id": 1009, "name": "Elsewhere", "type": 1})
    return {"companies": cos, "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


@prop(rules=["FM-O3", "Q16", "SC-10"], max_examples=4,
      examples=({"n": 2, "closer": 1}, {"n": 3, "closer": 2}, {"n": 3, "closer": 1}),
      n=st.sampled_from([2, 3]), closer=st.integers(1, 2))
def test_FMO3_Q16_an_incremental_parent_change_never_closes_a_cycle(factory: Any, n: int, closer: int) -> None:
    """After a full pass links a chain of companies (each the parent of the next: FM-O3 sets every Parent
    Organization), the root is given, in Autotask, a descendant as its parent. Only the root changed, so the
    incremental pass reads only it; still the Parent Organizations never form a cycle (Q16: ignore cycles), and every
    Parent Organization that is set is the organization linked to the Autotask parent company (FM-O3)."""
    closer = min(closer, n - 1)
    spec = _chain(n)
    with world(factory, spec, base_settings()) as w:
        _edit_elsewhere(w, 1009)
        w.pass_ok()
        orgs = {c["id"]: w.must_link("organization", c["id"]) for c in spec["companies"][:n]}
        for c in spec["companies"][1:n]:
            got = orgs[c["id"]]["fields"].get("parent_id")
            assert got == orgs[c["parent"]]["id"], f"FM-O3: company {c['id']}'s parent is linked, its org has {got}"
        root, last = 1001, 1001 + closer
        w.at_update("Companies", root, parentCompanyID=last)
        w.pass_ok(full=False)
        after = {r["id"]: r for r in w.records("organization")}
        assert_no_parent_cycle(after)
        parent_of = {1001 + i: (last if i == 0 else 1000 + i) for i in range(n)}
        org_of = {cid: r["id"] for cid, r in orgs.items()}
        for cid, r in orgs.items():
            got = after[r["id"]]["fields"].get("parent_id")
            assert got in (None, org_of[parent_of[cid]]), \
                f"FM-O3: org of company {cid} has parent {got}, not the org of its Autotask parent {parent_of[cid]}"
        for cid in range(1002 + closer, 1001 + n):  # below the cycle, outside it: its parent stays set (FM-O3)
            got = after[org_of[cid]]["fields"].get("parent_id")
            assert got == org_of[cid - 1], \
                f"FM-O3: company {cid} hangs below the cycle, its parent is linked, yet its org has parent {got}"
    checked()
