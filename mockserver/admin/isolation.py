"""Make a fixture document safe to load next to other copies of itself (pure).

Tests that share one mock server each get their own tenant built from the same fixture. A user name
identifies exactly one tenant (as the real zone lookup does), so every copy needs its own tenant name,
API user names and integration codes; ``isolate_fixture`` rewrites exactly those, and the Resources
records that mirror the API users, and leaves everything else alone.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from typing import Any

_NAME_CHARS = re.compile(r"[^a-z0-9_-]+")


def new_suffix() -> str:
    """A short random suffix: 10 hex digits (collisions are not a practical concern)."""
    return uuid.uuid4().hex[:10]


def clean_suffix(suffix: str) -> str:
    cleaned = _NAME_CHARS.sub("", str(suffix).lower())
    if not cleaned:
        raise ValueError(f"isolation suffix {suffix!r} has no usable characters ([a-z0-9_-])")
    return cleaned[:24]


def isolated_tenant_name(name: str, suffix: str) -> str:
    base = _NAME_CHARS.sub("-", (name or "tenant").lower()).strip("-") or "tenant"
    room = 64 - len(suffix) - 1
    return f"{base[:room]}-{suffix}"


def isolated_user_name(user_name: str, suffix: str) -> str:
    local, at, domain = str(user_name).partition("@")
    return f"{local}.{suffix}@{domain}" if at else f"{user_name}.{suffix}"


def isolated_integration_code(code: str, suffix: str) -> str:
    return f"{code}{suffix.upper().replace('-', '').replace('_', '')}"


def isolate_fixture(doc: Mapping[str, Any], suffix: str | None = None, *, name: str | None = None) -> dict[str, Any]:
    """A deep copy of ``doc`` whose tenant name, API user names and integration codes carry ``suffix``.

    ``name`` replaces the tenant name outright (the users and codes still get the suffix).
    Resources whose ``userName`` or ``email`` equals an API user's name are renamed the same way, so
    the fixture stays self-consistent. Returns the new document; ``doc`` is not modified.
    """
    suffix = clean_suffix(suffix) if suffix is not None else new_suffix()
    out = copy.deepcopy(dict(doc))
    tenant = dict(out.get("tenant") or {})
    tenant["name"] = name or isolated_tenant_name(str(tenant.get("name") or "tenant"), suffix)
    out["tenant"] = tenant
    renamed: dict[str, str] = {}
    users = []
    for raw in out.get("apiUsers") or ():
        user = dict(raw) if isinstance(raw, Mapping) else raw
        if isinstance(user, dict) and user.get("userName"):
            new = isolated_user_name(str(user["userName"]), suffix)
            renamed[str(user["userName"]).lower()] = new
            user["userName"] = new
        users.append(user)
    if "apiUsers" in out:
        out["apiUsers"] = users
    if "integrationCodes" in out:
        out["integrationCodes"] = [isolated_integration_code(str(c), suffix) for c in out.get("integrationCodes") or ()]
    records = out.get("records")
    if isinstance(records, Mapping) and renamed:
        for key, rows in records.items():
            if str(key).lower() != "resources" or not isinstance(rows, list):
                continue
            for row in rows:
                if not isinstance(row, dict):
                    continue
                for field_name in ("userName", "email"):
                    value = row.get(field_name)
                    if isinstance(value, str) and value.lower() in renamed:
                        row[field_name] = renamed[value.lower()]
    return out
