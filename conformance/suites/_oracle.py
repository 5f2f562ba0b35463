"""The spec's matching rules as a tiny executable model (§4, §15 defaults Q1, Q2, Q4, Q5), used as test oracles."""

from __future__ import annotations

import re
from typing import Any

NEW = "new"


def blank(v: Any) -> bool:
    return v is None or v == ""


def canonical_mac(v: Any) -> str | None:
    """Q1: strip ':' '-' '.', upper-case; blank never matches (M-11)."""
    if blank(v):
        return None
    return re.sub(r"[:\-.]", "", str(v)).upper()


def company_in_scope(c: dict[str, Any], settings: dict[str, Any]) -> bool:
    return str(c.get("type")) in {str(t) for t in settings["account_types"]} and not blank(c.get("name"))


def ci_in_scope(ci: dict[str, Any], settings: dict[str, Any]) -> bool:
    t = ci.get("type")
    if t is None:
        return bool(settings["sync_without_ci_type"])
    return str(t) in {str(x) for x in settings["ci_types"]}


def simple_matches(items: list[tuple[int, Any]], cands: list[tuple[str, Any, Any]]) -> dict[int, Any]:
    """items: (psa_id, key) ; cands: (created_at, ref, key). M-07/M-08/M-09/M-11 with ascending AT ids (Q4)."""
    claimed: set[Any] = set()
    out: dict[int, Any] = {}
    for pid, key in sorted(items, key=lambda t: t[0]):
        chosen = NEW
        if key is not None:
            for _ca, ref, k in sorted(cands, key=lambda t: t[0]):
                if ref not in claimed and k == key:
                    chosen = ref
                    break
        if chosen != NEW:
            claimed.add(chosen)
        out[pid] = chosen
    return out


def config_matches(items: list[tuple[int, Any, Any]], cands: list[tuple[str, Any, Any, Any]]) -> dict[int, Any]:
    """M-02: serial OR MAC; M-08: both-match first, then earliest created; M-09 injective; M-11 blanks."""
    claimed: set[Any] = set()
    out: dict[int, Any] = {}
    ordered = sorted(cands, key=lambda t: t[0])
    for pid, serial, mac in sorted(items, key=lambda t: t[0]):
        live = [c for c in ordered if c[1] not in claimed]
        s_hit = [c for c in live if serial is not None and c[2] == serial]
        m_hit = [c for c in live if mac is not None and c[3] == mac]
        both = [c for c in s_hit if c in m_hit]
        pick = both[0] if both else (sorted(s_hit + m_hit, key=lambda t: t[0]) or [None])[0]
        out[pid] = NEW if pick is None else pick[1]
        if pick is not None:
            claimed.add(pick[1])
    return out


def composite_key(*parts: Any) -> tuple[Any, ...] | None:
    """M-04/M-06/M-11: exact parts (no case folding, no trimming); a blank part compares as blank; a key whose parts
    are all blank never matches."""
    if all(blank(p) for p in parts):
        return None
    return tuple("" if blank(p) else p for p in parts)


def location_key(address1: Any, address2: Any, city: Any, region: Any, country: Any) -> tuple[Any, ...] | None:
    """M-04: Address 1 AND Address 2 AND City AND State/Province AND Country (names play no part)."""
    return composite_key(address1, address2, city, region, country)


def months_before(iso: str, months: int) -> str:
    """Q23: calendar months back from an ISO instant (UTC); the day is clamped to the target month's length."""
    import calendar

    y, m, rest = int(iso[0:4]), int(iso[5:7]), iso[7:]
    d = int(rest[1:3])
    m -= months
    while m < 1:
        m += 12
        y -= 1
    d = min(d, calendar.monthrange(y, m)[1])
    return f"{y:04d}-{m:02d}-{d:02d}{rest[3:]}"


def ticket_in_scope(t: dict[str, Any], settings: dict[str, Any], now: str) -> bool:
    """SC-07/T-01/T-02/Q23: queue selected AND (no window OR max(created, updated) >= now - N months)."""
    if str(t.get("queue")) not in {str(q) for q in settings["queues"]}:
        return False
    n = settings.get("ticket_months")
    if n is None:
        return True
    return max(t["created"], t["updated"]) >= months_before(now, int(n))


def expected_parents(companies: list[dict[str, Any]], linked: dict[int, Any]) -> dict[int, Any]:
    """FM-O3/Q16: for each linked company, the local id of its parent's organization when that parent company is
    itself linked, otherwise None. ``linked``: Autotask company id → local organization id (enabled links)."""
    return {c["id"]: (linked.get(c.get("parent")) if c.get("parent") is not None else None)
            for c in companies if c["id"] in linked}


def push_match(saved: list[tuple[Any, Any]], companies: list[dict[str, Any]]) -> dict[Any, Any]:
    """P-06 with M-01/M-06/M-08/M-09 on the Autotask side: records saved in order, each claims the earliest-created
    (then lowest id) unclaimed company with exactly its name, otherwise a new company is created (NEW).
    ``saved``: (ref, name); ``companies``: {"id", "name", "created"}."""
    claimed: set[int] = set()
    out: dict[Any, Any] = {}
    for ref, name in saved:
        hits = sorted((c.get("created", ""), c["id"]) for c in companies
                      if not blank(name) and c["name"] == name and c["id"] not in claimed)
        out[ref] = hits[0][1] if hits else NEW
        if hits:
            claimed.add(hits[0][1])
    return out
