"""Push-all after earlier passes or a credential failure, and the retry of a failed push that saves the same field
again: cases machine mutants of the reference sync survived (bench/mutation.py seed 41).

* PA-05, PA-06: push-all links every record it pushes and ends with a final completion log, whatever ran before
  it: several scheduled passes (service_push:300:ReplaceBinaryOperator_Sub_LShift:1, a crash once many API calls
  were made before it) or a pass aborted by a credential failure (C-11) after which the implementation may rebuild
  its connection (Q24) (service_push:300:ReplaceBinaryOperator_Sub_FloorDiv:1, a crash when push-all is the first
  use of the new connection).
* P-11, R-05, P-02: a push Autotask rejects leaves the record in the sync-error state; the retry is edit and save.
  A retry that changes the same mapped field again pushes it (the field is a changed mapped field of a linked
  record, P-02), so Autotask ends with the value saved last (service_push:127:ReplaceBinaryOperator_BitOr_BitXor:1
  dropped the fields both failed and saved again).

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import FAULT_MESSAGE, checked, no_crash, prop, save
from conformance.world import base_settings, world

RULES = ["PA-05", "PA-06", "C-11", "Q24", "P-02", "P-11", "R-05"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}],
        "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"}],
        "cis": [], "locations": [], "tickets": [], "docs": []}



def _push_all_completes(w: Any, before: str) -> None:
    """Push-all of one eligible API-created organization: it is linked, enabled, to the company push-all created
    (PA-05) and push-all ends with a final completion log entry (PA-06), never with a crash."""
    rid = w.adapter.create_record("organization", {"name": "Pushed by push-all", "org_type": "Customer"}, via="api")
    companies = {c["id"] for c in w.at_query("Companies")}
    logs_before = len(w.adapter.logs()) if "status_log" in w.adapter.capabilities else 0
    no_crash(f"PA-06: push-all {before}", w.adapter.push_all, instead="completing", refusal_ok=False)
    created = {c["id"] for c in w.at_query("Companies")} - companies
    r = w.record("organization", rid)
    assert r is not None and r["link"] is not None and r["link"]["state"] == "enabled", (
        f"PA-05: after push-all {before} the pushed organization shows {r and r['link']}, not an enabled link")
    assert r["link"]["psa_id"] in created, (
        f"PA-05: the organization is linked to {r['link']['psa_id']}, not to the company push-all created "
        f"{sorted(created)}")
    if "status_log" in w.adapter.capabilities:
        new_logs = w.adapter.logs()[logs_before:]
        assert new_logs and "complet" in new_logs[-1].lower(), (
            f"PA-06: push-all {before} did not end with a final completion log: {new_logs[-3:]}")
    checked()


@prop(rules=["PA-05", "PA-06"], needs={"push_all", "create_record"})
def test_PA05_PA06_push_all_after_several_passes_completes(factory: Any) -> None:
    """Push-all runs after six full passes: it links the eligible API-created organization, enabled, to the company
    it created (PA-05: "every pushed IT Glue record ends up linked (enabled) to the AT record it created") and ends
    with a final completion log entry (PA-06), never with a crash. (A completion entry is recognised by the word
    "complete"/"completed"/"completion".)"""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        for _ in range(6):
            w.pass_ok()
        _push_all_completes(w, "after six full passes")


@prop(rules=["PA-05", "PA-06", "C-11", "Q24"], needs={"push_all", "create_record"})
def test_PA05_PA06_C11_push_all_right_after_a_credential_failure_completes(factory: Any) -> None:
    """A pass meets a credential failure (401 on every request) and aborts (C-11; an implementation may then rebuild
    its connection, Q24); Autotask accepts again and push-all runs next: it links the eligible API-created
    organization, enabled, to the company it created (PA-05) and ends with a final completion log entry (PA-06),
    never with a crash."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        w.fault({"status": 401, "body": {"errors": [FAULT_MESSAGE]}})
        res = w.adapter.run_pass(True)
        assert not res.get("ok"), f"C-11: a pass under a 401 on every request reports success: {res}"
        w.clear_faults()
        _push_all_completes(w, "right after a credential failure")


# (kind, Autotask entity and id, documentation field, its Autotask field)
_RETRY = {"organization": ("Companies", 1001, "name", "companyName"),
          "contact": ("Contacts", 30001, "title", "title")}


@prop(rules=["P-11", "R-05", "P-02"], needs={"push", "edit_and_save"}, max_examples=2,
      examples=({"kind": "organization"}, {"kind": "contact"}), kind=st.sampled_from(sorted(_RETRY)))
def test_P11_R05_P02_a_retry_saving_the_failed_field_again_pushes_its_new_value(factory: Any, kind: str) -> None:
    """With two-way on, a save changing a mapped field of a linked record is rejected by Autotask: the record shows
    the sync-error state (P-11). Autotask accepts again and the user edits the same field once more and saves (the
    retry is edit and save, P-11/R-05): the change is pushed (P-02: a changed mapped field of a linked record is
    pushed immediately), so Autotask holds the value saved last and the record is enabled again."""
    entity, psa, field, at_field = _RETRY[kind]
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        rid = w.must_link(kind, psa)["id"]
        w.fault({"method": "PATCH", "entity": entity, "status": 500, "body": {"errors": [FAULT_MESSAGE]}})
        save(w, kind, rid, {field: "Saved first"})
        r = w.record(kind, rid)
        assert r is not None and r["link"] is not None and r["link"]["state"] == "error", (
            f"P-11: a push Autotask rejected leaves the {kind} showing {r and r['link']}, not the sync-error state")
        w.clear_faults()
        save(w, kind, rid, {field: "Saved again"})
        at = w.at_get(entity, psa)
        assert at is not None and at.get(at_field) == "Saved again", (
            f"P-02/R-05: the retry saved {field} = 'Saved again' but Autotask holds {at and at.get(at_field)!r}")
        r = w.record(kind, rid)
        assert r is not None and r["link"] is not None and r["link"]["state"] == "enabled", (
            f"R-05: the successful retry left the {kind} showing {r and r['link']}")
    checked()
