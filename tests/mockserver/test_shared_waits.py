"""Emulated waits never take a worker another tenant needs (issue 15, part 3; mockserver.waiting).

One tenant floods a slow endpoint with more concurrent calls than the server has workers; the slowness
comes from injected fault latency, a threshold latency tier, or the thread-limit queue. Another tenant's
``query/count`` must still be answered while every one of those calls is still waiting. The waits block
on an Event (not a timer), so the test proves the other call completed *during* them; the other call's
client timeout only turns a hang into a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import requests

from mockserver.throttle import LIMITER_KEY, set_sleep
from mockserver.waiting import ElasticDispatcher, waiting
from tests.mockserver.conftest import BASIC_HEADERS, OTHER_HEADERS, V1, make_app
from tests.mockserver.test_faults import add, live

WORKERS = 2
FLOOD = 8
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


class BlockingSleep:
    """The app's injectable sleep: each call blocks until ``release`` is set, and counts who waits."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.cond = threading.Condition()
        self.inside = 0

    def __call__(self, seconds: float) -> None:
        with self.cond:
            self.inside += 1
            self.cond.notify_all()
        self.release.wait(30)
        with self.cond:
            self.inside -= 1

    def wait_for(self, n: int) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.inside >= n, 30)


def slow_by_fault_latency(app) -> dict:
    add(app, {"entity": "Companies", "latency": 5}, tenant="basic")
    return {}


def slow_by_latency_tier(app) -> dict:
    # threshold 20, one tier from 20 %: four quick calls bring "basic" there; "other" stays at 0 %
    for _ in range(4):
        assert app.test_client().get(f"{V1}/Companies/1", headers=BASIC_HEADERS).status_code == 200
    return {}


def slow_by_thread_limit_queue(app) -> dict:
    add(app, {"entity": "Companies", "latency": 5}, tenant="basic")  # the one running call waits ...
    return {"limiter": True}  # ... and the other seven queue for the single slot


CASES: dict[str, tuple[dict, Callable]] = {
    # thread_limit 0: all eight reach their wait at once (the default limit of 3 would queue five)
    "fault-latency": ({"thread_limit": 0}, slow_by_fault_latency),
    "latency-tier": ({"thread_limit": 0, "request_threshold": 20, "latency_tiers": [[20, 5]]}, slow_by_latency_tier),
    "thread-limit-queue": ({"thread_limit": 1, "thread_limit_mode": "queue"}, slow_by_thread_limit_queue),
}


@pytest.mark.parametrize("case", list(CASES))
def test_other_tenant_is_answered_while_one_tenant_floods_a_slow_endpoint(case):
    settings, arrange = CASES[case]
    app = make_app(**settings)
    sleep = BlockingSleep()
    set_sleep(app, sleep)
    how = arrange(app)
    results: list[int] = []

    def slow_call(base: str) -> None:
        resp = requests.post(f"{base}/Companies/query", json=ALL, headers=BASIC_HEADERS, timeout=60)
        results.append(resp.status_code)

    with live(app, threads=WORKERS) as base:
        flood = [threading.Thread(target=slow_call, args=(base,)) for _ in range(FLOOD)]
        for t in flood:
            t.start()
        try:
            if how.get("limiter"):
                limiter = app.extensions[LIMITER_KEY]
                key = ("basic", "testcode", "companies")
                assert limiter.wait_until(lambda a, w: a.get(key) == 1 and w.get(key) == FLOOD - 1, 30)
                assert sleep.wait_for(1)
            else:
                assert sleep.wait_for(FLOOD)  # all eight are inside their wait: four times the workers
            other = requests.post(f"{base}/Companies/query/count", json=ALL, headers=OTHER_HEADERS, timeout=20)
            assert other.status_code == 200 and other.json()["queryCount"] >= 1
            assert results == []  # every slow call was still waiting when the other tenant got its answer
        finally:
            sleep.release.set()
            for t in flood:
                t.join(60)
    assert results == [200] * FLOOD


def test_the_pool_grows_for_each_wait_and_shrinks_back():
    dispatcher = ElasticDispatcher()
    dispatcher.set_thread_count(2)
    entered = threading.Barrier(4)
    release = threading.Event()
    ran: list[int] = []

    class Task:
        def __init__(self, n: int) -> None:
            self.n = n

        def service(self) -> None:
            with waiting():
                entered.wait(10)
                release.wait(10)
            ran.append(self.n)

        def cancel(self) -> None:  # pragma: no cover - waitress API
            pass

    try:
        for n in range(3):
            dispatcher.add_task(Task(n))
        entered.wait(10)  # three tasks wait at once on a pool of two: the pool grew
        assert dispatcher.waiting == 3
        assert dispatcher.thread_count == 5
        release.set()
        with dispatcher.lock:
            dispatcher.thread_exit_cv.wait_for(lambda: len(dispatcher.threads) - dispatcher.stop_count == 2, 10)
        assert dispatcher.thread_count == 2
        assert dispatcher.peak_waiting == 3
    finally:
        release.set()
        dispatcher.shutdown(timeout=10)
    assert sorted(ran) == [0, 1, 2]


def test_waiting_outside_waitress_is_a_plain_block():
    with waiting():  # no dispatcher on this thread: nothing to compensate, nothing raised
        pass
