"""The reference pull against the project's Autotask mock, in-process (``autotask_mock`` fixture, requests
intercepted, no socket). Same code path as a real tenant: only the client's HTTP reaches the mock.

Each test names the rules its scenario fixture (fixtures/scenarios/*.yaml) documents.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("mockserver.app")

from ri_fake_autotask import base_settings  # noqa: E402

from reference_impl.client import AutotaskClient, RetryPolicy  # noqa: E402
from reference_impl.clock import ManualClock, parse_at_datetime  # noqa: E402
from reference_impl.docstore import DocStore  # noqa: E402
from reference_impl.sync import SyncService  # noqa: E402

SCENARIO_MANAGER = 29682884  # the Full-licence administrator the scenario fixtures carry (SC-08)


def _factory(clock):
    def make(cfg, clk):
        return AutotaskClient(cfg.credentials, zone_lookup_url=cfg.zone_lookup_url, zone_url=cfg.zone_url,
                              cached_zone=cfg.cached_zone, clock=clk, rng=random.Random(3),
                              retry=RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2))
    return make


@pytest.fixture
def service(autotask_mock):
    """A SyncService connected to the mock tenant through the real zone lookup; its clock follows the tenant's."""
    # The tenant clock runs from the fixture's instant; whole seconds keep boundary scenarios exact (Q23).
    clock = ManualClock(parse_at_datetime(autotask_mock.now()).replace(microsecond=0))
    svc = SyncService(DocStore(":memory:", clock=clock), _factory(clock), clock=clock)
    c = autotask_mock.credentials
    svc.connect(c.user_name, c.secret, c.integration_code, zone_lookup_url=autotask_mock.root_url)
    svc.mock = autotask_mock  # type: ignore[attr-defined]
    return svc


def manager(svc) -> int:
    return int(next(iter(svc.tenant_options()["resources"])))


def all_in(svc, **kw):
    o = svc.tenant_options()
    d = dict(account_types=set(o["account_types"]), ci_types=set(o["ci_types"]), sync_without_ci_type=True,
             queues=set(o["queues"]), locations_enabled=True, default_account_manager=manager(svc))
    d.update(kw)
    return base_settings(**d)


def rec(svc, kind, psa):
    return next((r for r in svc.records(kind) if r["sync"] and r["sync"]["psa_id"] == psa), None)


def patch(svc, entity, **fields):
    svc.client().update(entity, fields)


def test_C02_C08_CR01_full_pull_of_demo_tenant_is_complete_and_idempotent(service):
    svc = service
    svc.save_settings(all_in(svc))
    first = svc.run_pass(full=True)
    assert first.status == "ok", first.error
    c = svc.client()
    for kind, entity in (("organization", "Companies"), ("configuration", "ConfigurationItems"),
                         ("contact", "Contacts")):
        assert first.counts[kind].fetched == c.count(entity)
        assert svc.summary()[kind]["synced"] == first.counts[kind].created
    second = svc.run_pass(full=True)
    assert all(v.created == 0 and v.orphaned == 0 for v in second.counts.values())
    assert svc.status()["zone_host"].endswith(".autotask.net")


def test_incremental_pass_after_a_change_is_cheap(service):
    svc = service
    svc.save_settings(all_in(svc))
    full = svc.run_pass(full=True)
    some_ci = svc.records("configuration")[0]["sync"]["psa_id"]
    svc.mock.advance(minutes=30)
    svc.clock.advance(1800)
    patch(svc, "ConfigurationItems", id=some_ci, notes="changed in Autotask")
    inc = svc.run_pass(full=False)
    assert inc.status == "ok" and not inc.full and inc.api_calls < full.api_calls
    assert rec(svc, "configuration", some_ci)["notes"] == "changed in Autotask"


@pytest.mark.autotask_mock("duplicate-company-names")
def test_M01_M06_M08_M09_M14_M15_duplicate_company_names(service):
    svc = service
    older = svc.store.create_record("organization", {"name": "Contoso Ltd"}, created_at="2025-01-01T00:00:00.000000Z")
    newer = svc.store.create_record("organization", {"name": "Contoso Ltd"}, created_at="2025-02-01T00:00:00.000000Z")
    svc.save_settings(all_in(svc, account_types={"1"}, default_account_manager=SCENARIO_MANAGER))
    assert svc.run_pass().status == "ok"
    assert rec(svc, "organization", 1001)["id"] == older
    assert rec(svc, "organization", 1002)["id"] == newer
    assert rec(svc, "organization", 1003)["id"] not in (older, newer)
    assert rec(svc, "organization", 1004)["name"] == "Contoso Ltd."
    for ci in svc.records("configuration"):
        org_psa = svc.store.get_link("organization", ci["organization_id"]).psa_id
        assert svc.client().get("ConfigurationItems", ci["sync"]["psa_id"])["companyID"] == org_psa


