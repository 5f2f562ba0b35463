"""The properties written for the last survivors of bench/mutation.py (conformance/suites/admin_changes.py) bite:
each one fails against the hand mutant made for it, naming the rule, and passes against the reference."""

from __future__ import annotations

import pytest
from hypothesis import Phase

from conformance.adapter import reference_factory
from conformance.kill import suite_tests
from conformance.mutants import KIT_SURV_MUTANTS
from conformance.suites._common import override


def _run(name: str, factory: object) -> BaseException | None:
    with override(phases=(Phase.explicit, Phase.generate), database=None, print_blob=False, derandomize=True):
        try:
            suite_tests()[name](factory)
        except AssertionError as exc:  # hypothesis re-raises the property's own AssertionError
            return exc
    return None


@pytest.mark.parametrize("mutant", KIT_SURV_MUTANTS, ids=lambda m: m.name)
def test_the_property_kills_its_hand_mutant(mutant) -> None:
    (killer,) = mutant.killers
    exc = _run(killer, mutant.factory)
    assert exc is not None, f"{killer} passed against {mutant.name}"
    assert any(rule in str(exc) for rule in mutant.rules), f"{mutant.name}: the failure names no rule of it: {exc}"


@pytest.mark.parametrize("name", sorted({m.killers[0] for m in KIT_SURV_MUTANTS}))
def test_the_property_passes_against_the_reference(name: str) -> None:
    assert _run(name, reference_factory) is None


def test_an_adapter_without_primary_location_id_is_skipped_not_failed() -> None:
    """primary_location_id is optional (protocol 1.1): a 1.0 adapter is skipped by the FM-O2 property."""
    from conformance.adapter import ReferenceAdapter

    class Protocol10(ReferenceAdapter):
        def records(self, kind: str) -> list[dict]:
            out = super().records(kind)
            for r in out:
                r.pop("primary_location_id", None)
            return out

    with pytest.raises(pytest.skip.Exception, match="primary_location_id"):
        _run("test_FMO2_the_primary_location_is_the_autotask_primary_with_its_name", Protocol10)
