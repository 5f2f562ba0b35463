"""The suites bite over the wire: every shipped mutant, served in a separate process behind
``python -m conformance.serve --any-factory`` and judged through the remote adapter protocol against the live mock,
is killed — the same kill rate as in-process (tests/conformance/test_mutants.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.adapter import load_factory
from conformance.errors import AdapterProtocolError
from conformance.kill import first_failure
from conformance.mutants import MUTANTS
from conformance.remote import RemoteAdapterFactory
from tests.conformance.served import served_adapter


def factory_path(factory: object) -> str:
    """``module:name`` a serve-adapter process can import (every mutant's factory is a module-level name)."""
    return f"{factory.__module__}:{factory.__qualname__}"  # type: ignore[attr-defined]


def test_every_mutant_has_an_importable_factory_path() -> None:
    for m in MUTANTS.values():
        assert load_factory(factory_path(m.factory)) is m.factory, m.name


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    # one process serves every mutant by path; calls are serialised, as mutants patch module globals while they run
    with served_adapter("conformance.adapter:reference_factory", "--any-factory") as url:
        yield url


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_served_over_the_wire_is_killed(name: str, server: str) -> None:
    m = MUTANTS[name]
    factory = load_factory(f"{server}/factory/{factory_path(m.factory)}")
    assert isinstance(factory, RemoteAdapterFactory)
    try:
        hit = first_failure(factory, m.killers)
    except AdapterProtocolError as exc:  # pragma: no cover - would mean the wire, not the suites, failed
        pytest.fail(f"protocol error instead of a verdict: {exc}")
    assert hit is not None, f"mutant {name} ({', '.join(m.rules)}) survived every suite test over the wire"
    assert "AdapterProtocolError" not in hit[1], hit
