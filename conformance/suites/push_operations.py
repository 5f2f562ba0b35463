"""Whole push operations (§8 and the push halves of §3 and §7) that the two-way suite does not exercise: a failed
first push (P-11, ST-03, ST-05, ST-06), a save changing only some mapped fields (P-03), a record created through the
platform's API while two-way is on (P-07), a child of an unlinked organization (Q12), the edit+save of an unlinked
record of every kind (P-06), a pushed configuration typed "Autotask Default" (FM-C4, SC-02) and AD contacts (P-10).

Every oracle is the spec's text; the comments name the rule ids. Tenants are fixed and tiny: these are operations
on a known state, so the properties draw only the dimension that matters (the failing status, the kind, the field).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import checked, prop, save
from conformance.world import base_settings, world

RULES = ["P-03", "P-06", "P-07", "P-10", "P-11", "ST-03", "ST-05", "ST-06", "Q12", "FM-C4", "FM-K4", "SC-02"]

REJECTED = "Conformance kit: Autotask rejected this record"
_ONE_COMPANY = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [],
                "locations": [], "tickets": [], "docs": []}
# What a new record of each kind needs to be pushable (FM-C6 for configurations), and where Autotask takes it.
_NEW = {"organization": {"name": "Fresh Org", "org_type": "Customer"},
        "contact": {"first_name": "Nia", "last_name": "Stone", "title": "CFO"},
        "location": {"name": "Annex", "address1": "9 Side St", "city": "Springfield", "region": "IL",
                     "country": "United States"},
        "configuration": {"name": "Laptop 7", "configuration_type": "Autotask Default", "manufacturer": "Acme",
                          "model": "X1", "serial_number": "SN-FRESH-7"}}
_POST_PATH = {"organization": "Companies", "contact": "Companies/*/Contacts", "location": "Companies/*/Locations",
              "configuration": "ConfigurationItems"}
_ENTITY = {"organization": "Companies", "contact": "Contacts", "location": "CompanyLocations",
           "configuration": "ConfigurationItems"}


def _counts_match_states(w: Any, kind: str) -> None:
    """ST-05: synced/orphaned/disconnected/errors equal the link states; their sum is the number of linked records."""
    links = [r["link"]["state"] for r in w.records(kind) if r["link"]]
    row = w.adapter.summary()[kind]
    want = {"synced": links.count("enabled"), "orphaned": links.count("orphaned"),
            "disconnected": links.count("disabled"), "errors": links.count("error")}
    assert {k: row[k] for k in want} == want, f"ST-05: {kind} counts {row} but the records show {want}"


def _new_record(w: Any, kind: str) -> Any:
    """An API-created record of ``kind`` (P-07: not pushed by itself), a child of the linked Contoso."""
    org = None if kind == "organization" else w.must_link("organization", 1001)["id"]
    return w.adapter.create_record(kind, dict(_NEW[kind]), org_id=org, via="api")


# ============================================================== P-11 / ST-03 / ST-05 / ST-06: a failed first push
@prop(rules=["P-11", "ST-03", "ST-05", "ST-06", "R-05"], needs={"push", "edit_and_save", "create_record"},
      max_examples=4, kind=st.sampled_from(["organization", "contact", "configuration"]),
      status=st.sampled_from([400, 500]))
def test_P11_ST03_ST05_a_failed_first_push_shows_the_error_state(factory: Any, kind: str, status: int) -> None:
    """A record that was never linked and whose push Autotask rejects is left in the sync-error state (P-11: "a
    failed push leaves the record in the sync-error state with details"; ST-03: one indicator per record) showing
    Autotask's message (R-05), counted under errors (ST-05: errors = #error) and listed under the error filter
    (ST-06). An edit+save without change once Autotask accepts again links it (R-05)."""
    with world(factory, _ONE_COMPANY, base_settings(two_way=True)) as w:
        w.pass_ok()
        rid = _new_record(w, kind)
        before = {c["id"] for c in w.at_query(_ENTITY[kind])}
        w.fault({"method": "POST", "path": _POST_PATH[kind], "status": status, "body": {"errors": [REJECTED]}})
        save(w, kind, rid, {})
        assert {c["id"] for c in w.at_query(_ENTITY[kind])} == before, f"P-11: the rejected {kind} exists in Autotask"
        r = w.record(kind, rid)
        assert r["link"] is not None and r["link"]["state"] == "error", (
            f"P-11/ST-03: a failed push of a never-linked {kind} must show the sync-error state, shows {r['link']}")
        assert REJECTED in str(r["link"].get("error") or ""), (
            f"R-05/P-11: the sync-error state must show Autotask's error details, shows {r['link'].get('error')!r}")
        assert w.adapter.summary()[kind]["errors"] == 1, "ST-05: errors = #error must count the failed push"
        _counts_match_states(w, kind)
        if "status_filter" in w.adapter.capabilities:
            assert "error" in w.adapter.status_filter_options(kind), "ST-06: no 'error' filter for a record in error"
            listed = [x["id"] for x in w.adapter.records_with_status(kind, "error")]
            assert rid in listed, f"ST-06: the {kind} in error is not listed under the error filter: {listed}"
        w.clear_faults()
        save(w, kind, rid, {})
        r = w.record(kind, rid)
        assert r["link"] and r["link"]["state"] == "enabled" and r["link"]["psa_id"] is not None, (
            f"R-05: the retry after Autotask accepts again left {r['link']}")
        assert w.adapter.summary()[kind]["errors"] == 0, "ST-05: a cleared error is still counted"
    checked()


# ============================================================== P-03 / Q11: a save that changes only some fields
# (kind, Autotask field changed in Autotask first, its value, documentation field saved, its value)
_PARTIAL = {"organization": ("Companies", "companyNumber", "AT-77", "name", "Renamed in the documentation"),
            "contact": ("Contacts", "title", "Changed in Autotask", "mobile_phone", "555-0199"),
            "configuration": ("ConfigurationItems", "serialNumber", "SN-FROM-AT", "notes", "Noted in the docs")}
_PARTIAL_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}],
                 "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"}],
                 "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
                 "locations": [], "tickets": [], "docs": []}


@prop(rules=["P-03", "P-02", "Q11", "FM-G4"], needs={"push", "edit_and_save"}, max_examples=3,
      kind=st.sampled_from(["organization", "contact", "configuration"]))
def test_P03_Q11_a_save_pushes_only_the_fields_it_changed(factory: Any, kind: str) -> None:
    """With two-way on, a save changing one mapped field (and unmapped data) of a linked record pushes that field
    (P-02) and nothing else (P-03): a different mapped field changed in Autotask since the last pull keeps
    Autotask's value (Q11: "push only the changed mapped fields at save time, so AT's other fields are not
    clobbered"), and the unmapped data is not sent."""
    entity, at_field, at_value, doc_field, doc_value = _PARTIAL[kind]
    psa = {"organization": 1001, "contact": 30001, "configuration": 100001}[kind]
    with world(factory, _PARTIAL_SPEC, base_settings(two_way=True)) as w:
        w.pass_ok()
        r = w.linked(kind, psa)
        assert r is not None, f"CR-01: {kind} {psa} was not pulled"
        w.at_update(entity, psa, **{at_field: at_value})
        w.mark()
        save(w, kind, r["id"], {doc_field: doc_value, "unmapped": {"secret": "never-pushed-7"}})
        now = w.at_get(entity, psa)
        assert now[at_field] == at_value, (f"P-03/Q11: saving {doc_field} overwrote Autotask's {at_field} "
                                           f"({at_value!r} -> {now[at_field]!r})")
        got = w.record(kind, r["id"])
        assert got["link"] and got["link"]["state"] == "enabled", f"P-02: the push failed: {got['link']}"
        assert "never-pushed-7" not in repr([e.get("body") for e in w.at.calls()]), "P-03: unmapped data was sent"
        w.pass_ok()
        got = w.record(kind, r["id"])
        want = {"name": now.get("companyName"), "mobile_phone": now.get("mobilePhone"), "notes": now.get("notes")}
        assert got["fields"][doc_field] == doc_value == want[doc_field], (
            f"P-02: the saved {doc_field} did not reach Autotask ({want[doc_field]!r})")
    checked()


# ============================================================== P-07: created through the API while two-way is on
@prop(rules=["P-07", "P-05", "P-04"], needs={"push", "edit_and_save", "create_record"}, max_examples=3,
      kind=st.sampled_from(["organization", "contact", "configuration"]), via=st.sampled_from(["api", "import"]))
def test_P07_records_created_through_the_api_are_not_pushed_until_saved(factory: Any, kind: str, via: str) -> None:
    """With two-way already on, a record created through the platform's API or an import is not pushed: not at
    creation and not by later passes (P-07). Editing and saving it in the UI pushes it (P-05)."""
    with world(factory, _ONE_COMPANY, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = None if kind == "organization" else w.must_link("organization", 1001)["id"]
        w.mark()
        rid = w.adapter.create_record(kind, dict(_NEW[kind]), org_id=org, via=via)
        w.pass_ok()
        w.pass_ok(full=False)
        writes = [(e["method"], e["path"]) for e in w.writes()]
        assert not writes, f"P-07: a {kind} created through the {via} was pushed: {writes}"
        save(w, kind, rid, {})
        r = w.record(kind, rid)
        assert r["link"] and r["link"]["state"] == "enabled", f"P-05: the explicit save did not push it: {r['link']}"
    checked()


# ============================================================== Q12: a child whose organization is not linked
@prop(rules=["Q12", "P-11", "CR-03"], needs={"push", "edit_and_save", "create_record"}, max_examples=3,
      kind=st.sampled_from(["contact", "configuration", "location"]))
def test_Q12_a_child_of_an_unlinked_organization_is_a_sync_error(factory: Any, kind: str) -> None:
    """With two-way on, saving a child whose organization is not linked to Autotask writes nothing: the
    organization is never created on its behalf (Q12) and the child is left in the sync-error state (P-11, Q12:
    "sync error 'organization not synced'")."""
    with world(factory, _ONE_COMPANY, base_settings(two_way=True)) as w:
        w.pass_ok()
        local = w.adapter.create_record("organization", {"name": "Local Only", "org_type": "Customer"}, via="api")
        rid = w.adapter.create_record(kind, dict(_NEW[kind]), org_id=local, via="api")
        before = {c["id"] for c in w.at_query("Companies")}
        w.mark()
        save(w, kind, rid, {})
        writes = [(e["method"], e["path"]) for e in w.writes()]
        assert not writes, f"Q12: pushing a {kind} of an unlinked organization wrote to Autotask: {writes}"
        assert {c["id"] for c in w.at_query("Companies")} == before, "Q12: the organization was auto-created"
        assert w.record("organization", local)["link"] is None, "Q12: the unlinked organization got linked"
        r = w.record(kind, rid)
        assert r["link"] is not None and r["link"]["state"] == "error", (
            f"Q12/P-11: the {kind} of an unlinked organization must show the sync-error state, shows {r['link']}")
    checked()


# ============================================================== P-06 for contacts, configurations and locations
_P06_NEW = {"contact": ("Contacts", {"firstName": "Ann", "lastName": "Lee", "isActive": 1}, {"first_name": "Ann", "last_name": "Lee"},
                        {"first_name": "Bob", "last_name": "Roe"}),
            "configuration": ("ConfigurationItems", {"productID": 401, "referenceTitle": "AT laptop",
                                                     "serialNumber": "SN-P06", "isActive": True,
                                                     "installDate": "2025-06-01T00:00:00Z"},
                              {"name": "Doc laptop", "configuration_type": "Autotask Default", "manufacturer": "Acme",
                               "model": "X1", "serial_number": "SN-P06"},
                              {"name": "Other", "configuration_type": "Autotask Default", "manufacturer": "Acme",
                               "model": "X1", "serial_number": "SN-OTHER"}),
            "location": ("CompanyLocations", {"name": "Depot", "address1": "5 Dock Rd", "city": "Springfield",
                                              "state": "IL", "postalCode": "00000", "countryID": 237,
                                              "isPrimary": False, "isActive": True},
                         {"name": "Depot (docs)", "address1": "5 Dock Rd", "city": "Springfield", "region": "IL",
                          "country": "United States"},
                         {"name": "Yard", "address1": "6 Dock Rd", "city": "Springfield", "region": "IL",
                          "country": "United States"})}
_TWO_COMPANIES = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
                  "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


@prop(rules=["P-06", "M-02", "M-03", "M-04", "M-09", "M-14"], needs={"push", "edit_and_save", "create_record"},
      max_examples=3, kind=st.sampled_from(["contact", "configuration", "location"]))
def test_P06_M14_an_explicit_save_of_a_child_matches_within_its_organization(factory: Any, kind: str) -> None:
    """P-06 for every kind, not only organizations: the edit+save of an unlinked contact, configuration or location
    runs standard matching against Autotask (M-03 names, M-02 serial, M-04 address) inside its organization's
    company (M-14): it links the Autotask record with the same key there, creates one when none matches, and never
    links a record of another company with the same key (M-14) or one already linked (M-09)."""
    entity, at_fields, same, other = _P06_NEW[kind]
    with world(factory, _TWO_COMPANIES, base_settings(two_way=True)) as w:
        w.pass_ok()
        contoso, fabrikam = (w.must_link("organization", c)["id"] for c in (1001, 1002))
        own = w.at_create(entity, companyID=1001, **at_fields)
        elsewhere = w.at_create(entity, companyID=1002, **{**at_fields, **(
            {"firstName": "Bob", "lastName": "Roe"} if kind == "contact" else
            {"serialNumber": "SN-OTHER"} if kind == "configuration" else {"address1": "6 Dock Rd", "name": "Yard"})})
        matched = w.adapter.create_record(kind, dict(same), org_id=contoso, via="api")
        twin = w.adapter.create_record(kind, dict(same), org_id=contoso, via="api")  # same key, saved second
        alone = w.adapter.create_record(kind, dict(other), org_id=contoso, via="api")  # key only in Fabrikam
        before = {c["id"] for c in w.at_query(entity)}
        for rid in (matched, twin, alone):
            save(w, kind, rid, {})
        after = {c["id"]: c for c in w.at_query(entity)}
        links = {rid: w.record(kind, rid)["link"] for rid in (matched, twin, alone)}
        for rid, lk in links.items():
            assert lk and lk["state"] == "enabled" and lk["psa_id"] is not None, f"P-06: {kind} {rid} left {lk}"
        assert int(links[matched]["psa_id"]) == own, (
            f"P-06: the {kind} with the key of Autotask record {own} in its company linked {links[matched]['psa_id']}")
        new = set(after) - before
        assert int(links[twin]["psa_id"]) in new, f"M-09: the second {kind} with that key linked an existing record"
        assert int(links[alone]["psa_id"]) in new and int(links[alone]["psa_id"]) != elsewhere, (
            f"M-14: a {kind} of Contoso linked Fabrikam's {entity} {elsewhere}")
        assert len(new) == 2, f"P-06: {len(new)} {entity} created for 2 unmatched saves"
        assert all(int(after[p]["companyID"]) == 1001 for p in new), "P-06: created in the wrong company"
        assert fabrikam is not None
    checked()


# ============================================================== FM-C4 / SC-02: "Autotask Default" on the push side
@prop(rules=["FM-C4", "SC-02", "P-06", "M-10", "P-08", "FM-C6"], needs={"push", "edit_and_save", "create_record"},
      max_examples=2, serial=st.sampled_from(["SN-DEF-1", "SN-DEF-2"]), other=st.sampled_from(["Made Up Type", None]),
      examples=({"serial": "SN-DEF-1", "other": None}, {"serial": "SN-DEF-2", "other": "Made Up Type"}))
def test_FMC4_SC02_a_configuration_typed_autotask_default_is_pushed_without_a_type(factory: Any, serial: str,
                                                                                   other: Any) -> None:
    """"Autotask Default" is the documentation's name for a blank Autotask type (SC-02, FM-C4): a configuration of
    that type is pushed as a device without a type, and the next pull keeps the same record typed "Autotask
    Default", without a duplicate. A configuration with no type or a type the tenant does not know does not fall
    back to it: it is not pushed (FM-C6: a Type is required; P-08: only types set to sync)."""
    with world(factory, _ONE_COMPANY, base_settings(two_way=True, sync_without_ci_type=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        odd = w.adapter.create_record("configuration", {**_NEW["configuration"], "configuration_type": other,
                                                        "serial_number": "SN-ODD"}, org_id=org, via="api")
        w.mark()
        save(w, "configuration", odd, {})
        writes = [(e["method"], e["path"]) for e in w.writes() if e["method"] in ("POST", "PATCH", "PUT")]
        assert not writes, f"FM-C6/P-08: a configuration typed {other!r} was pushed: {writes}"
        lk = w.record("configuration", odd)["link"]
        assert lk is None or lk["state"] == "error", f"FM-C6/P-08: a configuration typed {other!r} got linked: {lk}"
        rid = w.adapter.create_record("configuration", {**_NEW["configuration"], "serial_number": serial},
                                      org_id=org, via="api")
        save(w, "configuration", rid, {})
        r = w.record("configuration", rid)
        assert r["link"] and r["link"]["state"] == "enabled", f"FM-C4: the push failed: {r['link']}"
        ci = w.at_get("ConfigurationItems", int(r["link"]["psa_id"]))
        assert ci.get("configurationItemType") in (None, 0), (
            f"SC-02/FM-C4: 'Autotask Default' must be pushed as a blank type, got {ci.get('configurationItemType')!r}")
        w.pass_ok()
        same = [x for x in w.records("configuration") if x["fields"]["serial_number"] == serial]
        assert [x["id"] for x in same] == [rid], f"M-10: the pull duplicated the pushed configuration: {same}"
        assert same[0]["fields"]["configuration_type"] == "Autotask Default", (
            f"SC-02: a blank Autotask type must read 'Autotask Default', got {same[0]['fields']['configuration_type']!r}")
    checked()


# ============================================================== P-10: Active Directory contacts
@prop(rules=["P-10", "FM-K4", "P-07"], needs={"push", "ad_contacts"}, max_examples=4,
      types=st.sampled_from([(None, None), ("Work", None), (None, "Work"), ("Work", "Work")]),
      examples=({"types": ("Work", None)}, {"types": ("Work", "Work")}))
def test_P10_ad_contacts_are_pushed_only_with_an_email_and_a_phone_type(factory: Any, types: tuple) -> None:
    """With two-way on, a contact that Network Glue created from Active Directory is pushed to Autotask
    automatically only if an AD Email Type and an AD Phone Type are both selected (P-10: "If None is selected,
    they are not pushed automatically"); pushed, it is linked to the contact it created."""
    email, phone = types
    settings = base_settings(two_way=True, ad_email_type=email, ad_phone_type=phone)
    with world(factory, _ONE_COMPANY, settings) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        before = {c["id"] for c in w.at_query("Contacts")}
        w.mark()
        rid = w.adapter.create_record("contact", {"first_name": "Ada", "last_name": "Dir", "work_email": "ada@x.test",
                                                  "work_phone": "555-0101"}, org_id=org, via="ad")
        created = {c["id"] for c in w.at_query("Contacts")} - before
        r = w.record("contact", rid)
        if email and phone:
            assert len(created) == 1 and r["link"] and int(r["link"]["psa_id"]) in created, (
                f"P-10: with both AD types chosen the AD contact must be pushed and linked; created {created}, "
                f"link {r['link']}")
        else:
            assert not created and not w.writes(), (f"P-10: with AD Email Type {email!r} and Phone Type {phone!r} "
                                                    f"the AD contact was pushed")
            assert r["link"] is None, f"P-10: an AD contact that was not pushed shows {r['link']}"
    checked()
