"""Pull decisions machine mutants of the fresh seed-41 sample of bench/mutation.py survived
(pull:390:ReplaceComparisonOperator_Eq_Gt:12 and pull:424:ReplaceComparisonOperator_NotEq_Gt:4).

* T-07 / Q15 / O-03: a synced ticket that falls out of the months window is orphaned (Q15's pick: "Treat as
  orphaned (O-03)"), also when it fell out only a day or two ago, so recently that a pass asking Autotask for
  "tickets changed lately" with some slack still reads it. Reading it is no reason to keep it: scope is decided on
  the exact window (SC-07, Q23).
* M-14 / FM-C3 / §3.5: a ticket's Configurations never hold a configuration of another organization: a ticket naming
  (or moved, SC-03, away from) a device of another Autotask company has none, whichever organization was made first
  (M-14: "Matching never crosses organizations"; FM-C3 states the same for a device's contact: "Contacts from other
  companies are ignored").

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from conformance.suites._common import checked, prop
from conformance.world import QUEUES, base_settings, world

RULES = ["T-07", "Q15", "O-03", "SC-07", "Q23", "M-14", "FM-C3", "§3.5", "SC-03"]

_TRIAGE = [str(QUEUES["Triage"])]


def _ticket(tid: int, updated: str) -> dict[str, Any]:
    return {"id": tid, "company": 1001, "number": f"T2025.{tid}", "queue": QUEUES["Triage"],
            "created": "2025-06-01T00:00:00Z", "updated": updated}


# The tenant clock is 2026-01-01T00:00:00Z (world.BASE_TIME): a one-month window starts 2025-12-01T00:00:00Z (Q23).
_AGED = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [], "locations": [],
         "docs": [], "tickets": [_ticket(700001, "2025-12-15T00:00:00Z"),  # inside the window
                                 _ticket(700002, "2025-11-30T00:00:00Z"),  # one day out
                                 _ticket(700003, "2025-11-29T12:00:00Z")]}  # a day and a half out


@prop(rules=["T-07", "Q15", "O-03", "SC-07"], max_examples=2,
      examples=({"before": None},), before=st.sampled_from([None, 3]))
def test_T07_Q15_a_ticket_just_outside_the_window_is_orphaned(factory: Any, before: int | None) -> None:
    """T-07/Q15 (default "Treat as orphaned (O-03)"): with the window narrowed to one month, the synced tickets last
    updated a day or a day and a half before its start are out of scope (SC-07) and orphaned by the next full pass,
    like any out-of-scope record; the ticket inside the window stays enabled."""
    with world(factory, _AGED, base_settings(queues=_TRIAGE, ticket_months=before)) as w:
        w.pass_ok()
        recs = {t: w.must_link("ticket", t)["id"] for t in (700001, 700002, 700003)}
        w.adapter.apply_settings(base_settings(queues=_TRIAGE, ticket_months=1))
        w.pass_ok()
        for t in (700002, 700003):
            r = w.record("ticket", recs[t])
            assert r is not None, f"O-05: the aged-out ticket {t} was deleted from the documentation"
            assert r["link"] and r["link"]["state"] == "orphaned", (
                f"T-07/Q15/O-03: ticket {t} (last updated before the 1-month window's start 2025-12-01) left scope "
                f"and must be orphaned, shows {r['link']}")
        assert w.must_link("ticket", 700001)["link"]["state"] == "enabled", "T-07: a ticket still in scope changed state"
    checked()


_TWO = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
        "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "type": 1},
                {"id": 100002, "company": 1002, "serial": "SN-2", "type": 1}],
        "tickets": [{"id": 700001, "company": 1001, "number": "T20251201.0001"},
                    {"id": 700002, "company": 1002, "number": "T20251201.0002"}],
        "contacts": [], "locations": [], "docs": []}


@prop(rules=["M-14", "FM-C3", "§3.5", "SC-03"], max_examples=3,
      examples=({"how": "named", "full": True}, {"how": "moved", "full": True}),
      how=st.sampled_from(["named", "moved"]), full=st.booleans())
def test_M14_FMC3_a_ticket_never_gets_a_configuration_of_another_organization(factory: Any, how: str,
                                                                             full: bool) -> None:
    """M-14: matching "never crosses organizations"; FM-C3: a reference to a record of another Autotask company is
    ignored ("Contacts from other companies are ignored"). An Autotask ticket naming a device of ANOTHER company
    (named so in Autotask, or moved to the other company with its device: SC-03 pulls it into that company's
    organization) has no Configurations in the documentation (§3.5), whichever organization was made first, while
    a ticket naming a device of its own company has exactly that device's configuration."""
    with world(factory, _TWO, base_settings()) as w:
        if how == "named":  # each company's ticket names the other company's device
            w.at_update("Tickets", 700001, configurationItemID=100002)
            w.at_update("Tickets", 700002, configurationItemID=100001)
        else:  # each ticket names its own company's device, then is moved to the other company
            w.at_update("Tickets", 700001, configurationItemID=100001)
            w.at_update("Tickets", 700002, configurationItemID=100002)
        w.pass_ok()
        dev = {ci: w.must_link("configuration", ci) for ci in (100001, 100002)}
        if how == "moved":
            for tid, ci in ((700001, 100001), (700002, 100002)):
                got = w.must_link("ticket", tid)["fields"].get("configuration_ids")
                if got is None:
                    pytest.skip("adapter's tickets carry no configuration_ids (optional ticket field)")
                assert got == [dev[ci]["id"]], f"§3.5: ticket {tid} names its own company's device {ci}, got {got}"
            w.at_update("Tickets", 700001, companyID=1002)
            w.at_update("Tickets", 700002, companyID=1001)
            w.pass_ok(full=full)
        for tid, ci in ((700001, 100002), (700002, 100001)) if how == "named" else ((700001, 100001),
                                                                                     (700002, 100002)):
            t = w.must_link("ticket", tid)
            got = t["fields"].get("configuration_ids")
            if got is None:
                pytest.skip("adapter's tickets carry no configuration_ids (optional ticket field)")
            assert t["org_id"] != dev[ci]["org_id"], f"SC-03: ticket {tid} is in the organization of device {ci}"
            assert not got, (f"M-14/FM-C3: ticket {tid} (organization {t['org_id']}) names Autotask device {ci} of "
                             f"another company (organization {dev[ci]['org_id']}); its Configurations must be empty, "
                             f"got {got!r}")
    checked()
