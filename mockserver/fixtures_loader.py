"""Resolve the fixtures named in MockConfig.fixtures (a name, a path or a parsed document) into tenants."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PACKAGED_FIXTURES = Path(__file__).resolve().parent / "_fixtures"


def fixtures_dir() -> Path:
    return REPO_FIXTURES if REPO_FIXTURES.is_dir() else PACKAGED_FIXTURES


def read_fixture(name_or_path: Any) -> tuple[dict[str, Any], str]:
    if isinstance(name_or_path, Mapping):
        try:
            from mockserver.fixtures.scenarios import expand_fixture
        except ImportError:
            return dict(name_or_path), "<document>"
        return expand_fixture(dict(name_or_path)), "<document>"
    try:
        from mockserver.fixtures.scenarios import resolve_fixture
    except ImportError:
        resolve_fixture = None
    if resolve_fixture is not None:
        return resolve_fixture(str(name_or_path))
    text = str(name_or_path)
    candidates = [Path(text), fixtures_dir() / "tenants" / f"{text}.json", fixtures_dir() / "scenarios" / f"{text}.yaml"]
    for path in candidates:
        if path.is_file():
            raw = path.read_text(encoding="utf-8")
            doc = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
            return doc, str(path)
    raise FileNotFoundError(f"no fixture or scenario named {text!r}")


def load_configured_fixtures(store, fixtures: Iterable[Any]) -> None:
    for item in fixtures:
        doc, source = read_fixture(item)
        store.add_tenant(doc, source)
