"""Matching suite (§4: M-01..M-16, with the §15 defaults Q1, Q2, Q4, Q5, Q7, Q8, Q9).

Each property builds a tiny tenant with colliding keys, seeds pre-existing documentation records, runs one full
pass through the adapter, and compares the links against an executable model of the rules (``_oracle``).
M-16 (reconnect) lives in the disconnect/delete suite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance import strategies as S
from conformance.suites import _oracle as O
from conformance.suites._common import checked, draw_linked, prop
from conformance.world import base_settings, world

RULES = ["M-01", "M-02", "M-03", "M-06", "M-07", "M-08", "M-09", "M-10", "M-11", "M-12", "M-13", "M-14", "M-15",
         "SC-01", "SC-02", "SC-04", "FM-C4", "CR-05"]


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


def _cfg(ref: str, org: str, day: int, serial: Any, mac: Any) -> dict[str, Any]:
    return {"kind": "configuration", "ref": ref, "org": org, "created_at": f"2025-02-{day:02d}T00:00:00Z",
            "unmapped": {"documents": [ref]}, "fields": {"name": f"doc {ref}", "serial_number": serial,
                                                         "mac_address": mac}}


def _con(ref: str, org: str, day: int, first: str, last: str) -> dict[str, Any]:
    return {"kind": "contact", "ref": ref, "org": org, "created_at": f"2025-02-{day:02d}T00:00:00Z",
            "unmapped": {"notes": ref}, "fields": {"first_name": first, "last_name": last}}


def _tenant(companies: list[Any], docs: list[Any], cis: Sequence[Any] = (), contacts: Sequence[Any] = ()) -> dict[str, Any]:
    return {"companies": companies, "cis": list(cis), "contacts": list(contacts), "locations": [], "tickets": [],
            "docs": docs}


TWO = [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}]
TWO_ORGS = [_org("o0", 1, "Contoso"), _org("o1", 1, "Fabrikam")]
# Edge cases written from the rule text; tests/conformance/test_oracle_tables.py holds the outcome of each.
EDGE = {
    # M-06/M-08/M-09/Q7 (§16.4): two companies, organizations named alike created out of order, one by case only
    "name_tie": _tenant([{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Contoso", "type": 1}],
                        [_org("o0", 9, "Contoso"), _org("o1", 3, "Contoso"), _org("o2", 1, "contoso"),
                         _org("o3", 6, "Contoso")]),
    # M-06/Q1: surrounding spaces and case make names differ; M-08/Q5: equal creation times go to the lowest id
    "name_space_and_equal_times": _tenant(
        [{"id": 1001, "name": "Contoso ", "type": 1}, {"id": 1002, "name": " Contoso", "type": 1},
         {"id": 1003, "name": "Contoso", "type": 1}, {"id": 1004, "name": "Contoso", "type": 1}],
        [_org("o0", 4, "Contoso"), _org("o1", 4, "Contoso"), _org("o2", 2, "CONTOSO"), _org("o3", 1, " Contoso")]),
    # SC-01(b): classification sync on: Gold (2) selected, a blank classification synced only with "without"
    "classification": _tenant([{"id": 1001, "name": "Contoso", "type": 1, "classification": 2},
                               {"id": 1002, "name": "Fabrikam", "type": 1, "classification": 3},
                               {"id": 1003, "name": "Initech", "type": 1, "classification": None}],
                              [_org("o0", 1, "Fabrikam")]),
    # M-02/Q1/Q3: one device MAC in every spelling on both sides; several MACs in one UDF value (first counts)
    "mac_spellings": _tenant(TWO, [*TWO_ORGS, _cfg("c0", "o0", 5, None, "00-1A-2B-3C-4D-5E"),
                                   _cfg("c1", "o0", 3, "", "001a.2b3c.4d5f"), _cfg("c2", "o0", 4, None, "001A2B3C4D60")],
                             cis=[{"id": 100001, "company": 1001, "serial": None, "mac": "001a.2b3c.4d5e", "type": 1},
                                  {"id": 100002, "company": 1001, "serial": "",
                                   "mac": "00:1a:2b:3c:4d:5f, 00:1A:2B:3C:4D:60", "type": 1},
                                  {"id": 100003, "company": 1001, "serial": None, "mac": "00:1A:2B:3C:4D:60",
                                   "type": 1}]),
    # M-08 [I]: a both-keys match beats an earlier one-key match; the rest go by creation time; M-11/M-14
    "both_keys_first": _tenant(TWO, [*TWO_ORGS, _cfg("c0", "o0", 2, "SN-1", "00:1A:2B:3C:4D:5F"),
                                     _cfg("c1", "o0", 3, None, "00:1A:2B:3C:4D:5E"),
                                     _cfg("c2", "o0", 8, "SN-1", "00-1a-2b-3c-4d-5e"),
                                     _cfg("c3", "o1", 1, "SN-1", "00:1A:2B:3C:4D:5E")],
                               cis=[{"id": 100001, "company": 1001, "serial": "SN-1", "mac": "00:1A:2B:3C:4D:5E",
                                     "type": 1},
                                    {"id": 100002, "company": 1001, "serial": "SN-1", "mac": None, "type": 1},
                                    {"id": 100003, "company": 1001, "serial": None, "mac": "001A2B3C4D5E",
                                     "type": 1}]),
    # M-06: serials that differ only by case or a trailing space do not match; M-11: blank serials never match;
    # SC-02/FM-C4: a blank-type device is synced as "Autotask Default"; M-08/Q5: equal times → lowest id
    "serial_case_and_blanks": _tenant(TWO, [*TWO_ORGS, _cfg("c0", "o0", 2, "SN-1", None), _cfg("c1", "o0", 2, "", ""),
                                            _cfg("c2", "o0", 4, "SN-2", None), _cfg("c3", "o0", 4, "SN-2", None)],
                                      cis=[{"id": 100001, "company": 1001, "serial": "sn-1", "mac": None,
                                            "type": None},
                                           {"id": 100002, "company": 1001, "serial": "SN-1 ", "mac": "", "type": 1},
                                           {"id": 100003, "company": 1001, "serial": "", "mac": None, "type": 2},
                                           {"id": 100004, "company": 1001, "serial": "SN-2", "mac": None, "type": 1}]),
    # M-03/M-06/M-08/M-14: first AND last name, exact; the same person in two organizations; ties by creation
    "contacts_two_orgs": _tenant(TWO, [*TWO_ORGS, _con("k0", "o0", 5, "Ann", "Lee"), _con("k1", "o0", 2, "Ann", "Lee"),
                                       _con("k2", "o0", 1, "ann", "Lee"), _con("k3", "o1", 1, "Ann", "Lee"),
                                       _con("k4", "o0", 1, "Ann", "Lee ")],
                                 contacts=[{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee",
                                            "email": "Ann.Lee@Contoso.com"},
                                           {"id": 30002, "company": 1001, "first": "ann", "last": "Lee",
                                            "email": "ann.lee@contoso.com "},
                                           {"id": 30003, "company": 1001, "first": "Ann", "last": "LEE"},
                                           {"id": 30004, "company": 1001, "first": "Ann", "last": "Lee"},
                                           {"id": 30005, "company": 1002, "first": "Ann", "last": "Lee"},
                                           {"id": 30006, "company": 1001, "first": "Ann", "last": "Lee"}]),
}
CLASSIFIED = base_settings(classification_sync=True, classifications=["2"], sync_without_classification=True)


def _check_unmapped(w: Any) -> None:
    for d in w.spec["docs"]:
        r = next(r for r in w.records(d["kind"]) if r["id"] == w.doc_ids[d["ref"]])
        assert r["unmapped"] == d["unmapped"], f"FM-G3: a pull modified unmapped data of {d['ref']}"


@prop(rules=["M-01", "M-06", "M-07", "M-08", "M-09", "M-11", "M-15", "SC-01", "CR-05", "FM-G3", "Q1", "Q4", "Q5",
             "Q7"],
      needs={"create_record"},
      examples=({"spec": EDGE["name_tie"], "settings": base_settings()},
                {"spec": EDGE["name_space_and_equal_times"], "settings": base_settings()},
                {"spec": EDGE["classification"], "settings": CLASSIFIED}),
      spec=st.one_of(S.org_tenants(), S.tenants()), settings=S.sync_settings())
def test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first(factory: Any, spec: dict,
                                                                              settings: dict) -> None:
    """An in-scope company (SC-01: type and classification settings) links to the earliest-created unclaimed
    organization with exactly its name (no case folding, no trimming; equal times: lowest id), otherwise to a new
    one; names never match blanks; links are injective; out-of-scope companies are not linked."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        items = [(c["id"], O.exact_key(c["name"])) for c in spec["companies"] if O.company_in_scope(c, settings)]
        cands = [O.Cand(d["ref"], d["created_at"], w.doc_ids[d["ref"]], key=O.exact_key(d["fields"]["name"]))
                 for d in spec["docs"] if d["kind"] == "organization"]
        expected = O.match_simple(items, cands)
        linked = {int(r["link"]["psa_id"]): r for r in w.records("organization") if r["link"]}
        pre = _refs(w, "organization")
        names = {c["id"]: c["name"] for c in spec["companies"]}
        for pid, ref in expected.items():
            assert pid in linked, f"M-07/SC-01: in-scope company {pid} was not linked"
            got = linked[pid]["id"]
            if ref == O.NEW:
                assert got not in pre, (f"M-01/M-06/M-09: company {pid} ({names[pid]!r}) claimed pre-existing org "
                                        f"{got} whose name differs or that was taken")
            else:
                assert got == w.doc_ids[ref], (f"M-08/Q5: company {pid} ({names[pid]!r}) should link the earliest "
                                               f"unclaimed org named alike ({ref}, id {w.doc_ids[ref]}), got {got}")
            assert linked[pid]["link"]["state"] == "enabled", "CR-05: a new link must be enabled"
            assert linked[pid]["fields"]["name"] == names[pid], \
                "CR-05: the linked org's name must equal the Autotask name exactly"
        out = {c["id"] for c in spec["companies"] if not O.company_in_scope(c, settings)}
        assert not (out & set(linked)), f"SC-01: out-of-scope companies linked: {sorted(out & set(linked))}"
        n_new = sum(ref == O.NEW for ref in expected.values())
        assert len(w.records("organization")) == len(pre) + n_new, "M-07/SC-01: organizations created beyond the " \
                                                                   "in-scope companies without a match"
        assert_injective(w)
        _check_unmapped(w)
        checked()


