"""Two-way push details the blind defects reached (issue 13, docs/conformance-blind-defects.md): the contact
channels of a pushed contact (FM-K4).

Oracle: FM-K4 "Contacts created in IT Glue are pushed with the Email Type and Phone Type chosen in the Two-Way
settings. If none is chosen, they are pushed without email or phone data." Read per channel: without an Email Type
the new Autotask contact carries no e-mail address, without a Phone Type no phone number.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import Refused
from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["FM-K4", "P-06", "SC-14"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "contacts": [], "cis": [], "locations": [],
        "tickets": [], "docs": []}
_TYPES = st.sampled_from([None, "Work"])
_BASE = base_settings(two_way=True)


@prop(rules=["FM-K4", "P-06", "P-02"], needs={"push", "create_record"}, max_examples=5,
      settings=S.scoped_settings(contacts_enabled=True, two_way=True), email_type=_TYPES, phone_type=_TYPES,
      examples=({"settings": _BASE, "email_type": None, "phone_type": None},
                {"settings": _BASE, "email_type": "Work", "phone_type": None},
                {"settings": _BASE, "email_type": None, "phone_type": "Work"}))
def test_FMK4_a_new_contact_is_pushed_without_the_channels_no_type_was_chosen_for(
        factory: Any, settings: dict, email_type: Any, phone_type: Any) -> None:
    """A contact created in the UI of a synced organization, with e-mail and phones filled in, is pushed to
    Autotask (P-06: no contact there has its name); the new Autotask contact carries an e-mail address only if an
    Email Type is chosen and phone numbers only if a Phone Type is chosen (FM-K4)."""
    settings = {**settings, "ad_email_type": email_type, "ad_phone_type": phone_type}
    with world(factory, _ONE, settings) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        before = {c["id"] for c in w.at_query("Contacts")}
        w.adapter.create_record("contact", {"first_name": "Eve", "last_name": "Nun", "work_email": "eve@contoso.com",
                                            "work_phone": "555-0199", "mobile_phone": "555-0198"}, org_id=org,
                                via="ui")
        created = [c for c in w.at_query("Contacts") if c["id"] not in before]
        assert len(created) == 1, f"P-06: saving a new contact should create one Autotask contact, got {created}"
        c = created[0]
        if not settings["ad_email_type"]:
            assert not c.get("emailAddress"), \
                f"FM-K4: no Email Type is chosen but the contact was pushed with e-mail {c.get('emailAddress')!r}"
        if not settings["ad_phone_type"]:
            phones = {k: c.get(k) for k in ("phone", "mobilePhone") if c.get(k)}
            assert not phones, f"FM-K4: no Phone Type is chosen but the contact was pushed with {phones}"
        checked()


# ============================================================== PA-07: push-all pushes only eligible records
_ORG_TYPE = {"Customer": "1", "Lead": "2", "Vendor": "7"}  # Companies.companyType of the minimal fixture
_CI_TYPE = {"Workstation": "1", "Laptop": "2", "Server": "3"}  # ConfigurationItemTypes of the minimal fixture
_PUSH_ALL_DOCS: list[dict[str, Any]] = (
    [{"kind": "organization", "ref": f"o{i}", "fields": {"name": name, "org_type": t}, "unmapped": {}}
     for i, (name, t) in enumerate([("Acme", "Customer"), ("Bolt", "Lead"), ("Crane", "Vendor"), ("", "Customer")])]
    + [{"kind": "configuration", "ref": f"c{j}", "org": "o0",
        "fields": {"name": f"PC-{j}", "configuration_type": t, "manufacturer": "Dell", "model": "OptiPlex 7090",
                   "serial_number": f"PA-{j}"}, "unmapped": {}}
       for j, t in enumerate(["Workstation", "Laptop", "Server", "Autotask Default"])])


def _push_all_eligible(settings: dict) -> dict[str, bool]:
    """PA-07 from the rule's text: an organization is eligible when it is named and its type is selected (SC-01(a);
    classification sync is off here); a configuration when its organization is pushed, its type is selected or it
    is 'Autotask Default' with "without type" checked (SC-02), and it has name, type, manufacturer and model
    (FM-C6, all present here)."""
    out: dict[str, bool] = {}
    for d in _PUSH_ALL_DOCS:
        f = d["fields"]
        if d["kind"] == "organization":
            out[d["ref"]] = bool(f["name"]) and _ORG_TYPE[f["org_type"]] in settings["account_types"]
        else:
            t = f["configuration_type"]
            typed = (settings["sync_without_ci_type"] if t == "Autotask Default"
                     else _CI_TYPE[t] in settings["ci_types"])
            out[d["ref"]] = out[d["org"]] and typed
    return out


@prop(rules=["PA-07", "PA-01", "PA-05", "SC-01", "SC-02"], needs={"push_all", "create_record"}, max_examples=4,
      settings=S.sync_settings(two_way=True, classification_sync=False, account_types=st.sampled_from([["1"], ["1", "2"]])),
      examples=({"settings": base_settings(two_way=True, ci_types=["1"], sync_without_ci_type=False)},
                {"settings": base_settings(two_way=True, account_types=["1", "2"], ci_types=["1", "2", "3"])}))
def test_PA07_push_all_pushes_only_records_set_to_sync(factory: Any, settings: dict) -> None:
    """Organizations of every type (one unnamed) and configurations of selected, unselected and blank types are
    pushed all at once: exactly the eligible ones reach Autotask and are linked (PA-07, PA-05); the others are
    skipped and stay unlinked."""
    spec = {**_ONE, "docs": _PUSH_ALL_DOCS}
    want = _push_all_eligible(settings)
    with world(factory, spec, settings) as w:
        before = {k: {i["id"] for i in w.at_query(e)} for k, e in (("organization", "Companies"),
                                                                  ("configuration", "ConfigurationItems"))}
        w.adapter.push_all()
        for kind, entity in (("organization", "Companies"), ("configuration", "ConfigurationItems")):
            created = {i["id"] for i in w.at_query(entity)} - before[kind]
            refs = [d["ref"] for d in _PUSH_ALL_DOCS if d["kind"] == kind]
            n_want = sum(want[r] for r in refs)
            assert len(created) == n_want, (f"PA-07: push-all created {len(created)} Autotask {kind} records, "
                                            f"but only {n_want} are set to sync: {[r for r in refs if want[r]]}")
            for ref in refs:
                r = w.record(kind, w.doc_ids[ref])
                assert r is not None, f"push-all deleted the documentation record {ref}"
                if want[ref]:
                    assert r["link"] and r["link"]["psa_id"] in created, f"PA-05: eligible {ref} not linked: {r['link']}"
                else:
                    assert not (r["link"] and r["link"]["psa_id"] in created), \
                        f"PA-07: {ref} ({r['fields']}) is not set to sync but was pushed"
        checked()


# ============================================================== FM-C7 / FM-K3: a move is a sync error, never silent
_TWO = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
        "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}],
        "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
        "locations": [], "tickets": [], "docs": []}
_MOVED = {"contact": ("Contacts", 30001), "configuration": ("ConfigurationItems", 100001)}


@prop(rules=["FM-C7", "FM-K3", "P-11"], needs={"push", "edit_and_save"}, max_examples=4,
      settings=S.scoped_settings(contacts_enabled=True, two_way=True,
                                 ci_types=st.sampled_from([["1"], ["1", "2"], ["1", "2", "3"]])),
      kind=st.sampled_from(["contact", "configuration"]),
      examples=({"settings": _BASE, "kind": "contact"}, {"settings": _BASE, "kind": "configuration"}))
def test_FMC7_FMK3_moving_a_synced_record_to_another_organization_is_a_sync_error(factory: Any, settings: dict,
                                                                                 kind: str) -> None:
    """With two-way on, a synced contact or device moved in the documentation to another synced organization
    cannot be pushed as a move: Autotask cannot change a device's or contact's company (FM-C7, FM-K3). If the move
    is saved, the record shows the sync error (P-11); it is never silently kept as synced. Either way the Autotask
    record stays in its company and no second one is created."""
    entity, psa = _MOVED[kind]
    with world(factory, _TWO, settings) as w:
        w.pass_ok()
        rec = w.must_link(kind, psa)
        other = w.must_link("organization", 1002)
        before = {i["id"] for i in w.at_query(entity)}
        try:
            w.adapter.edit_and_save(kind, rec["id"], {"org_id": other["id"]})
        except Refused:
            pass
        after = w.record(kind, rec["id"])
        assert after is not None, f"FM-C7/FM-K3: moving the {kind} deleted it"
        if after["org_id"] == other["id"]:  # the move was saved: it must show as a sync error, not as synced
            assert after["link"] and after["link"]["state"] == "error", (
                f"FM-C7/FM-K3: the {kind} moved to another organization shows {after['link']}, not the sync error")
        at = w.at_get(entity, psa)
        assert at is not None and at["companyID"] == 1001, f"FM-C7/FM-K3: Autotask {kind} {psa} changed company"
        assert {i["id"] for i in w.at_query(entity)} == before, f"FM-C7: the move created a second Autotask {kind}"
        checked()
