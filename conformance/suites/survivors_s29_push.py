"""Cases machine mutants of the reference sync survived in the fresh seed-29 sample of bench/mutation.py (kit-s29b):
a contact's phone extension (§3.3 Phone/Ext), a configuration type an admin adds between passes (§3.2 Type ↔
Configuration Type, on an incremental pass), location matching on the address (M-04) and the retry of a lost location
create (R-05, FM-L2), and a device without serial number or MAC that must be created, never matched (M-11).

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import checked, prop, save, save_with_lost_create_then_retry
from conformance.world import MATERIAL_CODE, PRODUCT_CATEGORY, base_settings, world

RULES = ["§3.3", "§3.2", "FM-G1", "M-04", "M-11", "P-06", "R-05", "FM-L2"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [],
        "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"}],
        "locations": [], "tickets": [], "docs": []}


# ============================================================== §3.3: Phone/Ext → Work Phone
@prop(rules=["§3.3", "FM-G1"], max_examples=2, phone=st.sampled_from(["555-0142", "+1 312 555 0199"]),
      ext=st.sampled_from(["77", "1234"]))
def test_FMG1_a_contacts_phone_and_extension_both_reach_the_work_phone(factory: Any, phone: str, ext: str) -> None:
    """§3.3 maps Autotask's Phone/Ext to the contact's Work Phone, and a pull writes Autotask's values (FM-G1): a
    pulled contact whose Autotask phone has an extension shows both the phone number and the extension in its Work
    Phone (neither is dropped)."""
    with world(factory, _ONE, base_settings()) as w:
        w.at_update("Contacts", 30001, phone=phone, extension=ext)
        w.pass_ok()
        got = w.must_link("contact", 30001)["fields"].get("work_phone") or ""
        assert phone in got and ext in got, (
            f"§3.3: Autotask phone {phone!r} extension {ext!r} was pulled as the Work Phone {got!r}")
    checked()


# ============================================================== §3.2: a configuration type added between passes
_TYPES = (1, 2, 3, 6, 8)  # every configuration item type of the minimal fixture
_FUTURE_TYPES = tuple(range(9, 41))  # ids the mock gives types an admin adds (it numbers on from the highest)
_CIS: list[dict[str, Any]] = [{"id": 100001 + i, "company": 1001, "serial": f"SN-T{i}", "type": t}
                              for i, t in enumerate((*_TYPES, 1))]  # every type, one of them twice
_TYPED = {**_ONE, "cis": _CIS}


@prop(rules=["§3.2", "FM-G1", "SC-02"], max_examples=2, name=st.sampled_from(["Tablet", "Phone System"]),
      retyped=st.sampled_from([100001, 100006]))
def test_FMG1_SC02_an_incremental_pass_names_a_configuration_type_added_since_the_last_pass(
        factory: Any, name: str, retyped: int) -> None:
    """§3.2 maps Autotask's Device (Configuration Item) Type to the Configuration Type. An admin adds a new type in
    Autotask (the mock's admin records API) after the last pass and gives one device that type while every device of the organization is edited;
    the next incremental pass pulls the changes (FM-G1) and the retyped configuration shows the new type's name —
    whatever types the other changed devices carry."""
    # The ids the mock gives new types are selected up front: changing the selection later is a scope change, and
    # a scope change makes the next pass a full one (SC-13).
    selected = [str(t) for t in (*_TYPES, *_FUTURE_TYPES)]
    with world(factory, _TYPED, base_settings(ci_types=selected)) as w:
        w.pass_ok()
        status, body = w.at.admin.request("POST", f"/_mock/tenants/{w.at.tenant_name}/records",
                                          body={"ConfigurationItemTypes": [{"name": name, "isActive": True}]})
        assert status < 300, f"the mock refused the configuration item type: {status} {body}"
        new_type = int(body["created"]["ConfigurationItemTypes"][0])
        assert new_type in _FUTURE_TYPES, f"the mock gave the new configuration item type the id {new_type}"
        for ci in _CIS:
            fields: dict[str, Any] = {"referenceTitle": f"Edited {ci['id']}"}
            if ci["id"] == retyped:
                fields["configurationItemType"] = new_type
            w.at_update("ConfigurationItems", ci["id"], **fields)
        w.pass_ok(full=False)
        r = w.must_link("configuration", retyped)
        assert r["fields"].get("name") == f"Edited {retyped}", f"FM-G1: the incremental pass did not pull the edit: {r}"
        assert r["fields"].get("configuration_type") == name, (
            f"§3.2: the device retyped to the new Autotask type {name!r} shows configuration type "
            f"{r['fields'].get('configuration_type')!r} after the incremental pass")
    checked()


# ============================================================== M-04: a location matches on its whole address
_ADDRESS = {"address1": "9 Side St", "city": "Shelbyville", "region": "IL", "country": "United States"}
_OTHER = {"address1": "1 Main St", "city": "Springfield", "region": "WI", "country": "Canada"}
_AT_FIELD = {"address1": "address1", "city": "city", "region": "state"}


@prop(rules=["M-04", "P-06"], needs={"push", "edit_and_save", "create_record"}, max_examples=3,
      differ=st.sampled_from(["address1", "city", "region", "country"]))
def test_M04_P06_a_location_with_another_address_is_not_matched(factory: Any, differ: str) -> None:
    """M-04: a location matches on the same organization AND Address 1 AND Address 2 AND City AND State/Province
    AND Country. A new location saved with two-way on (P-06) while its organization's Autotask company holds an
    unlinked location whose address differs in one of these fields is created in Autotask, not linked to it."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        at = {**_ADDRESS, differ: _OTHER[differ]}
        countries = {c["name"]: c["id"] for c in w.at_query("Countries")}
        other = w.at_create("CompanyLocations", companyID=1001, name="Head Office", address1=at["address1"],
                            city=at["city"], state=at["region"], countryID=countries[at["country"]],
                            postalCode="00000", isActive=True, isPrimary=False)
        rid = w.adapter.create_record("location", {"name": "Annex", **_ADDRESS}, org_id=org, via="api")
        save(w, "location", rid, {})
        r = w.record("location", rid)
        assert r["link"] and r["link"]["state"] == "enabled", f"P-06: the location was not pushed: {r['link']}"
        assert int(r["link"]["psa_id"]) != other, (
            f"M-04: the location was linked to the Autotask location whose {differ} differs ({at[differ]!r} vs "
            f"{_ADDRESS[differ]!r})")
        got = w.at_get("CompanyLocations", int(r["link"]["psa_id"]))
        assert got is not None and got.get("address1") == _ADDRESS["address1"], f"P-06: linked to {got}"
    checked()


# ============================================================== R-05 / FM-L2: the retry of a lost location create
@prop(rules=["R-05", "P-11", "FM-L2", "P-06"], needs={"push", "edit_and_save", "create_record"}, max_examples=2,
      decoy=st.sampled_from(["Aaa Storage", "Annex A"]))
def test_R05_FML2_the_retry_of_a_lost_location_create_links_the_location_it_created(factory: Any, decoy: str) -> None:
    """A location without an address whose create reached Autotask but whose answer was lost is retried by an
    edit+save (R-05). Location names are unique within a company (FM-L2), so the retry links it to the Autotask
    location of its own name — never to another unlinked location of the company, and without making a second one."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        other = w.at_create("CompanyLocations", companyID=1001, name=decoy, isActive=True, isPrimary=False)
        rid = w.adapter.create_record("location", {"name": "Annex B"}, org_id=org, via="api")
        r = save_with_lost_create_then_retry(w, "location", rid, "Companies/*/Locations")
        assert r["link"] and r["link"]["state"] == "enabled", f"R-05: the retry did not link the location: {r['link']}"
        assert int(r["link"]["psa_id"]) != other, f"R-05/FM-L2: the retry linked the location to {decoy!r}"
        named = [x["id"] for x in w.at_query("CompanyLocations") if x.get("name") == "Annex B"]
        assert named == [int(r["link"]["psa_id"])], (
            f"R-05/FM-L2: Autotask locations named 'Annex B': {named}, the record links {r['link']['psa_id']}")
    checked()


# ============================================================== M-11: a device without keys is always created
@prop(rules=["M-11", "P-06", "M-02"], needs={"push", "edit_and_save", "create_record"}, max_examples=2,
      model=st.sampled_from(["X1", "Z9 Pro"]))
def test_M11_P06_a_device_without_serial_or_mac_is_created_not_matched(factory: Any, model: str) -> None:
    """M-11: "A device with neither serial nor MAC therefore always creates a new configuration." A device without
    serial number and MAC saved with two-way on (P-06) is created in Autotask even when its organization's company
    holds an unlinked device of the same name and product (M-02 matches on serial or MAC only)."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        product = w.at_create("Products", name=f"Acme {model}", manufacturerName="Acme", manufacturerProductName=model,
                              isActive=True, productBillingCodeID=int(MATERIAL_CODE),
                              productCategory=int(PRODUCT_CATEGORY))
        other = w.at_create("ConfigurationItems", companyID=1001, productID=product, referenceTitle="Laptop 7",
                            isActive=True, installDate="2025-06-01T00:00:00Z")
        rid = w.adapter.create_record("configuration", {"name": "Laptop 7", "configuration_type": "Autotask Default",
                                                        "manufacturer": "Acme", "model": model}, org_id=org, via="api")
        save(w, "configuration", rid, {})
        r = w.record("configuration", rid)
        assert r["link"] and r["link"]["state"] == "enabled", f"P-06: the device was not pushed: {r['link']}"
        assert int(r["link"]["psa_id"]) != other, (
            "M-11: a device without serial number or MAC was matched to an existing Autotask device instead of created")
        assert w.at_get("ConfigurationItems", other) is not None
    checked()
