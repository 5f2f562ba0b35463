"""Thresholds, usage-based latency, 429 + Retry-After and the per-endpoint thread limit (issue 7)."""

from __future__ import annotations

import threading

from mockserver.app import get_context
from mockserver.throttle import LIMITER_KEY, latency_for, retry_after, set_sleep
from tests.mockserver.conftest import BASIC_HEADERS, V1, Api, make_app


class SleepRecorder:
    """Injected sleep: records the delay and moves the tenant clock instead of waiting."""

    def __init__(self, clock=None) -> None:
        self.calls: list[float] = []
        self.clock = clock

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)


def setup(**settings):
    app = make_app(**settings)
    tenant = get_context(app).store.tenant("basic")
    sleep = SleepRecorder()
    set_sleep(app, sleep)
    return app, tenant, sleep, Api(app.test_client(), BASIC_HEADERS)


def test_pure_helpers():
    tiers = [[50, 0.5], [75, 1.0]]
    assert latency_for(0, 100, tiers) == 0
    assert latency_for(49, 100, tiers) == 0
    assert latency_for(50, 100, tiers) == 0.5
    assert latency_for(74, 100, tiers) == 0.5
    assert latency_for(75, 100, tiers) == 1.0
    assert latency_for(99, 100, tiers, scale=0.001) == 0.001
    from datetime import UTC, datetime

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after(t0, t0, 3600) == 3600
    assert retry_after(t0, t0.replace(minute=59, second=59, microsecond=500_000), 3600) == 1


def test_a_client_that_ignores_retry_after_is_slowed_then_refused():
    app, tenant, sleep, api = setup(request_threshold=20)
    statuses, delays = [], []
    for _ in range(26):
        before = len(sleep.calls)
        statuses.append(api.get("Companies/1").status_code)
        delays.append(sleep.calls[before] if len(sleep.calls) > before else 0)
    # requests 1-10 (< 50 %) run at full speed, 11-15 get +0.5 s, 16-20 get +1 s, the rest are refused
    assert statuses == [200] * 20 + [429] * 6
    assert delays[:10] == [0] * 10
    assert delays[10:15] == [0.5] * 5
    assert delays[15:20] == [1.0] * 5
    assert delays[20:] == [0] * 6  # refusals are immediate
    refused = api.get("Companies/1")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"  # the frozen clock: the oldest request leaves in an hour
    assert "threshold" in refused.get_json()["errors"][0]
    assert tenant.threshold_count() == 20  # refused requests are not counted

    tenant.clock.advance(int(refused.headers["Retry-After"]))
    assert api.get("Companies/1").status_code == 200


def test_retry_after_counts_down_to_when_the_oldest_request_leaves_the_window():
    app, tenant, sleep, api = setup(request_threshold=3, latency_tiers=[])
    for _ in range(3):
        assert api.get("Companies/1").status_code == 200
        tenant.clock.advance(600)  # ten minutes between requests
    resp = api.get("Companies/1")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == str(3600 - 1800)
    tenant.clock.advance(1800)
    assert api.get("Companies/1").status_code == 200  # the first request left the window
    resp = api.get("Companies/1")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "600"
    assert sleep.calls == []


def test_time_scale_runs_an_hour_in_seconds_of_tenant_clock():
    app, tenant, sleep, api = setup(request_threshold=4, throttle_time_scale=0.001)
    for _ in range(4):
        assert api.get("Companies/1").status_code == 200
    assert sleep.calls == [0.0005, 0.001]  # +0.5 s / +1 s scaled
    resp = api.get("Companies/1")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "4"  # 3.6 s window, rounded up
    tenant.clock.advance(3.6)
    info = api.get("ThresholdInformation").get_json()
    assert info == {"externalRequestThreshold": 4, "requestThresholdTimeframe": 60, "currentTimeframeRequestCount": 1}


