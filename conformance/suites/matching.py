"""Matching suite (§4: M-01..M-16, with the §15 defaults Q1, Q2, Q4, Q5, Q7, Q8, Q9).

Each property builds a tiny tenant with colliding keys, seeds pre-existing documentation records, runs one full
pass through the adapter, and compares the links against an executable model of the rules (``_oracle``).
M-16 (reconnect) lives in the disconnect/delete suite.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.suites import _oracle as O
from conformance.suites._common import draw_linked, prop
from conformance.world import base_settings, world

RULES = ["M-01", "M-02", "M-03", "M-06", "M-07", "M-08", "M-09", "M-10", "M-11", "M-12", "M-13", "M-14", "M-15"]


def assert_injective(w: Any) -> None:
    """M-09: no AT id linked to two records, no record linked to two AT ids (per kind)."""
    for kind in ("organization", "configuration", "contact", "location", "ticket"):
        recs = w.records(kind)
        psa = [r["link"]["psa_id"] for r in recs if r["link"]]
        assert len(psa) == len(set(psa)), f"M-09: an Autotask {kind} is linked to two records: {sorted(psa)}"


def _org_of_company(w: Any) -> dict[int, Any]:
    return {int(r["link"]["psa_id"]): r["id"] for r in w.records("organization") if r["link"]}


def _refs(w: Any, kind: str) -> set[Any]:
    return {w.doc_ids[d["ref"]] for d in w.spec["docs"] if d["kind"] == kind}


def _org(ref: str, day: int, name: str) -> dict[str, Any]:
    return {"kind": "organization", "ref": ref, "created_at": f"2025-02-{day:02d}T00:00:00Z", "fields": {"name": name},
            "unmapped": {"passwords": [ref]}}


# §16.4: two companies, three organizations named alike created out of order, one differing only in case
_NAME_TIE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Contoso", "type": 1}],
             "cis": [], "contacts": [], "locations": [], "tickets": [],
             "docs": [_org("o0", 9, "Contoso"), _org("o1", 3, "Contoso"), _org("o2", 1, "contoso"),
                      _org("o3", 6, "Contoso")]}


@prop(rules=["M-01", "M-06", "M-07", "M-08", "M-09", "M-11", "M-15", "CR-05", "Q4", "Q7"], needs={"create_record"},
      examples=({"spec": _NAME_TIE},), spec=st.one_of(S.org_tenants(), S.tenants()))
def test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first(factory: Any, spec: dict) -> None:
    """An in-scope company links to the earliest-created unclaimed organization with exactly its name (no case
    folding, no trimming), otherwise to a new one; names never match blanks; links are injective."""
    settings = base_settings()
    with world(factory, spec, settings) as w:
        w.pass_ok()
        items = [(c["id"], c["name"] or None) for c in spec["companies"] if O.company_in_scope(c, settings)]
        cands = [(d["created_at"], d["ref"], d["fields"]["name"] or None) for d in spec["docs"]
                 if d["kind"] == "organization"]
        expected = O.simple_matches(items, cands)
        linked = {int(r["link"]["psa_id"]): r for r in w.records("organization") if r["link"]}
        pre = _refs(w, "organization")
        for pid, ref in expected.items():
            assert pid in linked, f"M-07: in-scope company {pid} was not linked"
            got = linked[pid]["id"]
            if ref == O.NEW:
                assert got not in pre, (f"M-01/M-06/M-09: company {pid} "
                                        f"({next(c['name'] for c in spec['companies'] if c['id'] == pid)!r}) "
                                        f"claimed pre-existing org {got} whose name differs or that was taken")
            else:
                assert got == w.doc_ids[ref], (f"M-08: company {pid} should link the earliest unclaimed org named "
                                               f"alike ({ref}), got {got}")
            assert linked[pid]["fields"]["name"] == next(c["name"] for c in spec["companies"] if c["id"] == pid), \
                "CR-05: the linked org's name must equal the Autotask name exactly"
        out = {c["id"] for c in spec["companies"] if not O.company_in_scope(c, settings)}
        assert not (out & set(linked)), f"SC-01: out-of-scope companies linked: {sorted(out & set(linked))}"
        assert_injective(w)
        for d in spec["docs"]:
            r = next(r for r in w.records(d["kind"]) if r["id"] == w.doc_ids[d["ref"]])
            assert r["unmapped"] == d["unmapped"], f"FM-G3: a pull modified unmapped data of {d['ref']}"


@prop(rules=["M-02", "M-08", "M-09", "M-11", "M-14", "Q1", "Q3"], needs={"create_record"},
      spec=S.config_tenants())
def test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org(factory: Any, spec: dict) -> None:
    """A device links to a configuration in its own organization sharing its serial OR its MAC (canonicalised);
    both-match first, then earliest; blank serials/MACs never match; never across organizations."""
    settings = base_settings()
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org_of = _org_of_company(w)
        scope_co = {c["id"] for c in spec["companies"] if O.company_in_scope(c, settings)}
        docs = [d for d in spec["docs"] if d["kind"] == "configuration"]
        by_org: dict[Any, list] = {}
        for d in docs:
            by_org.setdefault(w.doc_ids[d["org"]], []).append(
                (d["created_at"], d["ref"], d["fields"]["serial_number"] or None,
                 O.canonical_mac(d["fields"]["mac_address"])))
        expected: dict[int, Any] = {}
        for cid in scope_co:
            items = [(ci["id"], ci["serial"] or None, O.canonical_mac(ci["mac"])) for ci in spec["cis"]
                     if ci["company"] == cid and O.ci_in_scope(ci, settings)]
            expected.update(O.config_matches(items, by_org.get(org_of.get(cid), [])))
        linked = {int(r["link"]["psa_id"]): r for r in w.records("configuration") if r["link"]}
        pre = _refs(w, "configuration")
        for pid, ref in expected.items():
            assert pid in linked, f"M-07/SC-02: in-scope device {pid} was not linked"
            ci = next(c for c in spec["cis"] if c["id"] == pid)
            got = linked[pid]
            assert got["org_id"] == org_of[ci["company"]], f"M-14: device {pid} landed in another organization"
            if ref == O.NEW:
                assert got["id"] not in pre, (
                    f"M-02/M-11/M-14: device {pid} (serial={ci['serial']!r}, mac={ci['mac']!r}) claimed "
                    f"pre-existing configuration {got['id']} although no eligible candidate shares a non-blank key")
            else:
                assert got["id"] == w.doc_ids[ref], (
                    f"M-02/M-08: device {pid} (serial={ci['serial']!r}, mac={ci['mac']!r}) should link {ref} "
                    f"(id {w.doc_ids[ref]}), got {got['id']}")
        out = {c["id"] for c in spec["cis"] if c["company"] not in scope_co or not O.ci_in_scope(c, settings)}
        assert not (out & set(linked)), f"SC-02/SC-03: out-of-scope devices linked: {sorted(out & set(linked))}"
        assert_injective(w)


@prop(rules=["M-03", "M-06", "M-08", "M-09", "M-14"], needs={"create_record"}, spec=S.tenants(max_cis=0))
def test_M03_contacts_match_first_and_last_name_within_the_org(factory: Any, spec: dict) -> None:
    """A contact links to the earliest unclaimed contact of its own organization with the same first AND last
    name (exact)."""
    settings = base_settings()
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org_of = _org_of_company(w)
        scope_co = {c["id"] for c in spec["companies"] if O.company_in_scope(c, settings)}
        expected: dict[int, Any] = {}
        for cid in scope_co:
            items = [(k["id"], (k["first"], k["last"])) for k in spec["contacts"] if k["company"] == cid]
            cands = [(d["created_at"], d["ref"], (d["fields"]["first_name"], d["fields"]["last_name"]))
                     for d in spec["docs"] if d["kind"] == "contact" and w.doc_ids[d["org"]] == org_of.get(cid)]
            expected.update(O.simple_matches(items, cands))
        linked = {int(r["link"]["psa_id"]): r for r in w.records("contact") if r["link"]}
        pre = _refs(w, "contact")
        for pid, ref in expected.items():
            assert pid in linked, f"CR-01: in-scope contact {pid} was not linked"
            got = linked[pid]["id"]
            if ref == O.NEW:
                assert got not in pre, f"M-03/M-06: contact {pid} claimed pre-existing contact {got} wrongly"
            else:
                assert got == w.doc_ids[ref], f"M-03/M-08: contact {pid} should link {ref}, got {got}"
        assert_injective(w)


@prop(rules=["M-10", "FM-C4", "Q6"], spec=S.tenants(docs=False), data=st.data())
def test_M10_renames_and_key_changes_update_the_same_record(factory: Any, spec: dict, data: Any) -> None:
    """Once linked, identity is the Autotask id: renaming a company or changing a device's serial or type updates
    the same record, never creates a second one."""
    with world(factory, spec) as w:
        w.pass_ok()
        before = {k: {int(r["link"]["psa_id"]): r["id"] for r in w.records(k) if r["link"]}
                  for k in ("organization", "configuration")}
        co = data.draw(st.sampled_from(spec["companies"]), label="company")
        new_name = data.draw(st.sampled_from(["Renamed", "contoso", "Contoso"]), label="new_name")
        w.at_update("Companies", co["id"], companyName=new_name)
        for ci in spec["cis"]:
            w.at_update("ConfigurationItems", ci["id"], serialNumber="CHANGED-" + str(ci["id"]),
                        configurationItemType=ci["type"] or 1)
        w.pass_ok()
        after = {k: {int(r["link"]["psa_id"]): r["id"] for r in w.records(k) if r["link"]}
                 for k in ("organization", "configuration")}
        for k in before:
            for pid, rid in before[k].items():
                assert after[k].get(pid) == rid, f"M-10: {k} linked to {pid} changed identity {rid} -> " \
                                                 f"{after[k].get(pid)}"
        if co["id"] in before["organization"]:
            assert w.linked("organization", co["id"])["fields"]["name"] == new_name, "M-10/FM-G1: rename not pulled"
            assert len(w.records("organization")) == len(before["organization"]), "M-10: a rename created an org"


@prop(rules=["M-12", "R-01", "R-06", "Q9"], needs={"record_controls"}, spec=S.tenants(docs=False), data=st.data())
def test_M12_disabled_records_are_left_alone_and_not_duplicated(factory: Any, spec: dict, data: Any) -> None:
    """A disabled record is not updated by pulls and its Autotask record does not create a duplicate."""
    with world(factory, spec) as w:
        w.pass_ok()
        target = draw_linked(w, data, "organization", "disable")
        if target is None:
            return
        pid = int(target["link"]["psa_id"])
        w.adapter.disable("organization", target["id"])
        w.at_update("Companies", pid, companyName="Changed while disabled")
        n = len(w.records("organization"))
        w.pass_ok()
        w.pass_ok()
        rec = next(r for r in w.records("organization") if r["id"] == target["id"])
        assert rec["link"] and rec["link"]["state"] == "disabled", "R-01: a pull changed the disabled state"
        assert rec["fields"]["name"] == target["fields"]["name"], "R-01/M-12: a pull updated a disabled record"
        assert len(w.records("organization")) == n, "M-12: the disabled record's Autotask company was duplicated"
        assert len(w.by_psa("organization").get(pid, [])) == 1, "M-12: a second record linked to the same company"


@st.composite
def _one_company_contacts(draw: Any) -> dict:
    n = draw(st.integers(1, 3))
    return {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "locations": [], "tickets": [],
            "contacts": [{"id": 30001 + i, "company": 1001, "first": draw(st.sampled_from(S.FIRST)),
                          "last": draw(st.sampled_from(S.LAST))} for i in range(n)], "docs": []}


@prop(rules=["M-13", "O-01", "O-06", "Q8"], spec=_one_company_contacts(), data=st.data())
def test_M13_orphans_are_candidates_when_autotask_recreates_the_record(factory: Any, spec: dict, data: Any) -> None:
    """Deleting a contact in Autotask orphans it; recreating it (new id, same keys) re-links the same record."""
    with world(factory, spec) as w:
        w.pass_ok()
        victim = data.draw(st.sampled_from(spec["contacts"]), label="victim")
        rec = w.linked("contact", victim["id"])
        w.at_delete("Contacts", victim["id"])
        w.pass_ok()
        orphan = next(r for r in w.records("contact") if r["id"] == rec["id"])
        assert orphan["link"] and orphan["link"]["state"] == "orphaned", "O-01: deleted contact not orphaned"
        n = len(w.records("contact"))
        new_id = w.at_create("Contacts", companyID=1001, firstName=victim["first"], lastName=victim["last"],
                             isActive=1)
        w.pass_ok()
        relinked = w.linked("contact", new_id)
        assert relinked is not None and relinked["id"] == rec["id"], (
            f"M-13: the recreated contact {new_id} should re-link orphan {rec['id']}, got "
            f"{relinked and relinked['id']}")
        assert relinked["link"]["state"] == "enabled"
        assert len(w.records("contact")) == n, "M-13: recreating in Autotask duplicated the contact"
