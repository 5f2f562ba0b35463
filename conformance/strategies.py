"""Hypothesis strategies: tenants, Autotask-side edits, documentation-side edits, settings, fault schedules.

Tenants are deliberately tiny (a handful of records) and deliberately nasty, with the edge cases the rules name
drawn often rather than left to chance: names and e-mails that differ only by case or a surrounding space (M-06,
Q1, CR-05), serials that differ only by case or a trailing space (M-02, M-06), MACs in every spelling Q1/Q3 allow
(colons, hyphens, Cisco dots, bare hex, either case, several MACs in one UDF value), serials and MACs shared
between devices and organizations (M-02, M-14), blank keys (M-11), out-of-scope company and device types and
classifications (SC-01, SC-02), and pre-existing documentation records with creation times that tie (M-08, Q5).
:func:`sync_settings` draws every setting of §2/§8 that the adapter protocol exposes.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.world import QUEUES

COMPANY_NAMES = ["Contoso", "Contoso", "contoso", "Contoso ", " Contoso", "Fabrikam"]
DOC_ORG_NAMES = ["Contoso", "contoso", "Contoso ", " Contoso", "CONTOSO", "Fabrikam", "Initech", ""]
# M-02/M-06: exact serials: a case variant and a trailing space are different serials; blanks never match (M-11)
SERIALS = ["SN-1", "SN-2", "sn-1", "SN-1 ", "", None]
# Q1/Q3: one device MAC in every spelling, a second MAC, a UDF value holding two MACs (the first valid one counts)
MAC_SPELLINGS = ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "001a.2b3c.4d5e", "001A2B3C4D5E", "00:1a:2B:3c:4D:5e"]
MACS = [*MAC_SPELLINGS, "00:1A:2B:3C:4D:5F", "", None]
AT_MACS = [*MACS, "00-1A-2B-3C-4D-5F, 00:1a:2b:3c:4d:5e", "not a mac 00:1A:2B:3C:4D:5E"]
FIRST = ["Ann", "ann", "Ann ", "Bob"]
LAST = ["Lee", "Lee ", "LEE", "Kim"]
EMAILS = [None, "ann.lee@contoso.com", "Ann.Lee@Contoso.com", "ann.lee@contoso.com "]  # CR-05: pulled exactly
CLASSIFICATIONS = [None, None, 2, 3]  # ClassificationIcons of the minimal fixture (Gold, Silver); None = blank
IN_TYPES = (1,)  # Companies.companyType selected by base_settings
CI_TYPES = [1, 2, 3, None]  # 3 is not selected by base_settings; None is blank
TICKET_NUMBERS = ["T20260101.0001", "T20260101.0002"]


def _days(n: int) -> st.SearchStrategy[list[str]]:
    """n distinct creation instants in 2025 (all before the tenant clock)."""
    return st.permutations(range(1, 29)).map(lambda p: [f"2025-02-{d:02d}T00:00:00Z" for d in p[:n]])


def _tie_days(n: int) -> st.SearchStrategy[list[str]]:
    """n creation instants of which several are often equal (M-08 ties, decided by the lowest id: Q5)."""
    ties = st.lists(st.integers(1, 3), min_size=n, max_size=n).map(
        lambda ds: [f"2025-02-{d:02d}T00:00:00Z" for d in ds])
    return st.one_of(_days(n), ties)


@st.composite
def tenants(draw: Any, *, max_companies: int = 3, max_cis: int = 4, max_contacts: int = 3, docs: bool = True,
            tickets: bool = False, locations: bool = False, min_contacts: int = 0,
            min_orgs: int = 0) -> dict[str, Any]:
    n_co = draw(st.integers(1, max_companies))
    companies = [{"id": 1001 + i, "name": draw(st.sampled_from(COMPANY_NAMES)),
                  "type": draw(st.sampled_from([1, 1, 1, 2])),
                  "classification": draw(st.sampled_from(CLASSIFICATIONS))} for i in range(n_co)]
    ids = [c["id"] for c in companies]
    cis = [{"id": 100001 + i, "company": draw(st.sampled_from(ids)), "serial": draw(st.sampled_from(SERIALS)),
            "mac": draw(st.sampled_from(AT_MACS)), "type": draw(st.sampled_from(CI_TYPES))}
           for i in range(draw(st.integers(0, max_cis)))]
    contacts = [{"id": 30001 + i, "company": draw(st.sampled_from(ids)), "first": draw(st.sampled_from(FIRST)),
                 "last": draw(st.sampled_from(LAST)), "email": draw(st.sampled_from(EMAILS))}
                for i in range(draw(st.integers(min_contacts, max_contacts)))]
    spec: dict[str, Any] = {"companies": companies, "cis": cis, "contacts": contacts, "locations": [], "tickets": []}
    if tickets:
        spec["tickets"] = [{"id": 700001 + i, "company": draw(st.sampled_from(ids)),
                            "number": draw(st.sampled_from(TICKET_NUMBERS)),
                            "queue": draw(st.sampled_from([QUEUES["Triage"], QUEUES["Monitoring Alerts"]]))}
                           for i in range(draw(st.integers(0, 2)))]
    if locations:
        spec["locations"] = [{"id": 10001 + i, "company": draw(st.sampled_from(ids)), "name": f"Site {i}",
                              "address1": draw(st.sampled_from(["1 Main St", "2 High St"])), "city": "Springfield",
                              "state": "IL"} for i in range(draw(st.integers(0, 2)))]
    spec["docs"] = draw(documentation(max_orgs=3 if docs else 0, min_orgs=min_orgs if docs else 0))
    return spec


@st.composite
def documentation(draw: Any, *, max_orgs: int = 3, max_configs: int = 3, max_contacts: int = 2,
                  min_orgs: int = 0) -> list[dict]:
    """Pre-existing documentation records (created through the platform's API, never pushed: P-07)."""
    n_org = draw(st.integers(min_orgs, max_orgs))
    n_cfg = draw(st.integers(0, max_configs)) if n_org else 0
    n_con = draw(st.integers(0, max_contacts)) if n_org else 0
    days = draw(_tie_days(n_org + n_cfg + n_con))
    out: list[dict[str, Any]] = []
    for i in range(n_org):
        out.append({"kind": "organization", "ref": f"o{i}", "created_at": days.pop(),
                    "fields": {"name": draw(st.sampled_from(DOC_ORG_NAMES))},
                    "unmapped": {"passwords": [f"secret-{i}"]}})
    for i in range(n_cfg):
        out.append({"kind": "configuration", "ref": f"c{i}", "org": f"o{draw(st.integers(0, n_org - 1))}",
                    "created_at": days.pop(), "unmapped": {"documents": [f"runbook-{i}"]},
                    "fields": {"name": f"doc-config-{i}", "serial_number": draw(st.sampled_from(SERIALS)),
                               "mac_address": draw(st.sampled_from(MACS))}})
    for i in range(n_con):
        out.append({"kind": "contact", "ref": f"k{i}", "org": f"o{draw(st.integers(0, n_org - 1))}",
                    "created_at": days.pop(), "unmapped": {"notes": f"n{i}"},
                    "fields": {"first_name": draw(st.sampled_from(FIRST)),
                               "last_name": draw(st.sampled_from(LAST))}})
    return out


@st.composite
def org_tenants(draw: Any) -> dict[str, Any]:
    """Companies and pre-existing organizations drawn from two near-identical names (M-01, M-06, M-08, M-09)."""
    names = ["Contoso", "contoso"]
    companies = [{"id": 1001 + i, "name": draw(st.sampled_from(names)), "type": 1}
                 for i in range(draw(st.integers(1, 3)))]
    n = draw(st.integers(1, 4))
    days = draw(_tie_days(n))
    docs = [{"kind": "organization", "ref": f"o{i}", "created_at": days.pop(),
             "fields": {"name": draw(st.sampled_from(names + ["Contoso ", " Contoso", ""]))},
             "unmapped": {"passwords": [str(i)]}}
            for i in range(n)]
    return {"companies": companies, "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": docs}


@st.composite
def config_tenants(draw: Any, *, max_cis: int = 4, max_configs: int = 4) -> dict[str, Any]:
    """Two in-scope companies whose organizations already exist in the documentation, each holding configurations
    with colliding, blank and differently spelled serials and MACs (M-02, M-08, M-11, M-14)."""
    companies = [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}]
    cis = [{"id": 100001 + i, "company": draw(st.sampled_from([1001, 1001, 1002])),
            "serial": draw(st.sampled_from(SERIALS)), "mac": draw(st.sampled_from(AT_MACS)),
            "type": draw(st.sampled_from([1, 2, None]))} for i in range(draw(st.integers(1, max_cis)))]
    n = draw(st.integers(1, max_configs))
    days = draw(_tie_days(n + 2))
    docs: list[dict[str, Any]] = [
        {"kind": "organization", "ref": "o0", "created_at": days.pop(), "fields": {"name": "Contoso"},
         "unmapped": {}},
        {"kind": "organization", "ref": "o1", "created_at": days.pop(), "fields": {"name": "Fabrikam"},
         "unmapped": {}}]
    for i in range(n):
        docs.append({"kind": "configuration", "ref": f"c{i}", "org": draw(st.sampled_from(["o0", "o0", "o1"])),
                     "created_at": days.pop(), "unmapped": {"documents": [f"runbook-{i}"]},
                     "fields": {"name": f"doc-config-{i}", "serial_number": draw(st.sampled_from(SERIALS)),
                                "mac_address": draw(st.sampled_from(MACS))}})
    return {"companies": companies, "cis": cis, "contacts": [], "locations": [], "tickets": [], "docs": docs}


