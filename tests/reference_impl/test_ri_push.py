"""Part 2 against the project's Autotask mock, in-process: two-way push (§8), push-all (§9), per-record controls (§7),
pause and disconnect (§10). The mock's request journal shows the exact Autotask writes each action makes; injected
faults (admin API) show that nothing is lost when a write fails.

Each test names the rule ids it checks.
"""

from __future__ import annotations

import json
import random
import re

import pytest

pytest.importorskip("mockserver.app")

from ri_fake_autotask import base_settings  # noqa: E402

from reference_impl.client import AutotaskClient, RetryPolicy  # noqa: E402
from reference_impl.clock import ManualClock, parse_at_datetime  # noqa: E402
from reference_impl.docstore import DocStore  # noqa: E402
from reference_impl.sync import RecordActionError, RoleError, SyncService  # noqa: E402

MANAGER = 29682884  # the demo tenant's Full-licence administrator (SC-08)
API_ONLY = 29682885  # the demo tenant's API user
MATERIAL = "29682801"  # a demo BillingCode (Default Material Code, SC-09)


def _factory(cfg, clk):
    return AutotaskClient(cfg.credentials, zone_lookup_url=cfg.zone_lookup_url, zone_url=cfg.zone_url,
                          cached_zone=cfg.cached_zone, clock=clk, rng=random.Random(3),
                          retry=RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2))


def _connect(svc, mock):
    c = mock.credentials
    svc.connect(c.user_name, c.secret, c.integration_code, zone_lookup_url=mock.root_url)


@pytest.fixture
def svc(autotask_mock):
    """Connected to the demo tenant with two-way on, after one full pull."""
    clock = ManualClock(parse_at_datetime(autotask_mock.now()).replace(microsecond=0))
    s = SyncService(DocStore(":memory:", clock=clock), _factory, clock=clock)
    _connect(s, autotask_mock)
    s.mock = autotask_mock  # type: ignore[attr-defined]
    s.save_settings(settings(two_way=True))
    assert s.run_pass().status == "ok"
    autotask_mock.clear_journal()
    return s


def settings(**kw):
    d = dict(account_types={"1"}, ci_types={str(i) for i in range(1, 15)}, sync_without_ci_type=True,
             locations_enabled=True, queues=set(), default_account_manager=MANAGER, default_material_code=MATERIAL,
             default_product_category="1")
    d.update(kw)
    return base_settings(**d)


# ---------------------------------------------------------------------------------------------------- helpers
WRITE = ("POST", "PATCH", "PUT", "DELETE")


def writes(svc) -> list[dict]:
    """Journal entries that write to Autotask (queries are POSTs too, so they are left out)."""
    return [dict(e, body=json.loads(e["requestBody"]) if e.get("requestBody") else None)
            for e in svc.mock.calls() if e["method"] in WRITE and not re.search(r"/query(/count|/next)?$",
                                                                                  e["path"], re.I)]


def fault(svc, **rule) -> None:
    svc.mock.admin.call("POST", "/_mock/faults", body=rule, params={"tenant": svc.mock.tenant_name})


def rec(svc, kind, psa):
    return next((r for r in svc.records(kind) if r["sync"] and r["sync"]["psa_id"] == psa), None)


def get(svc, kind, rid):
    return next(r for r in svc.records(kind) if r["id"] == rid)


def at(svc, entity, psa):
    return svc.client().get(entity, psa)


def at_count(svc, entity, **eq) -> int:
    flt = [{"op": "eq", "field": k, "value": v} for k, v in eq.items()] or [{"op": "gte", "field": "id", "value": 0}]
    return len(svc.client().query_all(entity, flt, ["id"]))


def check_counts(svc) -> None:
    """ST-05 after every operation: counts equal the link states; never-linked records are not counted."""
    for kind, row in svc.summary().items():
        states = [r["sync"]["state"] for r in svc.records(kind) if r["sync"]]
        assert row["synced"] == states.count("enabled")
        assert row["orphaned"] == states.count("orphaned")
        assert row["disconnected"] == states.count("disabled")
        assert row["errors"] == states.count("error")
        assert row["linked"] == len(states)


def a_config(svc):
    """A linked configuration of Finleyfort (company 1001) and its documentation record."""
    return rec(svc, "configuration", 100054)


def org_of(svc, psa):
    return rec(svc, "organization", psa)["id"]


