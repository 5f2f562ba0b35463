"""Resolve the fixtures named in MockConfig.fixtures (a name, a path or a parsed document) into tenants."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger("mockserver.snapshot")


def read_fixture(name_or_path: Any) -> tuple[dict[str, Any], str]:
    """The fixture document and where it came from: a parsed document (``generate:`` expanded), a scenario or
    tenant name, or a file path (mockserver.fixtures.scenarios resolves names and paths)."""
    from mockserver.fixtures.scenarios import expand_fixture, resolve_fixture

    if isinstance(name_or_path, Mapping):
        return expand_fixture(dict(name_or_path)), "<document>"
    return resolve_fixture(str(name_or_path))


def load_configured_fixtures(store, fixtures: Iterable[Any]) -> None:
    for item in fixtures:
        slot = _snapshot_slot(item, store.config)
        if slot is not None and _load_snapshot(store, slot):
            continue
        doc, source = read_fixture(item)
        state = store.add_tenant(doc, source)
        if slot is not None:
            from mockserver.snapshot import TenantSnapshot, capture

            payload = capture(state, slot.key)
            slot.save(payload)
            # Resetting restores the snapshot: no need to keep the (larger) parsed document.
            store.sources[state.name] = TenantSnapshot(payload, source, slot.key)


def _snapshot_slot(item: Any, config):
    """The snapshot cache slot of a fixture given by name or path (None: not cached, see mockserver.snapshot)."""
    if isinstance(item, Mapping) or not config.snapshot_cache:
        return None
    from mockserver.fixtures.scenarios import fixture_path
    from mockserver.snapshot import slot_for

    try:
        return slot_for(fixture_path(str(item)), config)
    except (ValueError, OSError):
        return None  # unknown names fail with the normal loader's message


def _load_snapshot(store, slot) -> bool:
    """Register the tenant from its snapshot; False (after a warning) when the snapshot is unusable."""
    snapshot = slot.load(slot.fixture_name)
    if snapshot is None:
        return False
    try:
        store.add_tenant(snapshot, snapshot.source)  # Store.build_tenant restores a TenantSnapshot
    except Exception as exc:  # noqa: BLE001 - corrupt, foreign or failing: load the fixture instead
        log.warning("snapshot %s unusable (%s: %s): loading the fixture", slot.path, type(exc).__name__, exc)
        return False
    return True
