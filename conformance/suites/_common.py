"""Shared machinery of the behaviour suites.

``@prop(rules=[...], needs={...}, **strategies)`` turns ``def body(factory, **drawn)`` into a pytest test
``test(sync_adapter_factory)`` that runs a hypothesis property. The hypothesis settings are decided when the test
*runs* (not at import), from the loaded profile, capped by :data:`EXAMPLE_DIVISOR`, or from :func:`override` (the
mutant-kill test turns shrinking off there). A test whose ``needs`` the adapter lacks is skipped with
"adapter does not support X".

No vacuous examples: a property body calls :func:`checked` once it has compared the implementation against an
expectation. :data:`CHECKS` records, per test, how many examples ran and how many of them checked something, so
``tests/conformance/test_checked_share.py`` can require that almost every example checks something (an example that
has nothing to check must be rejected with ``assume`` instead of returning early).
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given
from hypothesis import settings as hsettings
from hypothesis.errors import UnsatisfiedAssumption

_override: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("conformance_settings",
                                                                                    default=None)
EXAMPLE_DIVISOR = 2  # ci profile: 30 // 2 = 15 examples per property; deep: 500

# test name -> [examples that ran to the end (or failed), examples among them that called checked()]
CHECKS: dict[str, list[int]] = {}
_checked: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("conformance_checked", default=None)


def checked() -> None:
    """Mark the running example as one that compared the implementation against an expectation."""
    flag = _checked.get()
    if flag is not None:
        flag[0] = True


def checked_share(name: str) -> tuple[int, int]:
    """(examples run, examples that checked something) for the suite test ``name`` since the last reset."""
    ran, hit = CHECKS.get(name, [0, 0])
    return ran, hit


MIN_CHECKED_SHARE = 0.8


def assert_checks_something(name: str, min_share: float = MIN_CHECKED_SHARE) -> None:
    """The health check: the property ``name`` compared the implementation against an expectation in at least
    ``min_share`` of the examples it ran (and ran at least one)."""
    ran, hit = checked_share(name)
    assert ran > 0, f"{name}: no example ran to the end (every one was rejected)"
    assert hit >= min_share * ran, (f"{name}: only {hit} of {ran} examples checked something (< {min_share:.0%}); "
                                    "reject examples with nothing to check (assume) or draw better ones")


@contextmanager
def readable_counterexamples() -> Iterator[None]:
    """Hypothesis' own printer while a property runs, so the falsifying example shows its values.

    schemathesis' pytest plugin (installed with the kit's test extra) swaps hypothesis' ``RepresentationPrinter``
    for one that prints nothing, process-wide, to speed up its own coverage phase; every counterexample would then
    read ``spec=,``. The swap is undone only while a conformance property runs, so schemathesis keeps its speed.
    """
    from hypothesis import core
    from hypothesis.vendor import pretty

    swapped = core.RepresentationPrinter
    core.RepresentationPrinter = pretty.RepresentationPrinter  # type: ignore[misc]
    try:
        yield
    finally:
        core.RepresentationPrinter = swapped  # type: ignore[misc]


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
                flag = [False]
                tok = _checked.set(flag)
                try:
                    body(sync_adapter_factory, **drawn)
                except UnsatisfiedAssumption:
                    raise  # rejected by assume: not an example that ran
                except Exception:  # a failing example ran (hypothesis' own BaseExceptions, e.g. overruns, did not)
                    _record(body.__name__, flag[0])
                    raise
                else:
                    _record(body.__name__, flag[0])
                finally:
                    _checked.reset(tok)

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
            with readable_counterexamples():
                runner()

        test.__name__ = test.__qualname__ = body.__name__
        test.__doc__ = body.__doc__
        test.__module__ = body.__module__
        test.rules = tuple(rules)  # type: ignore[attr-defined]
        test.needs = frozenset(needs)  # type: ignore[attr-defined]
        return test

    return deco


def _record(name: str, hit: bool) -> None:
    row = CHECKS.setdefault(name, [0, 0])
    row[0] += 1
    row[1] += int(hit)


def draw_linked(w: Any, data: Any, kind: str, label: str, settings: dict[str, Any] | None = None,
                state: str | None = "enabled") -> dict[str, Any]:
    """One Autotask record of ``kind`` that the first pass had to link under ``settings`` (the oracle says which),
    drawn by hypothesis, and its documentation record. A tenant with none has nothing to check and is rejected
    (``assume``); a sync that did not link the drawn record fails (M-07/CR-01), it is never silently passed.
    Without ``settings`` (older callers) it draws among the records the sync linked, rejecting examples with none."""
    from hypothesis import strategies as st

    from conformance.suites._oracle import expected_linked

    if settings is None:
        linked = [r for r in w.records(kind) if r["link"] and (state is None or r["link"]["state"] == state)]
        assume(linked)
        return data.draw(st.sampled_from(linked), label=label)

    ids = sorted(expected_linked(w.spec, settings, kind))
    assume(ids)
    pid = data.draw(st.sampled_from(ids), label=label)
    rec = w.linked(kind, pid)
    assert rec is not None and (state is None or rec["link"]["state"] == state), (
        f"M-07/CR-01: Autotask {kind} {pid} is in scope under the settings, but after a pass it is "
        f"{'not linked' if rec is None else rec['link']['state']}")
    return rec


def save(w: Any, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
    """An edit and save whose refusal is not itself the verdict: a sync may report a failed push as a refusal, and
    the rules judge the record's state and the Autotask writes afterwards."""
    from conformance.adapter import Refused

    try:
        w.adapter.edit_and_save(kind, record_id, changes)
    except Refused:
        pass