@prop(rules=["M-02", "M-06", "M-08", "M-09", "M-11", "M-14", "SC-02", "FM-C4", "Q1", "Q3", "Q5"],
      needs={"create_record"},
      examples=(*({"spec": EDGE[k], "settings": base_settings()}
                  for k in ("mac_spellings", "both_keys_first", "serial_case_and_blanks")),
                # Q3: the settings name a MAC UDF the devices lack → serial only; SC-02 without blank types
                {"spec": EDGE["mac_spellings"], "settings": base_settings(mac_udf_name="Primary MAC")},
                {"spec": EDGE["serial_case_and_blanks"],
                 "settings": base_settings(sync_without_ci_type=False, ci_types=["1"])}),
      spec=S.config_tenants(), settings=S.scoped_settings())
def test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org(factory: Any, spec: dict,
                                                                           settings: dict) -> None:
    """A device in scope (SC-02: selected type, or blank type when "without type" is on) links to a configuration
    of its own organization sharing its serial (exact) OR its MAC (any spelling; the first MAC of the UDF the
    settings name); both-keys matches first, then earliest, then lowest id; blank serials/MACs never match; never
    across organizations; a blank-type device is typed "Autotask Default"."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org_of = _org_of_company(w)
        assert set(org_of) == {1001, 1002}, "M-01: the companies should link their pre-existing organizations"
        cands_by_org: dict[Any, list] = {}
        for d in spec["docs"]:
            if d["kind"] == "configuration":
                f = d["fields"]
                cands_by_org.setdefault(w.doc_ids[d["org"]], []).append(O.Cand(
                    d["ref"], d["created_at"], w.doc_ids[d["ref"]], serial=None if O.blank(f["serial_number"])
                    else f["serial_number"], mac=O.canonical_mac(f["mac_address"])))
        expected: dict[int, Any] = {}
        for cid in (1001, 1002):
            items = [(ci["id"], None if O.blank(ci["serial"]) else ci["serial"], O.ci_mac(ci, settings))
                     for ci in spec["cis"] if ci["company"] == cid and O.ci_in_scope(ci, settings)]
            expected.update(O.match_configurations(items, cands_by_org.get(org_of[cid], [])))
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
            want_type = O.expected_configuration_type(ci)
            if want_type is not None:
                assert got["fields"]["configuration_type"] == want_type, (
                    f"SC-02/FM-C4: blank-type device {pid} synced with type {got['fields']['configuration_type']!r}")
            else:
                assert got["fields"]["configuration_type"] not in (None, "", O.AUTOTASK_DEFAULT), \
                    f"§3.2: typed device {pid} synced without its type"
        out = {c["id"] for c in spec["cis"] if not O.ci_in_scope(c, settings)}
        assert not (out & set(linked)), f"SC-02: out-of-scope devices linked: {sorted(out & set(linked))}"
        n_new = sum(ref == O.NEW for ref in expected.values())
        assert len(w.records("configuration")) == len(pre) + n_new, "SC-02/M-07: configurations created beyond " \
                                                                    "the in-scope devices without a match"
        assert_injective(w)
        _check_unmapped(w)
        checked()


@prop(rules=["M-03", "M-06", "M-08", "M-09", "M-14", "SC-04", "CR-02", "CR-05", "Q5"], needs={"create_record"},
      examples=({"spec": EDGE["contacts_two_orgs"], "settings": base_settings()},
                {"spec": EDGE["contacts_two_orgs"], "settings": base_settings(contacts_enabled=False)}),
      spec=S.tenants(max_cis=0, min_contacts=1), settings=S.scoped_settings())
def test_M03_contacts_match_first_and_last_name_within_the_org(factory: Any, spec: dict, settings: dict) -> None:
    """With contact sync on, a contact links to the earliest unclaimed contact of its own organization with the same
    first AND last name (exact: case and spaces count; equal times: lowest id), and its e-mail is pulled exactly;
    with contact sync off (SC-04) no contact is created or linked."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org_of = _org_of_company(w)
        linked = {int(r["link"]["psa_id"]): r for r in w.records("contact") if r["link"]}
        pre = _refs(w, "contact")
        if not settings["contacts_enabled"]:
            assert not linked, f"SC-04: contact sync is off but contacts were linked: {sorted(linked)}"
            assert len(w.records("contact")) == len(pre), "SC-04: contact sync is off but contacts were created"
            if spec["contacts"]:
                checked()
            return
        expected: dict[int, Any] = {}
        for cid, oid in org_of.items():
            items = [(k["id"], O.exact_key(k["first"], k["last"])) for k in spec["contacts"] if k["company"] == cid]
            cands = [O.Cand(d["ref"], d["created_at"], w.doc_ids[d["ref"]],
                            key=O.exact_key(d["fields"]["first_name"], d["fields"]["last_name"]))
                     for d in spec["docs"] if d["kind"] == "contact" and w.doc_ids[d["org"]] == oid]
            expected.update(O.match_simple(items, cands))
        for pid, ref in expected.items():
            assert pid in linked, f"CR-01: in-scope contact {pid} was not linked"
            k = next(k for k in spec["contacts"] if k["id"] == pid)
            got = linked[pid]
            assert got["org_id"] == org_of[k["company"]], f"CR-02/M-14: contact {pid} landed in another organization"
            if ref == O.NEW:
                assert got["id"] not in pre, f"M-03/M-06: contact {pid} claimed pre-existing contact {got['id']}"
            else:
                assert got["id"] == w.doc_ids[ref], (f"M-03/M-08/M-14: contact {pid} ({k['first']!r} {k['last']!r}) "
                                                     f"should link {ref} (id {w.doc_ids[ref]}), got {got['id']}")
            assert (got["fields"]["first_name"], got["fields"]["last_name"]) == (k["first"], k["last"]), \
                "CR-05: names must be pulled exactly"
            if k.get("email") is not None:
                assert got["fields"]["work_email"] == k["email"], (
                    f"CR-05/§3.3: e-mail {k['email']!r} pulled as {got['fields']['work_email']!r}")
        wrong = sorted(set(linked) - set(expected))
        assert not wrong, f"SC-03/CR-03: contacts of unlinked companies were linked: {wrong}"
        n_new = sum(ref == O.NEW for ref in expected.values())
        assert len(w.records("contact")) == len(pre) + n_new, "M-07: contacts created beyond the unmatched ones"
        assert_injective(w)
        _check_unmapped(w)
        if spec["contacts"]:
            checked()


