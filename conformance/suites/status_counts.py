"""Status-count suite (ST-05, with ST-03): Manage Data counts equal the per-record link states.

The expected counts do not come from the implementation: :class:`conformance.suites._oracle.LinkModel` follows the
link state of every Autotask record from the mock's own data (read through its REST API) and the operations the test
made (passes, disable/enable, Autotask edits), under the drawn settings.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import KINDS
from conformance.suites import _oracle as O
from conformance.suites._common import checked, prop
from conformance.world import world

RULES = ["ST-03", "ST-05", "O-01", "O-03", "O-04", "O-06", "R-01", "R-02", "M-12", "SC-01", "SC-02", "SC-04", "SC-05",
         "SC-11", "SC-13"]
STATE_OF = {"synced": "enabled", "orphaned": "orphaned", "disconnected": "disabled", "errors": "error"}
CONTROLLED = ("contact", "configuration", "location")  # leaf kinds: what happens below a disabled org is open


def check_counts(w: Any, expected: dict[str, dict[str, int]] | None = None) -> None:
    """ST-05: the summary equals the records' link states, sums to the linked records and never counts unlinked
    ones; with ``expected`` (an independent count, :meth:`LinkModel.counts`) both must also equal it."""
    summary = w.adapter.summary()
    for kind in KINDS:
        recs = w.records(kind)
        counts = {label: summary.get(kind, {}).get(label, 0) for label in STATE_OF}
        states = O.count_states(recs)
        for r in recs:
            assert r["link"] is None or r["link"]["state"] in STATE_OF.values(), f"ST-03: state {r['link']}"
        if expected is not None:
            assert states == expected[kind], (f"ST-05/§6/§7: {kind} records are in states {states}, but the Autotask "
                                              f"data and the operations made give {expected[kind]}")
        assert counts == states, (f"ST-05: {kind} Manage Data counts {counts} differ from the records' link states "
                                  f"{states}")
        assert sum(counts.values()) == sum(1 for r in recs if r["link"]), \
            f"ST-05: {kind} counts do not sum to the linked records (never-linked records are not counted)"


@prop(rules=RULES, needs={"record_controls"}, spec=S.tenants(), settings=S.sync_settings(), data=st.data())
def test_ST05_counts_equal_link_states_after_every_operation(factory: Any, spec: dict, settings: dict,
                                                             data: Any) -> None:
    """After every pass, disable, enable, Autotask edit and settings change, synced/orphaned/disconnected/errors
    equal the number of Autotask records in each state (independently expected from the mock's data and the drawn
    settings: a setting unchecked orphans what it no longer covers, O-03/SC-11), equal the records' own states, sum
    to the linked records, and never count unlinked records."""
    model = O.LinkModel()
    with world(factory, spec, settings) as w:
        w.pass_ok()
        model.full_pass(O.read_autotask(w), settings)
        check_counts(w, model.counts())
        for _ in range(data.draw(st.integers(1, 5), label="steps")):
            op = data.draw(st.sampled_from(["pass", "disable", "enable", "at_edit", "settings"]), label="op")
            if op == "settings":  # SC-11/SC-13/O-03: a narrower scope orphans at the next full pass, a wider re-links
                settings = data.draw(S.sync_settings(), label="new settings")
                w.adapter.apply_settings(settings)
            elif op == "pass":
                w.pass_ok()
                model.full_pass(O.read_autotask(w), settings)
            elif op in ("disable", "enable"):
                want = "enabled" if op == "disable" else "disabled"
                options = [(k, pid) for k in CONTROLLED for pid in model.linked(k, want)]
                if options:
                    kind, pid = data.draw(st.sampled_from(options), label=op)
                    rec = w.linked(kind, pid)
                    assert rec is not None, f"ST-05: Autotask {kind} {pid} should be linked ({want})"
                    getattr(w.adapter, op)(kind, rec["id"])
                    getattr(model, op)(kind, pid)
            else:
                S.apply_at_edit(w, data.draw(S.at_edits(spec), label="at_edit"))
            check_counts(w, model.counts())
        checked()
