"""The blind defects stay killed: every mutant of conformance/mutants_blind.py (plausible sync bugs written from the
spec without reading the shipped mutants or the suites, issue 13) makes at least one suite test fail.

``CI=true python -m conformance.kill --blind`` prints the same verdicts with the time each took.
"""

from __future__ import annotations

import re

import pytest

from conformance.kill import first_failure, suite_tests
from conformance.mutants_blind import BLIND_MUTANTS


@pytest.mark.parametrize("name", sorted(BLIND_MUTANTS))
def test_blind_mutant_is_killed(name: str) -> None:
    m = BLIND_MUTANTS[name]
    hit = first_failure(m.factory, m.killers)
    assert hit is not None, f"blind defect {name} ({', '.join(m.rules)}) survived every suite test"


def test_blind_killers_exist() -> None:
    names = set(suite_tests())
    for m in BLIND_MUTANTS.values():
        assert set(m.killers) <= names, m.name


def test_the_blind_set_spans_the_rule_families() -> None:
    """At least 30 defects, spread over every rule family the issue names."""
    assert len(BLIND_MUTANTS) >= 30
    families = {re.match(r"[A-Z]+", r).group(0) for m in BLIND_MUTANTS.values() for r in m.rules}  # type: ignore[union-attr]
    assert {"M", "SC", "O", "R", "P", "PA", "D", "ST", "FM", "C", "Q"} <= families
