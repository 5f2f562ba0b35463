"""The behaviour suites against the reference implementation's adapter — the same tests a third party runs
against theirs with ``pytest --pyargs conformance --sync-adapter=pkg.mod:factory``."""

from __future__ import annotations

import pytest

from conformance.adapter import reference_factory
from conformance.machine import test_stateful_sync_machine  # noqa: F401
from conformance.suites.disconnect_delete import *  # noqa: F401,F403
from conformance.suites.lifecycle import *  # noqa: F401,F403
from conformance.suites.locations_tickets import *  # noqa: F401,F403
from conformance.suites.matching import *  # noqa: F401,F403
from conformance.suites.orphaning import *  # noqa: F401,F403
from conformance.suites.passes import *  # noqa: F401,F403
from conformance.suites.push_all import *  # noqa: F401,F403
from conformance.suites.push_operations import *  # noqa: F401,F403
from conformance.suites.record_controls import *  # noqa: F401,F403
from conformance.suites.status_counts import *  # noqa: F401,F403
from conformance.suites.two_way_push import *  # noqa: F401,F403


@pytest.fixture
def sync_adapter_factory():
    return reference_factory