# ---------------------------------------------------------------------------------------------------- §8 push
def test_P01_FMG2_two_way_off_nothing_is_ever_written(autotask_mock):
    clock = ManualClock(parse_at_datetime(autotask_mock.now()).replace(microsecond=0))
    s = SyncService(DocStore(":memory:", clock=clock), _factory, clock=clock)
    _connect(s, autotask_mock)
    s.mock = autotask_mock
    s.save_settings(settings(two_way=False))
    s.run_pass()
    ci = a_config(s)
    with pytest.raises(RecordActionError, match="FM-G2"):
        s.ui_save("configuration", ci["id"], {"notes": "local"})
    assert s.ui_save("configuration", ci["id"], {"unmapped": {"pw": "x"}})["push"] is False
    created = s.ui_create("organization", {"name": "Local Only", "org_type": "Customer"})
    assert created["push"] is False and get(s, "organization", created["id"])["sync"] is None
    with pytest.raises(RecordActionError, match="P-01"):
        s.push_record("organization", created["id"])
    s.disable_sync("configuration", ci["id"])
    s.enable_sync("configuration", ci["id"])
    s.run_pass()
    assert writes(s) == []
    check_counts(s)


def test_P02_P03_one_mapped_field_edit_makes_exactly_one_patch_with_only_that_field(svc):
    ci = a_config(svc)
    out = svc.ui_save("configuration", ci["id"], {"notes": "Rack 4, shelf 2"})
    assert out["push"] is True and out["outcome"]["action"] == "updated"
    w = writes(svc)
    assert len(w) == 1 and w[0]["method"] == "PATCH" and w[0]["path"].endswith("/V1.0/ConfigurationItems")
    assert w[0]["body"] == {"id": 100054, "notes": "Rack 4, shelf 2"}
    svc.mock.assert_called_once("PATCH", "ConfigurationItems")
    assert at(svc, "ConfigurationItems", 100054)["notes"] == "Rack 4, shelf 2"  # immediately, not next sync
    assert get(svc, "configuration", ci["id"])["sync"]["state"] == "enabled"
    check_counts(svc)


def test_P03_FMG4_udfs_unmapped_data_and_unchanged_saves_write_nothing(svc):
    ci = a_config(svc)
    svc.ui_save("configuration", ci["id"], {"psa_udfs": {"MAC Address": "00:11:22:33:44:55"}})  # FM-G4
    svc.ui_save("configuration", ci["id"], {"unmapped": {"password": "hunter2"}})
    svc.ui_save("configuration", ci["id"], {"notes": ci["notes"]})  # no change
    svc.push_record("configuration", ci["id"])  # explicit save of an enabled record without pending changes
    assert writes(svc) == []


def test_P02_contact_and_location_edits_go_through_the_company_child_path(svc):
    c = rec(svc, "contact", 30001)
    svc.ui_save("contact", c["id"], {"title": "Controller"})
    loc = rec(svc, "location", 10001)
    svc.ui_save("location", loc["id"], {"address2": "Suite 9"})
    w = writes(svc)
    assert [(e["method"], e["path"].split("/V1.0/")[1], e["body"]) for e in w] == [
        ("PATCH", "Companies/1001/Contacts", {"id": 30001, "title": "Controller"}),
        ("PATCH", "Companies/1001/Locations", {"id": 10001, "address2": "Suite 9"})]
    assert at(svc, "Contacts", 30001)["title"] == "Controller"


def test_Q6_organization_rename_is_pushed(svc):
    oid = org_of(svc, 1002)
    svc.ui_save("organization", oid, {"name": "White-Estes LLC"})
    assert [e["body"] for e in writes(svc)] == [{"id": 1002, "companyName": "White-Estes LLC"}]


def test_P04_turning_two_way_on_pushes_nothing(autotask_mock):
    clock = ManualClock(parse_at_datetime(autotask_mock.now()).replace(microsecond=0))
    s = SyncService(DocStore(":memory:", clock=clock), _factory, clock=clock)
    _connect(s, autotask_mock)
    s.mock = autotask_mock
    s.save_settings(settings())
    s.run_pass()
    fin = org_of(s, 1001)
    s.store.create_record("contact", {"first_name": "Pre", "last_name": "Existing"}, organization_id=fin)
    s.store.create_record("organization", {"name": "Pre-existing Org", "org_type": "Customer"})
    s.save_settings(settings(two_way=True))
    s.run_pass()
    assert writes(s) == []


def test_P05_P06_P07_api_created_record_pushes_only_on_edit_save_and_matches_first(svc):
    new_id = svc.mock.create("Companies", companyName="Newco Ltd", companyType=1, ownerResourceID=MANAGER,
                             phone="555-0100")
    oid = svc.api_create("organization", {"name": "Newco Ltd", "org_type": "Customer"})  # P-07
    assert writes(svc) == [] and get(svc, "organization", oid)["sync"] is None
    out = svc.ui_save("organization", oid, {})  # P-05: edit+save with no change
    assert out["outcome"]["action"] == "linked" and out["outcome"]["psa_id"] == new_id  # P-06 match
    assert writes(svc) == []  # linked, nothing written
    assert get(svc, "organization", oid)["sync"] == {**get(svc, "organization", oid)["sync"], "psa_id": new_id,
                                                     "state": "enabled"}
    check_counts(svc)


