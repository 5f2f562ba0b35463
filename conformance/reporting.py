"""pytest plugin of ``autotask-conformance run``: selects properties, shows progress, records every outcome.

The runner passes an instance to ``pytest.main(..., plugins=[plugin])``. Per property it records the outcome, the
rule ids (``conformance.rules``), the skip reason, the failure message with hypothesis' shrunk falsifying example,
the rules the failure blames, and the number of examples (counted through ``conformance.progress``). For a failing
property it writes the last example (the shrunk one, which hypothesis runs last) as a replayable scenario.

An :class:`~conformance.errors.AdapterProtocolError` anywhere in a test's exception means the run itself failed:
the plugin keeps its one line for exit code 2 and stops the session.
"""

from __future__ import annotations

import copy
import fnmatch
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import progress
from conformance.errors import AdapterProtocolError
from conformance.report import PropertyResult
from conformance.rules import cited, notes_of, rules_from_name, rules_of

Printer = Callable[[str, "PropertyResult | None"], None]  # (event, result); events: start, example, done


def selected(name: str, rules: tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    """``--only``: a property is selected when a pattern matches its name or one of its rule ids (globs, any case)."""
    if not patterns:
        return True
    for pat in patterns:
        p = pat.strip().upper()
        if not p:
            continue
        if fnmatch.fnmatchcase(name.upper(), p) or any(fnmatch.fnmatchcase(r, p) for r in rules):
            return True
    return False


def _exceptions(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its group members and causes, depth first."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            stack.extend(reversed(e.exceptions))
        stack.extend(x for x in (e.__cause__, e.__context__) if x is not None)


def protocol_error(exc: BaseException) -> AdapterProtocolError | None:
    return next((e for e in _exceptions(exc) if isinstance(e, AdapterProtocolError)), None)


def blame(message: str, name: str, rules: tuple[str, ...]) -> tuple[str, ...]:
    """The rules a failure breaks: those its message cites plus those the property's name carries.

    A message names the check that tripped (``"M-08: ... should link the earliest org"``), but a mutant that folds
    case (M-06) trips that M-08 check too: the property cannot tell which of its named rules is broken, so all of
    them are blamed. Without any id in name or message, every rule of the property is.
    """
    out = tuple(dict.fromkeys(cited(message) + rules_from_name(name)))
    return out or rules


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in _leaves(e)]
    return [exc]


def failure_text(exc: BaseException) -> tuple[str, str]:
    """(message, counterexample): the failure's own message(s) and hypothesis' notes without reproduce blobs."""
    messages: list[str] = []
    notes: list[str] = []
    for e in _leaves(exc):
        text = str(e).strip()
        if not isinstance(e, AssertionError) or not text:
            text = f"{type(e).__name__}: {text}" if text else type(e).__name__
        messages.append(text)
        notes += getattr(e, "__notes__", ()) or ()
    notes += getattr(exc, "__notes__", ()) or ()
    kept = [n for n in dict.fromkeys(notes) if not _noise(n)]
    return "\n\n".join(messages), "\n".join(kept)


def _noise(note: str) -> bool:
    """Hypothesis notes that help the kit's developers, not the implementer: blobs and kit line explanations."""
    return ("reproduce_failure" in note or note.startswith("You can reproduce") or note.startswith("Explanation:")
            or "These lines were always and only run by failing examples" in note)


class ReportingPlugin:
    def __init__(self, *, only: tuple[str, ...] = (), replay: Callable[[str], str] | None = None,
                 scenarios_dir: Path | None = None, printer: Printer | None = None) -> None:
        self.only = only
        self.replay = replay
        self.scenarios_dir = scenarios_dir
        self.printer = printer or (lambda event, result: None)
        self.results: list[PropertyResult] = []
        self.kit_rules: dict[str, list[str]] = {}
        self.error = ""
        self.collect_errors: list[str] = []
        self._current: PropertyResult | None = None
        self._last: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {}
        self._started = 0.0

    # ------------------------------------------------------------------------------------------ selection
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            fn = getattr(item, "function", None)
            rules = rules_of(fn, item.name)
            for r in rules:
                self.kit_rules.setdefault(r, []).append(item.name)
            (keep if selected(item.name, rules, self.only) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {str(report.longrepr).strip().splitlines()[-1]}")

    # ------------------------------------------------------------------------------------------ progress
    def _on_example(self, spec: dict[str, Any], settings: dict[str, Any] | None) -> None:
        cur = self._current
        if cur is None:
            return
        cur.examples += 1
        self._last[cur.name] = (copy.deepcopy(spec), copy.deepcopy(settings))  # tests may mutate it later
        self.printer("example", cur)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        fn = getattr(item, "function", None)
        module = getattr(getattr(item, "module", None), "__name__", None) or "conformance"
        self._current = PropertyResult(name=item.name, rules=rules_of(fn, item.name), notes=notes_of(fn),
                                       suite=module)
        self._started = time.monotonic()
        previous = progress.listen(self._on_example)
        self.printer("start", self._current)
        try:
            return (yield)
        finally:
            progress.listen(previous)
            cur, self._current = self._current, None
            cur.duration = time.monotonic() - self._started
            self.results.append(cur)
            self.printer("done", cur)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        cur = self._current
        if cur is None:
            return report
        if report.skipped and call.excinfo is not None:
            cur.outcome = "skipped"
            cur.skip_reason = str(getattr(call.excinfo.value, "msg", "") or call.excinfo.value)
        elif report.failed and call.excinfo is not None and cur.outcome not in ("failed", "error"):
            exc = call.excinfo.value
            broken = protocol_error(exc)
            if broken is not None:
                self.error = str(broken)
                item.session.shouldstop = self.error
            cur.outcome = "failed" if broken is None else "error"  # an adapter that broke the protocol was not judged
            cur.message, cur.counterexample = failure_text(exc)
            if broken is not None:
                cur.message, cur.counterexample = str(broken), ""
            cur.blamed = blame(cur.message, item.name, cur.rules)
            if broken is None:
                self._record_failure(cur)
        return report

    def _record_failure(self, cur: PropertyResult) -> None:
        if self.replay is not None:
            cur.replay = self.replay(cur.name)
        last = self._last.get(cur.name)
        if self.scenarios_dir is not None and last is not None:
            from conformance.scenarios import write_scenario

            spec, settings = last
            try:
                paths = write_scenario(self.scenarios_dir, cur.name, cur.blamed or cur.rules, spec, settings,
                                       cur.message, cur.counterexample)
            except Exception as exc:  # noqa: BLE001 - a scenario that cannot be written must not hide the verdict
                cur.scenario = [f"(scenario not written: {type(exc).__name__}: {exc})"]
            else:
                cur.scenario = [str(p) for p in paths]
