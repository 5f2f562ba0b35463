"""Parent organizations of records that no longer sync, in the case a machine mutant of the fresh seed-41 sample of
bench/mutation.py survived (pull:552:ReplaceOrWithAnd:17).

* O-05/R-01 (FM-O3): an organization that is orphaned (its company left the selected types, O-03) or whose sync was
  disabled (R-01) keeps its Parent Organization when the company's parent changes in Autotask: "Orphaned records stay
  in IT Glue and are no longer updated by sync. Pulls never write mapped fields of an orphan" (O-05); a disabled
  record: "Later pulls do not update it" (R-01). Parent Organization is a mapped field (FM-O3).

Every oracle is the spec's text; the tenant is fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["O-05", "R-01", "FM-O3", "O-03"]

# 1001, 1002 and 1004 are in scope (type 1), 1002 a child of 1001 in Autotask; 1004 is another linked company.
_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1,
                                                                    "parent": 1001},
                       {"id": 1004, "name": "Northwind", "type": 1}],
         "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


@prop(rules=["O-05", "R-01", "FM-O3", "O-03"], max_examples=1,
      examples=({"how": "orphaned"}, {"how": "disabled"}), how=st.sampled_from(["orphaned", "disabled"]))
def test_O05_R01_FMO3_a_parent_change_does_not_reach_an_organization_that_no_longer_syncs(factory: Any,
                                                                                         how: str) -> None:
    """After a full pass sets Fabrikam's Parent Organization to Contoso's (FM-O3), Fabrikam stops syncing: its
    company leaves the selected types and the next pass orphans it (O-03), or its sync is disabled (R-01). Autotask
    then moves Fabrikam under Northwind (linked, enabled). After the next full pass Fabrikam's Parent Organization is
    still Contoso's: pulls never write the mapped fields of an orphan (O-05) and do not update a disabled record
    (R-01)."""
    with world(factory, _SPEC, base_settings()) as w:
        w.pass_ok()
        org = {c: w.must_link("organization", c)["id"] for c in (1001, 1002, 1004)}
        got = w.record("organization", org[1002])["fields"].get("parent_id")
        assert got == org[1001], f"FM-O3: Fabrikam's Autotask parent Contoso is linked, yet its parent is {got}"
        if how == "orphaned":
            w.at_update("Companies", 1002, companyType=2)  # type 2 is never selected here (O-03)
            w.pass_ok()
        else:
            w.adapter.disable("organization", org[1002])
        rec = w.record("organization", org[1002])
        assert rec["link"] and rec["link"]["state"] == how, f"O-03/R-01: Fabrikam's link is {rec['link']}"
        w.at_update("Companies", 1002, parentCompanyID=1004)
        w.pass_ok()
        rec = w.record("organization", org[1002])
        assert rec["link"] and rec["link"]["state"] == how, f"O-05/R-01: Fabrikam's link became {rec['link']}"
        got = rec["fields"].get("parent_id")
        assert got == org[1001], (f"O-05/R-01: the {how} organization Fabrikam got Parent Organization {got} from "
                                  f"its Autotask parent change (Contoso's is {org[1001]}, Northwind's {org[1004]})")
    checked()
