"""§7 per-record controls, §11 status/logs/Manage Data, §12 tickets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ri_fake_autotask import base_settings, rec

from reference_impl.docstore import LINK_STATES
from reference_impl.sync import RecordActionError

KINDS = ("organization", "location", "contact", "configuration", "ticket")


# ---------------------------------------------------------------- §7
def test_R01_R02_disable_then_enable_psa_overwrites_local_edits(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    cid = rec(svc, "contact", 400)["id"]
    svc.disable_sync("contact", cid)
    assert svc.store.get_link("contact", cid).state == "disabled"  # "Sync disabled" immediately
    svc.ui_save("contact", cid, {"title": "Local edit"})  # allowed: no longer synced
    fake.update("Contacts", 400, title="Chief")
    svc.run_pass()
    assert svc.store.get_record("contact", cid).fields["title"] == "Local edit"
    svc.enable_sync("contact", cid)
    svc.run_pass()
    assert svc.store.get_record("contact", cid).fields["title"] == "Chief"  # R-02 / Q19


def test_R03_sync_now_pulls_only_that_record(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    cid = rec(svc, "configuration", 500)["id"]
    fake.update("ConfigurationItems", 500, notes="fresh")
    fake.update("ConfigurationItems", 502, notes="also fresh")
    fake.update("Companies", 100, companyName="Renamed")
    res = svc.sync_now("configuration", cid)
    assert res.status == "ok" and res.api_calls <= 3
    assert rec(svc, "configuration", 500)["notes"] == "fresh"
    assert rec(svc, "configuration", 502)["notes"] is None
    assert rec(svc, "organization", 100)["name"] == "Acme"


def test_R03_sync_now_of_a_deleted_record_orphans_only_it(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    cid = rec(svc, "contact", 400)["id"]
    fake.delete("Contacts", 400)
    svc.sync_now("contact", cid)
    assert svc.store.get_link("contact", cid).state == "orphaned"
    assert rec(svc, "contact", 401)["sync"]["state"] == "enabled"


def test_R04_T05_manage_opens_the_autotask_record(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    url = svc.manage_url("ticket", rec(svc, "ticket", 600)["id"])
    assert url.startswith("http://127.0.0.1:8113/") and url.endswith("TicketID=600")
    assert svc.manage_url("organization", rec(svc, "organization", 100)["id"]).endswith("AccountID=100")


def test_R05_error_state_shows_details_and_edit_save_retriggers_push(fake, tenant, make_service):
    svc = make_service(base_settings(two_way=True))
    svc.run_pass()
    oid = rec(svc, "organization", 100)["id"]
    svc.store.set_link_state("organization", oid, "error", error="Autotask rejected the update")
    svc.run_pass()
    r = rec(svc, "organization", 100)
    assert r["sync"]["state"] == "error" and r["sync"]["error"]  # pulled, error kept until a push succeeds
    assert svc.ui_save("organization", oid, {})["push"] is True


def test_R06_R07_disconnected_records_listed_and_reconnectable(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    ids = [r["id"] for r in svc.records("configuration")]
    for i in ids[:2]:
        svc.disable_sync("configuration", i)
    assert [r["id"] for r in svc.records("configuration", state="disabled")] == ids[:2]
    svc.enable_sync("configuration", ids[0])
    assert svc.summary()["configuration"]["disconnected"] == 1


def test_R08_Q10_only_non_syncing_records_can_be_deleted(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    cid = rec(svc, "contact", 400)["id"]
    with pytest.raises(RecordActionError, match="R-08"):
        svc.delete_record("contact", cid)
    svc.disable_sync("contact", cid)
    svc.delete_record("contact", cid)
    assert svc.store.get_record("contact", cid) is None
    svc.run_pass()  # Q10: with the link gone, the PSA record comes back as a new record
    assert rec(svc, "contact", 400) is not None


# ---------------------------------------------------------------- §11
def test_ST01_status_syncing_during_pass_ok_after_and_initial_notification_once(fake, tenant, make_service):
    sent = []
    svc = make_service()
    svc.notify = sent.append
    seen = []
    svc.run_pass(progress=lambda *_: seen.append(svc.status()["status"]))
    assert "Syncing…" in seen and svc.status()["status"] == "OK"
    svc.run_pass()
    assert len(sent) == 1


def test_ST02_log_entry_at_start_and_completion_of_each_pass(fake, tenant, make_service):
    svc = make_service()
    r1 = svc.run_pass()
    r2 = svc.run_pass(full=False)
    for r in (r1, r2):
        msgs = [e["message"] for e in svc.logs(pass_id=r.pass_id)]
        assert msgs[0].startswith("Sync started") and msgs[-1].startswith("Sync completed")


def test_ST03_ST06_one_indicator_per_record_and_filters_only_for_present_states(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    for k in KINDS:
        for r in svc.records(k):
            assert r["sync"] is None or r["sync"]["state"] in LINK_STATES
    assert svc.status_filter_options("configuration") == ["enabled"]
    svc.disable_sync("configuration", rec(svc, "configuration", 500)["id"])
    assert svc.status_filter_options("configuration") == ["enabled", "disabled"]


def test_ST04_ST07_manage_data_counts_and_change_times(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    fake.delete("ConfigurationItems", 502)
    svc.run_pass()
    s = svc.summary()["configuration"]
    assert (s["synced"], s["orphaned"], s["disconnected"], s["errors"], s["sync_active"]) == (2, 1, 0, 0, True)
    r = rec(svc, "configuration", 500)
    assert r["sync"]["psa_changed_at"] == "2026-01-10T10:00:00Z" and r["sync"]["synced_at"]


def _check_st05(svc):
    summary = svc.summary()
    for k in KINDS:
        s = summary[k]
        linked = [r for r in svc.records(k) if r["sync"]]
        assert s["synced"] == sum(r["sync"]["state"] == "enabled" for r in linked)
        assert s["orphaned"] == sum(r["sync"]["state"] == "orphaned" for r in linked)
        assert s["disconnected"] == sum(r["sync"]["state"] == "disabled" for r in linked)
        assert s["errors"] == sum(r["sync"]["state"] == "error" for r in linked)
        assert s["synced"] + s["orphaned"] + s["disconnected"] + s["errors"] == s["linked"] == len(linked)


OPS = st.lists(st.sampled_from(["pass", "inc", "delete_ci", "retype_company", "restore_company", "disable_org",
                                "enable_all", "contacts_off", "contacts_on", "new_ci"]), max_size=8)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_ST05_count_invariants_hold_after_any_operation_sequence(make_service, fake, ops):
    from ri_fake_autotask import demo_tenant
    fake.tables.clear()
    fake._sorted.clear()
    demo_tenant(fake)
    svc = make_service()
    n = 0
    for op in ops:
        if op == "pass":
            svc.run_pass()
        elif op == "inc":
            svc.run_pass(full=False)
        elif op == "delete_ci" and fake.tables["ConfigurationItems"]:
            fake.delete("ConfigurationItems", min(fake.tables["ConfigurationItems"]))
        elif op == "retype_company":
            fake.update("Companies", 100, companyType=4)
        elif op == "restore_company":
            fake.update("Companies", 100, companyType=1)
        elif op == "disable_org":
            r = rec(svc, "organization", 101)
            if r and r["sync"]["state"] != "disabled":
                svc.disable_sync("organization", r["id"])
        elif op == "enable_all":
            for r in svc.records("organization", state="disabled"):
                svc.enable_sync("organization", r["id"])
        elif op == "contacts_off":
            svc.save_settings(base_settings(contacts_enabled=False))
        elif op == "contacts_on":
            svc.save_settings(base_settings())
        elif op == "new_ci":
            n += 1
            fake.add("ConfigurationItems", companyID=100, productID=10, configurationItemType=1,
                     serialNumber=f"NEW{n}", isActive=True, lastModifiedTime="2026-01-14T00:00:00Z")
        _check_st05(svc)
    links = svc.store.links()
    assert len({(lk.kind, lk.psa_id) for lk in links}) == len(links)  # M-09 across the whole history
    assert len({(lk.kind, lk.record_id) for lk in links}) == len(links)


def test_ST09_status_json_has_last_pass_and_schedule(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    st_ = svc.status()
    assert st_["last_pass"]["status"] == "ok" and st_["next_sync_at"] and st_["last_full_sync_at"]


# ---------------------------------------------------------------- §12
def test_T03_ticket_matches_on_org_and_number_only_in_that_org(fake, tenant, make_service):
    svc = make_service(base_settings(queues=set()))
    svc.run_pass()
    globex = rec(svc, "organization", 101)["id"]
    other = svc.store.create_record("ticket", {"ticket_number": "T20260101.0001"}, organization_id=globex)
    svc.save_settings(base_settings())
    svc.run_pass()
    assert rec(svc, "ticket", 600)["id"] != other


def test_T04_tickets_are_never_pushed(fake, tenant, make_service):
    svc = make_service(base_settings(two_way=True))
    svc.run_pass()
    assert svc.ui_save("ticket", rec(svc, "ticket", 600)["id"], {})["push"] is False


def test_T04_synced_tickets_are_read_only_even_with_two_way_on(fake, tenant, make_service):
    svc = make_service(base_settings(two_way=True))
    svc.run_pass()
    ticket = rec(svc, "ticket", 600)
    with pytest.raises(RecordActionError, match="T-04"):
        svc.ui_save("ticket", ticket["id"], {"title": "edited in the documentation"})
    assert rec(svc, "ticket", 600)["title"] == ticket["title"]  # nothing saved
    out = svc.ui_save("ticket", ticket["id"], {"unmapped": {"notes": "ours"}})  # FM-G3: unmapped stays editable
    assert out["saved"] and out["push"] is False


def test_T06_ticket_of_unlinked_company_not_imported(fake, tenant, make_service):
    fake.add("Tickets", id=650, companyID=102, ticketNumber="T-LEAD", queueID=5, status=1, priority=2,
             createDate="2026-01-01T00:00:00Z", lastActivityDate="2026-01-01T00:00:00Z")
    svc = make_service()
    svc.run_pass()
    assert rec(svc, "ticket", 650) is None


def test_T07_Q15_ticket_aging_out_of_window_is_orphaned_by_default(fake, tenant, make_service, clock):
    svc = make_service(base_settings(ticket_months=3))
    svc.run_pass()
    assert rec(svc, "ticket", 600)["sync"]["state"] == "enabled"
    clock.advance(86400 * 150)
    svc.run_pass()
    assert rec(svc, "ticket", 600)["sync"]["state"] == "orphaned"


def test_T07_Q15_freeze_alternative_keeps_ticket_linked_and_untouched(fake, tenant, make_service, clock):
    svc = make_service(base_settings(ticket_months=3, ticket_out_of_window="freeze"))
    svc.run_pass()
    clock.advance(86400 * 150)
    fake.update("Tickets", 600, title="changed")
    svc.run_pass()
    r = rec(svc, "ticket", 600)
    assert r["sync"]["state"] == "enabled" and r["title"] == "Printer"


def test_T02_ticket_changed_in_autotask_updates(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    fake.update("Tickets", 600, status=5, lastActivityDate="2026-01-14T00:00:00Z")
    svc.run_pass(full=False)
    assert rec(svc, "ticket", 600)["status"] == "Complete"
