"""Integration-wide operations on a state that already has history: push-all after a pass linked records and with
tickets present (PA-01, PA-07), push-all's progress and completion log (PA-06), disconnect and delete-all with
orphaned and disabled records present (D-02, D-07, Q18), and pause while a pass is running (D-01).

D-01 and PA-06 watch an operation *while it runs*: the operation runs in a second thread and the mock delays some of
its Autotask calls (a ``latency`` fault), so the kit can act (pause) or look (the status column) in between. An
adapter must therefore tolerate ``pause``/``integration_status`` being called from another thread during a pass or
a push-all (the reference's store is one SQLite connection opened with ``check_same_thread=False``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import checked, prop
from conformance.world import QUEUES, base_settings, world

RULES = ["PA-01", "PA-05", "PA-06", "PA-07", "D-01", "D-02", "D-04", "D-07", "Q18", "P-14", "ST-01", "ST-02"]


def _in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised by the test in the main thread
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def _joined(t: threading.Thread, out: dict[str, Any], what: str) -> Any:
    t.join(120)
    assert not t.is_alive(), f"{what} did not finish within 120 s"
    if "error" in out:
        raise out["error"]
    return out.get("result")


# ============================================================== push-all after a pass, with tickets present
_HISTORY = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
            "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}],
            "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
            "locations": [], "docs": [],
            "tickets": [{"id": 700001, "company": 1001, "number": "T20251201.0001", "queue": QUEUES["Triage"]},
                        {"id": 700002, "company": 1002, "number": "T20251201.0002", "queue": QUEUES["Triage"]}]}
_COUNTED = ("Companies", "Contacts", "ConfigurationItems", "Tickets")


@prop(rules=["PA-01", "PA-02", "PA-05", "PA-07", "§16.7"], needs={"push_all", "create_record"}, max_examples=2,
      n_new=st.integers(1, 2))
def test_PA01_PA07_push_all_after_a_pass_pushes_only_the_unlinked_and_no_tickets(factory: Any, n_new: int) -> None:
    """After a pass has linked companies, contacts, devices and tickets, push-all creates Autotask records only for
    the eligible records that are not actively linked (PA-07), one each (PA-02), links them (PA-05), sends no
    ticket (PA-01: tickets are not included) and leaves the records the pass linked, and their Autotask
    counterparts, as they were."""
    with world(factory, _HISTORY, base_settings(two_way=True)) as w:
        w.pass_ok()
        linked_before = {k: {r["id"]: r["link"] for r in rs if r["link"]} for k, rs in w.all_records().items()}
        assert len(linked_before["ticket"]) == 2, "T-01: the tickets of the selected queue were not imported"
        contoso = w.must_link("organization", 1001)["id"]
        new = {"organization": [w.adapter.create_record("organization", {"name": f"New org {i}",
                                                                         "org_type": "Customer"}, via="api")
                                for i in range(n_new)],
               "contact": [w.adapter.create_record("contact", {"first_name": "Nia", "last_name": "Stone"},
                                                   org_id=contoso, via="api")],
               "configuration": [w.adapter.create_record(
                   "configuration", {"name": "Laptop 9", "configuration_type": "Autotask Default",
                                     "manufacturer": "Acme", "model": "X1", "serial_number": "SN-PA-9"},
                   org_id=contoso, via="api")]}
        before = {e: {x["id"] for x in w.at_query(e)} for e in _COUNTED}
        w.mark()
        w.adapter.push_all()
        after = {e: {x["id"] for x in w.at_query(e)} for e in _COUNTED}
        created = {e: after[e] - before[e] for e in _COUNTED}
        want = {"Companies": n_new, "Contacts": 1, "ConfigurationItems": 1, "Tickets": 0}
        assert {e: len(v) for e, v in created.items()} == want, (
            f"PA-02/PA-07/PA-01: push-all created {({e: len(v) for e, v in created.items()})}, expected {want} "
            "(only the unlinked eligible records, no ticket)")
        assert not [e for e in w.writes() if "Tickets" in e["path"]], "PA-01: push-all wrote tickets"
        patched = [(e["method"], e["path"]) for e in w.writes() if e["method"] in ("PATCH", "PUT", "DELETE")]
        assert not patched, f"PA-07: push-all changed records the pass had linked: {patched}"
        entity = {"organization": "Companies", "contact": "Contacts", "configuration": "ConfigurationItems"}
        for kind, rids in new.items():
            for rid in rids:
                lk = w.record(kind, rid)["link"]
                assert lk and lk["state"] == "enabled" and int(lk["psa_id"]) in created[entity[kind]], (
                    f"PA-05: pushed {kind} {rid} is not linked to the record push-all created: {lk}")
        for kind, links in linked_before.items():
            now = {r["id"]: r["link"] for r in w.records(kind) if r["id"] in links}
            assert now == links, f"PA-07: push-all changed the links of {kind} records the pass had linked"
    checked()


# ============================================================== PA-06: progress in the status column, final log
@prop(rules=["PA-06", "ST-01", "ST-02"], needs={"push_all", "create_record", "status_log"})
def test_PA06_push_all_shows_progress_and_ends_with_a_completion_log(factory: Any) -> None:
    """While push-all runs, the Active Integrations status column shows it (a status other than the one before it
    started); push-all writes log entries and the last of them is the final completion entry (PA-06: "its progress
    shows in the Active Integrations status column, with logs and a final completion log"); afterwards the status
    no longer shows it running. (A completion entry is recognised by the word "complete"/"completed"/"completion".)
    """
    spec = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [], "locations": [],
            "tickets": [], "docs": []}
    with world(factory, spec, base_settings(two_way=True)) as w:
        w.pass_ok()
        for i in range(2):
            w.adapter.create_record("organization", {"name": f"Pushed {i}", "org_type": "Customer"}, via="api")
        idle = w.adapter.integration_status()
        logs_before = len(w.adapter.logs())
        w.fault({"method": "POST", "path": "Companies", "latency": 0.4})
        t, out = _in_thread(w.adapter.push_all)
        seen: list[str] = []
        while t.is_alive():
            seen.append(w.adapter.integration_status())
            time.sleep(0.02)
        _joined(t, out, "push-all")
        w.clear_faults()
        during = [s for s in seen if s != idle]
        assert during, f"PA-06: the status column never showed push-all running (always {idle!r})"
        new_logs = w.adapter.logs()[logs_before:]
        assert new_logs, "PA-06: push-all wrote no log entry"
        assert "complet" in new_logs[-1].lower(), (
            f"PA-06: the last push-all log entry is not a completion entry: {new_logs[-1]!r}")
        final = w.adapter.integration_status()
        assert final not in set(during), f"PA-06: after push-all the status still shows it running: {final!r}"
    checked()


# ============================================================== D-02 / D-07 / Q18 with orphans and disabled records
_MIXED = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1},
                        {"id": 1003, "name": "Initech", "type": 1}],
          "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"},
                       {"id": 30002, "company": 1002, "first": "Bob", "last": "Roe"},
                       {"id": 30003, "company": 1003, "first": "Cy", "last": "Poe"}],
          "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
          "locations": [], "tickets": [], "docs": []}


@prop(rules=["D-02", "D-04", "D-07", "Q18", "O-04", "P-13"], needs={"disconnect", "delete_all", "record_controls",
                                                                   "create_record"},
      max_examples=2, mode=st.sampled_from(["keep", "delete"]))
def test_D02_D07_Q18_disconnect_with_orphaned_and_disabled_records(factory: Any, mode: str) -> None:
    """With an orphaned organization (and its orphaned children, O-04), a disabled organization, a disabled contact
    and a never-linked organization present: Option 1 clears every link, whatever its state, and keeps every record
    and field (D-02); Option 2 deletes the organizations linked as enabled or orphaned with all their children and
    keeps the disabled and never-linked ones (Q18); neither writes to Autotask."""
    with world(factory, _MIXED, base_settings()) as w:
        w.pass_ok()
        org = {c: w.must_link("organization", c)["id"] for c in (1001, 1002, 1003)}
        w.at_update("Companies", 1002, companyType=2)  # out of scope: orphaned by the next pass (O-03, O-04)
        w.pass_ok()
        assert w.record("organization", org[1002])["link"]["state"] == "orphaned", "O-03: scope loss did not orphan"
        w.adapter.disable("organization", org[1003])
        w.adapter.disable("contact", w.must_link("contact", 30001)["id"])
        standalone = w.adapter.create_record("organization", {"name": "Docs only", "org_type": "Customer"},
                                             via="api")
        before = w.all_records()
        w.mark()
        w.adapter.disconnect(mode)
        after = w.all_records()
        assert not [e for e in w.writes() if e["method"] in ("POST", "PATCH", "PUT", "DELETE")], \
            "D-02/D-07: disconnecting wrote to Autotask"
        if mode == "keep":
            for k, rs in after.items():
                shown = [(r["id"], r["link"]["state"]) for r in rs if r["link"]]
                assert not shown, f"D-02: {k} records still show a sync state after Option 1: {shown}"
                key = lambda r: (r["id"], repr(r["fields"]), repr(r["unmapped"]))  # noqa: E731
                assert sorted(map(key, rs)) == sorted(map(key, before[k])), f"D-02: Option 1 changed {k} data"
            checked()
            return
        left = {r["id"] for r in after["organization"]}
        assert org[1001] not in left and org[1002] not in left, (
            "Q18: Option 2 must delete organizations linked as enabled or orphaned")
        assert org[1003] in left and standalone in left, "Q18/D-07: a disabled or never-linked organization was deleted"
        gone = {org[1001], org[1002]}
        for k in ("contact", "configuration", "location", "ticket"):
            assert not [r for r in after[k] if r["org_id"] in gone], f"D-04: {k} children of deleted orgs survived"
        assert [r["id"] for r in after["contact"] if r["org_id"] == org[1003]], \
            "Q18: the children of the kept (disabled) organization were deleted"
    checked()


# ============================================================== D-01: pause while a pass is running
_PAUSE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
          "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}],
          "cis": [{"id": 100001, "company": 1002, "serial": "SN-1", "mac": None, "type": 1}],
          "locations": [], "tickets": [], "docs": []}


@prop(rules=["D-01", "P-14", "ST-01"], needs={"pause"})
def test_D01_pause_lets_the_running_pass_finish_and_stops_the_next(factory: Any) -> None:
    """Pause Sync pressed while a pass runs does not stop that pass: it finishes and pulls everything (D-01); the
    status then shows "Paused" (D-01, with ``status_log``); the next pass pulls nothing (D-01, P-14) until Resume
    Sync, after which passes pull again."""
    with world(factory, _PAUSE, base_settings()) as w:
        for entity in ("Companies", "ConfigurationItems", "Contacts"):  # every query of the pass is slow
            w.fault({"entity": entity, "kind": "query", "latency": 0.3, "times": 1})
        w.mark()
        t, out = _in_thread(lambda: w.adapter.run_pass(full=True))
        deadline = time.monotonic() + 30
        while not w.at.calls() and t.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        w.adapter.pause()
        paused_at = len(w.at.calls())
        result = _joined(t, out, "the pass")
        assert len(w.at.calls()) > paused_at, "kit: the pass ended before the pause (no Autotask call after it)"
        assert result["ok"], f"D-01: pausing stopped the running pass: {result.get('error')}"
        for kind, psa in (("organization", 1001), ("organization", 1002), ("contact", 30001),
                          ("configuration", 100001)):
            r = w.linked(kind, psa)
            assert r is not None and r["link"]["state"] == "enabled", f"D-01: the running pass did not pull {kind} {psa}"
        if "status_log" in w.adapter.capabilities:
            status = w.adapter.integration_status()
            assert "paused" in status.lower(), f"D-01: after the running pass finished the status is {status!r}"
        w.clear_faults()
        w.at_update("Companies", 1001, companyName="Renamed while paused")
        w.adapter.run_pass(full=True)
        assert w.must_link("organization", 1001)["fields"]["name"] == "Contoso", "D-01/P-14: a pass ran while paused"
        w.adapter.resume()
        w.pass_ok()
        assert w.must_link("organization", 1001)["fields"]["name"] == "Renamed while paused", "D-01: resume did not resume"
    checked()
