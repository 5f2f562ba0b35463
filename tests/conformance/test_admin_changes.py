"""The FM-O2 property of conformance/suites/admin_changes.py skips, not fails, an adapter of protocol 1.0.

That the admin-change properties kill their hand mutants is checked with every other survivor property in
test_survivor_properties.py."""

from __future__ import annotations

import pytest

from tests.conformance.test_survivor_properties import run_property as _run


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
