"""The zone table: which zone (worker process) holds which tenant and which API user. Pure, no I/O.

The main process of ``autotask-mock serve --zones N`` keeps this table and nothing else: the tenants
themselves live only in the workers, so no state is shared between zones (ARCHITECTURE "Zones are
processes"). Zones are numbered 1..N.

Placement is deterministic:

* fixtures given at start-up go round-robin in command-line order: fixture 1 to zone 1, fixture 2 to
  zone 2, …, fixture N+1 to zone 1 again (:func:`assign_fixtures`);
* a tenant created at run time through the admin API on the main port goes to the zone named by
  ``?zone=K``, or else to the zone holding the fewest tenants, the lowest-numbered on a tie
  (:func:`pick_zone`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


def assign_fixtures(fixtures: Sequence[Any], zones: int) -> list[list[Any]]:
    """The fixtures of each zone (index 0 is zone 1): round-robin in the order given."""
    if zones < 1:
        raise ValueError("zones must be at least 1")
    out: list[list[Any]] = [[] for _ in range(zones)]
    for i, fixture in enumerate(fixtures):
        out[i % zones].append(fixture)
    return out


def pick_zone(tenant_counts: Sequence[int]) -> int:
    """The zone (1-based) a new tenant goes to: the one holding the fewest tenants, the first on a tie."""
    if not tenant_counts:
        raise ValueError("no zones")
    fewest = min(tenant_counts)
    return tenant_counts.index(fewest) + 1


@dataclass(frozen=True)
class TenantEntry:
    """What the main process knows of a tenant: its zone and its API user names (lower-cased)."""

    name: str
    zone: int
    users: tuple[str, ...] = ()


def tenant_entries(zone: int, summaries: Iterable[dict[str, Any]]) -> list[TenantEntry]:
    """TenantEntry rows from admin-API tenant summaries (``{"name": ..., "apiUsers": [{"userName": ...}]}``)."""
    out = []
    for summary in summaries:
        users = tuple(str(u.get("userName") or "").strip().lower() for u in summary.get("apiUsers") or ())
        out.append(TenantEntry(str(summary["name"]), zone, tuple(u for u in users if u)))
    return out


@dataclass
class ZoneTable:
    """tenant -> zone and API user -> tenant, for ``zones`` zones; safe to share between threads."""

    zones: int
    _tenants: dict[str, TenantEntry] = field(default_factory=dict)
    _users: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, entry: TenantEntry) -> None:
        if not 1 <= entry.zone <= self.zones:
            raise ValueError(f"zone {entry.zone} out of range 1..{self.zones}")
        with self._lock:
            self._drop(entry.name)
            self._tenants[entry.name] = entry
            for user in entry.users:
                self._users[user] = entry.name

    def remove(self, name: str) -> TenantEntry | None:
        with self._lock:
            return self._drop(name)

    def replace_zone(self, zone: int, entries: Iterable[TenantEntry]) -> None:
        """What zone ``zone`` holds now (after a start, a restart or a refresh): drop the rest of it."""
        entries = list(entries)
        with self._lock:
            for name in [n for n, e in self._tenants.items() if e.zone == zone]:
                self._drop(name)
            for entry in entries:
                self._drop(entry.name)
                self._tenants[entry.name] = entry
                for user in entry.users:
                    self._users[user] = entry.name

    def _drop(self, name: str) -> TenantEntry | None:
        entry = self._tenants.pop(name, None)
        if entry is not None:
            for user in entry.users:
                if self._users.get(user) == name:
                    del self._users[user]
        return entry

    def conflicts(self, entry: TenantEntry) -> list[TenantEntry]:
        """Tenants in other zones than ``entry``'s that share its name or one of its API users.

        One mock refuses such a tenant (409); across zones only the main process can see the clash.
        """
        with self._lock:
            names = {entry.name} | {self._users[u] for u in entry.users if u in self._users}
            return [self._tenants[n] for n in sorted(names) if n in self._tenants and self._tenants[n].zone != entry.zone]

    def zone_of_tenant(self, name: str) -> int | None:
        entry = self._tenants.get(name)
        return entry.zone if entry else None

    def zone_of_user(self, user_name: str | None) -> int | None:
        """The zone of an API user name (case-insensitive, as the real zone lookup), or None."""
        if not user_name:
            return None
        tenant = self._users.get(user_name.strip().lower())
        return self.zone_of_tenant(tenant) if tenant else None

    def tenants(self, zone: int | None = None) -> list[str]:
        with self._lock:
            return sorted(n for n, e in self._tenants.items() if zone is None or e.zone == zone)

    def counts(self) -> list[int]:
        """Tenants per zone, zone 1 first."""
        with self._lock:
            counts = [0] * self.zones
            for entry in self._tenants.values():
                counts[entry.zone - 1] += 1
            return counts
