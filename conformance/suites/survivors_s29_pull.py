"""Incremental passes in the cases machine mutants of the fresh seed-29 sample of bench/mutation.py survived
(pull:201:ReplaceComparisonOperator_NotEq_LtE:0 and pull:85:AddNot:1): the pass reads only what changed in Autotask
since the last one (SC-10/ST-09), yet it must decide what a pass that read everything would.

* M-01/M-07/M-09 (SC-10): a company created in Autotask after a full pass links, on the next incremental pass, to the
  unlinked documentation organization of the same name (M-01: "An organization matches on Organization Name"), made
  before or after that full pass; no second organization is created (M-07 creates only when nothing matches).
* FM-O3 (SC-10): a company edited in Autotask whose parent company did not change keeps, after the incremental pass
  that reads only it, the organization linked to its Autotask parent as Parent Organization ("Parent Organization is
  set only when the AT parent company is itself linked to an IT Glue org"); moved under another unchanged linked
  company, it gets that company's organization.

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import checked, prop
from conformance.world import MANAGER, base_settings, world

RULES = ["SC-10", "M-01", "M-07", "M-09", "FM-O3"]

# 1001 and 1002 are in scope (type 1), 1002 a child of 1001 in Autotask; 1003 is the company a technician edits
# just before the first pass, so the other companies' last activity (weeks ago) is older than anything the next
# incremental pass asks for (ST-09: it reads what changed since the last sync; see survivors_incremental).
_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1,
                                                                    "parent": 1001},
                       {"id": 1003, "name": "Elsewhere", "type": 1}, {"id": 1004, "name": "Northwind", "type": 1}],
         "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


@prop(rules=["M-01", "M-07", "M-09", "SC-10"], max_examples=3,
      examples=({"before": True, "name": "Globex"}, {"before": False, "name": "Umbrella Corp"}),
      before=st.booleans(), name=st.sampled_from(["Globex", "Umbrella Corp", "initech"]))
def test_M01_SC10_an_incremental_pass_matches_a_new_company_to_its_named_organization(factory: Any, before: bool,
                                                                                      name: str) -> None:
    """After a full pass, a company created in Autotask is read by the next incremental pass (it changed), and
    links to the unlinked documentation organization carrying its exact name (M-01, M-06), made before the full
    pass (it then stays unlinked: no company had its name) or after it: no second organization is created (M-07
    creates only when nothing matches; M-09)."""
    spec = dict(_SPEC, docs=[{"kind": "organization", "ref": "twin", "fields": {"name": name}}] if before else [])
    with world(factory, spec, base_settings()) as w:
        w.at_update("Companies", 1003, phone="555-0199")
        w.pass_ok()
        if before:
            twin = w.doc_ids["twin"]
            assert w.record("organization", twin)["link"] is None, \
                f"M-01: the organization {name!r} was linked although no Autotask company carries its name"
        else:
            twin = w.adapter.create_record("organization", {"name": name}, via="api")
        ids = {r["id"] for r in w.records("organization")}
        psa = w.at_create("Companies", companyName=name, companyType=1, phone="555-0100", ownerResourceID=MANAGER)
        w.pass_ok(full=False)
        rec = w.must_link("organization", psa)
        assert rec["id"] == twin, (f"M-01/M-07/SC-10: the new Autotask company {name!r} ({psa}) was linked to a new "
                                   f"organization {rec['id']}, not to the unlinked organization {twin} of its name")
        extra = [r for r in w.records("organization") if r["id"] not in ids]
        assert not extra, f"M-07/M-09: the incremental pass created a duplicate organization: {extra}"
    checked()


@prop(rules=["FM-O3", "SC-10"], max_examples=3,
      examples=({"reparent": False}, {"reparent": True}), reparent=st.booleans())
def test_FMO3_SC10_an_incremental_pass_keeps_the_parent_of_an_edited_company(factory: Any, reparent: bool) -> None:
    """After a full pass sets Fabrikam's Parent Organization to Contoso's (FM-O3: its Autotask parent is linked), a
    technician edits only Fabrikam in Autotask (a new phone number, or a new parent: Northwind, also linked and
    unchanged). The incremental pass reads only Fabrikam; its Parent Organization is the organization linked to its
    Autotask parent company (FM-O3), never emptied because the parent company was not read again."""
    with world(factory, _SPEC, base_settings()) as w:
        w.at_update("Companies", 1003, phone="555-0199")
        w.pass_ok()
        org = {c: w.must_link("organization", c)["id"] for c in (1001, 1002, 1004)}
        got = w.record("organization", org[1002])["fields"].get("parent_id")
        assert got == org[1001], f"FM-O3: Fabrikam's Autotask parent Contoso is linked, yet its parent is {got}"
        if reparent:
            w.at_update("Companies", 1002, parentCompanyID=1004)
        else:
            w.at_update("Companies", 1002, phone="555-0142")
        w.pass_ok(full=False)
        want = org[1004] if reparent else org[1001]
        got = w.record("organization", org[1002])["fields"].get("parent_id")
        assert got == want, (f"FM-O3/SC-10: after an incremental pass that read only Fabrikam, its Parent "
                             f"Organization is {got}, not {want}, the organization linked to its Autotask parent "
                             f"{1004 if reparent else 1001}")
    checked()