@prop(rules=["M-10", "FM-C4", "Q6"], spec=S.tenants(docs=False), settings=S.scoped_settings(), data=st.data())
def test_M10_renames_and_key_changes_update_the_same_record(factory: Any, spec: dict, settings: dict,
                                                            data: Any) -> None:
    """Once linked, identity is the Autotask id: renaming a company or changing a device's serial or type updates
    the same record, never creates a second one."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        before = {k: {int(r["link"]["psa_id"]): r["id"] for r in w.records(k) if r["link"]}
                  for k in ("organization", "configuration")}
        assume(before["organization"])
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
        checked()


@prop(rules=["M-12", "R-01", "R-02", "R-06", "Q9", "Q19"], needs={"record_controls"}, spec=S.tenants(docs=False),
      settings=S.scoped_settings(), data=st.data())
def test_M12_disabled_records_are_left_alone_and_not_duplicated(factory: Any, spec: dict, settings: dict,
                                                                 data: Any) -> None:
    """A disabled record is not updated by pulls and its Autotask record does not create a duplicate; once enabled
    again, the next pull overwrites it with Autotask's values (R-02)."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        target = draw_linked(w, data, "organization", "disable", settings)
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
        w.adapter.enable("organization", target["id"])
        w.pass_ok()
        rec = next(r for r in w.records("organization") if r["id"] == target["id"])
        assert rec["link"] == {"psa_id": pid, "state": "enabled"}, f"R-02: enabled again but the link is {rec['link']}"
        assert rec["fields"]["name"] == "Changed while disabled", \
            "R-02: after enabling sync, the next pull must overwrite the record with Autotask's values"
        checked()


@st.composite
def _one_company_contacts(draw: Any) -> dict:
    n = draw(st.integers(1, 3))
    return {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "locations": [], "tickets": [],
            "contacts": [{"id": 30001 + i, "company": 1001, "first": draw(st.sampled_from(S.FIRST)),
                          "last": draw(st.sampled_from(S.LAST))} for i in range(n)], "docs": []}


@prop(rules=["M-13", "O-01", "O-06", "Q8"], spec=_one_company_contacts(),
      settings=S.scoped_settings(contacts_enabled=True), data=st.data())
def test_M13_orphans_are_candidates_when_autotask_recreates_the_record(factory: Any, spec: dict, settings: dict,
                                                                        data: Any) -> None:
    """Deleting a contact in Autotask orphans it; recreating it (new id, same keys) re-links the same record."""
    with world(factory, spec, settings) as w:
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
        checked()
