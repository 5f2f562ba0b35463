"""Push, per-record controls and push-all cases that machine mutants of the reference sync survived (bench/mutation.py):
location countries (FM-L*), exact product names (Q17, FM-C2), a save that changes nothing (P-03, Q11), a model change
(FM-C5), tickets (T-04), "Sync now" of a record deleted in Autotask or while Autotask fails (R-03, O-01, O-04, O-08),
a Default Account Manager that Autotask no longer accepts (SC-08, P-11) during a save and a push-all (PA-06, PA-07).

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance.adapter import Refused
from conformance.suites._common import checked, prop, save, save_with_lost_create_then_retry
from conformance.world import MANAGER, QUEUES, add_resource, base_settings, world

RULES = ["P-03", "Q11", "Q17", "FM-C2", "FM-C5", "T-04", "R-03", "O-01", "O-04", "SC-08", "P-11", "PA-06", "PA-07"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [],
        "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"},
                     {"id": 30002, "company": 1001, "first": "Bob", "last": "Roe", "title": "CTO"}],
        "locations": [], "tickets": [], "docs": []}

_WITH_CI = {**_ONE, "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}]}


def _states(w: Any) -> dict[tuple[str, Any], Any]:
    return {(k, r["id"]): r["link"] and r["link"]["state"] for k, rs in w.all_records().items() for r in rs}


# ============================================================== a pushed location carries its country
_OTHER_COUNTRY = {"United States": "Canada", "Canada": "United States"}


@prop(rules=["P-06", "P-02", "P-03"], needs={"push", "edit_and_save", "create_record"}, max_examples=2,
      country=st.sampled_from(sorted(_OTHER_COUNTRY)))
def test_P06_P02_a_pushed_location_carries_its_country(factory: Any, country: str) -> None:
    """Before any pass has run, a location saved with two-way on (its organization pushed first, Q12) is created
    in Autotask (P-06) with its country mapped to Autotask's country (§3.4: Country ↔ Country); a later save that
    changes only the country pushes the new country (P-02, P-03)."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        org = w.adapter.create_record("organization", {"name": "Fresh Org", "org_type": "Customer"}, via="api")
        save(w, "organization", org, {})
        assert (w.record("organization", org)["link"] or {}).get("state") == "enabled", "P-06: organization not pushed"
        rid = w.adapter.create_record("location", {"name": "Annex", "address1": "9 Side St", "city": "Springfield",
                                                   "region": "IL", "country": country}, org_id=org, via="api")
        countries = {c["id"]: c for c in w.at_query("Countries")}
        for want in (country, _OTHER_COUNTRY[country]):
            save(w, "location", rid, {} if want == country else {"country": want})
            r = w.record("location", rid)
            assert r["link"] and r["link"]["state"] == "enabled", f"P-06/P-02: the location was not pushed: {r['link']}"
            at = w.at_get("CompanyLocations", int(r["link"]["psa_id"]))
            got = countries.get(at.get("countryID"), {})
            assert want in (got.get("displayName"), got.get("name")), (
                f"§3.4/P-02: the pushed location has countryID {at.get('countryID')} ({got}), not {want!r}")
    checked()


# ============================================================== Q11 / P-03: a save that changes no mapped value
@prop(rules=["P-03", "Q11", "P-02"], needs={"push", "edit_and_save"}, max_examples=2,
      kind=st.sampled_from(["configuration", "contact"]))
def test_P03_Q11_saving_an_unchanged_value_does_not_clobber_autotask(factory: Any, kind: str) -> None:
    """A save that submits a mapped field with the value the record already holds, together with a real change of
    another mapped field, pushes only the changed field (P-03, Q11: "push only the changed mapped fields at save
    time, so AT's other fields are not clobbered"): Autotask's newer value of the unchanged field stays."""
    entity, psa, at_field, same, doc_field, value = {
        "configuration": ("ConfigurationItems", 100001, "serialNumber", "serial_number", "notes", "Noted"),
        "contact": ("Contacts", 30001, "title", "title", "mobile_phone", "555-0199")}[kind]
    with world(factory, _WITH_CI, base_settings(two_way=True)) as w:
        w.pass_ok()
        r = w.must_link(kind, psa)
        w.at_update(entity, psa, **{at_field: "Changed in Autotask"})
        save(w, kind, r["id"], {same: r["fields"][same], doc_field: value})
        assert w.at_get(entity, psa)[at_field] == "Changed in Autotask", (
            f"P-03/Q11: saving {kind} {same} unchanged ({r['fields'][same]!r}) overwrote Autotask's newer value")
        got = w.record(kind, r["id"])
        assert got["link"] and got["link"]["state"] == "enabled", f"P-02: the push failed: {got['link']}"
    checked()


