"""The behaviour suites against the reference implementation's adapter — the same tests a third party runs
against theirs with ``pytest --pyargs conformance --sync-adapter=pkg.mod:factory``.

Here each property also has to pass the health check of ``conformance.suites._common`` (issue 13): at least 80% of
its examples (CI profile: 15 per property) checked something (``checked()``), so a run cannot pass having checked
little.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from conformance.adapter import reference_factory
from conformance.kill import suite_tests
from conformance.suites._common import CHECKS, assert_checks_something


def _with_health_check(name: str, test: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(test)
    def run(sync_adapter_factory: Any) -> None:
        CHECKS.pop(name, None)
        test(sync_adapter_factory)
        if name != "test_stateful_sync_machine":  # the machine checks its invariants after every step
            assert_checks_something(name)

    return run


for _name, _test in suite_tests().items():
    globals()[_name] = _with_health_check(_name, _test)


@pytest.fixture
def sync_adapter_factory():
    return reference_factory
