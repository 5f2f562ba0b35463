"""§4 matching, §5 creation and §6 orphaning, end to end through a pull pass."""

from __future__ import annotations

import pytest
from ri_fake_autotask import Fault, base_settings, rec, snapshot

from reference_impl.sync.pull import PullPass

TS = "2026-01-01T00:00:00Z"


def org_id(svc, psa):
    return rec(svc, "organization", psa)["id"]


# ---------------------------------------------------------------- §4 matching
def test_M01_M07_organization_matched_by_name_else_created(fake, tenant, make_service):
    svc = make_service()
    pre = svc.store.create_record("organization", {"name": "Acme"}, unmapped={"passwords": ["x"]})
    res = svc.run_pass()
    assert org_id(svc, 100) == pre and res.counts["organization"].linked == 1
    assert rec(svc, "organization", 101) is not None and res.counts["organization"].created == 1  # M-07
    assert len(svc.records("organization")) == 2


def test_M02_M14_configuration_matched_in_same_org_by_serial_or_mac_only(fake, tenant, make_service):
    svc = make_service(base_settings(ci_types=set(), sync_without_ci_type=False))
    svc.run_pass()
    acme, globex = org_id(svc, 100), org_id(svc, 101)
    by_mac = svc.store.create_record("configuration", {"name": "mine", "mac_address": "AABBCC000001",
                                                       "serial_number": "other"}, organization_id=acme)
    elsewhere = svc.store.create_record("configuration", {"name": "x", "serial_number": "SN-502"},
                                        organization_id=acme)  # same serial as a Globex device
    same_name = svc.store.create_record("configuration", {"name": "GLX-WS1"}, organization_id=globex)
    svc.save_settings(base_settings())
    svc.run_pass()
    assert rec(svc, "configuration", 500)["id"] == by_mac  # MAC match despite serial mismatch (OR)
    assert rec(svc, "configuration", 502)["id"] not in (elsewhere, same_name)  # never across orgs, never by name


def test_M03_M04_M05_contact_location_ticket_keys(fake, tenant, make_service):
    svc = make_service(base_settings(account_types=set()))
    svc.run_pass()
    org = svc.store.create_record("organization", {"name": "Acme"})
    c = svc.store.create_record("contact", {"first_name": "Ann", "last_name": "Lee"}, organization_id=org)
    loc = svc.store.create_record("location", {"address1": "100 Main St", "address2": "", "city": "Springfield",
                                               "region": "IL", "country": "United States"}, organization_id=org)
    t = svc.store.create_record("ticket", {"ticket_number": "T20260101.0001"}, organization_id=org)
    svc.save_settings(base_settings())
    svc.run_pass()
    assert rec(svc, "contact", 400)["id"] == c
    assert rec(svc, "location", 300)["id"] == loc
    assert rec(svc, "ticket", 600)["id"] == t


def test_M06_case_differences_do_not_match_even_though_autotask_filters_are_case_insensitive(
        fake, tenant, make_service):
    svc = make_service()
    pre = svc.store.create_record("organization", {"name": "ACME"})
    svc.run_pass()
    assert org_id(svc, 100) != pre


def test_M08_M15_duplicate_names_earliest_created_wins(fake, tenant, make_service):
    svc = make_service()
    late = svc.store.create_record("organization", {"name": "Acme"}, created_at="2025-06-01T00:00:00.000000Z")
    early = svc.store.create_record("organization", {"name": "Acme"}, created_at="2025-01-01T00:00:00.000000Z")
    svc.run_pass()
    assert org_id(svc, 100) == early
    assert svc.store.get_record("organization", late).link is None  # M-15: both exist


def test_M09_Q7_two_companies_same_name_second_creates(fake, tenant, make_service):
    fake.add("Companies", id=150, companyName="Acme", companyType=1, isActive=True, lastActivityDate=TS)
    svc = make_service()
    pre = svc.store.create_record("organization", {"name": "Acme"})
    svc.run_pass()
    assert org_id(svc, 100) == pre and org_id(svc, 150) != pre
    links = svc.store.links("organization")
    assert len({lk.record_id for lk in links}) == len(links)


