"""Each property written for a survivor of bench/mutation.py bites: it fails against the hand mutant made for it,
naming a rule of that mutant, and passes against the reference.

One parametrized module for every block of such mutants in conformance/mutants.py (the admin-change suite, the
incremental, failure, warning and review suites, and the fresh seed-29 and seed-41 samples): a new block is added
to ``BLOCKS`` and needs no test file of its own.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase

import conformance.mutants as M
from conformance.adapter import reference_factory
from conformance.kill import suite_tests
from conformance.mutants import Mutant
from conformance.suites._common import override

BLOCKS = ("KIT_SURV_MUTANTS", "INCR_MUTANTS", "KIT_FAIL_MUTANTS", "WARN_MUTANTS", "REVIEW_MUTANTS",
          "S29A_MUTANTS", "S29B_MUTANTS", "S29C_MUTANTS", "S41A_MUTANTS", "S41B_MUTANTS", "S41C_MUTANTS",
          "S41D_MUTANTS")
SURVIVOR_MUTANTS: tuple[Mutant, ...] = tuple(m for block in BLOCKS for m in getattr(M, block))


def run_property(name: str, factory: object) -> BaseException | None:
    """Run one suite property derandomized, without shrinking; its AssertionError, or None when it passed."""
    with override(phases=(Phase.explicit, Phase.generate), database=None, print_blob=False, derandomize=True):
        try:
            suite_tests()[name](factory)
        except AssertionError as exc:  # hypothesis re-raises the property's own AssertionError
            return exc
    return None


@pytest.mark.parametrize("mutant", SURVIVOR_MUTANTS, ids=lambda m: m.name)
def test_the_property_kills_its_hand_mutant(mutant: Mutant) -> None:
    (killer,) = mutant.killers
    exc = run_property(killer, mutant.factory)
    assert exc is not None, f"{killer} passed against {mutant.name}"
    assert any(rule in str(exc) for rule in mutant.rules), f"{mutant.name}: the failure names no rule of it: {exc}"


@pytest.mark.parametrize("name", sorted({m.killers[0] for m in SURVIVOR_MUTANTS}))
def test_the_property_passes_against_the_reference(name: str) -> None:
    assert run_property(name, reference_factory) is None
