"""MAC address extraction and canonicalisation (Q1, Q3).

Why: Autotask has no native MAC field; RMMs write one or several MACs into a UDF in any notation. Matching compares
canonical forms (strip ':', '-', '.', upper-case) so 'aa:bb:…' and 'AA-BB-…' are the same device (M-02).
"""

from __future__ import annotations

import re

_MAC = re.compile(
    r"(?<![0-9A-Fa-f])(?:"
    r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}"  # aa:bb:cc:dd:ee:ff / aa-bb-…
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"  # aabb.ccdd.eeff (Cisco)
    r"|[0-9A-Fa-f]{12}"  # aabbccddeeff
    r")(?![0-9A-Fa-f])"
)
MASKED = re.compile(r"^\*+$")  # Q26: protected UDF values arrive as '*****' without View Protected Data


def canonical_mac(value: str | None) -> str | None:
    """'aa:bb:cc:dd:ee:ff' → 'AABBCCDDEEFF'; blank stays None (M-11: blank keys never match)."""
    if value is None:
        return None
    v = re.sub(r"[:\-.\s]", "", value).upper()
    return v or None


def first_mac(value: str | None) -> str | None:
    """Q3: the first valid MAC in a UDF value (which may hold several, or be longer than 17 characters)."""
    if not value or MASKED.match(value.strip()):
        return None
    m = _MAC.search(value)
    return m.group(0) if m else None
