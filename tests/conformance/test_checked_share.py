"""The health check bites: a property that returns early on examples with nothing to check fails it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from conformance.suites._common import CHECKS, assert_checks_something, checked, prop


class _Nothing:
    capabilities = frozenset()

    def close(self) -> None:
        pass


@prop(rules=["health"], max_examples=10, n=st.integers(0, 9))
def vacuous_property(factory: Any, n: int) -> None:
    """Checks something only when n == 0: most examples are vacuous."""
    if n:
        return
    checked()


@prop(rules=["health"], max_examples=10, n=st.integers(0, 9))
def honest_property(factory: Any, n: int) -> None:
    checked()


def test_a_property_that_returns_early_fails_the_health_check() -> None:
    CHECKS.pop("vacuous_property", None)
    vacuous_property(_Nothing)
    ran, hit = CHECKS["vacuous_property"]
    assert ran >= 2 and hit < 0.8 * ran
    with pytest.raises(AssertionError, match="checked something"):
        assert_checks_something("vacuous_property")


def test_a_property_that_always_checks_passes_the_health_check() -> None:
    CHECKS.pop("honest_property", None)
    honest_property(_Nothing)
    assert_checks_something("honest_property")
