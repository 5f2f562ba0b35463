"""§1 Connection and credentials, through SyncService (C-01 … C-13)."""

from __future__ import annotations

import pytest
from ri_fake_autotask import CODE, LOOKUP_ROOT, SECRET, USERNAME, Fault, base_settings, rec, snapshot

from reference_impl.client import (
    InvalidSecretError,
    InvalidUsernameError,
    PermissionDeniedError,
)
from reference_impl.sync import RoleError


def test_C01_failed_validation_creates_no_integration_and_queues_nothing(fake, tenant, make_service):
    svc = make_service(connect=False)
    with pytest.raises(InvalidSecretError):
        svc.connect(USERNAME, "wrong", CODE, zone_lookup_url=LOOKUP_ROOT)
    assert not svc.connected and not svc.sync_due()
    assert svc.store.passes() == []


def test_C01_C02_C08_connect_validates_resolves_zone_and_reports_host(fake, tenant, make_service):
    svc = make_service(connect=False)
    zone = svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT)
    assert zone.host == "127.0.0.1:8112"
    assert svc.status()["zone_host"] == "127.0.0.1:8112"
    assert any(e["message"] == "Connected to Autotask (127.0.0.1:8112)" for e in svc.logs())


def test_C03_manual_zone_url_connects_when_lookup_is_blocked(fake, tenant, make_service):
    fake.faults.append(Fault(r"zoneInformation", 500, {"errors": ["blocked"]}, times=None))
    svc = make_service(connect=False)
    svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT, zone_url="http://127.0.0.1:8112/")
    svc.save_settings(base_settings())
    assert svc.run_pass().status == "ok"
    assert svc.status()["zone_source"] == "override"


def test_C06_unknown_user_message_suggests_zone_url(fake, tenant, make_service):
    svc = make_service(connect=False)
    with pytest.raises(InvalidUsernameError, match="Zone URL"):
        svc.connect("ghost@nowhere.example", SECRET, CODE, zone_lookup_url=LOOKUP_ROOT)
    assert not svc.connected


def test_C10_secret_is_stored_but_never_shown_and_changed_secret_reauthenticates(fake, tenant, make_service):
    svc = make_service()
    assert SECRET not in repr(svc.status())
    fake.users[USERNAME.lower()] = ("new-secret", CODE)
    assert svc.run_pass().status == "error"
    svc.connect(USERNAME, "new-secret", CODE, zone_lookup_url=LOOKUP_ROOT)
    assert svc.run_pass().status == "ok"


@pytest.mark.parametrize("failure", ["secret", "403", "500-permissions", "zone-500"])
def test_C11_credential_or_permission_failure_aborts_and_changes_nothing(fake, tenant, make_service, failure):
    svc = make_service()
    assert svc.run_pass().status == "ok"
    before = snapshot(svc)
    # Autotask changes that a completed pass would apply (and a deletion that would orphan):
    fake.update("Companies", 100, companyName="Acme Renamed")
    fake.delete("Companies", 101)
    if failure == "secret":
        fake.users[USERNAME.lower()] = ("rotated", CODE)
    elif failure == "403":
        fake.denied["ConfigurationItems"] = 403
    elif failure == "500-permissions":
        fake.denied["Tickets"] = 500
    else:
        svc._client = None  # force a fresh zone lookup
        svc.store.save_integration(zone_url=None)
        fake.users = {"someone-else": ("x", "y")}
    result = svc.run_pass()
    assert result.status == "error" and result.error
    assert snapshot(svc) == before  # nothing orphaned, deleted or modified
    st = svc.status()
    assert st["status"] == "Error" and st["last_error"]
    assert any(e["level"] == "error" and "nothing was changed" in e["message"] for e in svc.logs())


def test_C12_integration_with_invalid_credentials_stops_syncing_and_keeps_links(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    links = svc.store.links()
    fake.users[USERNAME.lower()] = ("rotated", CODE)
    for _ in range(2):
        assert svc.run_pass().status == "error"
    assert svc.store.links() == links


def test_C13_only_administrator_or_manager_can_connect(fake, tenant, make_service):
    svc = make_service(connect=False)
    with pytest.raises(RoleError):
        svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT, role="Editor")
    assert not svc.connected
    svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT, role="Manager")
    assert svc.connected


def test_C09_masked_protected_udf_is_stored_unavailable_with_permission_warning(fake, tenant, make_service):
    fake.update("ConfigurationItems", 500, userDefinedFields=[{"name": "MAC Address", "value": "*****"}])
    svc = make_service()
    svc.run_pass()
    r = rec(svc, "configuration", 500)
    assert r["mac_address"] is None and r["psa_udfs"] == {"MAC Address": None}  # Q26
    assert any("View Protected Data" in e["message"] for e in svc.logs())


def test_C05_permission_error_message_names_the_security_level(fake, tenant, make_service):
    fake.denied["Companies"] = 403
    svc = make_service(connect=False)
    with pytest.raises(PermissionDeniedError, match="API User \\(system\\)"):
        svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT)
