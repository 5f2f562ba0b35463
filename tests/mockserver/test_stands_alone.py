"""The mock stands alone (ARCHITECTURE: "mockserver never imports reference_impl"): no module of the mock names
the sync or the kit, and `autotask-mock demo` finds its sync through the `autotask_mock.demo_sync` entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import mockserver
from mockserver import cli

ROOT = Path(mockserver.__file__).resolve().parent


def test_no_mock_module_imports_the_sync_or_the_kit() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.split(".")[0] in ("reference_impl", "conformance")]
    assert not offenders, offenders


def test_demo_finds_the_registered_sync_or_none(monkeypatch) -> None:
    import importlib.metadata as md

    class EP:
        def __init__(self, name: str, target: object) -> None:
            self.name, self._target = name, target

        def load(self) -> object:
            return self._target

    def first(*a, **k):
        return "first"

    def second(*a, **k):
        return "second"

    groups = {cli.DEMO_SYNC_GROUP: [EP("zz", second), EP("aa", first)]}
    monkeypatch.setattr(md, "entry_points", lambda group: groups.get(group, []))
    assert cli._demo_sync() is first  # the first name in sort order
    groups.clear()
    assert cli._demo_sync() is None
