"""The list view's Sync Status filter (ST-06), written for a blind defect that survived (issue 13,
docs/conformance-blind-defects.md).

Oracle: ST-06 "List views can filter by Sync Status. A status held by zero records is not offered as a filter
option", together with ST-03 (each record shows one indicator). So the options of a kind are exactly the states its
records show, and filtering on an offered state lists exactly the records showing it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["ST-06", "ST-03"]

_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
         "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}],
         "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
         "locations": [], "tickets": [], "docs": [
             {"kind": "organization", "ref": "o0", "fields": {"name": "Never linked"}, "unmapped": {}}]}


@prop(rules=["ST-06", "ST-03"], needs={"status_filter", "record_controls"}, max_examples=4,
      settings=S.scoped_settings(), disable=st.sampled_from([None, "organization", "contact", "configuration"]),
      examples=({"settings": base_settings(), "disable": None},
                {"settings": base_settings(), "disable": "configuration"}))
def test_ST06_the_status_filter_offers_exactly_the_states_records_hold(factory: Any, settings: dict,
                                                                      disable: Any) -> None:
    """After a pass (and, drawn, disabling one synced record), every kind's Sync Status filter offers exactly the
    states its records show, nothing a record does not hold (ST-06), and each offered state lists exactly the
    records showing it."""
    with world(factory, _SPEC, settings) as w:
        w.pass_ok()
        w.must_link("organization", 1001)  # in scope under any drawn settings (M-07): there is something to show
        if disable is not None:
            mine = [r for r in w.records(disable) if r["link"] and r["link"]["state"] == "enabled"]
            if mine:
                w.adapter.disable(disable, mine[0]["id"])
        for kind in ("organization", "contact", "configuration", "location", "ticket"):
            shown: dict[str, set[Any]] = {}
            for r in w.records(kind):
                if r["link"]:
                    shown.setdefault(r["link"]["state"], set()).add(r["id"])
            offered = set(w.adapter.status_filter_options(kind))
            assert offered == set(shown), (f"ST-06: the {kind} list offers the filters {sorted(offered)} but its "
                                           f"records show {sorted(shown)}")
            for state in offered:
                listed = {r["id"] for r in w.adapter.records_with_status(kind, state)}
                assert listed == shown[state], f"ST-06: filtering {kind} on {state} lists {listed}, not {shown[state]}"
        checked()
