"""A failing property's counterexample as a scenario in the project's fixture format, for QA to replay by hand.

``<dir>/<test>.yaml`` is a tenant fixture (``fixtures/FORMAT.md``; ``autotask-mock serve --fixture FILE`` loads it)
with the Autotask side of the shrunk example, the ``description:`` and ``rules:`` keys of ``fixtures/scenarios``,
and the documentation side under the private key ``x-documentation`` (readers ignore ``x-`` keys). The same
documentation side is also written alone as ``<test>.documentation.json``: the settings to apply and the records
to create before the first pass, in the adapter's neutral shapes (``conformance/adapter.py``).
:func:`replay_scenario` sets both sides up in-process for a replay from Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from conformance.adapter import AdapterFactory

TENANT_NAME_MAX = 64


def tenant_name(test: str) -> str:
    """A valid tenant key (1-64 of [a-z0-9_-]) named after the test."""
    name = re.sub(r"[^a-z0-9_-]+", "-", test.lower().removeprefix("test_")).strip("-")
    return name[:TENANT_NAME_MAX] or "conformance"


def documentation_side(spec: dict[str, Any], settings: dict[str, Any] | None) -> dict[str, Any]:
    from conformance.world import base_settings

    return {"settings": settings if settings is not None else base_settings(),
            "records": list(spec.get("docs", ())),
            "how": "connect the sync to the tenant of the .yaml file, apply 'settings', create 'records' in order "
                   "(via: api unless stated; 'org' refers to the 'ref' of an organization created before), then run "
                   "a full pass and continue with the steps of the counterexample"}


def scenario_document(test: str, rules: tuple[str, ...], spec: dict[str, Any], settings: dict[str, Any] | None,
                      failure: str, counterexample: str) -> dict[str, Any]:
    from conformance.world import tenant_document

    doc = tenant_document(spec)
    doc["tenant"] = {**doc["tenant"], "name": tenant_name(test)}
    doc.pop("description", None)
    doc.pop("rules", None)
    users = [u.get("userName") for u in doc.get("apiUsers", ())]
    head = {"format": doc.pop("format"),
            "description": f"Counterexample of {test} (conformance kit). {failure.strip().splitlines()[0] if failure.strip() else ''}",
            "rules": list(rules)}
    return {**head, **doc, "x-documentation": {**documentation_side(spec, settings), "property": test,
                                               "failure": failure.strip(), "counterexample": counterexample.strip(),
                                               "autotask_api_users": users}}


def write_scenario(directory: Path, test: str, rules: tuple[str, ...], spec: dict[str, Any],
                   settings: dict[str, Any] | None, failure: str = "", counterexample: str = "") -> list[Path]:
    """Write ``<test>.yaml`` (fixture + documentation side) and ``<test>.documentation.json``; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    doc = scenario_document(test, rules, spec, settings, failure, counterexample)
    fixture = directory / f"{test}.yaml"
    fixture.write_text(yaml.dump(_plain(doc), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120),
                       encoding="utf-8")
    docs = directory / f"{test}.documentation.json"
    docs.write_text(json.dumps(_plain(doc["x-documentation"]), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [fixture, docs]


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings (failure text, counterexample) as literal blocks, readable by hand."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _plain(value: Any) -> Any:
    """Tuples, sets and other non-YAML values as lists and strings, so ``yaml.safe_dump`` accepts the document."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in (sorted(value, key=str) if isinstance(value, (set, frozenset)) else value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def read_scenario(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tenant fixture, documentation side) of a scenario file written by :func:`write_scenario`."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return doc, doc.get("x-documentation") or {}


@contextmanager
def replay_scenario(path: Path, factory: AdapterFactory) -> Iterator[Any]:
    """The scenario's world, ready for the first pass: its tenant in the in-process mock, a fresh adapter of
    ``factory`` connected to it, the documentation records created and the settings applied.

    Yields a :class:`conformance.world.World`; run ``w.adapter.run_pass()`` and the counterexample's steps next.
    """
    from conformance.adapter import Connection
    from conformance.world import World, shared_app
    from mockserver import mock_autotask

    _, documentation = read_scenario(path)
    with mock_autotask(str(path), app=shared_app(), isolate=True) as at:
        adapter = factory()
        try:
            w = World(at, adapter, {"docs": documentation.get("records", [])})
            c = at.credentials
            adapter.connect(Connection(c.user_name, c.secret, c.integration_code, at.root_url, at.now()))
            w.seed_docs()
            adapter.apply_settings(documentation["settings"])
            yield w
        finally:
            adapter.close()
