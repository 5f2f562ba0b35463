"""Status-count suite (ST-05, with ST-03): Manage Data counts equal the per-record link states."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import KINDS
from conformance.suites._common import prop
from conformance.world import world

RULES = ["ST-03", "ST-05"]
STATE_OF = {"synced": "enabled", "orphaned": "orphaned", "disconnected": "disabled", "errors": "error"}


def check_counts(w: Any) -> None:
    summary = w.adapter.summary()
    for kind in KINDS:
        recs = w.records(kind)
        counts = summary.get(kind, {})
        for label, state in STATE_OF.items():
            actual = sum(1 for r in recs if r["link"] and r["link"]["state"] == state)
            assert counts.get(label, 0) == actual, (
                f"ST-05: {kind} {label} = {counts.get(label, 0)} but {actual} record(s) are {state}")
        assert sum(counts.get(k, 0) for k in STATE_OF) == sum(1 for r in recs if r["link"]), \
            f"ST-05: {kind} counts do not sum to the linked records (never-linked records are not counted)"
        for r in recs:
            assert r["link"] is None or r["link"]["state"] in STATE_OF.values(), f"ST-03: state {r['link']}"


@prop(rules=["ST-03", "ST-05"], needs={"record_controls"}, spec=S.tenants(), data=st.data())
def test_ST05_counts_equal_link_states_after_every_operation(factory: Any, spec: dict, data: Any) -> None:
    """After every pass, disable, enable and Autotask edit, synced/orphaned/disconnected/errors equal the number of
    records in each state, sum to the linked records, and never count unlinked records."""
    with world(factory, spec) as w:
        w.pass_ok()
        check_counts(w)
        for _ in range(data.draw(st.integers(1, 5), label="steps")):
            op = data.draw(st.sampled_from(["pass", "disable", "enable", "at_edit"]), label="op")
            if op == "pass":
                w.adapter.run_pass(full=True)
            elif op in ("disable", "enable"):
                recs = [r for k in ("organization", "contact", "configuration") for r in w.records(k)
                        if r["link"] and (r["link"]["state"] == "disabled") == (op == "enable")]
                if recs:
                    r = data.draw(st.sampled_from(recs), label=op)
                    getattr(w.adapter, op)(r["kind"], r["id"])
            else:
                S.apply_at_edit(w, data.draw(S.at_edits(spec), label="at_edit"))
            check_counts(w)
