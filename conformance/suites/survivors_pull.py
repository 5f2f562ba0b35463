"""Pull and push-prerequisite decisions the other suites reached too rarely (survivors of ``bench/mutation.py``).

Each property is written from the rule text of the spec, not from any implementation:

* FM-O3 / Q16: the Parent Organization of every linked org is set when its Autotask parent company is linked,
  whatever other (out-of-scope, unlinked) companies the tenant also holds and in whatever order they come.
* FM-C3 / M-14 / M-07: a configuration whose Autotask contact is not linked in the documentation (its company is out
  of scope) is still pulled; the reference is simply left empty (references only resolve inside the same org).
* FM-C6 / P-08 / PA-07: a configuration without Manufacturer or Model is not pushed to Autotask.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import assert_no_parent_cycle, checked, created_by_save, prop
from conformance.world import base_settings, world

RULES = ["FM-O3", "Q16", "O-03", "FM-C3", "M-14", "M-07", "CR-01", "FM-C6", "P-08", "PA-07", "FM-K1", "SC-06"]

# 1001 is out of scope (type 2, never selected) and comes first; 1002's parent 1003 is in scope.
_PARENTS = {"companies": [{"id": 1001, "name": "Outsider", "type": 2},
                          {"id": 1002, "name": "Child Co", "type": 1, "parent": 1003},
                          {"id": 1003, "name": "Parent Co", "type": 1},
                          {"id": 1004, "name": "Grandchild Co", "type": 1, "parent": 1002},
                          {"id": 1005, "name": "Holding", "type": 1}],
            "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


@prop(rules=["FM-O3", "Q16", "O-03"], max_examples=2, full=st.booleans())
def test_FMO3_parent_set_when_parent_linked_despite_unlinked_companies(factory: Any, full: bool) -> None:
    """FM-O3: Parent Organization is set exactly when the Autotask parent company is itself linked; an unlinked
    (out-of-scope) company, or one whose org was just orphaned (O-03), changes nothing for the others. A parent
    given in Autotask after the first pass is set by the next pass (full or incremental: FM-G1)."""
    with world(factory, _PARENTS, base_settings()) as w:
        w.pass_ok()
        child = w.must_link("organization", 1002)
        parent = w.must_link("organization", 1003)
        grand = w.must_link("organization", 1004)
        assert w.linked("organization", 1001) is None, "SC-01: an out-of-scope company was linked"
        assert child["fields"].get("parent_id") == parent["id"], \
            f"FM-O3: Child Co's parent is linked, but its Parent Organization is {child['fields'].get('parent_id')}"
        assert grand["fields"].get("parent_id") == child["id"], \
            f"FM-O3: Grandchild Co's parent is linked; its Parent Organization is {grand['fields'].get('parent_id')}"
        assert parent["fields"].get("parent_id") is None, "FM-O3: Parent Co has no Autotask parent"
        checked()
        # the first in-scope company leaves the scope (its org is orphaned, O-03); another gets a linked parent
        w.at_update("Companies", 1002, companyType=2)
        w.at_update("Companies", 1003, parentCompanyID=1005)
        w.pass_ok(full=full)
        holding = w.must_link("organization", 1005)["id"]
        got = w.must_link("organization", 1003)["fields"].get("parent_id")
        assert got == holding, f"FM-O3: Parent Co's new parent Holding is linked, but its Parent Organization is {got}"


_REF = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Outsider", "type": 2}],
        "contacts": [{"id": 30001, "company": 1002, "first": "Ann", "last": "Lee"},
                     {"id": 30002, "company": 1001, "first": "Bob", "last": "Kim"}],
        "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "type": 1},
                {"id": 100002, "company": 1001, "serial": "SN-2", "type": 1}],
        "locations": [], "tickets": [], "docs": []}


@prop(rules=["FM-C3", "M-14", "M-07", "CR-01"], max_examples=2, contact=st.sampled_from([30001, 30002]))
def test_FMC3_configuration_pulled_when_its_contact_is_not_linked(factory: Any, contact: int) -> None:
    """M-07/CR-01: every in-scope configuration is pulled, also one whose Autotask contact is not linked in the
    documentation (FM-C3/M-14: the reference then stays empty; it resolves only inside the same org)."""
    with world(factory, _REF, base_settings()) as w:
        w.at_update("ConfigurationItems", 100001, contactID=contact)
        w.at_update("ConfigurationItems", 100002, contactID=30001)
        w.pass_ok()
        w.must_link("organization", 1001)
        w.must_link("contact", 30002)
        assert w.linked("contact", 30001) is None, "SC-01: a contact of an out-of-scope company was linked"
        a = w.must_link("configuration", 100001)
        b = w.must_link("configuration", 100002)
        assert a["link"]["state"] == "enabled" and b["link"]["state"] == "enabled", \
            f"CR-05: pulled configurations are not enabled: {a['link']}, {b['link']}"
    checked()


_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [], "locations": [],
        "tickets": [], "docs": []}


@prop(rules=["FM-C6", "P-08", "PA-07"], needs={"push", "edit_and_save", "create_record"}, max_examples=3,
      missing=st.sampled_from(["name", "model", "both"]))  # the documentation side keeps no model without manufacturer
def test_FMC6_configuration_without_name_or_model_is_not_pushed(factory: Any, missing: str) -> None:
    """FM-C6: to push a configuration to Autotask it needs Name, Type, Manufacturer and Model; PA-07/P-08: an
    ineligible record is not pushed. A configuration of a type set to sync lacking Name or Model creates no
    device."""
    with world(factory, _ONE, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        fields = {"name": "Box", "serial_number": "SN-42", "configuration_type": "Workstation",
                  "manufacturer": "Acme", "model": "X1"}
        for f in (("manufacturer", "model") if missing == "both" else (missing,)):
            fields.pop(f)
        rid = w.adapter.create_record("configuration", fields, org_id=org, via="api")
        created = created_by_save(w, "configuration", rid, "ConfigurationItems")
        assert not created, f"FM-C6/P-08: a configuration without {missing} was pushed: {created}"
        rec = next(r for r in w.records("configuration") if r["id"] == rid)
        assert rec["link"] is None or rec["link"]["state"] == "error", \
            f"FM-C6: a configuration without {missing} got linked: {rec['link']}"
    checked()


@prop(rules=["Q16", "FM-O3"], max_examples=2, n=st.sampled_from([260, 300]))
def test_Q16_no_parent_cycle_in_a_tenant_of_hundreds_of_organizations(factory: Any, n: int) -> None:
    """Q16 (ignore cycles): a parent cycle among Autotask companies (A→B→A) never becomes a cycle of parent
    organizations, also when the tenant holds hundreds of organizations and the cycle is among the last ones."""
    cos: list[dict[str, Any]] = [{"id": 1001 + i, "name": f"Co {i}", "type": 1} for i in range(n)]
    cos[-1]["parent"], cos[-2]["parent"] = cos[-2]["id"], cos[-1]["id"]
    cos[-3]["parent"] = cos[-1]["id"]  # hangs under the cycle, itself outside it
    spec = {"companies": cos, "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}
    with world(factory, spec, base_settings()) as w:
        w.pass_ok()
        orgs = {r["id"]: r for r in w.records("organization")}
        for c in cos[-3:]:
            w.must_link("organization", c["id"])
        assert_no_parent_cycle(orgs)
        last = w.must_link("organization", cos[-1]["id"])["id"]
        got = w.must_link("organization", cos[-3]["id"])["fields"].get("parent_id")
        assert got == last, f"FM-O3: company {cos[-3]['id']}'s parent is linked (no cycle through it), got {got}"
    checked()


_LOC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
        "locations": [{"id": 10001, "company": 1002, "name": "HQ", "address1": "1 Main St", "city": "Springfield"}],
        "contacts": [{"id": 30001, "company": 1002, "first": "Ann", "last": "Lee"}],
        "cis": [{"id": 100001, "company": 1002, "serial": "SN-1", "type": 1}], "tickets": [], "docs": []}


@prop(rules=["FM-K1", "FM-C3", "M-07", "CR-01", "SC-06"], max_examples=2, full=st.booleans())
def test_FMK1_FMC3_children_pointing_at_a_synced_location_are_pulled(factory: Any, full: bool) -> None:
    """FM-K1: a contact with an Autotask location gets that location (pulled, linked); FM-C3/SC-06: a device with a
    contact and a location of its own company gets them. Every one of these in-scope records is pulled and linked
    enabled (M-07, CR-01, CR-05), on the first pass and on the next one after an Autotask edit."""
    with world(factory, _LOC, base_settings()) as w:
        w.at_update("Contacts", 30001, companyLocationID=10001)
        w.at_update("ConfigurationItems", 100001, contactID=30001, companyLocationID=10001)
        w.pass_ok()
        w.at_update("Contacts", 30001, title="CFO")
        w.at_update("ConfigurationItems", 100001, referenceTitle="Renamed")
        w.pass_ok(full=full)
        for kind, psa in (("organization", 1002), ("location", 10001), ("contact", 30001),
                          ("configuration", 100001)):
            lk = w.must_link(kind, psa)["link"]
            assert lk["state"] == "enabled", f"CR-05/FM-G1: the pulled {kind} {psa} is {lk['state']}"
        assert w.must_link("contact", 30001)["fields"].get("title") == "CFO", "FM-G1: the contact's title not pulled"
        assert w.must_link("configuration", 100001)["fields"].get("name") == "Renamed", \
            "FM-G1/FM-C1: the device's new name was not pulled"
        unsynced = [r for r in w.records("location") if not r["link"]]
        assert not unsynced, f"FM-K1: a contact with an Autotask location got an unsynced location: {unsynced}"
    checked()
