"""Fixtures for the reference implementation's tests.

The helper module ``ri_fake_autotask`` lives beside the tests; its directory is put on ``sys.path`` here so the
import works under any pytest import mode. Every HTTP call goes through ``responses`` to 127.0.0.1 addresses.
"""

from __future__ import annotations

import os
import sys

import pytest
import responses

sys.path.insert(0, os.path.dirname(__file__))

from ri_fake_autotask import (  # noqa: E402,F401
    CODE,
    LOOKUP_ROOT,
    SECRET,
    USERNAME,
    FakeAutotask,
    base_settings,
    demo_tenant,
    fake_client_factory,
)

from reference_impl.clock import ManualClock  # noqa: E402
from reference_impl.docstore import DocStore  # noqa: E402
from reference_impl.sync import SyncService, SyncSettings  # noqa: E402


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeAutotask().install(rsps)


@pytest.fixture
def tenant(fake: FakeAutotask) -> dict[str, int]:
    return demo_tenant(fake)


@pytest.fixture
def make_service(fake, clock):
    """Build a connected SyncService on an in-memory store: ``make_service(settings=None, **client_kw)``."""

    def make(settings: SyncSettings | None = None, store: DocStore | None = None, connect: bool = True,
             **client_kw) -> SyncService:
        st = store or DocStore(":memory:", clock=clock)
        svc = SyncService(st, fake_client_factory(clock, **client_kw), clock=clock)
        if connect:
            svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT)
            svc.save_settings(settings or base_settings())
        return svc

    return make
