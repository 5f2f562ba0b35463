"""Decisions the other suites reached too rarely (found by the mutation run, ``bench/mutation.py``).

Each property is written from the rule text of the spec, not from any implementation:

* P-06 for the children: an edit+save of an unlinked configuration or contact with two-way on runs standard matching
  against Autotask inside the linked company (M-02 serial OR MAC, both first; M-03 first AND last name; M-08
  earliest, then lowest id; M-09 never a taken record), otherwise creates one record.
* Every pull applies the pull rules, also an incremental one (ST-09: a sync reads what changed since the last one):
  after Autotask edits an incremental pass leaves the documentation exactly as a full pass would (FM-G1 values,
  M-07 creation, M-10 identity); only deletions wait for a complete enumeration (O-08).
* R-03: "Sync now" pulls that one record's latest Autotask values and changes no other record; a record whose
  Autotask counterpart is gone becomes an orphan (O-01); a disabled record is not re-synced (R-01, M-12).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.adapter import Refused
from conformance.suites import _oracle as O
from conformance.suites._common import assert_no_parent_cycle, checked, created_by_save, prop
from conformance.world import base_settings, world

TWO: list[dict[str, Any]] = [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}]
_EMPTY = {"companies": TWO, "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}
SERIALS = ["SN-1", "SN-2", ""]
MACS = ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "00:1A:2B:3C:4D:5F", ""]
FIRST = ["Ann", "ann", "Bob"]  # Autotask compares text case-insensitively; M-06 is exact
LAST = ["Lee", "Kim"]


def _at_ci(w: Any, company: int, serial: str, mac: str, title: str) -> int:
    return w.at_create("ConfigurationItems", companyID=company, productID=401, configurationItemType=1,
                       referenceTitle=title, serialNumber=serial or None, isActive=True,
                       installDate="2024-01-01T00:00:00Z",
                       userDefinedFields=[{"name": "MAC Address", "value": mac or None}])


def _pick(cands: list[tuple[int, int]]) -> int | None:
    """M-08 on the Autotask side: created in the same instant here, so the lowest id."""
    return min(cands)[1] if cands else None


at_cis = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(SERIALS), st.sampled_from(MACS)), max_size=4)
doc_cis = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(SERIALS), st.sampled_from(MACS)), min_size=1,
                   max_size=3)
people = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(FIRST), st.sampled_from(LAST)), max_size=3)


@prop(rules=["P-06", "P-05", "P-07", "M-02", "M-03", "M-08", "M-09", "M-11", "M-14", "Q3"],
      needs={"push", "edit_and_save", "create_record"}, max_examples=10,
      # §16: a serial-only and a MAC-only candidate before a both-keys one (M-08 [I]); a name differing in case
      examples=({"at_items": [(0, "SN-1", ""), (0, "", "00-1a-2b-3c-4d-5e"), (0, "SN-1", "00:1A:2B:3C:4D:5E"),
                              (1, "SN-1", "00:1A:2B:3C:4D:5E")],
                 "docs": [(0, "SN-1", "00:1A:2B:3C:4D:5E"), (0, "SN-1", "00:1A:2B:3C:4D:5F"), (1, "", "")],
                 "at_people": [(0, "ann", "Lee"), (1, "Ann", "Lee"), (0, "Ann", "Lee")],
                 "doc_people": [(0, "Ann", "Lee"), (0, "Bob", "Kim")]},
                # the second save must look past the device the first one took (M-09)
                {"at_items": [(0, "SN-2", ""), (0, "SN-2", "")], "docs": [(0, "SN-2", ""), (0, "SN-2", "")],
                 "at_people": [], "doc_people": []}),
      at_items=at_cis, docs=doc_cis, at_people=people, doc_people=people)
def test_P06_M02_M03_M08_M09_saving_an_unlinked_child_matches_inside_its_company(
        factory: Any, at_items: list, docs: list, at_people: list, doc_people: list) -> None:
    """Devices and contacts made in Autotask after the last pull are not linked yet. Saving API-created
    configurations and contacts in the UI (two-way on) links each to an untaken Autotask record of its own company
    sharing serial OR MAC (both first) / first AND last name, earliest first; otherwise it creates one there."""
    with world(factory, _EMPTY, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = {c["id"]: w.must_link("organization", c["id"])["id"] for c in TWO}
        cis = [(TWO[c]["id"], _at_ci(w, TWO[c]["id"], s, m, f"AT-{i}"), s, m) for i, (c, s, m) in enumerate(at_items)]
        cons = [(TWO[c]["id"], w.at_create("Contacts", companyID=TWO[c]["id"], firstName=f, lastName=last,
                                           isActive=1), f, last) for c, f, last in at_people]
        saved = []
        for i, (c, s, m) in enumerate(docs):
            fields = {"name": f"Doc-{i}", "serial_number": s, "mac_address": m, "manufacturer": "Acme",
                      "model": "X1", "configuration_type": "Autotask Default",
                      "status": [None, "Inactive", "Active"][i % 3]}  # Active ↔ Configuration Status (§3.2, Q21)
            saved.append(("configuration", TWO[c]["id"], w.adapter.create_record(
                "configuration", fields, org_id=org[TWO[c]["id"]], via="api"), (s, O.canonical_mac(m))))
        for c, f, last in doc_people:
            rid = w.adapter.create_record("contact", {"first_name": f, "last_name": last}, org_id=org[TWO[c]["id"]],
                                          via="api")
            saved.append(("contact", TWO[c]["id"], rid, (f, last)))
        before = {"configuration": {i["id"] for i in w.at_query("ConfigurationItems")},
                  "contact": {i["id"] for i in w.at_query("Contacts")}}
        taken: set[tuple[str, int]] = set()
        for kind, company, rid, key in saved:
            w.adapter.edit_and_save(kind, rid, {})
            if kind == "configuration":
                serial, mac = key[0] or None, key[1]
                hits = [(0 if (serial and s == serial) and (mac and O.canonical_mac(m) == mac) else 1, pid)
                        for co, pid, s, m in cis if co == company and ("configuration", pid) not in taken
                        and ((serial and s == serial) or (mac and O.canonical_mac(m) == mac))]
                best = min(h[0] for h in hits) if hits else None
                want = _pick([(0, pid) for b, pid in hits if b == best])
            else:
                want = _pick([(0, pid) for co, pid, f, last in cons if co == company and (f, last) == key
                              and ("contact", pid) not in taken])
            rec = next(r for r in w.records(kind) if r["id"] == rid)
            assert rec["link"] and rec["link"]["state"] == "enabled", \
                f"P-05/P-06: saving the {kind} {key} with two-way on did not link it: {rec['link']}"
            got = int(rec["link"]["psa_id"])
            if want is None:
                assert got not in before[kind], (f"P-06/M-02/M-03/M-09/M-14: the {kind} {key} of company {company} "
                                                 f"has no untaken match in it, but was linked to {got}")
                _assert_created_as_saved(w, kind, got, company, rec)
            else:
                assert got == want, (f"P-06/M-02/M-03/M-08: the {kind} {key} of company {company} should link "
                                     f"{want} (untaken, same company, key match, both-keys first, lowest id); "
                                     f"linked {got}")
            taken.add((kind, got))
    checked()


def _assert_created_as_saved(w: Any, kind: str, psa_id: int, company: int, rec: dict[str, Any]) -> None:
    """P-06 (no match: a new Autotask record), FM-C5/P-09 (its product), mapped fields as saved (§3.2, §3.3)."""
    entity = "ConfigurationItems" if kind == "configuration" else "Contacts"
    at = w.at_get(entity, psa_id)
    assert at is not None and at.get("companyID") == company, \
        f"P-06/M-14: the {kind} {rec['fields']} was created in company {at and at.get('companyID')}, not {company}"
    f = rec["fields"]
    if kind == "contact":
        got = (at.get("firstName"), at.get("lastName"))
        assert got == (f["first_name"], f["last_name"]), f"§3.3: contact created in Autotask as {got}: {f}"
        return
    assert at.get("referenceTitle") == f["name"], f"FM-C1: device created as {at.get('referenceTitle')!r}: {f}"
    assert bool(at.get("isActive")) == (f.get("status") != "Inactive"), \
        f"§3.2 Active ↔ Configuration Status: a {f.get('status')} configuration was created with isActive={at.get('isActive')}"
    assert (at.get("serialNumber") or "") == (f["serial_number"] or ""), \
        f"§3.2: device created with serial {at.get('serialNumber')!r}, saved with {f['serial_number']!r}"
    product = w.at_get("Products", at.get("productID")) if at.get("productID") else None
    assert product is not None and (product.get("manufacturerName"), product.get("manufacturerProductName")) == \
        (f["manufacturer"], f["model"]), f"§3.2/FM-C5: the device's product {product} is not {f['manufacturer']} {f['model']}"


def _snapshot(w: Any) -> dict[str, dict[int, tuple]]:
    """Per kind, Autotask id -> (mapped fields, link state, Autotask id of its organization's company)."""
    company_of = {r["id"]: r["link"]["psa_id"] for r in w.records("organization") if r["link"]}
    out: dict[str, dict[int, tuple]] = {}
    for kind in ("organization", "configuration", "contact", "location"):
        out[kind] = {int(r["link"]["psa_id"]): (tuple(sorted(r["fields"].items(), key=lambda kv: kv[0])),
                                                r["link"]["state"], company_of.get(r["org_id"]))
                     for r in w.records(kind) if r["link"]}
    return out


edits = st.lists(st.one_of(
    st.tuples(st.just("rename_company"), st.integers(0, 1), st.sampled_from(["Contoso", "Initech", "Umbrella"])),
    st.tuples(st.just("new_company"), st.integers(0, 1), st.sampled_from(["Globex", "Contoso"])),
    st.tuples(st.just("new_ci"), st.integers(0, 1), st.sampled_from(SERIALS)),
    st.tuples(st.just("ci_serial"), st.integers(0, 1), st.sampled_from(["SN-7", "SN-8"])),
    st.tuples(st.just("new_contact"), st.integers(0, 1), st.sampled_from(FIRST)),
    st.tuples(st.just("rename_contact"), st.integers(0, 1), st.sampled_from(["Cy", "Di"])),
    st.tuples(st.just("new_location"), st.integers(0, 1), st.sampled_from(["9 Elm St", "8 Oak Ave"])),
), min_size=1, max_size=4)


@prop(rules=["FM-G1", "M-07", "M-10", "CR-01", "CR-02", "ST-09", "O-08"], max_examples=10, edits=edits)
def test_FMG1_M07_M10_an_incremental_pass_leaves_what_a_full_pass_would(factory: Any, edits: list) -> None:
    """After a full pass and some Autotask edits (renames, serial changes, new companies, devices, contacts and
    locations; no deletions), an incremental pass succeeds and leaves every linked record exactly as a full pass
    right after it does: same Autotask ids, mapped fields, states and organizations."""
    spec = {**_EMPTY, "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1},
                              {"id": 100002, "company": 1002, "serial": "SN-2", "mac": None, "type": 1}],
            "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"},
                         {"id": 30002, "company": 1002, "first": "Bob", "last": "Kim"}]}
    with world(factory, spec, base_settings()) as w:
        w.pass_ok()
        companies = [1001, 1002]
        for op, i, value in edits:
            if op == "rename_company":
                w.at_update("Companies", companies[i], companyName=value)
            elif op == "new_company":
                companies.append(w.at_create("Companies", companyName=value, companyType=1, phone="555-0100",
                                             ownerResourceID=w.at_get("Companies", 1001)["ownerResourceID"]))
            elif op == "new_ci":
                _at_ci(w, companies[i], value, "", f"NEW-{value}")
            elif op == "ci_serial":
                w.at_update("ConfigurationItems", 100001 + i, serialNumber=value)
            elif op == "new_contact":
                w.at_create("Contacts", companyID=companies[i], firstName=value, lastName="New", isActive=1)
            elif op == "rename_contact":
                w.at_update("Contacts", 30001 + i, firstName=value)
            else:
                w.at_create("CompanyLocations", companyID=companies[i], name=f"Site {value}", address1=value,
                            city="Springfield", state="IL", postalCode="00000", countryID=237, isActive=True,
                            isPrimary=False)
        w.pass_ok(full=False)
        after_incremental = _snapshot(w)
        w.pass_ok(full=True)
        after_full = _snapshot(w)
        for kind in after_full:
            assert after_incremental[kind] == after_full[kind], (
                f"FM-G1/M-07/M-10: after the Autotask edits {edits} the incremental pass left the {kind} records "
                f"{after_incremental[kind]} but a full pass makes them {after_full[kind]}")
        names = {c["id"]: c["companyName"] for c in w.at_query("Companies")}
        for pid, (fields, _state, _) in after_full["organization"].items():
            assert dict(fields)["name"] == names[pid], f"FM-G1: org of company {pid} is not named as in Autotask"
    checked()


