"""Pure pull decisions: for each Autotask record, what happens to the documentation side.

Why a separate, pure step: the decisions encode most of §4–§6 (matching, creation, orphaning, re-linking, disabled
records) and must be testable on plain data. The pull (``pull.py``) only fetches, calls these planners, and applies
the decisions inside one transaction per organization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reference_impl.docstore import Record
from reference_impl.sync.matching import (
    ORG_SCOPE,
    Candidate,
    Wanted,
    contact_key,
    location_key,
    mac_key,
    match_configurations,
    match_simple,
    org_key,
    serial_key,
    ticket_key,
)

# Actions
CREATE = "create"  # M-07 / CR-01: no match → new record, linked enabled (CR-05)
MATCH = "match"  # M-01..M-05: link an unlinked (or orphaned, M-13) record
UPDATE = "update"  # FM-G1: linked + enabled/error → overwrite mapped fields
RELINK = "relink"  # O-06: the same orphaned record comes back in scope
ORPHAN = "orphan"  # O-01..O-04
KEEP = "keep"  # nothing to do (already orphaned and still out of scope, or frozen ticket)
SKIP_DISABLED = "skip-disabled"  # M-12 / R-06
SKIP = "skip"  # out of scope and never linked
INVALID = "invalid"  # M-11/O-02/CR-04: cannot be pulled (e.g. blank org name)


@dataclass(frozen=True)
class Decision:
    psa_id: int
    action: str
    record_id: int | None = None
    reason: str = ""


def _state(r: Record) -> str | None:
    return r.link.state if r.link else None


def candidate_for(kind: str, r: Record, org_id: int, canonicalize_mac: bool = True) -> Candidate:
    """Reduce a documentation record to its matching keys (exact strings, M-06)."""
    f = r.fields
    if kind == "configuration":
        return Candidate(r.id, org_id, r.created_at, serial=serial_key(f.get("serial_number")),
                         mac=mac_key(f.get("mac_address"), canonicalize_mac), link_state=_state(r))
    return Candidate(r.id, org_id, r.created_at, key=record_key(kind, f), link_state=_state(r))


def record_key(kind: str, f: dict[str, Any]) -> Any:
    if kind == "organization":
        return org_key(f.get("name"))
    if kind == "contact":
        return contact_key(f.get("first_name"), f.get("last_name"))
    if kind == "location":
        return location_key(f.get("address1"), f.get("address2"), f.get("city"), f.get("region"), f.get("country"))
    if kind == "ticket":
        return ticket_key(f.get("ticket_number"))
    raise ValueError(kind)


def wanted_for(kind: str, psa_id: int, mapped: dict[str, Any], org_id: int, canonicalize_mac: bool = True) -> Wanted:
    """Reduce an Autotask record (already mapped to documentation fields) to its matching keys."""
    if kind == "configuration":
        return Wanted(psa_id, org_id, serial=serial_key(mapped.get("serial_number")),
                      mac=mac_key(mapped.get("mac_address"), canonicalize_mac))
    return Wanted(psa_id, org_id, key=record_key(kind, mapped))


def plan(
    kind: str,
    at_records: Sequence[dict[str, Any]],
    records: Iterable[Record],
    *,
    in_scope: Callable[[dict[str, Any]], bool],
    mapped: Callable[[dict[str, Any]], dict[str, Any]],
    org_id: int = ORG_SCOPE,
    links_by_psa: dict[int, Record] | None = None,
    invalid: Callable[[dict[str, Any]], str | None] = lambda _r: None,
    absent_orphans: bool = False,
    present_ids: set[int] | None = None,
    frozen: Callable[[dict[str, Any]], bool] = lambda _r: False,
    canonicalize_mac: bool = True,
) -> list[Decision]:
    """Decide every Autotask record of one kind within one organization (or, for organizations, globally).

    * ``records``: the documentation records that may be candidates (this org's, M-14).
    * ``links_by_psa``: every linked record of the kind by Autotask id (defaults to those in ``records``).
    * ``absent_orphans``: the enumeration was complete (O-08), so actively linked records whose Autotask id is not in
      ``present_ids`` are orphaned (O-01). Never set for a failed or partial fetch (C-11).
    * ``frozen``: linked records that are out of scope but must be left untouched (Q15 'freeze').
    """
    records = list(records)
    if links_by_psa is None:
        links_by_psa = {r.link.psa_id: r for r in records if r.link}
    decisions: list[Decision] = []
    busy: set[int] = set()  # records decided by their existing link this pass: never candidates (M-09)
    wanted: list[Wanted] = []
    for at in sorted(at_records, key=lambda a: a["id"]):  # Q4
        pid = int(at["id"])
        rec = links_by_psa.get(pid)
        bad = invalid(at)
        ok = in_scope(at) and bad is None
        if rec is not None:
            st = _state(rec)
            busy.add(rec.id)
            if st == "disabled":
                decisions.append(Decision(pid, SKIP_DISABLED, rec.id, "sync disabled on this record (M-12)"))
            elif ok:
                decisions.append(Decision(pid, RELINK if st == "orphaned" else UPDATE, rec.id))
            elif frozen(at):
                decisions.append(Decision(pid, KEEP, rec.id, "out of the ticket window; frozen (Q15)"))
            elif st == "orphaned":
                decisions.append(Decision(pid, KEEP, rec.id, "still out of scope"))
            else:
                why = f"invalid in Autotask: {bad} (O-02)" if bad else "no longer matches the sync settings (O-03)"
                decisions.append(Decision(pid, ORPHAN, rec.id, why))
            continue
        if not in_scope(at):
            decisions.append(Decision(pid, SKIP, None, "not selected in the sync settings"))
            continue
        if bad is not None:
            decisions.append(Decision(pid, INVALID, None, bad))
            continue
        wanted.append(wanted_for(kind, pid, mapped(at), org_id, canonicalize_mac))
    if wanted:
        cands = [candidate_for(kind, r, org_id, canonicalize_mac) for r in records if r.id not in busy]
        matcher = match_configurations if kind == "configuration" else match_simple
        result = matcher(wanted, cands)
        for w in wanted:
            rid = result[w.psa_id]
            decisions.append(Decision(w.psa_id, CREATE, None) if rid is None else Decision(w.psa_id, MATCH, rid))
    if absent_orphans:
        present = present_ids if present_ids is not None else {int(a["id"]) for a in at_records}
        for r in records:
            if r.link and r.link.active and r.link.psa_id not in present and r.id not in busy:
                decisions.append(Decision(r.link.psa_id, ORPHAN, r.id, "deleted in Autotask or no longer returned "
                                          "by a complete enumeration (O-01)"))
    decisions.sort(key=lambda d: d.psa_id)
    return decisions
