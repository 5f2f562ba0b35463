"""A record whose Autotask company changes, in the cases machine mutants of the reference sync survived
(bench/mutation.py pull:369:AddNot:39 and pull:367:ReplaceComparisonOperator_NotEq_Is:2, reclassified from
"unspecified" after review).

* SC-03, M-10, M-09, FM-G1: a technician moves a ticket to another company in Autotask (a ticket's ``companyID`` is
  writable through the REST API, unlike a device's or a contact's, FM-C7/FM-K3). After the next pass, full or
  incremental (SC-10/ST-09: the ticket changed, so the pass reads it), the same documentation ticket (M-10: identity
  through the Autotask id; M-09: no second record) sits in the organization linked to its new company, because
  children "are only pulled into an IT Glue org that is linked to their AT company" (SC-03), and carries the
  Autotask values (FM-G1). Nothing is left in the old organization (SC-03, M-14).
* CR-04, SC-01, CR-03 (pull:267:ReplaceOrWithAnd:5, reclassified from "equivalent" after review): an out-of-scope
  company, and the changed children of one, are skipped; CR-04's per-record failure log ("Company with UID 12345
  could not be pulled…") reports creation failures, so a healthy pass over such a tenant writes none.

Every oracle is the spec's text; tenants are fixed and tiny, examples few.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["SC-03", "M-09", "M-10", "M-14", "FM-G1", "SC-10", "CR-04", "SC-01", "CR-03"]

_TICKET = 700001
# Two in-scope companies, and a third one a technician edits before the first pass (so the incremental pass has a
# watermark after the others' last activity and reads only what changes afterwards; see survivors_incremental).
_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1},
                       {"id": 1003, "name": "Elsewhere", "type": 1}],
         "cis": [], "contacts": [], "locations": [],
         "tickets": [{"id": _TICKET, "company": 1001, "number": "T20251201.0001", "title": "Printer jam"},
                     {"id": _TICKET + 1, "company": 1002, "number": "T20251201.0002", "title": "VPN down"}],
         "docs": []}


@prop(rules=["SC-03", "M-09", "M-10", "M-14", "FM-G1", "SC-10"], max_examples=4,
      examples=({"full": True, "source": 1001, "retitle": True}, {"full": False, "source": 1002, "retitle": False},
                {"full": False, "source": 1001, "retitle": True}, {"full": True, "source": 1002, "retitle": False}),
      full=st.booleans(), source=st.sampled_from([1001, 1002]), retitle=st.booleans())
def test_SC03_M10_a_ticket_moved_to_another_company_follows_it_to_its_organization(factory: Any, full: bool,
                                                                                   source: int,
                                                                                   retitle: bool) -> None:
    """After a full pass links both companies and their tickets, a technician moves one ticket to the other company
    in Autotask (and may retitle it). The next pass (full or incremental) leaves the same documentation ticket (M-10)
    linked to it, alone (M-09), in the organization linked to its new company (SC-03: children are only pulled into
    the organization linked to their company), with the Autotask title (FM-G1); the old organization holds no record
    linked to it (SC-03, M-14), and the other ticket stays where it was."""
    target = 1002 if source == 1001 else 1001
    moved, stays = (_TICKET, _TICKET + 1) if source == 1001 else (_TICKET + 1, _TICKET)
    with world(factory, _SPEC, base_settings()) as w:
        w.at_update("Companies", 1003, phone="555-0199")
        w.pass_ok()
        org = {c: w.must_link("organization", c)["id"] for c in (source, target)}
        before = w.must_link("ticket", moved)
        assert before["org_id"] == org[source], \
            f"SC-03: ticket {moved} of company {source} was pulled into {before['org_id']}, not {org[source]}"
        other = w.must_link("ticket", stays)
        title = "Printer jam, moved" if retitle else None
        w.at_update("Tickets", moved, companyID=target, **({"title": title} if title else {}))
        w.pass_ok(full=full)
        linked = w.by_psa("ticket").get(moved) or []
        assert len(linked) == 1, f"M-09: the moved Autotask ticket {moved} is linked to {len(linked)} records: {linked}"
        rec = linked[0]
        assert rec["id"] == before["id"], \
            f"M-10: the moved ticket {moved} is now linked to record {rec['id']}, not to {before['id']}"
        assert rec["org_id"] == org[target], (
            f"SC-03: ticket {moved} moved in Autotask from company {source} to {target}; after a "
            f"{'full' if full else 'incremental'} pass its record is in organization {rec['org_id']}, not in "
            f"{org[target]}, the organization linked to its company")
        if title:
            assert rec["fields"].get("title") == title, \
                f"FM-G1: the moved ticket's title is {rec['fields'].get('title')!r}, Autotask has {title!r}"
        left = [r for r in w.records("ticket") if r["org_id"] == org[source] and r["link"]
                and r["link"].get("psa_id") == moved]
        assert not left, f"SC-03/M-14: organization {org[source]} still holds the moved ticket: {left}"
        now_other = w.must_link("ticket", stays)
        assert (now_other["id"], now_other["org_id"]) == (other["id"], other["org_id"]), \
            f"SC-03/M-10: the ticket {stays} that did not move went from {other} to {now_other}"
    checked()


# 1001 is in scope (type 1); 1002 is out of scope (type 2, never selected: SC-01), with a contact and a ticket.
_OUTSIDER = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Outsider", "type": 2},
                           {"id": 1003, "name": "Elsewhere", "type": 1}],
             "cis": [], "locations": [],
             "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"},
                          {"id": 30002, "company": 1002, "first": "Bob", "last": "Out"}],
             "tickets": [{"id": _TICKET, "company": 1002, "number": "T20251201.0003"}],
             "docs": []}


def _failure_reports(entries: list[str]) -> list[str]:
    """Log entries in CR-04's form: "Company with UID 12345 could not be pulled…" (and its child-record variants)."""
    return [e for e in entries if "could not be pulled" in str(e).lower()]