# ============================================================== T-04: a synced ticket is read-only
_TICKET = {**_ONE, "tickets": [{"id": 700001, "company": 1001, "number": "T20251201.0001",
                                "queue": QUEUES["Triage"]}]}


@prop(rules=["T-04"], needs={"push", "edit_and_save"}, max_examples=2, examples=({"two_way": True},),
      two_way=st.booleans())
def test_T04_a_synced_tickets_title_cannot_be_edited(factory: Any, two_way: bool) -> None:
    """Tickets are pull-only and IT Glue tickets are read-only (T-04): saving a new title on a synced ticket does
    not change it (refused), writes nothing to Autotask, and the ticket stays synced."""
    with world(factory, _TICKET, base_settings(two_way=two_way)) as w:
        w.pass_ok()
        t = w.must_link("ticket", 700001)
        w.mark()
        save(w, "ticket", t["id"], {"title": "Edited in the documentation"})
        got = w.record("ticket", t["id"])
        assert got["fields"]["title"] == t["fields"]["title"], f"T-04: the synced ticket's title became {got['fields']['title']!r}"
        assert not w.writes(), f"T-04: editing a ticket wrote to Autotask: {w.writes()}"
        assert got["link"] and got["link"]["state"] == "enabled", f"T-04: the ticket's link became {got['link']}"
    checked()


def _push_fresh_acme_x1(w: Any, org: Any) -> tuple[Any, dict[str, Any]]:
    """Create an Acme/X1 configuration through the API and save it: P-06 pushes it (nothing in Autotask matches)."""
    rid = w.adapter.create_record("configuration", {"name": "Laptop 7", "configuration_type": "Autotask Default",
                                                    "manufacturer": "Acme", "model": "X1",
                                                    "serial_number": "SN-FRESH-7"}, org_id=org, via="api")
    save(w, "configuration", rid, {})
    r = w.record("configuration", rid)
    assert r["link"] and r["link"]["state"] == "enabled", f"P-06: the configuration was not pushed: {r['link']}"
    return rid, r


# ============================================================== FM-C5: a changed model is pushed as its product
@prop(rules=["FM-C5", "FM-C2", "Q17", "P-02"], needs={"push", "edit_and_save", "create_record"}, max_examples=2,
      model=st.sampled_from(["X2", "Z9 Pro"]))
def test_FMC5_saving_a_new_model_pushes_the_product_of_manufacturer_and_model(factory: Any, model: str) -> None:
    """A pushed configuration whose model alone is changed and saved is pushed with the Autotask Product of its
    (unchanged) manufacturer and the new model, exact names (FM-C5, Q17), created once if missing (FM-C2)."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        rid, r = _push_fresh_acme_x1(w, org)
        save(w, "configuration", rid, {"model": model})
        got = w.record("configuration", rid)
        assert got is not None, "the saved configuration is gone"
        r = got
        assert r["fields"]["model"] == model and r["fields"]["manufacturer"] == "Acme", f"the save was lost: {r['fields']}"
        assert r["link"] and r["link"]["state"] == "enabled", f"P-02: the model change was not pushed: {r['link']}"
        ci = w.at_get("ConfigurationItems", int(r["link"]["psa_id"]))
        prod = w.at_get("Products", int(ci["productID"]))
        assert (prod["manufacturerName"], prod["manufacturerProductName"]) == ("Acme", model), (
            f"FM-C5: the configuration points to product {prod['manufacturerName']!r}/{prod['manufacturerProductName']!r}")
    checked()


# ============================================================== Q17: product names match exactly
@prop(rules=["Q17", "FM-C2", "FM-C5"], needs={"push", "edit_and_save", "create_record"}, max_examples=2,
      examples=({"other": ("Acme", "x1")},), other=st.sampled_from([("Acme", "x1"), ("acme", "X1")]))
def test_Q17_a_product_whose_names_differ_in_case_is_not_used(factory: Any, other: tuple[str, str]) -> None:
    """Manufacturer and model match Autotask's Product by exact name (Q17): a product whose manufacturer or model
    differs only in letter case is a different product, so pushing an Acme/X1 device creates (once) and uses an
    Acme/X1 product (FM-C2), not the other one."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        decoy = w.at_create("Products", name=f"{other[0]} {other[1]}", manufacturerName=other[0],
                            manufacturerProductName=other[1], isActive=True, productBillingCodeID=29682801,
                            productCategory=1)
        org = w.must_link("organization", 1001)["id"]
        rid, r = _push_fresh_acme_x1(w, org)
        ci = w.at_get("ConfigurationItems", int(r["link"]["psa_id"]))
        assert int(ci["productID"]) != decoy, f"Q17: the device uses product {other}, not an exact Acme/X1 product"
        prod = w.at_get("Products", int(ci["productID"]))
        assert (prod["manufacturerName"], prod["manufacturerProductName"]) == ("Acme", "X1"), f"FM-C5: {prod}"
    checked()


