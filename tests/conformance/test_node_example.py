"""The Node.js example adapter (examples/node-adapter/adapter.js, standard library only) judged over the wire.

It wraps a deliberately small toy sync, so it fails many properties. What this shows: the wire works across
languages (its capabilities arrive, its records are read, unsupported operations are skipped), and the kit's
verdict names the rules that fail and why, never a protocol error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.adapter import load_factory
from conformance.errors import AdapterProtocolError
from conformance.kill import suite_tests
from conformance.suites._common import override
from tests.conformance.served import node, node_adapter

pytestmark = pytest.mark.skipif(node() is None, reason="node is not installed")


@pytest.fixture(scope="module")
def toy() -> Iterator[object]:
    with node_adapter() as url:
        yield load_factory(url)


def _verdict(name: str, factory: object) -> str:
    from hypothesis import Phase

    with override(max_examples=4, phases=(Phase.explicit, Phase.generate), derandomize=True):
        try:
            suite_tests()[name](factory)
        except pytest.skip.Exception as exc:
            return f"skipped: {exc}"
        except AdapterProtocolError:
            raise
        except AssertionError as exc:
            return f"failed: {str(exc).splitlines()[0]}"
    return "passed"


def test_node_adapter_speaks_the_protocol(toy: object) -> None:
    a = toy()  # type: ignore[operator]
    try:
        assert a.capabilities == frozenset({"create_record"})
        rid = a.create_record("organization", {"name": "Contoso"}, via="api")
        assert [r["id"] for r in a.records("organization")] == [rid]
        assert a.records("contact") == []
    finally:
        a.close()


def test_node_toy_sync_passes_exact_name_matching(toy: object) -> None:
    assert _verdict("test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first", toy) == "passed"


def test_node_toy_sync_fails_the_rules_it_breaks_with_the_reason(toy: object) -> None:
    # it orphans everything when a fetch fails (O-08/C-11) and syncs no configurations (M-07)
    assert _verdict("test_O08_C11_a_failed_or_partial_fetch_changes_nothing", toy).startswith(
        "failed: O-08/C-11: a pass under faults")
    assert "M-07" in _verdict("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org", toy)


def test_node_toy_sync_is_skipped_where_it_lacks_the_capability(toy: object) -> None:
    assert _verdict("test_P01_two_way_off_never_writes_to_autotask", toy) == \
        "skipped: adapter does not support edit_and_save"