@prop(rules=["CR-04", "SC-01", "CR-03"], needs={"status_log"}, max_examples=3,
      examples=({"full": False, "touch": "Contacts"}, {"full": True, "touch": "Companies"},
                {"full": False, "touch": "Tickets"}),
      full=st.booleans(), touch=st.sampled_from(["Companies", "Contacts", "Tickets"]))
def test_CR04_SC01_an_out_of_scope_company_is_skipped_not_reported_as_a_failure(factory: Any, full: bool,
                                                                                touch: str) -> None:
    """A tenant with an out-of-scope company (SC-01: its type is not selected) that has a contact and a ticket. The
    first pass, and a later full or incremental pass after a technician edits that company or one of its children,
    skip it and its children (SC-01, CR-03: a child of an unlinked company is skipped) and succeed. Nothing failed, so
    neither pass writes a CR-04 failure entry ("Company with UID 12345 could not be pulled…": CR-04 logs creation
    failures, and nothing out of scope is to be created)."""
    with world(factory, _OUTSIDER, base_settings()) as w:
        w.at_update("Companies", 1003, phone="555-0199")
        before = len(w.adapter.logs())
        w.pass_ok()
        assert w.linked("organization", 1002) is None, "SC-01: the out-of-scope company 1002 was linked"
        w.must_link("contact", 30001)
        first = _failure_reports(w.adapter.logs()[before:])
        assert not first, f"CR-04: a healthy first pass reported failures (company 1002 is out of scope): {first}"
        rid = {"Companies": 1002, "Contacts": 30002, "Tickets": _TICKET}[touch]
        w.at_update(touch, rid, **({"phone": "555-0142"} if touch == "Companies" else
                                   {"title": "Changed"} if touch == "Tickets" else {"lastName": "Outside"}))
        before = len(w.adapter.logs())
        w.pass_ok(full=full)
        for kind, psa in (("organization", 1002), ("contact", 30002), ("ticket", _TICKET)):
            assert w.linked(kind, psa) is None, f"SC-01/CR-03: the {kind} {psa} of out-of-scope company 1002 was pulled"
        later = _failure_reports(w.adapter.logs()[before:])
        assert not later, (f"CR-04: after an edit of {touch} {rid} of out-of-scope company 1002, a healthy "
                           f"{'full' if full else 'incremental'} pass reported failures: {later}")
    checked()