# ============================================================== SC-08 / P-11: a manager Autotask no longer accepts
_NO_OWNER = {"inactive": "an inactive resource", "missing": "a resource Autotask no longer returns",
             "deactivated": "a resource deactivated in Autotask after the settings were saved"}


def _unusable_manager(w: Any, how: str) -> bool:
    """Make the Default Account Manager unusable: an inactive resource (chosen in the settings, if they accept it),
    the chosen resource deactivated in Autotask later, or no longer returned by Autotask. False when the settings refuse it (SC-08 [I])."""
    if how == "inactive":
        rid = add_resource(w, "Kim", "Park", active=False)
        try:
            w.adapter.apply_settings(base_settings(two_way=True, default_account_manager=rid))
        except Refused:
            return False
        return True
    if how == "deactivated":  # Autotask now answers that the chosen resource is inactive
        w.fault({"method": "GET", "path": "Resources*", "status": 200,
                 "body": {"item": {"id": MANAGER, "firstName": "Sam", "lastName": "Admin", "isActive": False,
                                   "resourceType": "Employee"}}})
        return True
    w.fault({"method": "GET", "path": "Resources*", "status": 404, "body": {"errors": ["Not found"]}})
    return True


@prop(rules=["SC-08", "P-09", "P-11"], needs={"push", "edit_and_save", "create_record"}, max_examples=3,
      examples=({"how": "deactivated"}, {"how": "missing"}), how=st.sampled_from(sorted(_NO_OWNER)))
def test_SC08_P11_an_organization_is_not_created_for_an_unusable_manager(factory: Any, how: str) -> None:
    """A new organization is created in Autotask owned by the Default Account Manager (P-09), which must be a user
    that can own organizations (SC-08). When that is {inactive, missing} the save creates no company: the push
    fails and the record shows the sync-error state (P-11)."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        before = {c["id"] for c in w.at_query("Companies")}
        assume(_unusable_manager(w, how))
        rid = w.adapter.create_record("organization", {"name": "Fresh Org", "org_type": "Customer"}, via="api")
        save(w, "organization", rid, {})
        w.clear_faults()
        assert {c["id"] for c in w.at_query("Companies")} == before, (
            f"SC-08: a company was created owned by {_NO_OWNER[how]}")
        r = w.record("organization", rid)
        assert r["link"] is not None and r["link"]["state"] == "error", (
            f"P-11: the organization whose push could not run shows {r['link']}, not the sync-error state")
    checked()


@prop(rules=["PA-05", "PA-06", "PA-07", "SC-08", "P-09"], needs={"push", "push_all", "create_record"},
      max_examples=2, n_contacts=st.integers(1, 2))
def test_PA05_PA06_push_all_goes_on_past_an_organization_it_cannot_create(factory: Any, n_contacts: int) -> None:
    """Push-all with a Default Account Manager that Autotask no longer returns cannot create organizations (SC-08,
    P-09), but it runs to its completion (PA-06) and still pushes the other eligible records: every new contact of
    the linked organization ends up linked (PA-05), and no company is created."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        before = {c["id"] for c in w.at_query("Companies")}
        new_org = w.adapter.create_record("organization", {"name": "Fresh Org", "org_type": "Customer"}, via="api")
        contacts = [w.adapter.create_record("contact", {"first_name": f"Nia{i}", "last_name": "Stone"}, org_id=org,
                                            via="api") for i in range(n_contacts)]
        _unusable_manager(w, "missing")
        w.adapter.push_all()
        w.clear_faults()
        assert {c["id"] for c in w.at_query("Companies")} == before, "SC-08: push-all created a company"
        assert (w.record("organization", new_org)["link"] or {}).get("state") != "enabled", (
            "SC-08: the organization that could not be created is shown as synced")
        for rid in contacts:
            r = w.record("contact", rid)
            assert r["link"] and r["link"]["state"] == "enabled", (
                f"PA-05/PA-06: push-all stopped at the organization: contact {rid} was not pushed ({r['link']})")
    checked()