def test_M10_Q6_renames_and_serial_changes_update_the_same_record(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    o, c = org_id(svc, 100), rec(svc, "configuration", 500)["id"]
    fake.update("Companies", 100, companyName="Acme Holdings")
    fake.update("ConfigurationItems", 500, serialNumber="SN-NEW")
    svc.run_pass()
    assert org_id(svc, 100) == o and rec(svc, "organization", 100)["name"] == "Acme Holdings"
    assert rec(svc, "configuration", 500)["id"] == c and rec(svc, "configuration", 500)["serial_number"] == "SN-NEW"
    assert len(svc.records("organization")) == 2


def test_M11_device_without_serial_or_mac_always_creates(fake, tenant, make_service):
    fake.add("ConfigurationItems", id=560, companyID=100, productID=10, configurationItemType=1, serialNumber="",
             isActive=True, lastModifiedTime=TS)
    svc = make_service(base_settings(ci_types=set(), sync_without_ci_type=False))
    svc.run_pass()
    blank = svc.store.create_record("configuration", {"name": "PowerEdge R740", "serial_number": ""},
                                    organization_id=org_id(svc, 100))
    svc.save_settings(base_settings())
    svc.run_pass()
    assert rec(svc, "configuration", 560)["id"] != blank


def test_M11_company_with_blank_name_is_invalid_CR04_logged(fake, tenant, make_service):
    fake.add("Companies", id=160, companyName="", companyType=1, isActive=True, lastActivityDate=TS)
    svc = make_service()
    res = svc.run_pass()
    assert rec(svc, "organization", 160) is None and res.counts["organization"].failed == 1
    assert any("Company with UID 160 could not be pulled" in e["message"] for e in svc.logs())


def test_M12_Q9_disabled_record_not_resynced_and_no_duplicate(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    o = org_id(svc, 100)
    svc.disable_sync("organization", o)
    fake.update("Companies", 100, companyName="Changed")
    svc.run_pass()
    r = svc.store.get_record("organization", o)
    assert r.fields["name"] == "Acme" and r.link.state == "disabled"
    assert len(svc.records("organization")) == 2


def test_M13_O06_Q8_record_recreated_in_autotask_relinks_the_orphan(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    c = rec(svc, "configuration", 500)["id"]
    fake.delete("ConfigurationItems", 500)
    svc.run_pass()
    assert svc.store.get_record("configuration", c).link.state == "orphaned"
    fake.add("ConfigurationItems", id=590, companyID=100, productID=10, configurationItemType=1,
             serialNumber="SN-500", isActive=True, lastModifiedTime=TS, userDefinedFields=[])
    svc.run_pass()
    r = svc.store.get_record("configuration", c)
    assert r.link.state == "enabled" and r.link.psa_id == 590
    assert len(svc.records("configuration")) == 3


def test_M16_after_links_are_dropped_reconnect_matches_by_key(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    ids = {k: sorted(r["id"] for r in svc.records(k)) for k in ("organization", "configuration", "contact")}
    for lk in svc.store.links():  # Option 1 disconnect: links cleared, data kept (part 2 will own this)
        svc.store.remove_link(lk.kind, lk.record_id)
    svc.store.save_integration(full_sync_required=1)
    svc.run_pass()
    for k, before in ids.items():
        assert sorted(r["id"] for r in svc.records(k)) == before
        assert all(r["sync"] and r["sync"]["state"] == "enabled" for r in svc.records(k))


# ---------------------------------------------------------------- §5 creation
def test_CR01_CR02_CR05_created_records_linked_enabled_with_exact_values(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    acme = rec(svc, "organization", 100)
    assert acme["sync"]["state"] == "enabled"
    assert (acme["name"], acme["short_name"], acme["status"], acme["org_type"]) == ("Acme", "ACM", "Active",
                                                                                   "Customer")
    ann = rec(svc, "contact", 400)
    assert ann["organization_id"] == acme["id"] and ann["sync"]["state"] == "enabled"  # CR-02
    assert (ann["first_name"], ann["last_name"], ann["work_email"]) == ("Ann", "Lee", "ann@acme.example")
    cfg = rec(svc, "configuration", 500)
    assert (cfg["name"], cfg["serial_number"], cfg["asset_tag"], cfg["notes"]) == ("ACME-DC01", "SN-500", "A-1",
                                                                                  "rack 1")


def test_CR03_child_of_unlinked_company_is_skipped_not_parked(fake, tenant, make_service):
    fake.add("ConfigurationItems", id=570, companyID=102, productID=10, configurationItemType=1,
             serialNumber="SN-570", isActive=True, lastModifiedTime=TS)
    svc = make_service()
    res = svc.run_pass()
    assert rec(svc, "configuration", 570) is None and res.counts["configuration"].skipped >= 1
    assert all(r["organization_id"] in {org_id(svc, 100), org_id(svc, 101)} for r in svc.records("configuration"))


def test_CR04_one_failing_organization_does_not_stop_the_others(fake, tenant, make_service, monkeypatch):
    svc = make_service()
    orig = PullPass._apply_children

    def boom(self, cid, *a, **kw):
        if cid == 100:
            raise RuntimeError("disk full")
        return orig(self, cid, *a, **kw)

    monkeypatch.setattr(PullPass, "_apply_children", boom)
    res = svc.run_pass()
    assert rec(svc, "organization", 100) is None  # its whole unit rolled back
    assert rec(svc, "organization", 101) is not None and rec(svc, "configuration", 502) is not None
    assert res.counts["organization"].failed == 1
    assert any("Company with UID 100 could not be pulled" in e["message"] for e in svc.logs())


def test_crash_mid_pass_leaves_store_consistent_and_next_pass_has_no_duplicates(fake, tenant, make_service,
                                                                                   monkeypatch):
    svc = make_service()
    orig = PullPass._apply_children
    calls = {"n": 0}

    def crash(self, cid, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # process dies: not caught by the per-org handler
        return orig(self, cid, *a, **kw)

    monkeypatch.setattr(PullPass, "_apply_children", crash)
    with pytest.raises(KeyboardInterrupt):
        svc.run_pass()
    # Acme's unit committed completely; Globex's rolled back completely.
    assert rec(svc, "organization", 100) is not None and rec(svc, "configuration", 500) is not None
    assert rec(svc, "organization", 101) is None
    monkeypatch.setattr(PullPass, "_apply_children", orig)
    svc.run_pass()
    assert len(svc.records("organization")) == 2 and len(svc.records("configuration")) == 3
    assert len(svc.records("contact")) == 2


# ---------------------------------------------------------------- §6 orphaning
def test_O01_O05_deleted_in_autotask_orphaned_kept_and_no_longer_updated(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    c = rec(svc, "contact", 400)["id"]
    fake.delete("Contacts", 400)
    res = svc.run_pass()
    r = svc.store.get_record("contact", c)
    assert r is not None and r.link.state == "orphaned" and res.counts["contact"].orphaned == 1


def test_O02_invalid_autotask_record_orphans(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    fake.update("Companies", 101, companyName="")
    svc.run_pass()
    assert rec(svc, "organization", 101)["sync"]["state"] == "orphaned"
    assert rec(svc, "organization", 101)["name"] == "Globex"


def test_O03_O04_O05_out_of_scope_org_orphans_and_cascades_without_deleting(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    fake.update("Companies", 100, companyType=4, companyName="Acme (dead)")
    svc.run_pass()
    acme = rec(svc, "organization", 100)
    assert acme["sync"]["state"] == "orphaned" and acme["name"] == "Acme"  # O-05: not updated
    for kind in ("location", "contact", "configuration", "ticket"):
        children = [r for r in svc.records(kind) if r["organization_id"] == acme["id"] and r["sync"]]
        assert children and all(r["sync"]["state"] == "orphaned" for r in children), kind  # O-04
    fake.update("ConfigurationItems", 500, notes="changed while orphaned")
    svc.run_pass()
    assert rec(svc, "configuration", 500)["notes"] == "rack 1"  # O-05


def test_O06_Q20_scope_restored_relinks_same_records_no_duplicates(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    before = {k: sorted(r["id"] for r in svc.records(k)) for k in ("organization", "configuration", "contact")}
    fake.update("Companies", 100, companyType=4)
    svc.run_pass()
    fake.update("Companies", 100, companyType=1)
    res = svc.run_pass()
    assert res.counts["organization"].relinked == 1
    for k, ids in before.items():
        assert sorted(r["id"] for r in svc.records(k)) == ids
        assert all(r["sync"]["state"] == "enabled" for r in svc.records(k) if r["sync"])


def test_O07_orphans_can_be_bulk_deleted(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    fake.delete("ConfigurationItems", 500)
    fake.delete("ConfigurationItems", 501)
    svc.run_pass()
    assert svc.delete_orphans("configuration") == 2
    assert [r["sync"]["psa_id"] for r in svc.records("configuration")] == [502]


@pytest.mark.parametrize("fault", ["503-always", "truncated", "403-tickets"])
def test_O08_C11_failed_or_partial_fetch_orphans_nothing(fake, tenant, make_service, fault):
    for i in range(600):  # enough for two pages
        fake.add("Companies", id=20_000 + i, companyName=f"Bulk {i}", companyType=1, isActive=True,
                 lastActivityDate=TS)
    svc = make_service()
    svc.run_pass()
    before = snapshot(svc)
    fake.delete("Companies", 100)
    fake.delete("ConfigurationItems", 502)
    if fault == "503-always":
        fake.faults.append(Fault(r"ConfigurationItems/query", 503, None, times=None))
    elif fault == "truncated":
        fake.next_page_mode = "truncate"
    else:
        fake.denied["Tickets"] = 403
    res = svc.run_pass()
    assert res.status == "error"
    assert snapshot(svc) == before


def test_O08_incremental_pass_never_orphans_by_absence(fake, tenant, make_service, clock):
    svc = make_service()
    svc.run_pass()
    fake.delete("Companies", 101)
    res = svc.run_pass(full=False)
    assert not res.full and rec(svc, "organization", 101)["sync"]["state"] == "enabled"
    svc.run_pass(full=True)
    assert rec(svc, "organization", 101)["sync"]["state"] == "orphaned"


def test_O09_editing_an_orphan_does_not_push(fake, tenant, make_service):
    svc = make_service(base_settings(two_way=True))
    svc.run_pass()
    fake.delete("Contacts", 400)
    svc.run_pass()
    assert svc.ui_save("contact", rec(svc, "contact", 400)["id"], {"title": "x"})["push"] is False


def test_incremental_pass_picks_up_changes_with_few_calls(fake, tenant, make_service):
    svc = make_service()
    full = svc.run_pass()
    fake.update("Companies", 101, companyName="Globex 2", lastActivityDate="2026-01-14T00:00:00Z")
    fake.update("ConfigurationItems", 502, serialNumber="SN-502b", lastModifiedTime="2026-01-14T00:00:00Z")
    inc = svc.run_pass(full=False)
    assert not inc.full and inc.api_calls < full.api_calls
    assert rec(svc, "organization", 101)["name"] == "Globex 2"
    assert rec(svc, "configuration", 502)["serial_number"] == "SN-502b"
    assert inc.counts["configuration"].fetched <= 3


def test_incremental_pass_pulls_children_of_a_new_company(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    fake.add("Companies", id=170, companyName="Newco", companyType=1, isActive=True,
             lastActivityDate="2026-01-14T00:00:00Z")
    fake.add("CompanyLocations", id=370, companyID=170, name="Primary Location", address1="1 New", isPrimary=True)
    fake.add("ConfigurationItems", id=580, companyID=170, productID=99, configurationItemType=1,
             serialNumber="N1", isActive=True, lastModifiedTime="2026-01-14T00:00:00Z")
    fake.add("Products", id=99, name="Widget", manufacturerName="Acme Mfg", manufacturerProductName="W1")
    svc.run_pass(full=False)
    assert rec(svc, "location", 370) is not None
    assert rec(svc, "configuration", 580)["manufacturer"] == "Acme Mfg"
    assert rec(svc, "organization", 170)["primary_location_id"] == rec(svc, "location", 370)["id"]
