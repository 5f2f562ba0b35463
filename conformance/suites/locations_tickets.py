"""Locations, tickets and the organization tree (§3.1 FM-O3, §3.4, §3.5, §4 M-04/M-05, §12 T-01..T-06).

Like the matching suite, each property builds a tiny tenant with colliding keys, seeds pre-existing documentation
records, runs a full pass through the adapter and compares the links against the executable model in ``_oracle``.
Autotask locations are read back from the mock (it gives every company a blank primary location), so the oracle
sees exactly what the sync sees.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import Refused
from conformance.suites import _oracle as O
from conformance.suites._common import checked, draw_linked, prop
from conformance.world import BASE_TIME, QUEUES, base_settings, world

RULES = ["M-04", "M-05", "T-01", "T-02", "T-03", "T-04", "T-06", "FM-O3", "Q16", "Q23", "Q25"]


def _org_of_company(w: Any) -> dict[int, Any]:
    return {int(r["link"]["psa_id"]): r["id"] for r in w.records("organization")
            if r["link"] and r["link"]["state"] == "enabled"}


def _assert_injective(w: Any, kind: str) -> None:
    psa = [r["link"]["psa_id"] for r in w.records(kind) if r["link"]]
    assert len(psa) == len(set(psa)), f"M-09: an Autotask {kind} is linked to two records: {sorted(psa)}"


def _refs(w: Any, kind: str) -> set[Any]:
    return {w.doc_ids[d["ref"]] for d in w.spec["docs"] if d["kind"] == kind}


def _check_matches(w: Any, kind: str, expected: dict[int, Any], org_of_psa: dict[int, Any], what: str) -> dict:
    """Every expected Autotask id is linked, in the right organization, to the expected pre-existing record or to
    a new one (NEW)."""
    linked = {int(r["link"]["psa_id"]): r for r in w.records(kind) if r["link"]}
    pre = _refs(w, kind)
    for pid, ref in expected.items():
        assert pid in linked, f"M-07/CR-01: in-scope Autotask {kind} {pid} was not linked"
        got = linked[pid]
        assert got["org_id"] == org_of_psa[pid], f"M-14/CR-02: {kind} {pid} landed in another organization"
        if ref == O.NEW:
            assert got["id"] not in pre, (f"{what}: Autotask {kind} {pid} claimed pre-existing {kind} {got['id']} "
                                          f"although no unclaimed {kind} of its organization has the same key")
        else:
            assert got["id"] == w.doc_ids[ref], (f"{what}/M-08: Autotask {kind} {pid} should link {ref} "
                                                 f"(id {w.doc_ids[ref]}, the earliest unclaimed with the same key), "
                                                 f"got {got['id']}")
    for d in w.spec["docs"]:
        if d["kind"] == kind:
            r = next(r for r in w.records(kind) if r["id"] == w.doc_ids[d["ref"]])
            assert r["unmapped"] == d["unmapped"], f"FM-G3: a pull modified unmapped data of {d['ref']}"
    _assert_injective(w, kind)
    return linked


# ============================================================================================ M-04 locations
def _loc(ref: str, org: str, day: int, address: tuple) -> dict[str, Any]:
    a1, a2, city, state, country = address
    return {"kind": "location", "ref": ref, "org": org, "created_at": f"2025-02-{day:02d}T00:00:00Z",
            "unmapped": {"notes": ref}, "fields": {"name": f"Doc {ref}", "address1": a1, "address2": a2, "city": city,
                                                    "region": state, "country": S.COUNTRY_LABEL[country]}}


_BASE, _SUITE, _CANADA, _BLANK = S.ADDRESSES[0], S.ADDRESSES[2], S.ADDRESSES[6], S.ADDRESSES[7]
# Two Autotask locations of Contoso share one address (Q25), Fabrikam has it too; Contoso's documentation holds the
# address once in Canada (created first), twice exactly (out of order) and blank; Fabrikam's differs only in Address 2.
_LOC_EDGE = {"companies": S.TWO_COMPANIES, "cis": [], "contacts": [], "tickets": [],
             "locations": [{"id": 10001 + i, "company": co, "name": f"Site {i}", "address1": _BASE[0],
                            "address2": None, "city": _BASE[2], "state": _BASE[3], "country": 237}
                           for i, co in enumerate([1001, 1001, 1002])],
             "docs": [{"kind": "organization", "ref": "o0", "created_at": "2025-01-01T00:00:00Z",
                       "fields": {"name": "Contoso"}, "unmapped": {}},
                      {"kind": "organization", "ref": "o1", "created_at": "2025-01-02T00:00:00Z",
                       "fields": {"name": "Fabrikam"}, "unmapped": {}},
                      _loc("l0", "o0", 1, _CANADA), _loc("l1", "o0", 9, _BASE), _loc("l2", "o0", 3, _BASE),
                      _loc("l3", "o1", 2, _SUITE), _loc("l4", "o0", 4, _BLANK)]}

# M-08/Q5: two documentation locations with one address created at the same instant (the lower id wins), a variant
# that differs only by the case of the city and one that differs by a trailing space in Address 1 (M-06).
_LOC_TIE = {**_LOC_EDGE,
            "locations": [{"id": 10001, "company": 1001, "name": "HQ", "address1": _BASE[0], "address2": None,
                           "city": _BASE[2], "state": _BASE[3], "country": 237},
                          {"id": 10002, "company": 1001, "name": "Annex", "address1": f"{_BASE[0]} ", "address2": None,
                           "city": _BASE[2], "state": _BASE[3], "country": 237}],
            "docs": [*_LOC_EDGE["docs"][:2], _loc("l0", "o0", 4, _BASE), _loc("l1", "o0", 4, _BASE),
                     _loc("l2", "o0", 1, (_BASE[0], None, _BASE[2].upper(), _BASE[3], 237))]}


@prop(rules=["M-04", "M-06", "M-08", "M-09", "M-11", "M-14", "Q5", "Q25", "CR-05", "SC-05"], needs={"create_record"},
      examples=({"spec": _LOC_EDGE, "settings": base_settings(locations_enabled=True)},
                {"spec": _LOC_TIE, "settings": base_settings(locations_enabled=True)},
                {"spec": _LOC_EDGE, "settings": base_settings(locations_enabled=False)}),
      spec=S.location_tenants(), settings=S.scoped_settings(locations_enabled=st.sampled_from([True, True, False])))
def test_M04_locations_match_on_the_full_address_within_the_org(factory: Any, spec: dict, settings: dict) -> None:
    """With location sync on, an Autotask location links to the earliest unclaimed location (equal times: lowest
    id) of its own organization with the same Address 1, Address 2, City, State/Province and Country (exact: case
    and spaces count; names play no part), otherwise to a new one; a blank address never matches; two Autotask
    locations with one address claim two records (Q25). With location sync off no location is pulled (SC-05)."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org_of = _org_of_company(w)
        assert set(org_of) == {1001, 1002}, "M-01: the companies should link their pre-existing organizations"
        if not settings["locations_enabled"]:
            assert not [r for r in w.records("location") if r["link"]], "SC-05: location sync is off but " \
                                                                        "locations were linked"
            assert len(w.records("location")) == len(_refs(w, "location")), "SC-05: locations were created"
            checked()
            return
        at_locs = w.at_query("CompanyLocations")
        expected: dict[int, Any] = {}
        org_of_psa: dict[int, Any] = {}
        for cid in (1001, 1002):
            items = [(x["id"], O.location_key(x.get("address1"), x.get("address2"), x.get("city"), x.get("state"),
                                              S.COUNTRY_LABEL.get(x.get("countryID"), str(x.get("countryID")))))
                     for x in at_locs if x["companyID"] == cid]
            cands = [O.Cand(d["ref"], d["created_at"], w.doc_ids[d["ref"]],
                            key=O.location_key(*(d["fields"][f] for f in
                                                 ("address1", "address2", "city", "region", "country"))))
                     for d in spec["docs"] if d["kind"] == "location" and w.doc_ids[d["org"]] == org_of[cid]]
            expected.update(O.match_simple(items, cands))
            org_of_psa.update({x["id"]: org_of[cid] for x in at_locs if x["companyID"] == cid})
        linked = _check_matches(w, "location", expected, org_of_psa, "M-04")
        for x in at_locs:
            f = linked[x["id"]]["fields"]
            got = (f["address1"], f["address2"], f["city"], f["region"])
            want = (x.get("address1"), x.get("address2"), x.get("city"), x.get("state"))
            assert O.composite_key(*got) == O.composite_key(*want), \
                f"CR-05/FM-G1: location {x['id']} holds {got}, Autotask has {want}"
        n_new = sum(ref == O.NEW for ref in expected.values())
        assert len(w.records("location")) == len(_refs(w, "location")) + n_new, \
            "M-07: locations created beyond the unmatched Autotask locations"
        checked()