# ============================================================== R-03 / O-01: sync now of a deleted record
@prop(rules=["R-03", "O-01", "O-04"], needs={"record_controls"}, max_examples=2,
      examples=({"victim": 30001}, {"victim": 30002}), victim=st.sampled_from([30001, 30002]))
def test_R03_O01_sync_now_of_a_deleted_contact_orphans_only_it(factory: Any, victim: int) -> None:
    """"Sync now" on a contact whose Autotask contact was deleted orphans that contact (O-01) and changes no other
    record's state (R-03 [I]: nothing else changes state); in particular the organization and its other children
    stay synced (O-04 cascades only from an organization)."""
    spec = {**_WITH_CI, "locations": []}
    with world(factory, spec, base_settings()) as w:
        w.pass_ok()
        target = w.must_link("contact", victim)
        before = _states(w)
        w.at_delete("Contacts", victim)
        try:
            w.adapter.sync_now("contact", target["id"])
        except Refused:
            pass  # judged by the states below
        after = _states(w)
        assert after[("contact", target["id"])] == "orphaned", (
            f"O-01: sync now of a contact deleted in Autotask left it {after[('contact', target['id'])]}")
        changed = sorted(str(k) for k in after if k != ("contact", target["id"]) and after[k] != before.get(k))
        assert not changed, f"R-03/O-04: sync now of one deleted contact changed other records' states: {changed}"
    checked()


# ============================================================== R-02 / O-01: "Enable sync" does not revive an orphan
@prop(rules=["R-02", "O-01", "ST-05"], needs={"record_controls"}, max_examples=2,
      victim=st.sampled_from([30001, 30002]))
def test_R02_O01_enable_sync_does_not_make_an_orphan_synced(factory: Any, victim: int) -> None:
    """A contact whose Autotask contact was deleted is orphaned (O-01). "Enable sync" resumes syncing a
    disconnected record (R-02); on an orphan there is no Autotask record to sync with, so it stays orphaned and is
    counted under orphaned, not synced (ST-05)."""
    with world(factory, _ONE, base_settings()) as w:
        w.pass_ok()
        target = w.must_link("contact", victim)
        w.at_delete("Contacts", victim)
        w.pass_ok()
        assert w.record("contact", target["id"])["link"]["state"] == "orphaned", "O-01: the deleted contact"
        try:
            w.adapter.enable("contact", target["id"])
        except Refused:
            pass
        r = w.record("contact", target["id"])
        assert r["link"] and r["link"]["state"] == "orphaned", (
            f"O-01/R-02: enable sync turned an orphan whose Autotask contact is deleted into {r['link']}")
        row = w.adapter.summary()["contact"]
        assert (row["orphaned"], row["synced"]) == (1, 1), f"ST-05: contact counts {row}"
    checked()


# ============================================================== R-05 / M-03: the retry of an uncertain create
_DECOYS = {"other name": ("Aaa desk", "X1"), "other name, later": ("Printer", "X1"),
           "other product": ("Laptop 7", "A0")}


@prop(rules=["R-05", "P-11", "M-03", "P-06", "FM-C5"], needs={"push", "edit_and_save", "create_record"},
      max_examples=3, examples=({"decoy": "other name"}, {"decoy": "other product"}),
      decoy=st.sampled_from(sorted(_DECOYS)))