def test_P06_M09_M08_match_skips_linked_records_and_prefers_the_earliest(svc):
    # 'White-Estes' (1002) is already linked: a second documentation org of that name must not steal it (M-09).
    oid = svc.api_create("organization", {"name": "White-Estes", "org_type": "Customer"})
    out = svc.ui_save("organization", oid, {})
    assert out["outcome"]["action"] == "created" and out["outcome"]["psa_id"] != 1002
    assert rec(svc, "organization", 1002)["id"] != oid
    # Two unlinked Autotask companies of one name: the earliest created wins (M-08 on the Autotask side).
    first = svc.mock.create("Companies", companyName="Twin", companyType=1, ownerResourceID=MANAGER, phone="1")
    svc.mock.advance(minutes=5)
    svc.mock.create("Companies", companyName="Twin", companyType=1, ownerResourceID=MANAGER, phone="1")
    twin = svc.api_create("organization", {"name": "Twin", "org_type": "Customer"})
    assert svc.ui_save("organization", twin, {})["outcome"]["psa_id"] == first


def test_P06_P09_FMO1_new_organization_created_with_default_account_manager(svc):
    out = svc.ui_create("organization", {"name": "Brand New Co", "org_type": "Customer", "short_name": "BNC"})
    assert out["outcome"]["action"] == "created"
    posts = [e for e in writes(svc) if e["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["path"].endswith("/V1.0/Companies")
    body = posts[0]["body"]
    assert body["ownerResourceID"] == MANAGER and body["companyName"] == "Brand New Co"
    assert body["companyType"] == 1 and "parentCompanyID" not in body
    psa = out["outcome"]["psa_id"]
    assert at(svc, "Companies", psa)["ownerResourceID"] == MANAGER
    assert get(svc, "organization", out["id"])["sync"]["state"] == "enabled"
    assert svc.run_pass().counts["organization"].created == 0  # the next pull finds it linked: no duplicate
    check_counts(svc)


def test_P09_SC08_api_only_account_manager_is_rejected_before_any_write(svc):
    svc._store_settings(settings(two_way=True, default_account_manager=API_ONLY))  # bypass save validation
    out = svc.ui_create("organization", {"name": "Never Posted", "org_type": "Customer"})
    assert out["outcome"]["action"] == "error" and "SC-08" in out["outcome"]["error"]
    assert writes(svc) == []
    assert "API-only" in svc.push_error("organization", out["id"])  # P-11 without a link
    sync = get(svc, "organization", out["id"])["sync"]  # P-11/ST-03: the sync-error state, no Autotask id yet
    assert sync["state"] == "error" and sync["psa_id"] is None and "API-only" in sync["error"]
    assert svc.summary()["organization"]["errors"] == 1  # ST-05: errors = #error
    assert out["id"] in {r["id"] for r in svc.records("organization", state="error")}  # ST-06 filter
    assert "error" in svc.status_filter_options("organization")
    check_counts(svc)


def test_P08_FMC6_configuration_needs_name_type_manufacturer_and_model(svc):
    fin = org_of(svc, 1001)
    out = svc.ui_create("configuration", {"name": "NEW-WS", "configuration_type": "Workstation",
                                          "manufacturer": "Acme"}, organization_id=fin)
    assert out["outcome"]["action"] == "skipped" and "Model" in out["outcome"]["reason"]
    assert writes(svc) == []
    prospect = svc.store.create_record("organization", {"name": "Some Prospect", "org_type": "Prospect"})
    assert svc.ui_save("organization", prospect, {})["outcome"]["action"] == "skipped"  # P-08 type not synced
    assert writes(svc) == []


def test_P09_FMC5_new_configuration_gets_default_material_code_and_category_product_created_once(svc):
    fin = org_of(svc, 1001)
    fields = {"configuration_type": "Workstation", "manufacturer": "Acme", "model": "Widget 9",
              "serial_number": "ACME-1"}
    a = svc.ui_create("configuration", {"name": "NEW-WS1", **fields}, organization_id=fin)
    b = svc.ui_create("configuration", {"name": "NEW-WS2", **fields, "serial_number": "ACME-2"},
                      organization_id=fin)
    assert a["outcome"]["action"] == b["outcome"]["action"] == "created"
    products = [e for e in writes(svc) if e["path"].endswith("/Products")]
    assert len(products) == 1  # FM-C2/Q17: created once, then reused
    p = products[0]["body"]
    assert p["productBillingCodeID"] == int(MATERIAL) and p["productCategory"] == 1
    assert p["manufacturerName"] == "Acme" and p["manufacturerProductName"] == "Widget 9"
    ci = at(svc, "ConfigurationItems", a["outcome"]["psa_id"])
    assert ci["companyID"] == 1001 and ci["referenceTitle"] == "NEW-WS1" and ci["serialNumber"] == "ACME-1"
    assert ci["configurationItemType"] == 1
    svc.run_pass()
    r = get(svc, "configuration", a["id"])
    assert r["manufacturer"] == "Acme" and r["model"] == "Widget 9" and r["sync"]["state"] == "enabled"
    check_counts(svc)


def test_P06_M02_M14_configuration_edit_save_matches_by_serial_within_its_company(svc):
    fin = org_of(svc, 1001)
    psa = svc.mock.create("ConfigurationItems", companyID=1001, productID=401, isActive=True,
                          serialNumber="SER-42", referenceTitle="FOUND-ME", configurationItemType=1)
    other = org_of(svc, 1002)
    elsewhere = svc.api_create("configuration", {"name": "X", "configuration_type": "Workstation",
                                                 "manufacturer": "Dell", "model": "Latitude 5440",
                                                 "serial_number": "SER-42"}, organization_id=other)
    mine = svc.api_create("configuration", {"name": "Mine", "configuration_type": "Workstation",
                                            "manufacturer": "Dell", "model": "Latitude 5440",
                                            "serial_number": "SER-42"}, organization_id=fin)
    out = svc.ui_save("configuration", mine, {})
    assert out["outcome"] == {**out["outcome"], "action": "linked", "psa_id": psa}
    assert not [e for e in writes(svc) if e["path"].endswith("ConfigurationItems")]
    # M-14: the same serial in another organization does not match across organizations
    assert svc.ui_save("configuration", elsewhere, {})["outcome"]["psa_id"] != psa


def test_FMC7_moving_a_linked_configuration_is_a_sync_error_never_a_move_or_duplicate(svc):
    ci = a_config(svc)
    before = at_count(svc, "ConfigurationItems")
    out = svc.ui_save("configuration", ci["id"], {"organization_id": org_of(svc, 1002), "notes": "moved"})
    assert out["outcome"]["action"] == "error" and "FM-C7" in out["outcome"]["error"]
    r = get(svc, "configuration", ci["id"])
    assert r["sync"]["state"] == "error" and "cannot be moved" in r["sync"]["error"]  # P-11
    assert writes(svc) == []  # no PATCH (Autotask would silently ignore companyID) and no POST
    assert at(svc, "ConfigurationItems", 100054)["companyID"] == 1001 and at_count(svc, "ConfigurationItems") == before
    check_counts(svc)
    # moving it back and saving clears the error and pushes the pending field
    out = svc.ui_save("configuration", ci["id"], {"organization_id": org_of(svc, 1001)})
    assert out["outcome"]["action"] == "updated" and get(svc, "configuration", ci["id"])["sync"]["state"] == "enabled"
    assert [e["body"] for e in writes(svc)] == [{"id": 100054, "notes": "moved"}]


def test_FMK3_moving_a_linked_contact_is_a_sync_error(svc):
    c = rec(svc, "contact", 30001)
    out = svc.ui_save("contact", c["id"], {"organization_id": org_of(svc, 1002)})
    assert out["outcome"]["action"] == "error" and "FM-C7, FM-K3" in out["outcome"]["error"]
    assert writes(svc) == [] and at(svc, "Contacts", 30001)["companyID"] == 1001


def test_Q12_child_of_an_unsynced_organization_is_a_sync_error(svc):
    local = svc.store.create_record("organization", {"name": "Local Org", "org_type": "Prospect"})
    cid = svc.api_create("contact", {"first_name": "Ann", "last_name": "Lee"}, organization_id=local)
    out = svc.ui_save("contact", cid, {})
    assert out["outcome"]["action"] == "error" and "Organization not synced" in out["outcome"]["error"]
    assert "Organization not synced" in svc.push_error("contact", cid)
    assert writes(svc) == []


def test_P06_FMK4_new_contact_pushed_without_email_or_phone_when_no_types_chosen(svc):
    fin = org_of(svc, 1001)
    out = svc.ui_create("contact", {"first_name": "Nia", "last_name": "Stone", "title": "CFO",
                                    "work_email": "nia@example.com", "work_phone": "555-1"}, organization_id=fin)
    (post,) = writes(svc)
    assert post["path"].endswith("/Companies/1001/Contacts")
    assert post["body"] == {"firstName": "Nia", "lastName": "Stone", "title": "CFO", "companyID": 1001, "isActive": 1}
    assert get(svc, "contact", out["id"])["sync"]["psa_id"] == out["outcome"]["psa_id"]


@pytest.mark.parametrize("email,phone", [(None, None), ("Work", None), (None, "Work"), ("Work", "Work")])
def test_P10_ad_contact_pushed_automatically_only_with_both_ad_types(svc, email, phone):
    svc._store_settings(settings(two_way=True, ad_email_type=email, ad_phone_type=phone))
    fin = org_of(svc, 1001)
    out = svc.ad_create("contact", {"first_name": "Ada", "last_name": "Dir", "work_email": "ada@example.com"},
                        organization_id=fin)
    rec = get(svc, "contact", out["id"])
    if email and phone:
        assert out["push"] is True and rec["sync"]["state"] == "enabled"
        (post,) = writes(svc)
        assert post["body"]["emailAddress"] == "ada@example.com"  # FM-K4: the chosen Email Type carries it
    else:
        assert out["push"] is False and rec["sync"] is None and writes(svc) == []
    with pytest.raises(RecordActionError, match="P-10"):
        svc.ad_create("organization", {"name": "Not from AD"})


def test_P11_R05_failed_push_shows_error_then_edit_save_retries(svc):
    ci = a_config(svc)
    fault(svc, method="PATCH", path="ConfigurationItems", status=500,
          body={"errors": ["Database is in maintenance"]}, times=1)
    out = svc.ui_save("configuration", ci["id"], {"notes": "first try"})
    assert out["outcome"]["action"] == "error"
    r = get(svc, "configuration", ci["id"])
    assert r["sync"]["state"] == "error" and "Database is in maintenance" in r["sync"]["error"]
    assert svc.summary()["configuration"]["errors"] == 1
    check_counts(svc)
    assert svc.run_pass().status == "ok"  # still pulled; the error stays until a push succeeds
    svc.mock.clear_journal()
    out = svc.ui_save("configuration", ci["id"], {})  # edit+save, no change needed
    assert out["outcome"]["action"] == "updated"
    assert [e["body"] for e in writes(svc)] == [{"id": 100054, "notes": get(svc, "configuration", ci["id"])["notes"]}]
    assert get(svc, "configuration", ci["id"])["sync"]["state"] == "enabled"
    check_counts(svc)


def test_P12_Q11_psa_wins_on_the_next_pull_for_fields_changed_afterwards(svc):
    ci = a_config(svc)
    svc.ui_save("configuration", ci["id"], {"notes": "x"})
    svc.client().update("ConfigurationItems", {"id": 100054, "notes": "y"})
    svc.run_pass()
    assert get(svc, "configuration", ci["id"])["notes"] == "y"
    svc.client().update("ConfigurationItems", {"id": 100054, "serialNumber": "S-Y"})
    svc.ui_save("configuration", ci["id"], {"serial_number": "S-X"})
    assert at(svc, "ConfigurationItems", 100054)["serialNumber"] == "S-X"
    svc.run_pass()
    assert get(svc, "configuration", ci["id"])["serial_number"] == "S-X"


def test_P13_R08_deleting_in_documentation_never_deletes_in_autotask(svc):
    c = rec(svc, "contact", 30001)
    with pytest.raises(RecordActionError, match="R-08"):
        svc.delete_record("contact", c["id"])
    svc.disable_sync("contact", c["id"])
    svc.delete_record("contact", c["id"])
    assert writes(svc) == [] and at(svc, "Contacts", 30001) is not None
    check_counts(svc)


def test_R01_O09_disabled_and_orphaned_records_are_not_pushed(svc):
    ci = a_config(svc)
    svc.disable_sync("configuration", ci["id"])
    assert svc.ui_save("configuration", ci["id"], {"notes": "local"})["push"] is False
    with pytest.raises(RecordActionError, match="R-01"):
        svc.push_record("configuration", ci["id"])
    c = rec(svc, "contact", 30001)
    svc.store.set_link_state("contact", c["id"], "orphaned")
    assert svc.ui_save("contact", c["id"], {"title": "x"})["push"] is False
    with pytest.raises(RecordActionError, match="O-09"):
        svc.push_record("contact", c["id"])
    assert writes(svc) == []


def test_T04_tickets_are_never_pushed(svc):
    org = org_of(svc, 1001)
    t = svc.store.create_record("ticket", {"title": "local"}, organization_id=org)
    assert svc.ui_save("ticket", t, {"title": "edited"})["push"] is False
    with pytest.raises(RecordActionError, match="T-04"):
        svc.push_record("ticket", t)


# ---------------------------------------------------------------------------------------------------- nothing lost
def test_lost_create_answer_dropped_connection_is_found_on_retry_without_duplicate(svc):
    fault(svc, method="POST", path="Companies", drop=True, commit=True, times=1)
    out = svc.ui_create("organization", {"name": "Dropped Answer Inc", "org_type": "Customer"})
    assert out["outcome"]["action"] == "error"
    assert at_count(svc, "Companies", companyName="Dropped Answer Inc") == 1  # the write happened
    sync = get(svc, "organization", out["id"])["sync"]
    assert sync["state"] == "error" and sync["psa_id"] is None  # P-11: the failed push shows the error state
    check_counts(svc)
    retry = svc.ui_save("organization", out["id"], {})
    assert retry["outcome"]["action"] == "linked"
    assert get(svc, "organization", out["id"])["sync"]["state"] == "enabled"  # the retry clears it
    assert at_count(svc, "Companies", companyName="Dropped Answer Inc") == 1  # no duplicate
    assert len([e for e in writes(svc) if e["path"].endswith("/Companies")]) == 1
    check_counts(svc)


def test_lost_create_of_a_keyless_configuration_500_after_commit_no_duplicate(svc):
    fin = org_of(svc, 1001)
    fault(svc, method="POST", path="ConfigurationItems", status=500, commit=True, times=1)
    out = svc.ui_create("configuration", {"name": "NO-KEYS", "configuration_type": "Workstation",
                                          "manufacturer": "Dell", "model": "Latitude 5440"}, organization_id=fin)
    assert out["outcome"]["action"] == "error"
    assert at_count(svc, "ConfigurationItems", referenceTitle="NO-KEYS") == 1
    assert svc.ui_save("configuration", out["id"], {})["outcome"]["action"] == "linked"
    assert at_count(svc, "ConfigurationItems", referenceTitle="NO-KEYS") == 1
    svc.run_pass()
    assert len([r for r in svc.records("configuration") if r["name"] == "NO-KEYS"]) == 1


def test_patch_hit_by_429_is_retried_and_completes(svc):
    ci = a_config(svc)
    fault(svc, method="PATCH", path="ConfigurationItems", status=429, headers={"Retry-After": "0"}, times=1)
    out = svc.ui_save("configuration", ci["id"], {"notes": "after 429"})
    assert out["outcome"]["action"] == "updated"
    assert at(svc, "ConfigurationItems", 100054)["notes"] == "after 429"
    assert [e["status"] for e in writes(svc)] == [429, 200]


def test_patch_500_after_commit_retry_is_consistent(svc):
    c = rec(svc, "contact", 30001)
    fault(svc, method="PATCH", path="Companies/*/Contacts", status=500, commit=True, times=1)
    assert svc.ui_save("contact", c["id"], {"title": "Boss"})["outcome"]["action"] == "error"
    assert at(svc, "Contacts", 30001)["title"] == "Boss"  # applied, answer lost
    assert svc.ui_save("contact", c["id"], {})["outcome"]["action"] == "updated"
    assert get(svc, "contact", c["id"])["title"] == at(svc, "Contacts", 30001)["title"] == "Boss"
    assert get(svc, "contact", c["id"])["sync"]["state"] == "enabled"


# ---------------------------------------------------------------------------------------------------- §9 push-all
def _push_all_world(svc):
    twin_psa = svc.mock.create("Companies", companyName="Twin Co", companyType=1, ownerResourceID=MANAGER, phone="1")
    parent = org_of(svc, 1001)
    twin = svc.store.create_record("organization", {"name": "Twin Co", "org_type": "Customer", "parent_id": parent})
    svc.store.create_record("contact", {"first_name": "Tia", "last_name": "Twin"}, organization_id=twin)
    svc.store.create_record("location", {"name": "HQ", "address1": "1 Main St", "city": "Springfield"},
                            organization_id=twin)
    svc.store.create_record("configuration", {"name": "TWIN-1", "configuration_type": "Workstation",
                                              "manufacturer": "Dell", "model": "Latitude 5440"}, organization_id=twin)
    bad_ci = svc.store.create_record("configuration", {"name": "NO-MODEL", "configuration_type": "Workstation"},
                                     organization_id=twin)
    prospect = svc.store.create_record("organization", {"name": "Prospect Org", "org_type": "Prospect"})
    return twin, twin_psa, bad_ci, prospect


def test_PA04_push_all_gated_by_explicit_flag_and_refused_twice(svc):
    with pytest.raises(RecordActionError, match="PA-04"):
        svc.push_all()
    svc.enable_push_all()
    svc.push_all()
    with pytest.raises(RecordActionError, match="PA-04"):
        svc.push_all()
    with pytest.raises(RecordActionError, match="PA-04"):
        svc.enable_push_all()


def test_PA01_PA02_PA03_PA05_PA06_PA07_Q27_push_all_pushes_eligible_without_matching_or_parents(svc):
    twin, twin_psa, bad_ci, prospect = _push_all_world(svc)
    before = {e: at_count(svc, e) for e in ("Companies", "Contacts", "CompanyLocations", "ConfigurationItems")}
    svc.enable_push_all()
    res = svc.push_all()
    c = res["counts"]
    assert c["organization"]["pushed"] == 1 and c["organization"]["skipped"] == 1  # PA-07: the prospect
    assert c["configuration"] == {"pushed": 1, "skipped": 1, "failed": 0}
    # PA-02: |AT_after| == |AT_before| + |eligible| per kind (a location also comes with the new company)
    assert at_count(svc, "Companies") == before["Companies"] + 1
    assert at_count(svc, "Contacts") == before["Contacts"] + 1
    assert at_count(svc, "ConfigurationItems") == before["ConfigurationItems"] + 1
    assert at_count(svc, "Companies", companyName="Twin Co") == 2  # duplicate expected, no matching
    org = get(svc, "organization", twin)
    assert org["sync"]["state"] == "enabled" and org["sync"]["psa_id"] != twin_psa  # PA-05
    assert at(svc, "Companies", org["sync"]["psa_id"])["parentCompanyID"] is None  # PA-03
    for kind in ("contact", "location", "configuration"):
        kids = [r for r in svc.records(kind) if r["organization_id"] == twin]
        linked = [r for r in kids if r["sync"]]
        assert all(r["sync"]["state"] == "enabled" for r in linked) and linked
    assert get(svc, "configuration", bad_ci)["sync"] is None and get(svc, "organization", prospect)["sync"] is None
    logs = [m["message"] for m in svc.logs(500)]
    assert any("skipped configuration" in m and "PA-07" in m for m in logs)
    assert any(m.startswith("Push-all completed") for m in logs)  # PA-06
    assert not [e for e in writes(svc) if e["method"] in ("PATCH", "PUT", "DELETE")]
    assert svc.status()["push_all"]["state"] == "completed"
    check_counts(svc)
    # The next pull copies in only the other 'Twin Co' (created in Autotask, never linked); the pushed one is linked.
    assert svc.run_pass().counts["organization"].created == 1
    assert len([r for r in svc.records("organization") if r["name"] == "Twin Co"]) == 2


def test_PA_interrupted_push_all_completes_on_retry_without_duplicates(svc):
    twin, *_ = _push_all_world(svc)
    fault(svc, method="POST", path="Companies/*/Contacts", drop=True, commit=True, times=1)
    svc.enable_push_all()
    res = svc.push_all()
    assert res["counts"]["contact"]["failed"] == 1
    tia = next(r for r in svc.records("contact") if r["last_name"] == "Twin")
    assert tia["sync"]["state"] == "error" and tia["sync"]["psa_id"] is None  # P-11: shows the error state
    assert svc.push_error("contact", tia["id"]) == tia["sync"]["error"]
    check_counts(svc)
    out = svc.ui_save("contact", tia["id"], {})  # the retry finds the record the lost POST created
    assert out["outcome"]["action"] == "linked"
    assert at_count(svc, "Contacts", lastName="Twin") == 1


# ---------------------------------------------------------------------------------------------------- §7 controls
def test_R01_R02_R06_Q19_disable_then_enable_next_pull_overwrites_local_edits(svc):
    ci = a_config(svc)
    svc.disable_sync("configuration", ci["id"])
    svc.ui_save("configuration", ci["id"], {"notes": "local while disabled"})
    assert svc.records("configuration", state="disabled")[0]["id"] == ci["id"]  # R-06 listed
    svc.run_pass()
    assert get(svc, "configuration", ci["id"])["notes"] == "local while disabled"  # R-01 not pulled
    svc.enable_sync("configuration", ci["id"])
    svc.run_pass()
    assert get(svc, "configuration", ci["id"])["notes"] == at(svc, "ConfigurationItems", 100054)["notes"]
    assert writes(svc) == []
    check_counts(svc)


def test_R03_sync_now_changes_only_that_record(svc):
    ci, other = a_config(svc), rec(svc, "configuration", 100142)
    svc.client().update("ConfigurationItems", {"id": 100054, "notes": "now"})
    svc.client().update("ConfigurationItems", {"id": 100142, "notes": "later"})
    before = {r["id"]: r for r in svc.records("configuration")}
    svc.sync_now("configuration", ci["id"])
    after = {r["id"]: r for r in svc.records("configuration")}
    assert after[ci["id"]]["notes"] == "now" and after[other["id"]]["notes"] == other["notes"]
    changed = [i for i in after if after[i] != before[i]]
    assert changed == [ci["id"]]


def test_R07_bulk_actions_by_category(svc):
    n = svc.bulk_disable("configuration", type_name="Laptop")
    laptops = [r for r in svc.records("configuration") if r["configuration_type"] == "Laptop"]
    assert n == len(laptops) > 0 and all(r["sync"]["state"] == "disabled" for r in laptops)
    check_counts(svc)
    assert svc.bulk_enable("configuration") == n
    assert svc.bulk_disconnect("contact") > 0 and svc.summary()["contact"]["linked"] == 0
    assert all(r["sync"] is None for r in svc.records("contact"))  # copies kept, links gone
    svc.bulk_disable("configuration", type_name="Laptop")
    assert svc.bulk_delete("configuration", type_name="Laptop") == n
    assert not [r for r in svc.records("configuration") if r["configuration_type"] == "Laptop"]
    assert writes(svc) == []
    check_counts(svc)


# ---------------------------------------------------------------------------------------------------- §10 lifecycle
def test_P14_D01_pause_stops_next_sync_and_all_pushes_resume_restores(svc):
    ci = a_config(svc)
    svc.pause()
    assert svc.status()["status"] == "Paused"
    svc.mock.clear_journal()
    assert svc.run_pass().status == "paused" and svc.run_due() is None
    out = svc.ui_save("configuration", ci["id"], {"notes": "edited while paused"})  # still editable
    assert out["push"] is False and get(svc, "configuration", ci["id"])["notes"] == "edited while paused"
    with pytest.raises(RecordActionError, match="P-14"):
        svc.sync_now("configuration", ci["id"])
    assert svc.mock.calls() == []  # nothing pushed or pulled
    assert any("Q13" in m["message"] for m in svc.logs())
    svc.resume()
    assert svc.run_pass().status == "ok" and svc.status()["status"] == "OK"


def test_D01_pause_does_not_stop_a_running_sync(svc):
    def progress(step, done, total):
        if not svc.paused:
            svc.pause()

    res = svc.run_pass(progress=progress)
    assert res.status == "ok" and svc.status()["status"] == "Paused"
    assert svc.run_pass().status == "paused"


def test_D02_disconnect_keep_data_removes_links_only_and_writes_nothing(svc):
    before = {k: [{**r, "sync": None} for r in svc.records(k)] for k in ("organization", "contact", "configuration")}
    svc.disconnect("keep")
    assert not svc.connected and svc.store.links() == []
    for k, recs in before.items():
        assert [{**r, "sync": None} for r in svc.records(k)] == recs  # nothing deleted, no field changed
    assert writes(svc) == [] and svc.mock.calls() == []
    assert all(v["linked"] == 0 for v in svc.summary().values())


def test_D03_M16_reconnect_rematches_by_key_only(svc):
    fin = rec(svc, "organization", 1001)
    white = rec(svc, "organization", 1002)
    svc.disconnect("keep")
    _connect(svc, svc.mock)
    svc.save_settings(settings(two_way=True))
    svc.client().update("Companies", {"id": 1002, "companyName": "White-Estes Renamed"})
    assert svc.run_pass().status == "ok"
    assert rec(svc, "organization", 1001)["id"] == fin["id"]  # same key: same record again
    assert rec(svc, "organization", 1002)["id"] != white["id"]  # key changed: a duplicate is created (D-03)
    assert get(svc, "organization", white["id"])["sync"] is None


def test_D04_D07_Q18_delete_all_is_gated_and_deletes_only_linked_orgs_with_all_children(svc):
    with pytest.raises(RecordActionError, match="D-04"):
        svc.disconnect("delete_all")
    fin = org_of(svc, 1001)
    orphan = org_of(svc, 1004)
    disabled = org_of(svc, 1005)
    svc.store.set_link_state("organization", orphan, "orphaned")
    svc.disable_sync("organization", disabled)
    never = svc.store.create_record("organization", {"name": "Standalone"})
    svc.store.create_record("contact", {"first_name": "Keep", "last_name": "Me"}, organization_id=never)
    local_child = svc.store.create_record("contact", {"first_name": "Doc", "last_name": "Only"}, organization_id=fin,
                                          unmapped={"password": "x"})
    with pytest.raises(RoleError):
        svc.disconnect("delete_all", role="Technician")  # D-08
    svc.enable_delete_all()
    res = svc.disconnect("delete_all")
    ids = {r["id"] for r in svc.records("organization")}
    assert fin not in ids and orphan not in ids  # enabled and orphaned orgs deleted (Q18)
    assert disabled in ids and never in ids  # disabled and never-linked kept
    assert local_child not in {r["id"] for r in svc.records("contact")}  # unmapped, never-linked child too (D-04)
    assert all(r["organization_id"] in ids for k in ("contact", "configuration", "location")
               for r in svc.records(k))
    assert res["deleted_organization"] >= 2 and svc.store.links() == []
    assert writes(svc) == [] and svc.mock.calls() == []  # nothing written to (or read from) Autotask


def test_D08_disconnect_needs_admin_or_manager(svc):
    with pytest.raises(RoleError):
        svc.disconnect("keep", role="Technician")
    assert svc.connected


def test_ST02_ST05_every_lifecycle_action_is_logged(svc):
    ci = a_config(svc)
    n0 = len(svc.logs(1000))
    svc.disable_sync("configuration", ci["id"])
    svc.enable_sync("configuration", ci["id"])
    svc.ui_save("configuration", ci["id"], {"notes": "logged"})
    svc.pause()
    svc.resume()
    svc.bulk_disable("contact")
    svc.disconnect("keep")
    msgs = [m["message"] for m in svc.logs(1000)[n0:]]
    for needle in ("R-01", "R-02", "P-02", "D-01", "R-07", "D-02"):
        assert any(needle in m for m in msgs), needle
    check_counts(svc)


def test_D06_integrating_again_after_delete_all_recreates_psa_records_not_documentation_only_data(svc):
    fin = org_of(svc, 1001)
    svc.store.create_record("contact", {"first_name": "Doc", "last_name": "Only"}, organization_id=fin,
                            unmapped={"password": "x"})
    svc.enable_delete_all()
    svc.disconnect("delete_all")
    _connect(svc, svc.mock)
    svc.save_settings(settings(two_way=True))
    assert svc.run_pass().status == "ok"
    again = rec(svc, "organization", 1001)
    assert again is not None and again["sync"]["state"] == "enabled"  # PSA-sourced records come back
    assert not [r for r in svc.records("contact") if r["last_name"] == "Only"]  # documentation-only data does not
    check_counts(svc)
