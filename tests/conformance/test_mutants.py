"""The suites bite: every deliberately wrong adapter (conformance/mutants.py) makes at least one suite test fail.

The reference adapter passing every suite test is tests/conformance/test_suites_reference.py. The kill rate is
printed by ``python -m conformance.kill``.
"""

from __future__ import annotations

import pytest

from conformance.kill import first_failure, suite_tests
from conformance.mutants import MUTANTS


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_killed(name: str) -> None:
    m = MUTANTS[name]
    hit = first_failure(m.factory, m.killers)
    assert hit is not None, f"mutant {name} ({', '.join(m.rules)} {m.edge_case}) survived every suite test"


def test_every_section16_edge_case_has_a_mutant() -> None:
    covered = {m.edge_case for m in MUTANTS.values()}
    assert {f"§16.{i}" for i in range(1, 11)} <= covered


def test_expected_killers_exist() -> None:
    names = set(suite_tests())
    for m in MUTANTS.values():
        assert set(m.killers) <= names, m.name