def test_R05_the_retry_of_a_lost_create_links_no_other_device(factory: Any, decoy: str) -> None:
    """A device without serial number or MAC whose create reached Autotask but whose answer was lost is retried by
    an edit+save (R-05). The retry links it to at most the device it created, never to another, older unlinked
    device of the same organization with another name or another product (FM-C5: the product is its manufacturer
    and model): a device without keys matches nothing by the matching rules, so it must not be tied to a different
    Autotask device."""
    title, model = _DECOYS[decoy]
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        products = {m: w.at_create("Products", name=f"Acme {m}", manufacturerName="Acme", manufacturerProductName=m,
                                   isActive=True, productBillingCodeID=29682801, productCategory=1)
                    for m in sorted({model, "X1"})}  # the decoy's product first: its id is the lower one
        other = w.at_create("ConfigurationItems", companyID=1001, productID=products[model], referenceTitle=title,
                            isActive=True, installDate="2025-06-01T00:00:00Z")
        rid = w.adapter.create_record("configuration", {"name": "Laptop 7", "configuration_type": "Autotask Default",
                                                        "manufacturer": "Acme", "model": "X1"}, org_id=org, via="api")
        r = save_with_lost_create_then_retry(w, "configuration", rid, "ConfigurationItems")
        assert r["link"] and r["link"]["state"] == "enabled", f"R-05: the retry did not link the device: {r['link']}"
        psa = int(r["link"]["psa_id"])
        assert psa != other, f"R-05/M-03: the retry linked the device to another Autotask device ({decoy})"
        got = w.at_get("ConfigurationItems", psa)
        assert (got["referenceTitle"], got["productID"]) == ("Laptop 7", products["X1"]), (
            f"P-06/FM-C5: linked a different device: {got['referenceTitle']!r}, product {got['productID']}")
    checked()


@prop(rules=["R-05", "P-11", "M-03", "SC-02"], needs={"push", "edit_and_save", "create_record"}, max_examples=2,
      decoys=st.sampled_from([("SN-0000", "SN-ZZZZ"), ("SN-ZZZZ", "SN-0000")]))
def test_R05_M03_the_retry_of_a_lost_create_keeps_the_serial_number(factory: Any, decoys: tuple[str, str]) -> None:
    """A device with a serial number whose create reached Autotask but whose answer was lost (and which someone
    then retyped out of the selected types in Autotask) is retried by an edit+save (R-05). Whatever the retry links
    it to carries its serial number (M-03: devices are matched by serial number): never an older unlinked device of
    the same organization, name and product with another serial number."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        product = w.at_create("Products", name="Acme X1", manufacturerName="Acme", manufacturerProductName="X1",
                              isActive=True, productBillingCodeID=29682801, productCategory=1)
        for serial in decoys:
            w.at_create("ConfigurationItems", companyID=1001, productID=product, referenceTitle="Laptop 7",
                        serialNumber=serial, isActive=True, installDate="2025-06-01T00:00:00Z")
        before = {c["id"] for c in w.at_query("ConfigurationItems")}
        rid = w.adapter.create_record("configuration", {"name": "Laptop 7", "configuration_type": "Autotask Default",
                                                        "manufacturer": "Acme", "model": "X1",
                                                        "serial_number": "SN-MMMM"}, org_id=org, via="api")
        w.fault({"method": "POST", "path": "ConfigurationItems", "commit": True, "drop": True})
        save(w, "configuration", rid, {})
        w.clear_faults()
        for c in w.at_query("ConfigurationItems"):
            if c["id"] not in before:
                w.at_update("ConfigurationItems", c["id"], configurationItemType=3)  # Server: not selected (SC-02)
        save(w, "configuration", rid, {})
        r = w.record("configuration", rid)
        assume(r["link"] is not None and r["link"]["state"] == "enabled")
        got = w.at_get("ConfigurationItems", int(r["link"]["psa_id"]))
        assert got.get("serialNumber") == "SN-MMMM", (
            f"R-05/M-03: the retry linked the device SN-MMMM to an Autotask device with serial {got.get('serialNumber')!r}")
    checked()
