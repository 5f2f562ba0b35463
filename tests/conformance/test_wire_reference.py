"""Conformance over the wire: the reference sync judged through real HTTP only.

* served in a separate process behind ``python -m conformance.serve`` (the remote adapter protocol), it passes
  every suite test in live mode;
* its ``urllib`` variant (``conformance.adapter:reference_urllib_factory``, HTTP by the standard library) passes
  every suite test in live mode in-process, with ``requests`` made unusable: the kit depends on neither
  ``requests`` nor interception.

Examples per property are reduced here to keep the test run short (the full CI profile over the wire is measured
by ``bench/bench_conformance.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from conformance import world
from conformance.adapter import load_factory, reference_urllib_factory
from conformance.kill import suite_tests
from conformance.remote import RemoteAdapterFactory
from conformance.suites._common import override
from tests.conformance.served import served_adapter

TESTS = sorted(suite_tests())
FEW = {"max_examples": 2, "stateful_step_count": 8}


@pytest.fixture(scope="module")
def remote_reference() -> Iterator[RemoteAdapterFactory]:
    with served_adapter("conformance.adapter:reference_factory") as url:
        factory = load_factory(url)
        assert isinstance(factory, RemoteAdapterFactory)
        yield factory


@pytest.mark.parametrize("name", TESTS)
def test_reference_served_in_another_process_passes_over_the_wire(name: str, remote_reference: Any) -> None:
    assert world.live_mode(remote_reference)  # remote adapters always run against the live mock
    with override(**FEW):
        suite_tests()[name](remote_reference)


@pytest.fixture
def live_without_requests() -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("requests was used: live mode must not need it")

    world.use_live_mode(True)
    try:
        with mock.patch("requests.adapters.HTTPAdapter.send", refuse):
            yield
    finally:
        world.use_live_mode(False)


@pytest.mark.parametrize("name", TESTS)
def test_reference_without_requests_passes_in_live_mode(name: str, live_without_requests: None) -> None:
    with override(**FEW):
        suite_tests()[name](reference_urllib_factory)


def test_the_urllib_variant_cannot_be_judged_in_process(live_without_requests: None) -> None:
    """Control: the variant's traffic is real HTTP; with live mode off, interception does not see it and the
    zone lookup goes to the real Autotask host name, which the test refuses to reach (no connection)."""
    world.use_live_mode(False)
    with mock.patch("socket.create_connection", side_effect=OSError("no network in tests")), \
            pytest.raises(Exception):  # noqa: B017 - any failure to connect will do
        suite_tests()["test_M03_contacts_match_first_and_last_name_within_the_org"](reference_urllib_factory)


class Forwarding:
    """A wrapper that forwards attributes, like the runner's guard around the adapter under test."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_wrapped_remote_adapter_still_runs_live(remote_reference: Any) -> None:
    def wrapped_factory() -> Forwarding:
        return Forwarding(remote_reference())

    assert not world.live_mode(wrapped_factory)  # the factory does not say so; the adapter it makes does
    with override(**FEW):
        suite_tests()["test_M03_contacts_match_first_and_last_name_within_the_org"](wrapped_factory)