FAULT_MESSAGE = "Autotask could not process the request (kit failure)"  # the text of injected failures that carry one


def record_snapshot(w: Any) -> dict[tuple[str, Any], tuple[Any, ...]]:
    """Every record's mapped fields, link and unmapped data, comparable before and after an operation that must
    change nothing (C-11, O-08)."""
    return {(k, r["id"]): (repr(sorted(r["fields"].items())), repr(r["link"]), repr(sorted(r["unmapped"].items())))
            for k, rs in w.all_records().items() for r in rs}


def no_crash(what: str, call: Callable[[], Any], *, instead: str = "ending as failed",
             refusal_ok: bool = True) -> Any:
    """Run one adapter operation that meets an Autotask failure; its result. Refusing it (``Refused``) reports the
    failure to the user where ``refusal_ok``; any other exception is the implementation crashing, turned into the
    verdict: an AssertionError naming ``what`` (which carries the rule ids)."""
    from conformance.adapter import Refused

    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the verdict: a crash, reported with the rule it breaks
        if refusal_ok and isinstance(exc, Refused):
            return None
        raise AssertionError(f"{what} crashed instead of {instead}: {type(exc).__name__}: {exc}") from exc


def save_with_lost_create_then_retry(w: Any, kind: str, record_id: Any, create_path: str) -> dict[str, Any]:
    """Save a record whose create Autotask commits but whose answer is lost (the connection drops), then save it
    again with Autotask healthy (the R-05 retry); the record as the sync shows it afterwards."""
    w.fault({"method": "POST", "path": create_path, "commit": True, "drop": True})
    save(w, kind, record_id, {})
    w.clear_faults()
    save(w, kind, record_id, {})
    return w.record(kind, record_id)


def assert_no_parent_cycle(orgs: dict[Any, dict[str, Any]]) -> None:
    """Q16: following Parent Organization from any organization never comes back to it."""
    for oid in orgs:
        seen, cur = set(), oid
        while cur is not None:
            assert cur not in seen, f"Q16: the documentation's parent organizations form a cycle through {cur}"
            seen.add(cur)
            cur = orgs[cur]["fields"].get("parent_id") if cur in orgs else None


def created_by_save(w: Any, kind: str, record_id: Any, entity: str) -> list[dict[str, Any]]:
    """The ``entity`` records Autotask gained from one explicit save (refusal allowed) of an unlinked record."""
    before = {i["id"] for i in w.at_query(entity)}
    save(w, kind, record_id, {})
    return [i for i in w.at_query(entity) if i["id"] not in before]
