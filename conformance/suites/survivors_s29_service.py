"""Passes and "Sync now" that meet an Autotask failure right after a credential failure, the case machine mutants of
the reference sync survived (bench/mutation.py seed 29: service:251:ReplaceBinaryOperator_Sub_FloorDiv:0 and
service:255:ReplaceBinaryOperator_Sub_Mod:1, a failed pass that crashes instead of being reported).

* C-11, C-12, O-08, ST-01: a credential or permission failure (401, 403) aborts the pass, changes no record and is
  reported. An implementation may then rebuild its connection (Q24: re-detect the zone on a 401); the next pass or
  "Sync now" that meets a failure too (the credentials still rejected, a 500, a dropped connection) is a failed sync
  like the first: it is reported, never a crash of the implementation (adapter protocol: ``run_pass`` "never raise
  for an Autotask failure (C-11: report it)"; ``sync_now`` returns or raises ``Refused``), changes nothing (C-11,
  O-08), and the status column does not keep showing "Syncing…" (ST-01).

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import FAULT_MESSAGE, checked, no_crash, prop, record_snapshot
from conformance.world import base_settings, world

RULES = ["C-11", "C-12", "O-08", "ST-01", "R-03", "Q24"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}],
        "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"}],
        "cis": [], "locations": [], "tickets": [], "docs": []}


# C-11's credential and permission failures, on every request of the tenant
_CREDENTIAL: dict[str, dict[str, Any]] = {
    "401": {"status": 401, "body": {"errors": [FAULT_MESSAGE]}},
    "403": {"status": 403, "body": {"errors": [FAULT_MESSAGE]}},
}
# what the next pass meets: the same kind of failure, or another Autotask failure (O-08)
_NEXT: dict[str, dict[str, Any]] = {**_CREDENTIAL,
                                    "500": {"entity": "Companies", "status": 500, "body": {"errors": [FAULT_MESSAGE]}},
                                    "dropped": {"entity": "Companies", "drop": True}}


def _failed_pass(w: Any, what: str, before: dict[tuple[str, Any], tuple[Any, ...]]) -> None:
    """One pass that meets an Autotask failure: reported, not raised (C-11), nothing changed (C-11, O-08), the
    status column not left at "Syncing…" (ST-01)."""
    res = no_crash(f"C-11: the {what}", lambda: w.adapter.run_pass(True),
                   instead="being reported as a failed sync", refusal_ok=False)
    assert not res.get("ok"), f"C-11: the {what} met an Autotask failure on every request but reports success: {res}"
    assert res.get("error"), f"C-11: the {what} failed but reports no error: {res}"
    after = record_snapshot(w)
    changed = sorted(str(k) for k in after if after[k] != before.get(k))
    assert not changed and after.keys() == before.keys(), f"C-11/O-08: the {what} changed records: {changed}"
    if "status_log" in w.adapter.capabilities:
        status = w.adapter.integration_status()
        assert "syncing" not in status.lower(), f"ST-01: after the {what} the status column still shows {status!r}"


@prop(rules=["C-11", "C-12", "O-08", "ST-01", "R-03", "Q24"], max_examples=4,
      examples=({"first": "401", "then": "403"}, {"first": "403", "then": "500"}),
      first=st.sampled_from(sorted(_CREDENTIAL)), then=st.sampled_from(sorted(_NEXT)))
def test_C11_a_failure_right_after_a_credential_failure_is_reported_not_a_crash(
        factory: Any, first: str, then: str) -> None:
    """After a healthy pass, Autotask rejects the credentials or a permission (401/403) on every request: the pass
    aborts, is reported, changes nothing (C-11). The next pass meets a failure again (the same rejection, a 500 or a
    dropped connection on the companies): it is a failed sync like the first, reported and not raised, changing no
    record (C-11, C-12 "keep all links and data intact", O-08), and the status column does not keep showing
    "Syncing…" (ST-01). Then, Autotask still rejecting the credentials, "Sync now" of a linked record is aborted
    like any failed sync (R-03, C-11): it returns or refuses, never crashes, and changes nothing."""
    with world(factory, _ONE, base_settings()) as w:
        w.pass_ok()
        target = w.must_link("contact", 30001)
        w.at_update("Contacts", 30001, title="Changed in Autotask")
        before = record_snapshot(w)
        w.fault(dict(_CREDENTIAL[first]))
        _failed_pass(w, f"pass under a {first} failure", before)
        w.clear_faults()
        w.fault(dict(_NEXT[then]))
        _failed_pass(w, f"pass meeting a {then} failure right after the {first} failure", before)
        if "record_controls" in w.adapter.capabilities:
            w.clear_faults()
            w.fault(dict(_CREDENTIAL[first]))
            _failed_pass(w, f"pass under a {first} failure again", before)
            no_crash(f"C-11/R-03: sync now right after a {first} failure, Autotask still failing,",
                     lambda: w.adapter.sync_now("contact", target["id"]), instead="ending as a failed sync")
            after = record_snapshot(w)
            changed = sorted(str(k) for k in after if after[k] != before.get(k))
            assert not changed, f"C-11/R-03: sync now under a {first} failure changed records: {changed}"
    checked()
