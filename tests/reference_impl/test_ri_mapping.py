"""§3 Field mappings (FM-*) and §5 CR-05 round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ri_fake_autotask import base_settings, rec

from reference_impl.sync import RecordActionError
from reference_impl.sync.mapping import (
    AUTOTASK_DEFAULT_TYPE,
    MAPPINGS,
    Lookups,
    PullContext,
    include_fields,
    pull_fields,
    push_fields,
)
from reference_impl.sync.push_rules import (
    contact_channels,
    missing_for_push,
    move_error,
    new_company_defaults,
    new_product_defaults,
)

LK = Lookups(company_types={"1": "Customer", "2": "Lead"}, ci_types={"1": "Server"}, countries={"237": "US"},
             resources={"7": "Ada Admin"}, queues={"5": "Service Desk"}, ticket_statuses={"1": "New"},
             ticket_priorities={"2": "Medium"},
             products={"10": {"name": "PowerEdge", "manufacturerName": "Dell", "manufacturerProductName": "R740"}})
CTX = PullContext(LK)
text = st.text(alphabet="ab Z-1", max_size=6)


# ---------------------------------------------------------------- CR-05 round trip (pull then push is identity)
@settings(max_examples=60, deadline=None)
@given(name=text, number=text, active=st.booleans(), ctype=st.sampled_from([1, 2]))
def test_CR05_organization_round_trip(name, number, active, ctype):
    at = {"id": 1, "companyName": name, "companyNumber": number, "isActive": active, "companyType": ctype}
    back = push_fields("organization", pull_fields("organization", at, CTX), LK)
    assert back == {"companyName": name, "companyNumber": number, "isActive": active, "companyType": ctype}


@settings(max_examples=60, deadline=None)
@given(title=text.filter(bool), serial=text, ref=text, notes=text, active=st.booleans(),
       ctype=st.sampled_from([None, 1]))
def test_CR05_configuration_round_trip(title, serial, ref, notes, active, ctype):
    at = {"id": 1, "referenceTitle": title, "serialNumber": serial, "referenceNumber": ref, "notes": notes,
          "isActive": active, "configurationItemType": ctype, "installDate": "2025-01-01T00:00:00Z",
          "warrantyExpirationDate": None, "installedByID": 7, "productID": 10}
    back = push_fields("configuration", pull_fields("configuration", at, CTX), LK)
    for k in ("referenceTitle", "serialNumber", "referenceNumber", "notes", "isActive", "configurationItemType",
              "installDate", "warrantyExpirationDate", "installedByID"):
        assert back[k] == at[k], k


@settings(max_examples=60, deadline=None)
@given(first=text, last=text, phone=st.text(alphabet="0123456789-", max_size=8),
       ext=st.sampled_from([None, "12"]), email=text)
def test_CR05_contact_round_trip(first, last, phone, ext, email):
    at = {"id": 1, "firstName": first, "lastName": last, "phone": phone, "extension": ext, "emailAddress": email,
          "title": None, "mobilePhone": "1", "alternatePhone": None, "faxNumber": None}
    back = push_fields("contact", pull_fields("contact", at, CTX), LK)
    for k in ("firstName", "lastName", "emailAddress", "mobilePhone", "extension"):
        assert back[k] == at[k], k
    assert back["phone"] == phone or (ext is None and back["phone"] == phone)


def test_CR05_location_round_trip():
    at = {"id": 1, "name": "Primary Location", "address1": "1 Main", "address2": "", "city": "X", "state": "IL",
          "postalCode": "1", "countryID": 237, "phone": "5", "fax": None}
    back = push_fields("location", pull_fields("location", at, CTX), LK)
    assert back == {k: v for k, v in at.items() if k != "id"}


def test_T04_tickets_are_pull_only_in_the_mapping():
    assert all(fm.push is None for fm in MAPPINGS["ticket"])
    assert push_fields("ticket", {"title": "x", "status": "New"}, LK) == {}


def test_both_directions_declared_for_every_two_way_kind():
    for kind in ("organization", "configuration", "contact", "location"):
        assert any(fm.direction == "<->" for fm in MAPPINGS[kind])
    assert "companyName" in include_fields("organization")


# ---------------------------------------------------------------- FM-C1 / FM-C4 / FM-G4
def test_FMC1_name_is_reference_title_else_product_name():
    assert pull_fields("configuration", {"id": 1, "referenceTitle": "DC01", "productID": 10}, CTX)["name"] == "DC01"
    assert pull_fields("configuration", {"id": 1, "referenceTitle": "", "productID": 10}, CTX)["name"] == "PowerEdge"
    assert pull_fields("configuration", {"id": 1, "referenceTitle": None, "productID": 10}, CTX)["name"] == \
        "PowerEdge"


def test_FMG4_udfs_are_read_only_and_never_pushed():
    f = pull_fields("configuration", {"id": 1, "userDefinedFields": [{"name": "MAC Address", "value": "x"}]}, CTX)
    assert f["psa_udfs"] == {"MAC Address": "x"}
    assert "userDefinedFields" not in push_fields("configuration", f, LK)
    assert not any("udf" in str(fm.at).lower() for fm in MAPPINGS["location"])  # location UDFs never sync


def test_FMC4_blank_type_becomes_autotask_default_then_retyped_in_place(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    before = rec(svc, "configuration", 501)
    assert before["configuration_type"] == AUTOTASK_DEFAULT_TYPE
    fake.update("ConfigurationItems", 501, configurationItemType=2)
    svc.run_pass()
    after = rec(svc, "configuration", 501)
    assert after["id"] == before["id"] and after["configuration_type"] == "Workstation"
    assert len(svc.records("configuration")) == 3


# ---------------------------------------------------------------- FM-C2 / FM-C3
def test_FMC2_Q17_manufacturers_and_models_created_once(fake, tenant, make_service):
    svc = make_service()
    for _ in range(3):
        svc.run_pass()
    assert sorted(svc.store.manufacturers()) == ["Dell", "HP"]
    assert sorted(svc.store.models()) == [("Dell", "R740"), ("HP", "840 G8")]


def test_FMC3_contact_from_another_company_is_ignored(fake, tenant, make_service):
    fake.add("Contacts", id=470, companyID=101, firstName="Gus", lastName="Glx",
             lastModifiedDate="2026-01-01T00:00:00Z")
    fake.update("ConfigurationItems", 500, contactID=470)  # a Globex contact on an Acme device
    svc = make_service()
    svc.run_pass()
    assert rec(svc, "contact", 470) is not None
    assert rec(svc, "configuration", 500)["contact_id"] is None
    fake.update("ConfigurationItems", 500, contactID=400)
    svc.run_pass()
    assert rec(svc, "configuration", 500)["contact_id"] == rec(svc, "contact", 400)["id"]


# ---------------------------------------------------------------- FM-G1 / FM-G2 / FM-G3 / FM-G5
def test_FMG1_pull_overwrites_mapped_fields_psa_wins(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    r = rec(svc, "organization", 100)
    svc.store.update_record("organization", r["id"], {"short_name": "LOCAL"})  # e.g. an API edit
    fake.update("Companies", 100, companyName="Acme Corp")
    svc.run_pass()
    r = rec(svc, "organization", 100)
    assert r["name"] == "Acme Corp" and r["short_name"] == "ACM"


def test_FMG2_synced_fields_read_only_when_two_way_off_editable_when_on(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    rid = rec(svc, "organization", 100)["id"]
    with pytest.raises(RecordActionError, match="FM-G2"):
        svc.ui_save("organization", rid, {"name": "Mine"})
    assert svc.ui_save("organization", rid, {"unmapped": {"notes": "ok"}})["push"] is False
    svc.save_settings(base_settings(two_way=True))
    out = svc.ui_save("organization", rid, {"name": "Mine"})  # editable now; the push itself is tested elsewhere
    assert out["saved"] is True and out["push"] is True
    assert svc.records("organization")[0]["name"] == "Mine" or any(
        r["name"] == "Mine" for r in svc.records("organization"))


def test_FMG3_pull_never_modifies_unmapped_data(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    secrets = {}
    for kind in ("organization", "location", "contact", "configuration", "ticket"):
        for r in svc.records(kind):
            secrets[(kind, r["id"])] = {"passwords": [f"pw-{kind}-{r['id']}"], "notes": "keep me"}
            svc.store.set_unmapped(kind, r["id"], secrets[(kind, r["id"])])
    fake.update("Companies", 100, companyName="Acme 2")
    fake.update("ConfigurationItems", 500, serialNumber="NEW", notes="changed")
    fake.update("Contacts", 400, title="CEO")
    fake.delete("Companies", 101)
    svc.run_pass()
    for (kind, rid), unmapped in secrets.items():
        assert svc.store.get_record(kind, rid).unmapped == unmapped


def test_FMG5_everything_pulled_is_readable_through_the_api(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    r = rec(svc, "configuration", 500)
    for f in ("name", "asset_tag", "contact_id", "status", "configuration_type", "installed_at", "manufacturer",
              "model", "notes", "serial_number", "mac_address", "expiration_date", "location_id", "psa_udfs"):
        assert f in r and r[f] not in (None, ""), f


# ---------------------------------------------------------------- FM-O2 / FM-O3
def test_FMO2_primary_location_has_the_autotask_name(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    org = rec(svc, "organization", 100)
    assert svc.store.get_record("location", org["primary_location_id"]).fields["name"] == "Primary Location"
    fake.update("CompanyLocations", 300, name="HQ")
    svc.run_pass()
    assert svc.store.get_record("location", org["primary_location_id"]).fields["name"] == "HQ"


def test_FMO3_parent_set_only_when_parent_is_linked(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    assert rec(svc, "organization", 101)["parent_id"] == rec(svc, "organization", 100)["id"]
    fake.update("Companies", 101, parentCompanyID=102)  # Initech: a Lead, never linked
    svc.run_pass()
    assert rec(svc, "organization", 101)["parent_id"] is None
    assert rec(svc, "organization", 102) is None  # no parent created to satisfy the reference (Q16)
    fake.update("Companies", 101, parentCompanyID=100)
    fake.update("Companies", 100, companyType=2)  # parent leaves scope → orphaned → parent cleared
    svc.run_pass()
    assert rec(svc, "organization", 101)["parent_id"] is None


# ---------------------------------------------------------------- FM-K1 / FM-K2 / FM-L1 / FM-L2
def test_FMK1_contact_location_rules(fake, tenant, make_service):
    fake.add("Contacts", id=402, companyID=100, firstName="Cy", lastName="None",
             lastModifiedDate="2026-01-01T00:00:00Z")
    svc = make_service()
    svc.run_pass()
    ann, bob, cy = rec(svc, "contact", 400), rec(svc, "contact", 401), rec(svc, "contact", 402)
    assert ann["location_id"] == rec(svc, "location", 300)["id"]  # its Autotask location is pulled
    assert cy["location_id"] is None  # no location, none pulled
    manual = svc.store.get_record("location", bob["location_id"])
    assert manual.link is None and manual.fields["address1"] == "9 Home Rd"  # unsynced location
    svc.run_pass()
    assert rec(svc, "contact", 401)["location_id"] == manual.id  # not duplicated
    assert len([r for r in svc.records("location") if r["sync"] is None]) == 1
    assert svc.summary()["location"]["linked"] == 2  # ST-05: unsynced locations are not counted


def test_Q28_location_wins_over_manual_address(fake, tenant, make_service):
    fake.update("Contacts", 400, addressLine="1 Elsewhere", city="Ogdenville")
    svc = make_service()
    svc.run_pass()
    assert rec(svc, "contact", 400)["location_id"] == rec(svc, "location", 300)["id"]
    assert len([r for r in svc.records("location") if r["sync"] is None]) == 1  # only Bob's


def test_FMK2_make_contact_location_synced_by_creating_identical_autotask_location(fake, tenant, make_service):
    svc = make_service()
    svc.run_pass()
    loc = fake.add("CompanyLocations", id=310, companyID=100, name="Bob Home", address1="9 Home Rd", address2="",
                   city="Shelbyville", state="IL", postalCode="62565", countryID=237, isPrimary=False)
    fake.update("Contacts", 401, companyLocationID=loc, addressLine=None)
    svc.run_pass()
    bob = rec(svc, "contact", 401)
    assert bob["location_id"] == rec(svc, "location", 310)["id"]
    with pytest.raises(RecordActionError):  # synced location fields stay locked
        svc.ui_save("location", bob["location_id"], {"city": "Elsewhere"})


def test_FML1_contact_manual_address_is_not_matched_to_locations(fake, tenant, make_service):
    # A hand-made location with exactly Bob's address exists; the manual address still becomes its own location.
    svc = make_service(base_settings(contacts_enabled=False))
    svc.run_pass()
    org = rec(svc, "organization", 100)["id"]
    existing = svc.store.create_record("location", {"address1": "9 Home Rd", "city": "Shelbyville", "region": "IL",
                                                    "country": "United States"}, organization_id=org)
    svc.save_settings(base_settings())
    svc.run_pass()
    assert rec(svc, "contact", 401)["location_id"] != existing


def test_FML2_Q25_two_locations_same_address_first_claims_next_creates(fake, tenant, make_service):
    svc = make_service(base_settings(locations_enabled=False))
    svc.run_pass()
    org = rec(svc, "organization", 100)["id"]
    mine = svc.store.create_record("location", {"name": "Mine", "address1": "5 Dup St", "address2": "", "city": "C",
                                                "region": "IL", "country": "United States"}, organization_id=org)
    for i, name in ((320, "Dup A"), (321, "Dup B")):
        fake.add("CompanyLocations", id=i, companyID=100, name=name, address1="5 Dup St", address2="", city="C",
                 state="IL", countryID=237, isPrimary=False)
    svc.save_settings(base_settings())
    svc.run_pass()
    assert rec(svc, "location", 320)["id"] == mine
    assert rec(svc, "location", 321)["id"] != mine


# ---------------------------------------------------------------- push rules used by part 2
def test_FMC6_configuration_push_needs_name_type_manufacturer_model():
    assert missing_for_push("configuration", {"name": "x"}) == ["Type", "Manufacturer", "Model"]
    assert missing_for_push("configuration", {"name": "x", "configuration_type": "Server", "manufacturer": "Dell",
                                              "model": "R1"}) == []


def test_FMO1_FMC5_push_defaults_come_from_settings():
    s = base_settings()
    assert new_company_defaults(s) == {"ownerResourceID": 29682885}
    assert new_product_defaults(s) == {"productCategory": "1", "billingCodeID": "100"}


def test_FMC7_FMK3_moving_a_linked_device_or_contact_is_an_error():
    assert move_error("configuration", True, 1, 2) is not None
    assert move_error("contact", True, 1, 2) is not None
    assert move_error("configuration", False, 1, 2) is None
    assert move_error("organization", True, 1, 2) is None


def test_FMK4_contacts_pushed_without_email_or_phone_when_types_not_chosen():
    f = {"first_name": "A", "work_email": "a@x", "work_phone": "1", "mobile_phone": "2"}
    assert contact_channels(base_settings(), f) == {"first_name": "A"}
    assert contact_channels(base_settings(ad_email_type="Primary", ad_phone_type="Work"), f) == f
