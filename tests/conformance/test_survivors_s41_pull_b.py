"""The property written for the seed-41 pull survivor (kit-s41b) of bench/mutation.py
(conformance/suites/survivors_s41_pull_b.py) bites: it fails against the hand mutant made for it, naming a rule of it, and passes against the reference."""

from __future__ import annotations

import pytest
from hypothesis import Phase

from conformance.adapter import reference_factory
from conformance.kill import suite_tests
from conformance.mutants import S41B_MUTANTS
from conformance.suites._common import override


def _run(name: str, factory: object) -> BaseException | None:
    with override(phases=(Phase.explicit, Phase.generate), database=None, print_blob=False, derandomize=True):
        try:
            suite_tests()[name](factory)
        except AssertionError as exc:  # hypothesis re-raises the property's own AssertionError
            return exc
    return None


@pytest.mark.parametrize("mutant", S41B_MUTANTS, ids=lambda m: m.name)
def test_the_property_kills_its_hand_mutant(mutant) -> None:
    (killer,) = mutant.killers
    exc = _run(killer, mutant.factory)
    assert exc is not None, f"{killer} passed against {mutant.name}"
    assert any(rule in str(exc) for rule in mutant.rules), f"{mutant.name}: the failure names no rule of it: {exc}"


@pytest.mark.parametrize("name", sorted({m.killers[0] for m in S41B_MUTANTS}))
def test_the_property_passes_against_the_reference(name: str) -> None:
    assert _run(name, reference_factory) is None
