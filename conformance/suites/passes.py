"""Whole pull passes the other suites do not exercise: incremental passes (``run_pass(full=False)``), the ticket
window at a month end on such a pass (T-02, Q23), tickets leaving scope (T-07, Q15), inactive devices (Q21, §14.6)
and blank device types (SC-02, FM-C4).

Oracles are the rules' text. An incremental pass is the scheduled sync of SC-10/ST-09 ("how long one takes depends
on how many records changed since the last sync"): it must bring every change made in Autotask since the last pass
(FM-G1, M-10, CR-01), like a full pass would; whether it can orphan is not asked (O-08 allows orphaning only after a
complete enumeration).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites import _oracle as O
from conformance.suites._common import checked, prop
from conformance.world import MANAGER, QUEUES, base_settings, world

RULES = ["FM-G1", "M-10", "CR-01", "SC-10", "T-02", "T-07", "Q15", "Q21", "Q23", "SC-02", "FM-C4", "O-03", "O-05"]

_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
         "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"}],
         "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1},
                 {"id": 100002, "company": 1002, "serial": "SN-2", "mac": None, "type": None}],
         "locations": [], "tickets": [], "docs": []}


def _rec(w: Any, kind: str, rid: Any) -> dict[str, Any]:
    r = next((r for r in w.records(kind) if r["id"] == rid), None)
    assert r is not None, f"O-05: {kind} {rid} was deleted from the documentation (no automatic deletion)"
    return r


def _state(w: Any) -> dict[tuple[str, Any], Any]:
    return {(k, r["id"]): (r["fields"], r["link"]) for k, rs in w.all_records().items() for r in rs}


# ====================================================================================== incremental passes
@prop(rules=["SC-10", "FM-G1", "M-10", "CR-01"], max_examples=4,
      edits=st.lists(st.sampled_from(["rename", "title", "serial", "new_company", "new_contact"]), min_size=1,
                     max_size=3, unique=True),
      examples=({"edits": ["rename", "title", "serial", "new_company", "new_contact"]},))
def test_SC10_FMG1_an_incremental_pass_brings_every_autotask_change(factory: Any, edits: list) -> None:
    """After a full pass, changes made in Autotask (a rename, a contact's title, a device's serial, a new company,
    a new contact) are all in the documentation after one incremental pass (FM-G1, M-10 in place, CR-01 created and
    linked); a second incremental pass changes nothing and writes nothing."""
    with world(factory, _SPEC, base_settings()) as w:
        w.pass_ok()
        ids = {k: {r["id"] for r in rs} for k, rs in w.all_records().items()}
        new: dict[str, int] = {}
        if "rename" in edits:
            w.at_update("Companies", 1001, companyName="Contoso renamed")
        if "title" in edits:
            w.at_update("Contacts", 30001, title="Chair")
        if "serial" in edits:
            w.at_update("ConfigurationItems", 100001, serialNumber="SN-1-NEW")
        if "new_company" in edits:
            new["organization"] = w.at_create("Companies", companyName="Initech", companyType=1, phone="555-0100",
                                              ownerResourceID=MANAGER)
        if "new_contact" in edits:
            new["contact"] = w.at_create("Contacts", companyID=1002, firstName="Cy", lastName="New", isActive=1)
        w.pass_ok(full=False)
        org = w.must_link("organization", 1001)
        assert org["fields"]["name"] == ("Contoso renamed" if "rename" in edits else "Contoso"), (
            f"FM-G1: the incremental pass did not bring the rename: {org['fields']['name']!r}")
        assert org["id"] in ids["organization"], "M-10: the rename created a new organization"
        con = w.must_link("contact", 30001)
        assert con["fields"]["title"] == ("Chair" if "title" in edits else "CEO"), (
            f"FM-G1: the incremental pass did not bring the contact's title: {con['fields']['title']!r}")
        ci = w.must_link("configuration", 100001)
        assert ci["fields"]["serial_number"] == ("SN-1-NEW" if "serial" in edits else "SN-1"), (
            f"FM-G1/M-10: the incremental pass did not bring the serial: {ci['fields']['serial_number']!r}")
        for kind, psa in new.items():
            r = w.linked(kind, psa)
            assert r is not None and r["link"]["state"] == "enabled" and r["id"] not in ids[kind], (
                f"CR-01: the {kind} created in Autotask ({psa}) was not created by the incremental pass")
        before = _state(w)
        w.mark()
        w.pass_ok(full=False)
        assert _state(w) == before, "SC-10: a second incremental pass without Autotask changes changed records"
        assert not w.writes(), "P-01: an incremental pass wrote to Autotask"
    checked()


# ====================================================================== T-02 / Q23 at a month end, incremental
_MONTH_END = "2026-03-31T12:00:00Z"  # one calendar month back is 2026-02-28T12:00 (Q23: the day is clamped)


def _t(i: int, company: int, at: str) -> dict[str, Any]:
    return {"id": 700001 + i, "company": company, "number": f"T2026{i:04d}.0001", "queue": QUEUES["Triage"],
            "created": at, "updated": at}


_WINDOW = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [], "locations": [],
           "docs": [], "clock": _MONTH_END,
           "tickets": [_t(0, 1001, "2026-02-28T11:00:00Z"), _t(1, 1001, "2026-02-28T13:00:00Z"),
                       _t(2, 1001, "2026-03-01T06:00:00Z"), _t(3, 1001, "2026-01-31T12:00:00Z"),
                       _t(4, 1001, "2026-03-30T00:00:00Z")]}


@prop(rules=["T-02", "Q23", "SC-07", "SC-10"], max_examples=2, months=st.sampled_from([1, 2]))
def test_T02_Q23_the_months_window_of_an_incremental_pass_at_a_month_end(factory: Any, months: int) -> None:
    """A pass requested as incremental applies the months window in calendar months (Q23: "calendar months in
    UTC", inclusive, the day clamped), also at a month end where N months back is a shorter month: with the clock
    at 31 March 12:00, one month back is 28 February 12:00, not 30 days back (1 March 12:00)."""
    settings = base_settings(queues=[str(QUEUES["Triage"])], ticket_months=months)
    with world(factory, _WINDOW, settings) as w:
        w.pass_ok(full=False)
        start = O.months_before(_MONTH_END, months)
        want = {t["id"] for t in _WINDOW["tickets"] if max(t["created"], t["updated"]) >= start}
        got = set(w.by_psa("ticket"))
        assert got == want, (f"T-02/Q23: with a {months}-month window at {_MONTH_END} (start {start}) the tickets "
                             f"{sorted(want)} belong in, got {sorted(got)}")
    checked()


# ======================================================================== T-07 / Q15: a ticket leaves scope
_T07 = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [], "locations": [],
        "docs": [], "tickets": [_t(0, 1001, "2025-12-20T00:00:00Z"), _t(1, 1001, "2025-10-20T00:00:00Z"),
                                _t(2, 1001, "2025-12-10T00:00:00Z")]}


@prop(rules=["T-07", "Q15", "O-03", "O-05"], max_examples=2, how=st.sampled_from(["queue", "window"]))
def test_T07_Q15_a_synced_ticket_leaving_scope_is_orphaned_not_deleted(factory: Any, how: str) -> None:
    """A synced ticket that leaves the selected queues (edited in Autotask) or falls out of the months window
    (the window narrowed to 2 months) is treated like any out-of-scope record (T-07, Q15 default): after the next
    full pass it is orphaned (O-03), it stays in the documentation and is no longer updated (O-05); the tickets
    still in scope stay enabled."""
    triage = str(QUEUES["Triage"])
    with world(factory, _T07, base_settings(queues=[triage], ticket_months=6)) as w:
        w.pass_ok()
        victim = 700002 if how == "window" else 700003
        rec = w.linked("ticket", victim)
        assert rec is not None, "T-02: a ticket inside the 6-month window was not imported"
        if how == "queue":
            w.at_update("Tickets", victim, queueID=QUEUES["Monitoring Alerts"])
        else:
            w.adapter.apply_settings(base_settings(queues=[triage], ticket_months=2))
        w.pass_ok()
        r = w.record("ticket", rec["id"])
        assert r["link"] and r["link"]["state"] == "orphaned", (
            f"T-07/Q15: a ticket that left the {how} must be orphaned like any out-of-scope record, shows {r['link']}")
        if how == "queue":  # (an Autotask edit of the aged-out ticket would bring it back into the window: O-06)
            w.at_update("Tickets", victim, title="Changed after leaving scope")
            w.pass_ok()
            r = w.record("ticket", rec["id"])
            assert r["fields"]["title"] != "Changed after leaving scope", "O-05: a pull updated the orphaned ticket"
        assert w.must_link("ticket", 700001)["link"]["state"] == "enabled", "T-07: a ticket still in scope changed state"
    checked()


# ============================================================================ Q21 / §14.6: inactive devices
@prop(rules=["Q21", "§14.6", "O-03"], max_examples=2, ci=st.sampled_from([100001, 100002]))
def test_Q21_an_inactive_device_stays_linked_with_status_inactive(factory: Any, ci: int) -> None:
    """A device made inactive in Autotask stays linked (enabled) and its configuration's status becomes Inactive
    (§14 item 6, Q21: "inactive AT devices stay linked and set the IT Glue status to Inactive; only deletion or
    scope loss orphans a device"); made active again, it is Active, in the same record."""
    with world(factory, _SPEC, base_settings()) as w:
        w.pass_ok()
        rec = w.must_link("configuration", ci)
        w.at_update("ConfigurationItems", ci, isActive=False)
        w.pass_ok()
        r = w.record("configuration", rec["id"])
        assert r["link"] and r["link"]["state"] == "enabled", f"Q21: an inactive device left the link {r['link']}"
        assert r["fields"]["status"] == "Inactive", f"Q21: status of an inactive device is {r['fields']['status']!r}"
        w.at_update("ConfigurationItems", ci, isActive=True)
        w.pass_ok()
        r = w.record("configuration", rec["id"])
        assert r["link"]["state"] == "enabled" and r["fields"]["status"] == "Active", (
            f"Q21: a device active again shows {r['link']} {r['fields']['status']!r}")
        assert len(w.by_psa("configuration").get(ci, [])) == 1, "M-10: the device was duplicated"
    checked()


# ================================================================================ SC-02 / FM-C4: blank types
@prop(rules=["SC-02", "FM-C4", "M-10", "§16.10"], max_examples=2, new_type=st.sampled_from([1, 2]))
def test_SC02_FMC4_a_blank_device_type_is_autotask_default_and_retyped_in_place(factory: Any, new_type: int) -> None:
    """A device without a type, in scope because "Sync Configuration Items without Configuration Item Types" is
    checked, gets the configuration type "Autotask Default" (SC-02); once Autotask gives it a type, the same record
    is retyped in place: same id, no duplicate (FM-C4 [I])."""
    with world(factory, _SPEC, base_settings(sync_without_ci_type=True)) as w:
        w.pass_ok()
        rec = w.linked("configuration", 100002)
        assert rec is not None, "SC-02: a blank-type device was not synced although blank types are selected"
        assert rec["fields"]["configuration_type"] == "Autotask Default", (
            f"SC-02: a blank Autotask type must give 'Autotask Default', got {rec['fields']['configuration_type']!r}")
        w.at_update("ConfigurationItems", 100002, configurationItemType=new_type)
        w.pass_ok()
        same = w.by_psa("configuration").get(100002, [])
        assert [r["id"] for r in same] == [rec["id"]], f"FM-C4: retyping made {[r['id'] for r in same]}"
        assert same[0]["fields"]["configuration_type"] not in (None, "", "Autotask Default"), (
            "FM-C4: the device typed in Autotask still shows 'Autotask Default'")
    checked()
