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
