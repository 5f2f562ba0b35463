"""Matching of §4 as pure functions.

Rules implemented here (and only here):

* keys per kind: organization name (M-01), configuration serial OR MAC within the org (M-02), contact first+last
  (M-03), location address1+address2+city+state+country (M-04), ticket number (M-05);
* exact, case-sensitive comparison without trimming (M-06, Q1); MACs compared canonicalised when the setting says so;
* blank keys never match (M-11): a blank serial or MAC matches nothing, and a composite key whose parts are all
  blank matches nothing;
* tie-break: earliest ``created_at``, then lowest id (M-08, Q5); for configurations, candidates matching both serial
  and MAC come first (M-08 [I]);
* injective (M-09): a candidate with an active link, or already claimed earlier in the same run, is never chosen;
  disabled records are not candidates (M-12), orphans are (M-13);
* never across organizations (M-14): candidates are bucketed by organization; organizations themselves are global;
* Autotask records are processed in ascending id (Q4) so results are reproducible.

Complexity: building the indexes is O(n log n) (one sort of the candidates); each lookup walks a per-key list with a
moving start pointer, so claimed prefixes are skipped once — O(n log n) overall for realistic data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reference_impl.sync.macs import canonical_mac

ORG_SCOPE = 0  # bucket used for organizations, which match across the whole platform (M-01)


@dataclass(frozen=True)
class Candidate:
    """A documentation record that might match. ``link_state`` is None when the record was never linked."""

    record_id: int
    org_id: int  # ORG_SCOPE for organizations
    created_at: str
    key: Hashable | None = None  # simple kinds
    serial: str | None = None  # configurations
    mac: str | None = None
    link_state: str | None = None

    @property
    def eligible(self) -> bool:
        """M-09/M-12/M-13: unlinked and orphaned records are candidates; enabled, error and disabled are not."""
        return self.link_state in (None, "orphaned")


@dataclass(frozen=True)
class Wanted:
    """An Autotask record looking for a documentation record, already reduced to its keys."""

    psa_id: int
    org_id: int
    key: Hashable | None = None
    serial: str | None = None
    mac: str | None = None


def _blank(v: Any) -> bool:
    return v is None or v == ""


def simple_key(*parts: Any) -> tuple[Any, ...] | None:
    """A composite key, or None when every part is blank (M-11). Strings are compared exactly (M-06)."""
    if all(_blank(p) for p in parts):
        return None
    return tuple("" if p is None else p for p in parts)


def org_key(name: Any) -> tuple[Any, ...] | None:
    return simple_key(name)


def contact_key(first: Any, last: Any) -> tuple[Any, ...] | None:
    return simple_key(first, last)


def location_key(address1: Any, address2: Any, city: Any, state: Any, country: Any) -> tuple[Any, ...] | None:
    return simple_key(address1, address2, city, state, country)


def ticket_key(number: Any) -> tuple[Any, ...] | None:
    return simple_key(number)


def serial_key(serial: Any) -> str | None:
    return None if _blank(serial) else str(serial)


def mac_key(mac: Any, canonicalize: bool = True) -> str | None:
    if _blank(mac):
        return None
    return canonical_mac(str(mac)) if canonicalize else str(mac)


def _order(c: Candidate) -> tuple[str, int]:
    return (c.created_at, c.record_id)


class _Bucketed:
    """key → candidates sorted by (created_at, id), with a per-key pointer past the claimed prefix."""

    def __init__(self) -> None:
        self.lists: dict[Hashable, list[Candidate]] = defaultdict(list)
        self.start: dict[Hashable, int] = defaultdict(int)

    def add(self, k: Hashable, c: Candidate) -> None:
        self.lists[k].append(c)

    def finish(self) -> None:
        for lst in self.lists.values():
            lst.sort(key=_order)

    def live(self, k: Hashable, claimed: set[int]) -> Iterable[Candidate]:
        lst = self.lists.get(k)
        if not lst:
            return ()
        i = self.start[k]
        while i < len(lst) and lst[i].record_id in claimed:
            i += 1
        self.start[k] = i
        return (c for c in lst[i:] if c.record_id not in claimed)


def match_simple(wanted: Sequence[Wanted], candidates: Iterable[Candidate]) -> dict[int, int | None]:
    """Match on one composite key per record (organizations, contacts, locations, tickets).

    Returns ``{psa_id: record_id or None}``; None means "create" (M-07)."""
    index = _Bucketed()
    for c in candidates:
        if c.eligible and c.key is not None:
            index.add((c.org_id, c.key), c)
    index.finish()
    claimed: set[int] = set()
    out: dict[int, int | None] = {}
    for w in sorted(wanted, key=lambda w: w.psa_id):  # Q4
        chosen = None
        if w.key is not None:  # M-11
            chosen = next(iter(index.live((w.org_id, w.key), claimed)), None)
        if chosen is not None:
            claimed.add(chosen.record_id)  # M-09
            out[w.psa_id] = chosen.record_id
        else:
            out[w.psa_id] = None
    return out


def match_configurations(wanted: Sequence[Wanted], candidates: Iterable[Candidate]) -> dict[int, int | None]:
    """M-02: same organization AND (serial OR MAC); M-08: both-match first, then created_at, then id.

    ``serial``/``mac`` of both sides must already be normalised with :func:`serial_key`/:func:`mac_key`."""
    by_serial = _Bucketed()
    by_mac = _Bucketed()
    for c in candidates:
        if not c.eligible:
            continue
        if c.serial is not None:
            by_serial.add((c.org_id, c.serial), c)
        if c.mac is not None:
            by_mac.add((c.org_id, c.mac), c)
    by_serial.finish()
    by_mac.finish()
    claimed: set[int] = set()
    out: dict[int, int | None] = {}
    for w in sorted(wanted, key=lambda w: w.psa_id):
        s_list = list(by_serial.live((w.org_id, w.serial), claimed)) if w.serial is not None else []
        m_list = list(by_mac.live((w.org_id, w.mac), claimed)) if w.mac is not None else []
        chosen: Candidate | None = None
        if s_list and m_list:
            m_ids = {c.record_id for c in m_list}
            both = [c for c in s_list if c.record_id in m_ids]
            if both:
                chosen = both[0]  # lists are sorted, so the first is the earliest
        if chosen is None:
            firsts = [lst[0] for lst in (s_list, m_list) if lst]
            chosen = min(firsts, key=_order) if firsts else None
        if chosen is not None:
            claimed.add(chosen.record_id)
            out[w.psa_id] = chosen.record_id
        else:
            out[w.psa_id] = None
    return out