# ============================================================================= M-05 / T-01 / T-03 / T-06 tickets
def _ticket(i: int, company: int, number: str, queue: int, updated: str = "2025-12-20T00:00:00Z") -> dict[str, Any]:
    return {"id": 700001 + i, "company": company, "number": number, "title": f"Ticket {i}", "queue": queue,
            "created": "2025-09-20T00:00:00Z", "updated": updated}


def _doc_ticket(ref: str, org: str, day: int, number: str) -> dict[str, Any]:
    return {"kind": "ticket", "ref": ref, "org": org, "created_at": f"2025-02-{day:02d}T00:00:00Z",
            "unmapped": {"notes": ref}, "fields": {"ticket_number": number, "title": f"doc {ref}"}}


_N1, _N2, _N3, _N4 = S.AT_TICKET_NUMBERS
# Contoso's ticket N1 has documentation twins in both organizations (the Contoso one twice, out of order) and a case
# variant; N2 is in an unselected queue; N3 belongs to a Lead (never linked); Fabrikam's N4 has no twin.
_TICKET_EDGE = {"companies": [*S.TWO_COMPANIES, {"id": 1003, "name": "Initech", "type": 2}], "cis": [],
                "contacts": [], "locations": [],
                "tickets": [_ticket(0, 1001, _N1, QUEUES["Triage"]), _ticket(1, 1001, _N2, QUEUES["Monitoring Alerts"]),
                            _ticket(2, 1003, _N3, QUEUES["Triage"]), _ticket(3, 1002, _N4, QUEUES["Triage"])],
                "docs": [{"kind": "organization", "ref": "o0", "created_at": "2025-01-01T00:00:00Z",
                          "fields": {"name": "Contoso"}, "unmapped": {}},
                         {"kind": "organization", "ref": "o1", "created_at": "2025-01-02T00:00:00Z",
                          "fields": {"name": "Fabrikam"}, "unmapped": {}},
                         _doc_ticket("t0", "o1", 1, _N1), _doc_ticket("t1", "o0", 2, _N1.lower()),
                         _doc_ticket("t2", "o0", 8, _N1), _doc_ticket("t3", "o0", 5, _N1),
                         _doc_ticket("t4", "o0", 6, _N2)]}