@pytest.mark.autotask_mock("company-type-leaves-scope")
def test_SC11_O03_O04_O06_company_type_leaves_and_returns(service):
    svc = service
    svc.save_settings(all_in(svc, account_types={"1"}, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    before = {k: sorted(r["id"] for r in svc.records(k)) for k in ("organization", "contact", "configuration")}
    patch(svc, "Companies", id=1002, companyType=6)
    svc.run_pass()
    org = rec(svc, "organization", 1002)
    assert org["sync"]["state"] == "orphaned"
    kids = [r for k in ("contact", "configuration") for r in svc.records(k) if r["organization_id"] == org["id"]]
    assert kids and all(r["sync"]["state"] == "orphaned" for r in kids)
    patch(svc, "Companies", id=1002, companyType=1)
    svc.run_pass()
    assert {k: sorted(r["id"] for r in svc.records(k)) for k in before} == before
    assert rec(svc, "organization", 1002)["sync"]["state"] == "enabled"


@pytest.mark.autotask_mock("paging-1200-companies")
@pytest.mark.parametrize("fault", [
    {"entity": "Companies", "kind": "next", "status": 500, "body": {"errors": ["boom"]}},
    {"entity": "ConfigurationItems", "kind": "next", "status": 401},
    {"entity": "Contacts", "kind": "query", "omitRecords": 3},
    {"entity": "Tickets", "status": 403},
])
def test_O08_C11_failed_or_partial_enumeration_orphans_nothing(service, fault):
    svc = service
    svc.save_settings(all_in(svc))
    assert svc.run_pass().status == "ok"
    assert svc.summary()["organization"]["synced"] == 1200
    links = svc.store.links()
    svc.mock.admin.request("POST", "/_mock/faults", body=fault, params={"tenant": svc.mock.tenant_name})
    res = svc.run_pass(full=True)
    assert res.status == "error"
    assert svc.store.links() == links


@pytest.mark.autotask_mock("paging-1200-companies")
def test_429_and_dropped_connections_are_retried_and_the_pass_completes(service):
    svc = service
    svc.save_settings(all_in(svc))
    for fault in ({"entity": "Companies", "kind": "next", "status": 429, "headers": {"Retry-After": "2"},
                   "times": 1},
                  {"entity": "ConfigurationItems", "kind": "query", "drop": True, "times": 1}):
        svc.mock.admin.request("POST", "/_mock/faults", body=fault, params={"tenant": svc.mock.tenant_name})
    res = svc.run_pass()
    assert res.status == "ok" and svc.client().stats.retries >= 2
    assert 2 in svc.clock.slept


@pytest.mark.autotask_mock("blank-serials-and-macs")
def test_M11_blank_keys_never_merge(service):
    svc = service
    svc.save_settings(all_in(svc, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    org = rec(svc, "organization", 1001)["id"]
    svc.store.create_record("configuration", {"name": "blank", "serial_number": "", "mac_address": ""},
                            organization_id=org)
    svc.run_pass()
    cis = svc.records("configuration")
    assert len([c for c in cis if c["sync"]]) == 7
    assert len({c["sync"]["psa_id"] for c in cis if c["sync"]}) == 7
    assert rec(svc, "configuration", 100005)["name"]  # FM-C1 fallback to the product name


@pytest.mark.autotask_mock("mac-canonicalisation")
@pytest.mark.parametrize("canonical", [True, False])
def test_Q1_Q3_mac_canonicalisation_setting(service, canonical):
    svc = service
    svc.save_settings(all_in(svc, canonicalize_mac=canonical, default_account_manager=SCENARIO_MANAGER,
                             ci_types=set(), sync_without_ci_type=False))
    svc.run_pass()
    org = rec(svc, "organization", 1001)["id"]
    a = svc.store.create_record("configuration", {"name": "nic", "mac_address": "00:1A:2B:3C:4D:5E"},
                                organization_id=org, created_at="2025-01-01T00:00:00.000000Z")
    svc.save_settings(all_in(svc, canonicalize_mac=canonical, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    assert (rec(svc, "configuration", 100001)["id"] == a) is True  # exact spelling always matches
    assert rec(svc, "configuration", 100002)["id"] != a  # M-09: already claimed by 100001
    assert rec(svc, "configuration", 100006)["mac_address"]  # first of two MACs
    assert rec(svc, "configuration", 100008)["mac_address"] is None  # not-a-mac


@pytest.mark.autotask_mock("protected-udf-values")
def test_Q26_C09_masked_protected_values_with_the_no_protected_data_user(service):
    svc = service
    nopd = next(u for u in svc.mock.summary()["apiUsers"] if "no protected" in u["securityLevel"])
    svc.connect(nopd["userName"], nopd["secret"], svc.mock.credentials.integration_code,
                zone_lookup_url=svc.mock.root_url)
    svc._client = None
    svc.save_settings(all_in(svc, default_account_manager=SCENARIO_MANAGER))
    assert svc.run_pass().status == "ok"
    udfs = rec(svc, "configuration", 100001)["psa_udfs"]
    assert "*****" not in udfs.values() and udfs.get("Local Admin Password") is None
    assert any("View Protected Data" in e["message"] for e in svc.logs())


@pytest.mark.autotask_mock("contact-location-and-manual-address")
def test_Q28_FMK1_location_wins_over_personal_address(service):
    svc = service
    svc.save_settings(all_in(svc, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    assert rec(svc, "contact", 30001)["location_id"] == rec(svc, "location", 10012)["id"]
    manual = svc.store.get_record("location", rec(svc, "contact", 30002)["location_id"])
    assert manual.link is None
    assert len([r for r in svc.records("location") if r["sync"] is None]) == 1


@pytest.mark.autotask_mock("ticket-months-window")
def test_SC07_T02_Q23_Q15_ticket_window_boundaries(service):
    svc = service
    opts = svc.tenant_options()["queues"]
    queues = {v for v, label in opts.items() if label in ("Triage", "Level I Support")}
    svc.save_settings(all_in(svc, queues=queues, ticket_months=3, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    synced = {r["sync"]["psa_id"] for r in svc.records("ticket")}
    assert synced == {700001, 700003, 700004, 700007}
    svc.clock.advance(86400 * 2)  # past 2026-06-01: 700001 ages out
    svc.run_pass()
    assert rec(svc, "ticket", 700001)["sync"]["state"] == "orphaned"


@pytest.mark.autotask_mock("parent-company-out-of-scope")
def test_FMO3_Q16_parents_only_when_linked_and_cycles_terminate(service):
    svc = service
    svc.save_settings(all_in(svc, account_types={"1"}, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    assert rec(svc, "organization", 1002)["parent_id"] == rec(svc, "organization", 1001)["id"]
    assert rec(svc, "organization", 1003)["parent_id"] is None and rec(svc, "organization", 1004) is None
    a, b = rec(svc, "organization", 1007), rec(svc, "organization", 1008)
    assert not (a["parent_id"] == b["id"] and b["parent_id"] == a["id"])  # no parent cycle


@pytest.mark.autotask_mock("blank-ci-types")
def test_FMC4_SC02_blank_types_retyped_in_place(service):
    svc = service
    svc.save_settings(all_in(svc, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    r = rec(svc, "configuration", 100001)
    assert r["configuration_type"] == "Autotask Default"
    ws = next(v for v, n in svc.tenant_options()["ci_types"].items() if n == "Workstation")
    patch(svc, "ConfigurationItems", id=100001, configurationItemType=int(ws))
    svc.run_pass()
    after = rec(svc, "configuration", 100001)
    assert after["id"] == r["id"] and after["configuration_type"] == "Workstation"


@pytest.mark.autotask_mock("api-only-account-manager")
def test_SC08_api_only_managers_rejected_by_the_tenants_own_data(service):
    from reference_impl.sync import SettingsError
    svc = service
    for bad in (29682885, 29682887):
        with pytest.raises(SettingsError, match="SC-08"):
            svc.save_settings(all_in(svc, default_account_manager=bad))
    svc.save_settings(all_in(svc, default_account_manager=29682884))


@pytest.mark.autotask_mock("shared-location-address")
def test_FML2_Q25_M14_shared_addresses(service):
    svc = service
    svc.save_settings(all_in(svc, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    ids = [rec(svc, "location", i)["id"] for i in (10011, 10012, 10013)]
    assert len(set(ids)) == 3
    org = rec(svc, "organization", 1001)
    assert svc.store.get_record("location", org["primary_location_id"]).fields["name"] == "Head Office"


@pytest.mark.autotask_mock("cross-company-ci-contact")
def test_FMC3_cross_company_contact_ignored(service):
    svc = service
    svc.save_settings(all_in(svc, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    assert rec(svc, "configuration", 100001)["contact_id"] is None
    assert rec(svc, "configuration", 100002)["contact_id"] == rec(svc, "contact", 30001)["id"]


@pytest.mark.autotask_mock("inactive-configuration-items")
def test_Q21_inactive_devices_stay_linked_with_inactive_status(service):
    svc = service
    svc.save_settings(all_in(svc, default_account_manager=SCENARIO_MANAGER))
    svc.run_pass()
    r = rec(svc, "configuration", 100002)
    assert r["sync"]["state"] == "enabled" and r["status"] == "Inactive"
