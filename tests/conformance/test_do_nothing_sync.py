"""A sync that does nothing fails every suite of the kit (issue 13, item 6).

The do-nothing adapter accepts every call and keeps the documentation records the tests create (it *is* a
documentation platform), but never pulls, pushes or links anything, and every pass "succeeds". Each suite module
must have at least one test that fails against it with an assertion (not a crash of the test itself).
"""

from __future__ import annotations

import importlib
import itertools
from typing import Any

import pytest
from hypothesis import Phase

from conformance.adapter import CAPABILITIES, NEUTRAL_FIELDS, Connection
from conformance.kill import SUITE_MODULES
from conformance.suites._common import override


class DoNothingAdapter:
    """Accepts everything, links nothing, writes nothing to Autotask; run_pass always reports ok."""

    capabilities = frozenset(CAPABILITIES)

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._recs: dict[str, list[dict[str, Any]]] = {k: [] for k in NEUTRAL_FIELDS}

    def connect(self, connection: Connection) -> None:
        pass

    def apply_settings(self, settings: dict[str, Any]) -> None:
        pass

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        return {"ok": True, "error": None}

    def records(self, kind: str) -> list[dict[str, Any]]:
        return [dict(r, fields=dict(r["fields"]), unmapped=dict(r["unmapped"])) for r in self._recs[kind]]

    def summary(self) -> dict[str, dict[str, int]]:
        return {k: {"synced": 0, "orphaned": 0, "disconnected": 0, "errors": 0} for k in NEUTRAL_FIELDS}

    def create_record(self, kind: str, fields: dict[str, Any], *, org_id: Any = None, created_at: str | None = None,
                      unmapped: dict[str, Any] | None = None, via: str = "ui") -> Any:
        rid = next(self._ids)
        self._recs[kind].append({"kind": kind, "id": rid, "org_id": org_id, "link": None,
                                 "fields": {f: fields.get(f) for f in NEUTRAL_FIELDS[kind]},
                                 "unmapped": dict(unmapped or {}), "created_at": created_at or "2026-01-01T00:00:00Z"})
        return rid

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        for r in self._recs[kind]:
            if r["id"] == record_id:
                r["unmapped"].update(changes.get("unmapped") or {})
                r["fields"].update({k: v for k, v in changes.items() if k != "unmapped"})

    def disable(self, kind: str, record_id: Any) -> None:
        pass

    def enable(self, kind: str, record_id: Any) -> None:
        pass

    def sync_now(self, kind: str, record_id: Any) -> None:
        pass

    def delete_record(self, kind: str, record_id: Any) -> None:
        self._recs[kind] = [r for r in self._recs[kind] if r["id"] != record_id]

    def push_all(self) -> None:
        pass

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def disconnect(self, mode: str) -> None:
        pass

    # status_log / status_filter: it claims every capability, so it answers them too (with nothing to show)
    def logs(self) -> list[str]:
        return []

    def integration_status(self) -> str:
        return "OK"

    def status_filter_options(self, kind: str) -> list[str]:
        return []

    def records_with_status(self, kind: str, state: str) -> list[dict[str, Any]]:
        return []

    def close(self) -> None:
        pass


def first_assertion_failure(module: str) -> tuple[str, str] | None:
    mod = importlib.import_module(module)
    tests = {n: f for n, f in vars(mod).items() if n.startswith("test_") and callable(f)}
    with override(phases=(Phase.explicit, Phase.generate), database=None, print_blob=False, derandomize=True):
        for name, test in tests.items():
            try:
                test(DoNothingAdapter)
            except pytest.skip.Exception:
                continue
            except AssertionError as exc:
                return name, str(exc).splitlines()[0] if str(exc) else ""
    return None


@pytest.mark.parametrize("module", [f"conformance.suites.{m}" for m in SUITE_MODULES] + ["conformance.machine"])
def test_a_do_nothing_sync_fails_every_suite(module: str) -> None:
    hit = first_assertion_failure(module)
    assert hit is not None, f"every test of {module} passed against a sync that does nothing"