def _expected_tickets(w: Any, spec: dict, settings: dict) -> tuple[dict[int, Any], dict[int, Any], set[int]]:
    org_of = _org_of_company(w)
    scoped = [t for t in spec["tickets"] if O.ticket_in_scope(t, settings, BASE_TIME) and t["company"] in org_of]
    expected: dict[int, Any] = {}
    for cid in {t["company"] for t in scoped}:
        items = [(t["id"], O.composite_key(t["number"])) for t in scoped if t["company"] == cid]
        cands = [O.Cand(d["ref"], d["created_at"], w.doc_ids[d["ref"]], key=O.composite_key(d["fields"]["ticket_number"]))
                 for d in spec["docs"] if d["kind"] == "ticket" and w.doc_ids[d["org"]] == org_of[cid]]
        expected.update(O.match_simple(items, cands))
    out = {t["id"] for t in spec["tickets"]} - set(expected)
    return expected, {t["id"]: org_of.get(t["company"]) for t in scoped}, out


@prop(rules=["M-05", "T-01", "T-03", "T-06", "SC-07", "CR-03", "M-06", "M-08", "M-09", "M-14"],
      needs={"create_record"},
      examples=({"spec": _TICKET_EDGE, "settings": base_settings(queues=[str(QUEUES["Triage"])])},
                {"spec": _TICKET_EDGE, "settings": base_settings(queues=[])}),
      spec=S.ticket_tenants(), settings=S.scoped_settings(ticket_months=None))