SETTING_CHOICES: dict[str, list[Any]] = {
    # SC-01: account types (1 Customer is the one the tenants mostly use; 2 Lead) and classifications
    "account_types": [["1"], ["1"], ["1", "2"]],
    "classification_sync": [False, False, True],
    "classifications": [["2"], ["2", "3"], []],
    "sync_without_classification": [True, False],
    # SC-02: CI types (3 Server is often left out) and blank-type devices ("Autotask Default")
    "ci_types": [["1", "2"], ["1"], ["1", "2", "3"], []],
    "sync_without_ci_type": [True, False],
    "contacts_enabled": [True, True, False],  # SC-04
    "locations_enabled": [True, False],  # SC-05
    "queues": [[str(QUEUES["Triage"])], [str(QUEUES["Triage"]), str(QUEUES["Monitoring Alerts"])], []],  # SC-07
    "ticket_months": [None, 1, 3],  # SC-07/T-02
    "two_way": [False, True],  # §8
    "mac_udf_name": ["MAC Address", "MAC Address", "Primary MAC"],  # Q3: a UDF the devices lack → serial only
}


def sync_settings(**fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Valid settings (SC-08/SC-09 satisfied: the fixture's full-licence administrator as Default Account Manager,
    a material code and a product category) with every other §2/§8 setting of the adapter protocol drawn from
    :data:`SETTING_CHOICES`. ``fixed`` pins settings a property needs (its narrower strategy: e.g.
    ``sync_settings(contacts_enabled=True)``); a value that is a strategy is drawn from it instead."""
    from conformance.world import base_settings

    parts: dict[str, st.SearchStrategy[Any]] = {}
    for key, choices in SETTING_CHOICES.items():
        v = fixed.get(key, st.sampled_from(choices))
        parts[key] = v if isinstance(v, st.SearchStrategy) else st.just(v)
    rest = {k: v for k, v in fixed.items() if k not in SETTING_CHOICES}
    return st.fixed_dictionaries(parts).map(lambda d: base_settings(**{**d, **rest}))


def scoped_settings(**fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """:func:`sync_settings` with companies of type 1 and no classification in scope (SC-01 satisfied), for the
    properties whose rules are about what happens inside linked organizations."""
    return sync_settings(**{"account_types": ["1"], "classification_sync": False, **fixed})


# ------------------------------------------------------------------------------------ Autotask-side edits
def at_edits(spec: dict[str, Any]) -> st.SearchStrategy[tuple]:
    """One edit made in Autotask through the REST API: ``(op, target id, value)``."""
    cos = [c["id"] for c in spec["companies"]]
    opts = [st.tuples(st.just("rename_company"), st.sampled_from(cos), st.sampled_from(COMPANY_NAMES)),
            st.tuples(st.just("company_type"), st.sampled_from(cos), st.sampled_from([1, 2]))]
    if spec["cis"]:
        cis = [c["id"] for c in spec["cis"]]
        opts += [st.tuples(st.just("ci_serial"), st.sampled_from(cis), st.sampled_from(["SN-1", "SN-9", ""])),
                 st.tuples(st.just("ci_type"), st.sampled_from(cis), st.sampled_from([1, 3]))]
    if spec["contacts"]:
        cons = [c["id"] for c in spec["contacts"]]
        opts += [st.tuples(st.just("delete_contact"), st.sampled_from(cons), st.none()),
                 st.tuples(st.just("rename_contact"), st.sampled_from(cons), st.sampled_from(FIRST))]
    return st.one_of(opts)


def apply_at_edit(w: Any, edit: tuple) -> None:
    op, rid, value = edit
    if op == "rename_company":
        w.at_update("Companies", rid, companyName=value)
    elif op == "company_type":
        w.at_update("Companies", rid, companyType=value)
    elif op == "ci_serial":
        w.at_update("ConfigurationItems", rid, serialNumber=value)
    elif op == "ci_type":
        w.at_update("ConfigurationItems", rid, configurationItemType=value)
    elif op == "delete_contact":
        if w.at_get("Contacts", rid) is not None:
            w.at_delete("Contacts", rid)
    elif op == "rename_contact":
        if w.at_get("Contacts", rid) is not None:
            w.at_update("Contacts", rid, firstName=value)
    else:  # pragma: no cover
        raise ValueError(op)


# ------------------------------------------------------------------------------- documentation-side edits
doc_edits = st.one_of(
    st.tuples(st.just("unmapped"), st.sampled_from(["organization", "configuration", "contact"]),
              st.integers(0, 5), st.text("abc", max_size=3)),
    st.tuples(st.just("create_org"), st.just("organization"), st.integers(0, 0), st.sampled_from(DOC_ORG_NAMES)),
)


# ------------------------------------------------------------------------------------------ fault schedules
ENTITIES = ["Companies", "ConfigurationItems", "Contacts", "CompanyLocations", "Tickets"]
FAULT_ACTIONS = [
    {"status": 401}, {"status": 403}, {"status": 500, "body": {"errors": ["Internal error"]}},
    {"status": 503}, {"drop": True}, {"omitRecords": 1}, {"truncate": True},
]


def fault_rules() -> st.SearchStrategy[dict[str, Any]]:
    """One persistent fault rule (``times`` omitted: it keeps firing, so retries cannot hide it)."""
    return st.builds(lambda entity, kind, action: {"entity": entity, "kind": kind, **action},
                     st.sampled_from(ENTITIES), st.sampled_from(["query", "count"]), st.sampled_from(FAULT_ACTIONS))


def fault_schedules(max_rules: int = 2) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(fault_rules(), min_size=1, max_size=max_rules)


# --------------------------------------------------------------------------- locations, tickets, parents, push
def _two_orgs(days: list[str]) -> list[dict[str, Any]]:
    """Pre-existing organizations for companies 1001 (Contoso) and 1002 (Fabrikam), so children match into them."""
    return [{"kind": "organization", "ref": "o0", "created_at": days.pop(), "fields": {"name": "Contoso"},
             "unmapped": {}},
            {"kind": "organization", "ref": "o1", "created_at": days.pop(), "fields": {"name": "Fabrikam"},
             "unmapped": {}}]


TWO_COMPANIES = [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}]

# M-04: one base address and variants that differ from it in exactly one part (by case or a trailing space, M-06),
# plus the all-blank address (M-11). Autotask side: (address1, address2, city, state, countryID); 237 = United
# States, 39 = Canada (the minimal fixture's Countries).
COUNTRY_LABEL = {237: "United States", 39: "Canada", None: None}
ADDRESSES = [
    ("1 Main St", None, "Springfield", "IL", 237),
    ("1 Main St", None, "Springfield", "IL", 237),
    ("1 Main St", "Suite 5", "Springfield", "IL", 237),
    ("1 main st", None, "Springfield", "IL", 237),
    ("1 Main St", None, "Springfield ", "IL", 237),
    ("1 Main St", None, "Springfield", "IN", 237),
    ("1 Main St", None, "Springfield", "IL", 39),
    (None, None, None, None, None),
]


@st.composite
def location_tenants(draw: Any, *, max_locations: int = 3, max_docs: int = 4) -> dict[str, Any]:
    """Companies 1001/1002 with pre-existing organizations; Autotask locations and pre-existing documentation
    locations whose addresses collide exactly, differ in one part, or are blank, in either organization
    (M-04, M-06, M-08, M-09, M-11, M-14, Q25). The mock adds each company's (blank) primary location."""
    locations = []
    for i in range(draw(st.integers(1, max_locations))):
        a1, a2, city, state, country = draw(st.sampled_from(ADDRESSES))
        locations.append({"id": 10001 + i, "company": draw(st.sampled_from([1001, 1001, 1002])), "name": f"Site {i}",
                          "address1": a1, "address2": a2, "city": city, "state": state, "country": country})
    n = draw(st.integers(0, max_docs))
    days = draw(_days(n + 2))
    docs = _two_orgs(days)
    for i in range(n):
        a1, a2, city, state, country = draw(st.sampled_from(ADDRESSES))
        docs.append({"kind": "location", "ref": f"l{i}", "org": draw(st.sampled_from(["o0", "o0", "o1"])),
                     "created_at": days.pop(), "unmapped": {"notes": f"gate code {i}"},
                     "fields": {"name": f"Doc site {i}", "address1": a1, "address2": a2, "city": city, "region": state,
                                "country": COUNTRY_LABEL[country]}})
    return {"companies": TWO_COMPANIES, "cis": [], "contacts": [], "locations": locations, "tickets": [],
            "docs": docs}


# Tickets: numbers are unique in Autotask; the documentation may hold duplicates and case variants.
AT_TICKET_NUMBERS = ["T20251201.0001", "T20251201.0002", "T20251201.0003", "T20251201.0004"]
DOC_TICKET_NUMBERS = ["T20251201.0001", "T20251201.0002", "t20251201.0001", "T20251201.0001 "]
# Activity instants relative to the tenant clock (2026-01-01): well inside, just outside a 1-month window (but inside a
# 3-month one), outside both. Never within a day of a boundary (the mock clock runs).
TICKET_TIMES = ["2025-12-20T00:00:00Z", "2025-11-28T00:00:00Z", "2025-09-20T00:00:00Z"]


@st.composite
def ticket_tenants(draw: Any, *, max_tickets: int = 4, max_docs: int = 3) -> dict[str, Any]:
    """Companies 1001/1002 (in scope, with pre-existing organizations) and 1003 (a Lead: out of scope, never linked,
    T-06); tickets in selected and unselected queues with various activity times; pre-existing documentation tickets
    with colliding numbers in either organization (M-05, T-01..T-03, T-06, M-08, M-14)."""
    companies = [*TWO_COMPANIES, {"id": 1003, "name": "Initech", "type": 2}]
    numbers = draw(st.permutations(AT_TICKET_NUMBERS))
    tickets = []
    for i in range(draw(st.integers(1, max_tickets))):
        created, updated = sorted([draw(st.sampled_from(TICKET_TIMES)), draw(st.sampled_from(TICKET_TIMES))])
        tickets.append({"id": 700001 + i, "company": draw(st.sampled_from([1001, 1001, 1002, 1003])),
                        "number": numbers[i], "title": f"Ticket {i}",
                        "queue": draw(st.sampled_from([QUEUES["Triage"], QUEUES["Triage"], QUEUES["Monitoring Alerts"]])),
                        "created": created, "updated": updated})
    n = draw(st.integers(0, max_docs))
    days = draw(_days(n + 2))
    docs = _two_orgs(days)
    for i in range(n):
        docs.append({"kind": "ticket", "ref": f"t{i}", "org": draw(st.sampled_from(["o0", "o1"])),
                     "created_at": days.pop(), "unmapped": {"notes": f"n{i}"},
                     "fields": {"ticket_number": draw(st.sampled_from(DOC_TICKET_NUMBERS)), "title": f"doc ticket {i}"}})
    return {"companies": companies, "cis": [], "contacts": [], "locations": [], "tickets": tickets, "docs": docs}


@st.composite
def parent_tenants(draw: Any, *, max_companies: int = 4) -> dict[str, Any]:
    """Companies whose parent is an earlier company (acyclic, Q16), in scope or a Lead (out of scope), or no parent at
    all (FM-O3). (The mock refuses companies without a name, so invalid parents are not generated.)"""
    companies: list[dict[str, Any]] = []
    for i in range(draw(st.integers(2, max_companies))):
        parent = draw(st.sampled_from([None, *(c["id"] for c in companies)])) if companies else None
        companies.append({"id": 1001 + i, "name": draw(st.sampled_from(["Contoso", "Fabrikam", "Initech"])),
                          "type": draw(st.sampled_from([1, 1, 2])), "parent": parent,
                          "classification": draw(st.sampled_from(CLASSIFICATIONS))})
    return {"companies": companies, "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": []}


PUSH_NAMES = ["Contoso", "contoso", "Contoso ", "Fabrikam"]
COMPANY_TIMES = ["2023-05-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z"]


@st.composite
def push_org_tenants(draw: Any) -> dict[str, Any]:
    """In-scope companies with colliding names and creation times, and organizations created through the API
    before (never pushed, P-07) that the test then edits and saves one by one (P-05, P-06, M-06, M-08, M-09)."""
    companies = [{"id": 1001 + i, "name": draw(st.sampled_from(PUSH_NAMES[:2] + ["Contoso", "Fabrikam"])),
                  "type": 1, "created": draw(st.sampled_from(COMPANY_TIMES))}
                 for i in range(draw(st.integers(0, 3)))]
    n = draw(st.integers(1, 4))
    days = draw(_days(n))
    docs = [{"kind": "organization", "ref": f"o{i}", "created_at": days.pop(),
             "fields": {"name": draw(st.sampled_from(PUSH_NAMES)), "org_type": "Customer"}, "unmapped": {}}
            for i in range(n)]
    order = draw(st.permutations([d["ref"] for d in docs]))
    return {"companies": companies, "cis": [], "contacts": [], "locations": [], "tickets": [], "docs": docs,
            "save_order": list(order)}