@prop(rules=["R-03", "R-01", "M-12", "O-01", "FM-G1"], needs={"record_controls"}, max_examples=6,
      target=st.integers(0, 1), action=st.sampled_from(["rename", "delete", "disabled"]))
def test_R03_O01_R01_sync_now_pulls_only_that_record(factory: Any, target: int, action: str) -> None:
    """"Sync now" on a linked contact pulls its latest Autotask values (FM-G1) and touches no other record (R-03);
    when its Autotask contact was deleted it becomes an orphan (O-01); a disabled record is not re-synced (R-01)."""
    spec = {**_EMPTY, "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"},
                                   {"id": 30002, "company": 1002, "first": "Bob", "last": "Kim"}]}
    with world(factory, spec, base_settings()) as w:
        w.pass_ok()
        pid, other = 30001 + target, 30002 - target
        rec = w.must_link("contact", pid)
        if action == "disabled":
            w.adapter.disable("contact", rec["id"])
        w.at_update("Contacts", other, firstName="Zed")  # a change sync-now of ``pid`` must not pull
        if action == "delete":
            w.at_delete("Contacts", pid)
        else:
            w.at_update("Contacts", pid, firstName="Cy")
        before = {r["id"]: r for k in ("organization", "configuration", "contact") for r in w.records(k)}
        try:
            w.adapter.sync_now("contact", rec["id"])
        except Refused:
            assert action == "disabled", f"R-03: sync now of an {action} contact was refused"
        after = {r["id"]: r for k in ("organization", "configuration", "contact") for r in w.records(k)}
        for rid, r in after.items():
            if rid != rec["id"]:
                assert r == before[rid], f"R-03: sync now of contact {rec['id']} changed another record: {r}"
        got = after[rec["id"]]
        if action == "rename":
            assert got["fields"]["first_name"] == "Cy" and got["link"]["state"] == "enabled", \
                f"R-03/FM-G1: sync now did not pull the new first name: {got}"
        elif action == "delete":
            assert got["link"] and got["link"]["state"] == "orphaned", \
                f"O-01: sync now of a contact deleted in Autotask left it {got['link']}"
        else:
            assert got["fields"] == before[rec["id"]]["fields"] and got["link"]["state"] == "disabled", \
                f"R-01/M-12: sync now re-synced a disabled contact: {got}"
    checked()