def test_M05_T01_T03_T06_tickets_match_on_number_within_the_org_and_only_selected_queues(factory: Any, spec: dict,
                                                                                          settings: dict) -> None:
    """A ticket of a selected queue (SC-07: the drawn queue selection, none selected = no tickets) whose company is
    linked links to the earliest unclaimed ticket of that organization with exactly its number (case and spaces
    count), otherwise to a new one. Tickets of unselected queues or of companies that are not linked are not
    imported."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        expected, org_of_psa, out = _expected_tickets(w, spec, settings)
        linked = _check_matches(w, "ticket", expected, org_of_psa, "M-05/T-03")
        wrong = sorted(out & set(linked))
        assert not wrong, f"T-01/T-06/CR-03: tickets of unselected queues or unlinked companies imported: {wrong}"
        n_pre = len(_refs(w, "ticket"))
        n_new = sum(ref == O.NEW for ref in expected.values())
        assert len(w.records("ticket")) == n_pre + n_new, "T-01/T-06: tickets were created beyond the in-scope ones"
        for t in spec["tickets"]:
            if t["id"] in expected:
                assert linked[t["id"]]["fields"]["ticket_number"] == t["number"], "CR-05: ticket number not pulled"
        checked()


_WINDOW_EDGE = {**_TICKET_EDGE, "docs": _TICKET_EDGE["docs"][:2],
                "tickets": [_ticket(0, 1001, _N1, QUEUES["Triage"], "2025-11-28T00:00:00Z"),
                            _ticket(1, 1002, _N2, QUEUES["Triage"], "2025-12-20T00:00:00Z"),
                            _ticket(2, 1001, _N3, QUEUES["Triage"], "2025-09-20T00:00:00Z")]}


_TRIAGE, _BOTH = [str(QUEUES["Triage"])], [str(QUEUES["Triage"]), str(QUEUES["Monitoring Alerts"])]


@prop(rules=["T-02", "SC-07", "Q23"], needs={"create_record"},
      examples=({"spec": _WINDOW_EDGE, "settings": base_settings(queues=_TRIAGE, ticket_months=1)},),
      spec=S.ticket_tenants(),
      settings=S.scoped_settings(queues=st.sampled_from([_TRIAGE, _BOTH]), ticket_months=st.sampled_from([None, 1, 3])))
def test_T02_tickets_outside_the_months_window_are_not_imported(factory: Any, spec: dict, settings: dict) -> None:
    """With "Sync Tickets Updated Within the Last N months" set, a ticket is imported only when it was created or
    updated within N calendar months of now (the tenant clock, ``Connection.now``; activity times are days away
    from the boundary)."""
    months = settings["ticket_months"]
    with world(factory, spec, settings) as w:
        w.pass_ok()
        expected, _, out = _expected_tickets(w, spec, settings)
        linked = set(w.by_psa("ticket"))
        missing = sorted(set(expected) - linked)
        assert not missing, f"T-02: tickets inside the {months}-month window were not imported: {missing}"
        wrong = sorted(out & linked)
        assert not wrong, f"T-02: tickets outside the {months}-month window (or out of scope) imported: {wrong}"
        checked()


@prop(rules=["T-04", "FM-G1", "P-01"], needs={"edit_and_save"}, spec=S.ticket_tenants(max_docs=0), data=st.data())
def test_T04_tickets_are_pull_only(factory: Any, spec: dict, data: Any) -> None:
    """With two-way on, saving a ticket in the documentation (if allowed at all) writes nothing to Autotask, and
    the next pull restores the Autotask values."""
    settings = base_settings(two_way=True, queues=[str(QUEUES["Triage"]), str(QUEUES["Monitoring Alerts"])])
    with world(factory, spec, settings) as w:
        w.pass_ok()
        t = draw_linked(w, data, "ticket", "ticket", settings)
        pid = int(t["link"]["psa_id"])
        w.mark()
        try:
            w.adapter.edit_and_save("ticket", t["id"], {"title": "Edited in the documentation"})
        except Refused:
            pass
        writes = w.writes()
        assert not writes, f"T-04: a ticket save wrote to Autotask: {[(e['method'], e['path']) for e in writes]}"
        assert w.at_get("Tickets", pid)["title"] != "Edited in the documentation", "T-04: a ticket edit was pushed"
        w.pass_ok()
        now = next(r for r in w.records("ticket") if r["id"] == t["id"])
        assert now["fields"]["title"] == w.at_get("Tickets", pid)["title"], "T-04/FM-G1: the pull did not win"
        checked()


# ================================================================================================ FM-O3 parents
_PARENT_EDGE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1, "parent": None},
                              {"id": 1002, "name": "Fabrikam", "type": 1, "parent": 1001},
                              {"id": 1003, "name": "Initech", "type": 2, "parent": None},
                              {"id": 1004, "name": "Globex", "type": 1, "parent": 1003},
                              {"id": 1005, "name": "Umbrella", "type": 1, "parent": 1004}],
                "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


def _check_parents(w: Any, companies: list[dict], settings: dict, when: str) -> None:
    orgs = w.records("organization")
    linked = {int(r["link"]["psa_id"]): r["id"] for r in orgs if r["link"] and r["link"]["state"] == "enabled"}
    eligible = {c["id"] for c in companies if O.company_in_scope(c, settings)}
    assert set(linked) == eligible, f"M-07/SC-01/M-11 ({when}): linked {sorted(linked)}, expected {sorted(eligible)}"
    assert len(orgs) == len(eligible), (f"FM-O3 ({when}): {len(orgs)} organizations for {len(eligible)} in-scope "
                                        "companies: a parent was created just to satisfy a reference")
    by_id = {r["id"]: r for r in orgs}
    for cid, want in O.expected_parents(companies, linked).items():
        got = by_id[linked[cid]]["fields"]["parent_id"]
        parent = next((c["parent"] for c in companies if c["id"] == cid), None)
        assert got == want, (f"FM-O3 ({when}): company {cid} (parent {parent}) → Parent Organization {got!r}, "
                             f"expected {want!r} (the parent's organization when the parent is linked, else empty)")


@prop(rules=["FM-O3", "Q16", "SC-01"], examples=({"spec": _PARENT_EDGE, "settings": base_settings(), "data": None},),
      spec=S.parent_tenants(), settings=S.sync_settings(), data=st.data())
def test_FMO3_parent_organization_only_when_the_parent_is_linked(factory: Any, spec: dict, settings: dict,
                                                                 data: Any) -> None:
    """Parent Organization is the parent company's organization when that company is itself linked (in scope under
    the drawn type and classification settings), and empty when the parent is out of scope; no organization is
    created for a parent. A parent changed in Autotask is pulled on the next pass."""
    companies = [dict(c) for c in spec["companies"]]
    with world(factory, spec, settings) as w:
        w.pass_ok()
        _check_parents(w, companies, settings, "first pass")
        checked()
        if data is None:
            return
        child = data.draw(st.sampled_from(companies[1:]), label="child")
        earlier = [c["id"] for c in companies if c["id"] < child["id"]]
        new_parent = data.draw(st.sampled_from([None, *earlier]), label="new_parent")  # stays acyclic
        w.at_update("Companies", child["id"], parentCompanyID=new_parent)
        child["parent"] = new_parent
        w.pass_ok()
        _check_parents(w, companies, settings, f"after re-parenting {child['id']} to {new_parent}")
