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

from conformance.adapter import Refused
from conformance.suites._common import prop
from conformance.world import MANAGER, base_settings, world

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


def _rec(w: Any, kind: str, rid: Any) -> dict[str, Any]:
    return next(r for r in w.records(kind) if r["id"] == rid)


def _save(w: Any, kind: str, rid: Any, changes: dict[str, Any]) -> None:
    try:
        w.adapter.edit_and_save(kind, rid, changes)
    except Refused:
        pass  # a sync may report the failure as a refusal; the record's state is what the rules judge


def _counts_match_states(w: Any, kind: str) -> None:
    """ST-05: synced/orphaned/disconnected/errors equal the link states; their sum is the number of linked records."""
    links = [r["link"]["state"] for r in w.records(kind) if r["link"]]
    row = w.adapter.summary()[kind]
    want = {"synced": links.count("enabled"), "orphaned": links.count("orphaned"),
            "disconnected": links.count("disabled"), "errors": links.count("error")}
    assert {k: row[k] for k in want} == want, f"ST-05: {kind} counts {row} but the records show {want}"


def _new_record(w: Any, kind: str) -> Any:
    """An API-created record of ``kind`` (P-07: not pushed by itself), a child of the linked Contoso."""
    org = None if kind == "organization" else w.linked("organization", 1001)["id"]
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
        _save(w, kind, rid, {})
        assert {c["id"] for c in w.at_query(_ENTITY[kind])} == before, f"P-11: the rejected {kind} exists in Autotask"
        r = _rec(w, kind, rid)
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
        _save(w, kind, rid, {})
        r = _rec(w, kind, rid)
        assert r["link"] and r["link"]["state"] == "enabled" and r["link"]["psa_id"] is not None, (
            f"R-05: the retry after Autotask accepts again left {r['link']}")
        assert w.adapter.summary()[kind]["errors"] == 0, "ST-05: a cleared error is still counted"
