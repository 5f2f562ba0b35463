"""The decisions suite (conformance/suites/decisions.py) against the reference implementation's adapter."""

from __future__ import annotations

import pytest

from conformance.adapter import reference_factory
from conformance.suites.decisions import *  # noqa: F401,F403


@pytest.fixture
def sync_adapter_factory():
    return reference_factory
