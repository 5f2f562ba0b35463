"""Autotask failures in the middle of a per-record operation, cases that machine mutants of the reference sync
survived (bench/mutation.py): "Sync now" while Autotask fails (R-03, C-11, O-08, ST-01), and a push that fails at
its eligibility check, before it carried any field, with its retry (P-11, R-05, P-03, Q11).

A failure Autotask answers must end the operation the way the spec says a failed sync or push ends, never as a
crash of the implementation: a remote adapter answers a crash with a 500, which counts against the implementation
(conformance/README.md, "Remote adapters: the protocol"), and an in-process adapter's exception counts the same.

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import FAULT_MESSAGE, checked, no_crash, prop, record_snapshot
from conformance.world import base_settings, world

RULES = ["R-03", "C-11", "O-08", "ST-01", "P-11", "R-05", "P-03", "Q11", "P-05", "P-06"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}],
        "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"}],
        "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
        "locations": [], "tickets": [], "docs": []}


# Failures a client cannot mistake for data. Only the 500 must reach the user with Autotask's own text: a sync may
# explain a 403 or a 503 in its own words (C-09: which permission is missing), the details still have to be there.
_FAILURES: dict[str, dict[str, Any]] = {
    "500": {"status": 500, "body": {"errors": [FAULT_MESSAGE]}},
    "503": {"status": 503, "body": {"errors": [FAULT_MESSAGE]}},
    "403": {"status": 403, "body": {"errors": [FAULT_MESSAGE]}},
    "dropped": {"drop": True},
    "truncated": {"truncate": True},
}


def _faulted(w: Any) -> list[dict[str, Any]]:
    """Requests since :meth:`World.mark` that an injected fault failed (the mock's journal, not the adapter)."""
    return [e for e in w.at.calls() if e.get("fault")]


# ============================================================== R-03 / C-11 / O-08 / ST-01: sync now, Autotask failing
# kind -> (Autotask entity, id, Autotask field changed, its documentation field)
_SYNC_NOW = {"organization": ("Companies", 1001, "companyName", "name"),
             "contact": ("Contacts", 30001, "title", "title"),
             "configuration": ("ConfigurationItems", 100001, "serialNumber", "serial_number")}


@prop(rules=["R-03", "C-11", "O-08", "ST-01"], needs={"record_controls"}, max_examples=8,
      examples=({"kind": "contact", "failure": "500"}, {"kind": "organization", "failure": "dropped"}),
      kind=st.sampled_from(sorted(_SYNC_NOW)), failure=st.sampled_from(sorted(_FAILURES)))
def test_R03_C11_sync_now_against_a_failing_autotask_changes_nothing_and_can_run_again(
        factory: Any, kind: str, failure: str) -> None:
    """"Sync now" runs an immediate sync of one record (R-03). When Autotask fails every request for that record
    (an error status, a dropped connection, a truncated body), that sync is aborted like any failed sync (C-11: it
    changes no linked record's state; O-08: a failed fetch never orphans anything): no record changes, the
    implementation reports the failure or refuses, it does not crash, and the status column does not keep showing
    "Syncing…" (ST-01: only while a sync runs). Once Autotask answers again, "Sync now" pulls the record's change."""
    entity, psa, at_field, field = _SYNC_NOW[kind]
    with world(factory, _ONE, base_settings()) as w:
        w.pass_ok()
        target = w.must_link(kind, psa)
        w.at_update(entity, psa, **{at_field: "Changed in Autotask"})
        before = record_snapshot(w)
        w.fault({"entity": entity, **_FAILURES[failure]})
        w.mark()
        no_crash(f"C-11/R-03: sync now of the {kind}", lambda: w.adapter.sync_now(kind, target["id"]))
        assert _faulted(w), f"R-03: sync now of the {kind} made no request to Autotask"
        after = record_snapshot(w)
        changed = sorted(str(k) for k in after if after[k] != before.get(k))
        assert not changed and after.keys() == before.keys(), (
            f"C-11/O-08: sync now under a {failure} failure of {entity} changed records: {changed}")
        if "status_log" in w.adapter.capabilities:
            status = w.adapter.integration_status()
            assert "syncing" not in status.lower(), (
                f"ST-01: after a failed sync now the status column still shows {status!r}, but no sync runs")
        w.clear_faults()
        no_crash(f"R-03: sync now of the {kind} after Autotask recovered",
                  lambda: w.adapter.sync_now(kind, target["id"]))
        got = w.record(kind, target["id"])
        assert got is not None and got["fields"][field] == "Changed in Autotask", (
            f"R-03: once Autotask answers again, sync now did not pull the {kind}'s change: {got and got['fields']}")
        assert got["link"] and got["link"]["state"] == "enabled", f"R-03: sync now left the {kind} {got['link']}"
    checked()


# ============================================================== P-11 / R-05 / P-03 / Q11: the eligibility check fails
# The save of each case; "first push" saves a never-linked organization, the others a linked one.
_SAVES: dict[str, dict[str, Any]] = {"first push": {}, "no change": {},
                                     "unmapped only": {"unmapped": {"notes": "kept in the documentation"}},
                                     "name change": {"name": "Renamed in the documentation"}}


@prop(rules=["P-11", "R-05", "P-03", "Q11", "P-08", "ST-03"], needs={"push", "edit_and_save", "create_record"},
      max_examples=8,
      examples=({"case": "unmapped only", "failure": "500"}, {"case": "first push", "failure": "dropped"}),
      case=st.sampled_from(sorted(_SAVES)), failure=st.sampled_from(sorted(_FAILURES)))
def test_P11_R05_P03_a_push_failing_at_its_eligibility_check_and_its_retry(factory: Any, case: str,
                                                                          failure: str) -> None:
    """An organization is pushed only if its type is one set to sync (P-08), which the sync reads from Autotask's
    organization types (the Companies field metadata). Before any pass, with two-way on, that read fails while an
    organization is saved: a new one (P-05/P-06), or one already pushed and linked, with no change, a change of
    unmapped data only, or a name change. A push that met the failure is a failed push: the record shows the
    sync-error state with the error details (P-11, R-05, ST-03), Autotask's own text when a 500 carried one, and
    the save does not crash. Once Autotask answers again, an edit and save with no change retries (R-05): it links or pushes
    what failed, and writes no mapped field nobody changed (P-03, Q11: "push only the changed mapped fields at IT
    Glue save time, so AT's other fields are not clobbered") - Autotask keeps its own newer Organization Number."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        rid = w.adapter.create_record("organization", {"name": "Fresh Org", "org_type": "Customer",
                                                       "short_name": "DOC-1"}, via="api")
        psa = None
        if case != "first push":
            no_crash("P-05/P-06: the first save of a new organization", lambda: w.adapter.edit_and_save(
                "organization", rid, {}))
            r = w.record("organization", rid)
            assert r["link"] and r["link"]["state"] == "enabled" and r["link"]["psa_id"] is not None, (
                f"P-05/P-06: the saved organization was not pushed: {r['link']}")
            psa = int(r["link"]["psa_id"])
            w.at_update("Companies", psa, companyNumber="AT-77")  # changed in Autotask only
        w.fault({"method": "GET", "path": "Companies/entityInformation/fields", **_FAILURES[failure]})
        w.mark()
        no_crash(f"P-11: the save ({case}) whose push met the failure",
                  lambda: w.adapter.edit_and_save("organization", rid, dict(_SAVES[case])))
        failed = _faulted(w)
        r = w.record("organization", rid)
        if failed:
            assert r["link"] is not None and r["link"]["state"] == "error", (
                f"P-11/ST-03: the push ({case}) met {failed[0]['method']} {failed[0]['path']} -> {failed[0]['fault']} "
                f"but the organization shows {r['link']}, not the sync-error state")
            details = str(r["link"].get("error") or "")
            assert details, "R-05/P-11: the sync-error state shows no error details"
            if failure == "500":
                assert FAULT_MESSAGE in details, f"P-11/R-05: the error details {details!r} lack Autotask's message"
        if psa is not None and failed:
            assert w.at_get("Companies", psa)["companyName"] == "Fresh Org", (
                "P-11: the failed push changed the company's name in Autotask")
        w.clear_faults()
        no_crash("R-05: the retry", lambda: w.adapter.edit_and_save("organization", rid, {}))
        r = w.record("organization", rid)
        assert r["link"] and r["link"]["state"] == "enabled" and r["link"]["psa_id"] is not None, (
            f"R-05: the retry once Autotask answers again left {r['link']}")
        at = w.at_get("Companies", int(r["link"]["psa_id"]))
        if psa is not None:
            assert int(r["link"]["psa_id"]) == psa, f"R-05: the retry linked another company ({r['link']['psa_id']})"
            assert at.get("companyNumber") == "AT-77", (
                f"P-03/Q11: the retry after a failed {case} save overwrote Autotask's Organization Number "
                f"'AT-77' (changed only in Autotask) with {at.get('companyNumber')!r}")
        want = "Renamed in the documentation" if case == "name change" else "Fresh Org"
        assert at["companyName"] == want, f"R-05: after the retry Autotask names the company {at['companyName']!r}"
        named = [c for c in w.at_query("Companies") if c["companyName"] == want]
        assert len(named) == 1, f"P-06/R-05: Autotask has {len(named)} companies named {want!r}"
    checked()
