"""Snapshot cache of built tenants, so a large fixture file starts in a fraction of its load time.

Building a tenant from a fixture parses the JSON and binds, coerces and checks every record (a
100,000-record file takes seconds). The result depends only on the file's bytes and the mock's own code,
so after the first build the tenant's data (typed records in their tables, ids, picklists, UDF
definitions, users) is pickled to ``<cache dir>/<path hash>-<key>.pickle`` and later starts unpickle it.

* **Key** — sha256 of the fixture file's bytes plus a fingerprint of everything that shapes a built
  tenant: the snapshot format, Python and Faker versions (``generate:`` fixtures), the catalogue data
  and overrides, and the source of the modules that load fixtures. Any change is a cache miss, never a
  stale tenant. Writing a snapshot removes older ones of the same fixture path.
* **Corruption** — a snapshot that fails to read, unpickle or match its key is ignored (logged) and the
  fixture is loaded the normal way; a good snapshot then replaces it.
* **Why pickle is acceptable here** — a snapshot is the mock's own data, written by this process's user
  into a directory the mock creates private (0700) and uses only while it is owned by that user and
  not writable by group or others; files are written 0600 and moved into place atomically. Unpickling
  data someone else could write would be code execution, hence these checks. pickle is also what makes
  the cache fast: it rebuilds the typed records (datetimes included) without re-validating them.
* **Reset** — the store keeps the snapshot's bytes as the tenant's source (instead of the whole parsed
  document, which takes more memory), so resetting such a tenant unpickles again: fast too.

Only fixture files of at least ``snapshot_min_bytes`` go through the cache (the demo tenant loads faster
than hashing would pay back). Settings: ``snapshot_cache`` (on/off), ``snapshot_cache_dir``,
``snapshot_min_bytes``; README "Tenants, fixtures and scenarios" describes them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mockserver.clock import Clock
from mockserver.config import MockConfig

log = logging.getLogger("mockserver.snapshot")

SNAPSHOT_FORMAT = 1
# TenantState attributes that hold the built tenant's data (everything else, locks and listeners
# included, comes fresh from the constructor).
_DATA_ATTRIBUTES = ("tables", "next_ids", "udfs", "picklists", "api_users", "integration_codes",
                    "security_levels", "ticket_counters")
_PACKAGE = Path(__file__).resolve().parent
# Sources whose change can change a built tenant.
_FINGERPRINT_SOURCES = ("catalog", "state", "fixtures", "fixtures_loader.py", "snapshot.py", "clock.py")


def default_cache_dir() -> Path:
    """$AUTOTASK_MOCK_CACHE_DIR, else $XDG_CACHE_HOME/autotask-mock/snapshots, else ~/.cache/…"""
    explicit = os.environ.get("AUTOTASK_MOCK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autotask-mock" / "snapshots"


def cache_dir(config: MockConfig) -> Path:
    return Path(config.snapshot_cache_dir) if config.snapshot_cache_dir else default_cache_dir()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256(f"snapshot {SNAPSHOT_FORMAT} python {sys.version}".encode())
    try:
        from importlib.metadata import version

        digest.update(f"faker {version('faker')}".encode())
    except Exception:  # noqa: BLE001 - faker absent: generate: fixtures cannot load anyway
        digest.update(b"no faker")
    for name in _FINGERPRINT_SOURCES:
        root = _PACKAGE / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and path.suffix in (".py", ".json", ".yaml"):
                digest.update(str(path.relative_to(_PACKAGE)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _private_dir(path: Path) -> bool:
    """Create ``path`` (0700) if needed; True when it is ours and not writable by anyone else."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as exc:
        log.warning("snapshot cache %s unusable: %s", path, exc)
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        log.warning("snapshot cache %s is owned by another user: not used", path)
        return False
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        log.warning("snapshot cache %s is writable by group or others: not used", path)
        return False
    return True


@dataclass
class TenantSnapshot:
    """One built tenant, pickled; what the store keeps as the tenant's source (reset restores it)."""

    payload: bytes
    source: str
    key: str = ""

    def restore(self, catalog, config: MockConfig):
        """A fresh TenantState holding the snapshot's data (raises on a payload that does not fit)."""
        from mockserver.state.tenant import TenantState
        from mockserver.state.values import coerce

        data = pickle.loads(self.payload)  # noqa: S301 - our own file in a private directory (module docstring)
        if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT or data.get("key") != self.key:
            raise ValueError("not a snapshot of this format and key")
        tenant_doc: Mapping[str, Any] = data["fixture"].get("tenant") or {}
        clock = Clock()
        if tenant_doc.get("clock"):
            clock.set(coerce("datetime", tenant_doc["clock"]), frozen=bool(tenant_doc.get("clockFrozen", False)))
        state = TenantState(data["info"], catalog, config, clock)
        for name in _DATA_ATTRIBUTES:
            setattr(state, name, data[name])
        state.extra["fixture"] = data["fixture"]
        return state


def capture(state, key: str) -> bytes:
    """Pickle a just-built tenant's data."""
    data = {name: getattr(state, name) for name in _DATA_ATTRIBUTES}
    data |= {"format": SNAPSHOT_FORMAT, "key": key, "info": state.info, "fixture": state.extra.get("fixture") or {}}
    return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class SnapshotSlot:
    """Where the snapshot of one fixture file lives, and under which key."""

    path: Path
    directory: Path
    prefix: str
    key: str
    fixture_name: str = ""

    def load(self, source: str) -> TenantSnapshot | None:
        try:
            payload = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("snapshot %s unreadable (%s): loading the fixture", self.path, exc)
            return None
        return TenantSnapshot(payload, source, self.key)

    def save(self, payload: bytes) -> None:
        """Write atomically (0600), then drop this fixture's older snapshots; failures only warn."""
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".pickle")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            for old in self.directory.glob(f"{self.prefix}-*.pickle"):
                if old != self.path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot write snapshot %s: %s", self.path, exc)


def slot_for(path: Path, config: MockConfig) -> SnapshotSlot | None:
    """The cache slot of a fixture file, or None when the cache is off, the file is small or the cache
    directory is not private."""
    if not config.snapshot_cache:
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size < config.snapshot_min_bytes:
        return None
    directory = cache_dir(config)
    if not _private_dir(directory):
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    key = hashlib.sha256(f"{digest.hexdigest()} {code_fingerprint()}".encode()).hexdigest()[:32]
    prefix = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return SnapshotSlot(directory / f"{prefix}-{key}.pickle", directory, prefix, key, path.name)
