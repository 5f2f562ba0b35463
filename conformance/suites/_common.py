"""Shared machinery of the behaviour suites.

``@prop(rules=[...], needs={...}, **strategies)`` turns ``def body(factory, **drawn)`` into a pytest test
``test(sync_adapter_factory)`` that runs a hypothesis property. The hypothesis settings are decided when the test
*runs* (not at import), from the loaded profile, capped by :data:`EXAMPLE_DIVISOR`, or from :func:`override` (the
mutant-kill test turns shrinking off there). A test whose ``needs`` the adapter lacks is skipped with
"adapter does not support X".
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings

_override: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("conformance_settings",
                                                                                    default=None)
EXAMPLE_DIVISOR = 2  # ci profile: 30 // 2 = 15 examples per property; deep: 500


def current_settings(cap: int | None = None) -> hsettings:
    base = hsettings.default
    n = max(4, base.max_examples // EXAMPLE_DIVISOR)
    if cap is not None:
        n = min(n, max(cap, 2))
    s = hsettings(base, max_examples=n, deadline=None, stateful_step_count=min(base.stateful_step_count, 12),
                  suppress_health_check=list(HealthCheck))
    over = _override.get()
    return hsettings(s, **over) if over else s


@contextmanager
def override(**kw: Any) -> Iterator[None]:
    tok = _override.set(kw)
    try:
        yield
    finally:
        _override.reset(tok)


def capabilities(factory: Callable[[], Any]) -> frozenset[str]:
    a = factory()
    try:
        return frozenset(getattr(a, "capabilities", ()))
    finally:
        a.close()


def require(factory: Callable[[], Any], needs: set[str] | frozenset[str]) -> None:
    missing = sorted(set(needs) - capabilities(factory))
    if missing:
        pytest.skip("adapter does not support " + ", ".join(missing))


def prop(*, rules: list[str], needs: set[str] | frozenset[str] = frozenset(), max_examples: int | None = None,
         examples: tuple[dict[str, Any], ...] = (),
         **strategies: Any) -> Callable[[Callable[..., None]], Callable[[Any], None]]:
    """A suite test over drawn ``strategies``; ``examples`` always run first (the edge cases a random draw may miss)."""

    def deco(body: Callable[..., None]) -> Callable[[Any], None]:
        def test(sync_adapter_factory: Any) -> None:
            require(sync_adapter_factory, needs)

            def check(**drawn: Any) -> None:
                body(sync_adapter_factory, **drawn)

            check.__name__ = check.__qualname__ = body.__name__
            check.__module__ = body.__module__
            check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
                [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY) for k in strategies])
            if strategies:
                for ex in examples:
                    check = example(**ex)(check)
                runner = current_settings(max_examples)(given(**strategies)(check))
            else:
                runner = check
            runner()

        test.__name__ = test.__qualname__ = body.__name__
        test.__doc__ = body.__doc__
        test.__module__ = body.__module__
        test.rules = tuple(rules)  # type: ignore[attr-defined]
        test.needs = frozenset(needs)  # type: ignore[attr-defined]
        return test

    return deco


def draw_linked(w: Any, data: Any, kind: str, label: str) -> dict[str, Any] | None:
    """One linked record of ``kind``, drawn by hypothesis (None when the pass linked none: the example is moot)."""
    from hypothesis import strategies as st

    linked = [r for r in w.records(kind) if r["link"]]
    return data.draw(st.sampled_from(linked), label=label) if linked else None
