"""A failing property shows its counterexample's values even when schemathesis' pytest plugin is loaded.

schemathesis (in the test extra) swaps hypothesis' printer for one that prints nothing, process-wide; without the
kit's guard a report's counterexample reads ``spec=,``. This test applies schemathesis' swap itself, so it holds
whether or not the plugin was loaded in this run.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import core
from hypothesis import strategies as st

from conformance.suites._common import prop


class _Idle:
    capabilities = frozenset()

    def close(self) -> None:
        pass


def test_counterexample_values_survive_the_blank_printer() -> None:
    pytest.importorskip("schemathesis")
    from schemathesis.generation.hypothesis import setup

    setup()
    swapped = core.RepresentationPrinter

    @prop(rules=["M-06"], spec=st.just({"companies": [{"id": 1001, "name": "Contoso "}]}))
    def test_M06_x(factory: Any, spec: dict) -> None:
        assert not spec["companies"], "M-06: planted failure"

    with pytest.raises(AssertionError) as info:
        test_M06_x(_Idle)
    notes = "\n".join(getattr(info.value, "__notes__", ()))
    assert "'name': 'Contoso '" in notes, notes  # the values, not "spec=,"
    assert core.RepresentationPrinter is swapped  # schemathesis keeps its own printer outside the kit's properties
