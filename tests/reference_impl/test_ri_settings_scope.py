"""§2 Sync settings and scoping (SC-01 … SC-14), §12 ticket window (T-01, T-02, Q23)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ri_fake_autotask import base_settings, rec

from reference_impl.clock import subtract_months
from reference_impl.sync import SettingsError, SyncSettings, validate_settings
from reference_impl.sync.mapping import AUTOTASK_DEFAULT_TYPE
from reference_impl.sync.scope import company_in_scope, device_in_scope, ticket_in_scope, ticket_in_window
from reference_impl.sync.settings import is_api_only_resource

ADMIN = {"id": 1, "firstName": "Ada", "email": "ada@msp.example", "licenseTypeLabel": "Full", "isActive": True}


# ---------------------------------------------------------------- SC-01
@settings(max_examples=100, deadline=None)
@given(ctype=st.sampled_from([1, 2, 3]), cls=st.sampled_from([None, 1, 2]),
       types=st.sets(st.sampled_from(["1", "2", "3"])), cls_sync=st.booleans(),
       classes=st.sets(st.sampled_from(["1", "2"])), without=st.booleans())
def test_SC01_company_scope_is_type_and_classification_rule(ctype, cls, types, cls_sync, classes, without):
    s = SyncSettings(account_types=types, classification_sync=cls_sync, classifications=classes,
                     sync_without_classification=without)
    expected = str(ctype) in types and (not cls_sync or (cls is not None and str(cls) in classes)
                                        or (cls is None and without))
    assert company_in_scope({"companyType": ctype, "classification": cls}, s) == expected


def test_SC01_classification_sync_in_a_pass(fake, tenant, make_service):
    svc = make_service(base_settings(classification_sync=True, classifications={"1"},
                                     sync_without_classification=False))
    svc.run_pass()
    assert rec(svc, "organization", 100) is not None  # Gold
    assert rec(svc, "organization", 101) is None  # no classification, 'without' unchecked


# ---------------------------------------------------------------- SC-02
def test_SC02_device_scope_and_autotask_default_type(fake, tenant, make_service):
    assert device_in_scope({"configurationItemType": None}, SyncSettings(sync_without_ci_type=True))
    assert not device_in_scope({"configurationItemType": None}, SyncSettings(sync_without_ci_type=False))
    assert not device_in_scope({"configurationItemType": 2}, SyncSettings(ci_types={"1"}))
    svc = make_service(base_settings(ci_types={"1"}, sync_without_ci_type=True))
    svc.run_pass()
    assert rec(svc, "configuration", 501)["configuration_type"] == AUTOTASK_DEFAULT_TYPE
    assert rec(svc, "configuration", 502) is None  # Workstation not selected


def test_SC02_blank_type_not_synced_without_the_checkbox(fake, tenant, make_service):
    svc = make_service(base_settings(sync_without_ci_type=False))
    svc.run_pass()
    assert rec(svc, "configuration", 501) is None


# ---------------------------------------------------------------- SC-03
def test_SC03_children_only_pulled_into_org_linked_to_their_company(fake, tenant, make_service):
    fake.add("Contacts", id=450, companyID=102, firstName="Ina", lastName="Tech", lastModifiedDate="2026-01-01T00:00:00Z")
    fake.add("ConfigurationItems", id=550, companyID=102, productID=10, configurationItemType=1, serialNumber="X9",
             isActive=True, lastModifiedTime="2026-01-01T00:00:00Z")
    svc = make_service()  # Initech (102) is a Lead: out of scope
    res = svc.run_pass()
    assert rec(svc, "contact", 450) is None and rec(svc, "configuration", 550) is None
    assert rec(svc, "location", 302) is None
    assert res.counts["contact"].skipped >= 1 and res.counts["configuration"].skipped >= 1


# ---------------------------------------------------------------- SC-04 / SC-05 / SC-06
def test_SC04_contacts_off_creates_no_contact_and_writes_no_contact_data(fake, tenant, make_service):
    svc = make_service(base_settings(contacts_enabled=False))
    svc.run_pass()
    assert svc.records("contact") == []
    assert rec(svc, "configuration", 500)["contact_id"] is None
    assert rec(svc, "ticket", 600)["contact_id"] is None


def test_SC04_ST08_turning_contacts_off_orphans_synced_contacts(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    svc.save_settings(base_settings(contacts_enabled=False))
    svc.run_pass()
    states = {r["sync"]["state"] for r in svc.records("contact") if r["sync"]}
    assert states == {"orphaned"}
    assert svc.summary()["contact"]["sync_active"] is False  # ST-08


def test_SC05_locations_off_pulls_no_location(fake, tenant, make_service):
    svc = make_service(base_settings(locations_enabled=False))
    svc.run_pass()
    assert svc.records("location") == []
    assert rec(svc, "organization", 100)["primary_location_id"] is None


def test_SC06_enabling_location_sync_overwrites_configuration_locations(fake, tenant, make_service):
    svc = make_service(base_settings(locations_enabled=False))
    svc.run_pass()
    cfg = rec(svc, "configuration", 500)
    hand = svc.store.create_record("location", {"name": "Closet"}, organization_id=cfg["organization_id"])
    svc.store.update_record("configuration", cfg["id"], {"location_id": hand})
    svc.run_pass()
    assert rec(svc, "configuration", 500)["location_id"] == hand  # location sync off: untouched
    svc.save_settings(base_settings(locations_enabled=True))
    svc.run_pass()
    synced = rec(svc, "location", 300)
    assert rec(svc, "configuration", 500)["location_id"] == synced["id"]


# ---------------------------------------------------------------- SC-07 / T-01 / T-02 / Q23
NOW = datetime(2026, 3, 31, 12, 0, 0, tzinfo=UTC)


def test_Q23_calendar_months_clamp_the_day():
    assert subtract_months(NOW, 1) == datetime(2026, 2, 28, 12, 0, 0, tzinfo=UTC)
    assert subtract_months(datetime(2024, 3, 31, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)
    assert subtract_months(NOW, 12) == datetime(2025, 3, 31, 12, 0, 0, tzinfo=UTC)


def test_SC07_T02_Q23_window_is_inclusive_on_max_of_create_and_last_activity():
    s = SyncSettings(queues={"5"}, ticket_months=1)
    edge = "2026-02-28T12:00:00Z"
    just_before = "2026-02-28T11:59:59Z"
    assert ticket_in_window({"createDate": "2020-01-01T00:00:00Z", "lastActivityDate": edge}, s, NOW)
    assert not ticket_in_window({"createDate": just_before, "lastActivityDate": just_before}, s, NOW)
    assert ticket_in_window({"createDate": edge, "lastActivityDate": None}, s, NOW)  # created within
    assert ticket_in_window({"createDate": "2020-01-01T00:00:00Z"}, SyncSettings(ticket_months=None), NOW)


def test_T01_SC07_ticket_needs_a_selected_queue():
    s = SyncSettings(queues={"5"})
    assert ticket_in_scope({"queueID": 5, "createDate": "2026-01-01T00:00:00Z"}, s, NOW)
    assert not ticket_in_scope({"queueID": 6, "createDate": "2026-01-01T00:00:00Z"}, s, NOW)
    assert not ticket_in_scope({"queueID": None}, s, NOW)


def test_SC07_ticket_scope_in_a_pass(fake, tenant, make_service):
    svc = make_service(base_settings(ticket_months=6))
    svc.run_pass()
    assert rec(svc, "ticket", 600) is not None
    assert rec(svc, "ticket", 601) is None  # not updated within 6 months
    assert rec(svc, "ticket", 602) is None  # queue not selected


# ---------------------------------------------------------------- SC-08 / SC-09 / SC-14
@pytest.mark.parametrize("res", [
    {"id": 2, "email": "bot@x.com", "licenseTypeLabel": "API User"},
    {"id": 3, "email": "sync@Tenant.APIUSER.com", "licenseTypeLabel": "Full"},
    {"id": 4, "userName": "x@apiuser.COM"},
])
def test_SC08_api_only_account_manager_rejected(res):
    assert is_api_only_resource(res)
    v = validate_settings(base_settings(default_account_manager=res["id"]), res)
    assert not v.ok and any(p.rule == "SC-08" for p in v.problems)


def test_SC08_rejected_on_save_before_anything_is_stored(fake, tenant, make_service):
    svc = make_service()
    before = svc.settings
    with pytest.raises(SettingsError, match="API-only"):
        svc.save_settings(base_settings(default_account_manager=29682886, ci_types={"1"}))
    assert svc.settings == before
    with pytest.raises(SettingsError, match="does not exist"):
        svc.save_settings(base_settings(default_account_manager=1))


@pytest.mark.parametrize("missing", ["default_material_code", "default_product_category"])
def test_SC09_material_code_and_product_category_required(missing):
    v = validate_settings(base_settings(**{missing: None}), ADMIN)
    assert not v.ok and [p.rule for p in v.problems] == ["SC-09"]
    assert validate_settings(base_settings(**{missing: "  "}), ADMIN).ok is False


def test_SC14_two_way_contact_section_needs_contact_sync():
    v = validate_settings(base_settings(contacts_enabled=False, ad_email_type="Primary"), ADMIN)
    assert [p.rule for p in v.problems] == ["SC-14"]
    assert validate_settings(base_settings(contacts_enabled=True, ad_email_type="Primary"), ADMIN).ok


# ---------------------------------------------------------------- SC-10 / Q22 / ST-09
def test_SC10_Q22_save_queues_a_sync_one_hour_later_and_manual_sync_runs_now(fake, tenant, make_service, clock):
    svc = make_service()
    assert svc.status()["next_sync_at"].startswith((clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    assert not svc.sync_due() and svc.run_due() is None
    assert svc.run_pass().status == "ok"  # "Start Manual Sync" runs immediately
    clock.advance(3600)
    assert svc.sync_due() and svc.run_due() is not None


# ---------------------------------------------------------------- SC-11 / SC-12 / SC-13
def test_SC11_deselected_type_orphans_records_after_next_full_sync_not_deleted(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    rid = rec(svc, "configuration", 502)["id"]
    svc.save_settings(base_settings(ci_types={"1"}))
    svc.run_pass()
    r = svc.store.get_record("configuration", rid)
    assert r is not None and r.link.state == "orphaned"


def test_SC12_type_states_enabled_disabled_not_connected(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    svc.store.configuration_type_id("Made In Docs")
    svc.save_settings(base_settings(ci_types={"1"}, sync_without_ci_type=False))
    svc.run_pass()
    states = {t["name"]: t["state"] for t in svc.store.configuration_types()}
    assert states["Server"] == "enabled"
    assert states["Workstation"] == "disabled"  # deselected: kept, disabled
    assert states[AUTOTASK_DEFAULT_TYPE] == "disabled"
    assert states["Made In Docs"] == "not_connected"


def test_SC13_scope_change_takes_effect_with_the_next_full_sync(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    svc.save_settings(base_settings(account_types={"1", "2"}))
    res = svc.run_pass(full=False)  # escalated
    assert res.full is True
    assert rec(svc, "organization", 102) is not None
    svc.save_settings(base_settings(account_types={"1", "2"}, two_way=True))  # not a scope change
    assert svc.run_pass(full=False).full is False