def test_threshold_information_reports_the_window_and_enforcement_can_be_switched_off():
    app, tenant, sleep, api = setup(request_threshold=5, threshold_enforced=False)
    for _ in range(7):
        assert api.get("Companies/1").status_code == 200
    info = api.get("ThresholdInformation").get_json()
    assert info["currentTimeframeRequestCount"] == 8 and info["externalRequestThreshold"] == 5
    assert sleep.calls[-1] == 1.0


def test_zone_information_is_neither_counted_nor_limited():
    app, tenant, sleep, api = setup(request_threshold=2)
    client = app.test_client()
    for _ in range(5):
        assert client.get(f"{V1}/zoneInformation?user=sync@BASIC.APIUSER.com").status_code == 200
    assert tenant.threshold_count() == 0


def test_thresholds_are_per_tenant():
    app, tenant, sleep, api = setup(request_threshold=2)
    other = Api(app.test_client(), {"UserName": "sync@OTHER.APIUSER.com", "Secret": "s3cret", "ApiIntegrationCode": "OTHERCODE"})
    api.get("Companies/1")
    api.get("Companies/1")
    assert api.get("Companies/1").status_code == 429
    assert other.get("ThresholdInformation").status_code == 200


def _wait_for(cond, predicate, timeout=10):
    with cond:
        return cond.wait_for(predicate, timeout)


def _blocked_calls(app, n, path="Companies/1"):
    """Start n calls that block inside their thread slot (a latency fault with a gated sleep)."""
    gate = threading.Event()
    entered = threading.Condition()
    inside = []

    def gated_sleep(seconds):
        with entered:
            inside.append(seconds)
            entered.notify_all()
        gate.wait(30)

    set_sleep(app, gated_sleep)
    gate.inside_at_least = lambda k: _wait_for(entered, lambda: len(inside) >= k)
    app.test_client().post("/_mock/faults", json={"entity": "Companies", "latency": 1})
    results: list[int] = []
    lock = threading.Lock()

    def run():
        status = Api(app.test_client(), BASIC_HEADERS).get(path).status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    return gate, threads, results


def test_thread_limit_reject_mode_answers_429_past_three_concurrent_calls():
    app = make_app(thread_limit_mode="reject")
    limiter = app.extensions[LIMITER_KEY]
    key = ("basic", "testcode", "companies")
    gate, threads, results = _blocked_calls(app, 3)
    try:
        assert limiter.wait_until(lambda active, waiting: active.get(key) == 3)
        api = Api(app.test_client(), BASIC_HEADERS)
        resp = api.get("Companies/2")
        assert resp.status_code == 429
        assert "at most 3 concurrent requests" in resp.get_json()["errors"][0]
        assert resp.headers["Retry-After"] == "1"
        assert api.get("Contacts/20").status_code == 200  # another endpoint has its own slots
    finally:
        gate.set()
        for t in threads:
            t.join(30)
    assert results == [200, 200, 200]
    assert Api(app.test_client(), BASIC_HEADERS).get("Companies/2").status_code == 200


def test_thread_limit_queue_mode_makes_the_fourth_call_wait_for_a_slot():
    app = make_app(thread_limit_mode="queue")
    limiter = app.extensions[LIMITER_KEY]
    key = ("basic", "testcode", "companies")
    gate, threads, results = _blocked_calls(app, 4)
    try:
        assert limiter.wait_until(lambda active, waiting: active.get(key) == 3 and waiting.get(key) == 1)
    finally:
        gate.set()
        for t in threads:
            t.join(30)
    assert results == [200] * 4
    assert limiter.peak[key] == 3


def test_thread_limit_can_be_switched_off():
    app = make_app(thread_limit=0)
    limiter = app.extensions[LIMITER_KEY]
    gate, threads, results = _blocked_calls(app, 4)
    try:
        assert gate.inside_at_least(4)  # all four run at once
    finally:
        gate.set()
        for t in threads:
            t.join(30)
    assert results == [200] * 4 and limiter.peak == {}