@prop(rules=["FM-G2", "P-01", "R-01", "O-09"], needs={"edit_and_save"}, max_examples=6,
      kind=st.sampled_from(["organization", "configuration", "contact"]),
      state=st.sampled_from(["enabled", "disabled"]))
def test_FMG2_P01_with_two_way_off_synced_fields_are_read_only(factory: Any, kind: str, state: str) -> None:
    """With two-way off, saving a change to a mapped field of a linked, enabled record is refused and changes nothing, in IT Glue or Autotask (FM-G2, P-01). A record whose
    sync is disabled is not synced (R-01): its edit is kept and nothing is written to Autotask either."""
    spec = {**_EMPTY, "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
            "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}]}
    psa = {"organization": 1001, "configuration": 100001, "contact": 30001}[kind]
    field = {"organization": "name", "configuration": "name", "contact": "first_name"}[kind]
    with world(factory, spec, base_settings()) as w:
        w.pass_ok()
        rec = w.must_link(kind, psa)
        if state == "disabled":
            w.adapter.disable(kind, rec["id"])
        change: dict[str, Any] = {field: "Edited"}
        before = next(r for r in w.records(kind) if r["id"] == rec["id"])
        w.mark()
        refused = False
        try:
            w.adapter.edit_and_save(kind, rec["id"], change)
        except Refused:
            refused = True
        after = next(r for r in w.records(kind) if r["id"] == rec["id"])
        assert not w.writes(), f"P-01: an edit with two-way off wrote to Autotask: {w.writes()}"
        if state == "enabled":
            assert refused, f"FM-G2: with two-way off, saving {change} on a synced {kind} was not refused"
            assert after["fields"] == before["fields"] and after["org_id"] == before["org_id"], \
                f"FM-G2: a refused save changed the {kind}: {before} -> {after}"
    checked()


@prop(rules=["FM-K1", "ST-05", "SC-05"], needs=frozenset(), max_examples=6,
      address=st.sampled_from([("5 Side St", None), (None, "Unit 2"), ("7 Elm St", "Floor 3"), (None, None)]),
      locations=st.booleans())
def test_FMK1_a_typed_contact_address_becomes_one_unsynced_location(factory: Any, address: tuple,
                                                                     locations: bool) -> None:
    """With location sync on, an Autotask contact without a location but with a hand-typed address gets a new
    documentation location in its organization holding that address, not linked to Autotask, made once (a second
    pass adds none) and not counted (ST-05). Without an address, or with location sync off, no location appears."""
    line1, line2 = address
    with world(factory, {**_EMPTY, "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}]},
               base_settings(locations_enabled=locations)) as w:
        w.at_update("Contacts", 30001, addressLine=line1, addressLine1=line2, city="Springfield", state="IL",
                    zipCode="00000")
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        unlinked = [r for r in w.records("location") if not r["link"]]
        if not locations:
            assert not unlinked, f"SC-05: location sync is off, yet locations appeared: {unlinked}"
            checked()
            return
        assert len(unlinked) == 1, f"FM-K1: the contact's typed address should make one unsynced location: {unlinked}"
        loc = unlinked[0]
        assert loc["org_id"] == org, f"FM-K1: the typed-address location is not in the contact's organization: {loc}"
        got = (loc["fields"]["address1"], loc["fields"]["address2"], loc["fields"]["city"])
        want = (line1 or line2, line2 if line1 else None, "Springfield")
        assert got == want, f"FM-K1: the location holds {got}, the contact's typed address is {want}"
        w.pass_ok()
        assert len([r for r in w.records("location") if not r["link"]]) == 1, "FM-K1: a second pass made it again"
        linked = sum(1 for r in w.records("location") if r["link"] and r["link"]["state"] == "enabled")
        assert w.adapter.summary()["location"]["synced"] == linked, "ST-05: an unsynced location was counted"
    checked()


@prop(rules=["FM-O3", "Q16"], max_examples=8,
      examples=({"parents": [1, 0, 0, 3], "scope": [1, 1, 1, 1]},  # A<->B, C under A, D its own parent
                {"parents": [None, 2, 1, 1], "scope": [2, 1, 1, 1]},  # B<->C with D under B; A out of scope
                {"parents": [1, 2, 0, None], "scope": [1, 1, 1, 1]}),  # A->B->C->A
      parents=st.lists(st.sampled_from([None, 0, 1, 2, 3]), min_size=4, max_size=4),
      scope=st.lists(st.sampled_from([1, 1, 2]), min_size=4, max_size=4))
def test_FMO3_Q16_parents_follow_linked_companies_and_never_form_a_cycle(factory: Any, parents: list,
                                                                          scope: list) -> None:
    """Every organization's parent is either empty or the organization linked to its Autotask parent company
    (FM-O3), and a parent cycle in Autotask (A→B→A, or a company its own parent) never becomes a cycle in the
    documentation (Q16: ignore cycles), whatever the order of the companies."""
    ids = [1001, 1002, 1003, 1004]
    companies = [{"id": cid, "name": f"Co {cid}", "type": scope[i],
                  "parent": None if parents[i] is None else ids[parents[i]]} for i, cid in enumerate(ids)]
    with world(factory, {**_EMPTY, "companies": companies}, base_settings()) as w:
        w.pass_ok()
        orgs = {r["id"]: r for r in w.records("organization")}
        company_of = {r["id"]: int(r["link"]["psa_id"]) for r in orgs.values() if r["link"]}
        org_of = {v: k for k, v in company_of.items()}
        for oid, r in orgs.items():
            pid = r["fields"].get("parent_id")
            if pid is None or oid not in company_of:
                continue
            at_parent = next(c["parent"] for c in companies if c["id"] == company_of[oid])
            assert pid == org_of.get(at_parent), (f"FM-O3: org {oid} (company {company_of[oid]}) has parent {pid}, "
                                                  f"but its Autotask parent {at_parent} is linked to "
                                                  f"{org_of.get(at_parent)}")
        assert_no_parent_cycle(orgs)
        for c in companies:  # FM-O3: set whenever the parent is linked and no cycle stands in the way
            if c["parent"] is not None and c["parent"] != c["id"] and c["id"] in org_of and c["parent"] in org_of:
                p_parent = next(x["parent"] for x in companies if x["id"] == c["parent"])
                chain_back = p_parent == c["id"]
                if not chain_back and _no_cycle_through(companies, c["id"]):
                    assert orgs[org_of[c["id"]]]["fields"].get("parent_id") == org_of[c["parent"]], \
                        f"FM-O3: company {c['id']}'s parent {c['parent']} is linked, but its org has no parent"
    checked()


def _no_cycle_through(companies: list[dict[str, Any]], cid: int) -> bool:
    parent = {c["id"]: c["parent"] for c in companies}
    seen, cur = set(), parent.get(cid)
    while cur is not None and cur not in seen:
        if cur == cid:
            return False
        seen.add(cur)
        cur = parent.get(cur)
    return True


@prop(rules=["P-08", "FM-C6", "SC-02", "P-06", "SC-04"], needs={"push", "edit_and_save", "create_record"},
      max_examples=6, ctype=st.sampled_from(["Workstation", "Laptop", "Server", "Autotask Default"]),
      without_type=st.booleans(), contacts=st.booleans())
def test_P08_SC02_a_configuration_is_pushed_only_with_a_type_set_to_sync(factory: Any, ctype: str,
                                                                        without_type: bool, contacts: bool) -> None:
    """With two-way on, saving an unlinked configuration pushes it only when its type is selected for sync (SC-02:
    Workstation and Laptop here; "Autotask Default" stands for a blank type, pushed only with "sync without a type"
    checked), and the created device carries that type (§3.2 Device Type ↔ Configuration Type). A contact is pushed
    only while contact sync is on (SC-04)."""
    with world(factory, _EMPTY, base_settings(two_way=True, sync_without_ci_type=without_type,
                                              contacts_enabled=contacts)) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        type_id = {t["name"]: t["id"] for t in w.at_query("ConfigurationItemTypes")}
        rid = w.adapter.create_record("configuration", {"name": "Box", "serial_number": "SN-42", "manufacturer": "Acme",
                                                        "model": "X1", "configuration_type": ctype},
                                      org_id=org, via="api")
        cid = w.adapter.create_record("contact", {"first_name": "Eve", "last_name": "Ng"}, org_id=org, via="api")
        created = created_by_save(w, "configuration", rid, "ConfigurationItems")
        eligible = ctype in ("Workstation", "Laptop") or (ctype == "Autotask Default" and without_type)
        if not eligible:
            assert not created, f"P-08/SC-02: a configuration of type {ctype!r} not set to sync was pushed: {created}"
        else:
            assert len(created) == 1, f"P-06: saving an eligible {ctype!r} configuration created {created}"
            want = type_id.get(ctype)
            assert created[0].get("configurationItemType") == want, \
                f"§3.2/FM-C4: the device was created with type {created[0].get('configurationItemType')}, not {want}"
        people = {i["id"] for i in w.at_query("Contacts")}
        try:
            w.adapter.edit_and_save("contact", cid, {})
        except Refused:
            pass
        new_people = {i["id"] for i in w.at_query("Contacts")} - people
        assert bool(new_people) == contacts, \
            f"SC-04/P-06: contact sync {'on' if contacts else 'off'}, saving a contact created {sorted(new_people)}"
    checked()
