"""Request thresholds, usage-based latency, 429 + Retry-After and the per-endpoint thread limit.

* Every authenticated API call counts in the tenant's rolling window (``request_threshold`` requests per
  ``threshold_timeframe_minutes``, default 10,000 per 60 minutes, measured on the tenant clock;
  ``throttle_time_scale`` shrinks the window so a test can run an "hour" in seconds).
* From 50 % of the threshold a request is delayed +0.5 s, from 75 % +1 s (``latency_tiers``, scaled by
  ``throttle_time_scale``). The delay goes through an injectable sleep (:func:`set_sleep`), so tests record
  it (or advance the tenant clock) instead of waiting.
* At 100 % the call gets ``429 {"errors": [...]}`` with ``Retry-After``: the seconds until the oldest
  counted request leaves the window. Rejected calls are not counted. Checking the window and counting
  the call are one step under the tenant's threshold lock, so a threshold of N serves exactly N calls
  however many threads race for them. ThresholdInformation is never refused: at the limit it answers,
  uncounted (whether the real API refuses it is unknown; README "Thresholds, latency and 429").
* Every wait here (latency tiers, the thread-limit queue) is an emulated wait (mockserver.waiting): it
  does not hold a worker another tenant needs.
* At most ``thread_limit`` (3) requests run at once per integration code and endpoint (entity); over the
  limit a request waits for a slot (``thread_limit_mode = "queue"``) or gets a 429 (``"reject"``).
  ZoneInformation is never limited (it is answered before authentication).

The window arithmetic (:func:`window_seconds`, :func:`latency_for`, :func:`retry_after`) is pure.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from mockserver.errors import AutotaskError
from mockserver.waiting import emulated_sleep, waiting

SLEEP_KEY = "autotask_mock_sleep"
LIMITER_KEY = "autotask_mock_thread_limiter"
COUNTED_KEY = "threshold_counted"  # ApiCall.extra flag: the throttle guard already counted this request


# ------------------------------------------------------------------ injectable sleep
def set_sleep(app, sleep: Callable[[float], None] | None) -> None:
    """Replace the sleep used for added latency (throttle tiers and fault ``latency``); None restores time.sleep."""
    app.extensions[SLEEP_KEY] = sleep or time.sleep


def get_sleep(app) -> Callable[[float], None]:
    return app.extensions.get(SLEEP_KEY) or time.sleep


def emulated_wait(app, seconds: float) -> None:
    """Sleep ``seconds`` of added latency without holding a worker other tenants need (mockserver.waiting)."""
    emulated_sleep(get_sleep(app), seconds)


# ------------------------------------------------------------------ pure helpers
def window_seconds(config) -> float:
    return float(config.threshold_timeframe_minutes) * 60.0 * float(config.throttle_time_scale)


def latency_for(count_before: int, threshold: int, tiers: Sequence[Sequence[float]], scale: float = 1.0) -> float:
    """Seconds to add to a request that finds ``count_before`` requests already in the window."""
    if threshold <= 0:
        return 0.0
    used = 100.0 * count_before / threshold
    added = 0.0
    best = -1.0
    for percent, seconds in tiers:
        if used >= float(percent) and float(percent) >= best:
            best, added = float(percent), float(seconds)
    return added * scale


def retry_after(oldest: datetime, now: datetime, window: float) -> int:
    """Whole seconds (at least 1) until ``oldest`` leaves a window of ``window`` seconds."""
    remaining = (oldest + timedelta(seconds=window) - now).total_seconds()
    return max(1, math.ceil(remaining))


# ------------------------------------------------------------------ threshold accounting
def prune(tenant, window: float, now: datetime) -> None:
    horizon = now - timedelta(seconds=window)
    times = tenant.request_times
    while times and times[0] <= horizon:
        times.popleft()


def window_count(tenant, config) -> int:
    with tenant.threshold_lock:
        prune(tenant, window_seconds(config), tenant.clock.now())
        return len(tenant.request_times)


class ThreadLimiter:
    """At most ``limit`` concurrent calls per key; waits (queue) or refuses (reject) past it.

    Every API request passes through here, so the uncontended path only counts: conditions are
    notified only when a request is queued or a test is watching (``wait_until``).
    """

    def __init__(self) -> None:
        lock = threading.Lock()
        self._slots = threading.Condition(lock)  # requests waiting for a slot
        self._changed = threading.Condition(lock)  # observers (tests) waiting for a state
        self._active: dict[tuple, int] = {}
        self._waiting: dict[tuple, int] = {}
        self._queued = 0  # requests blocked in acquire, all keys
        self._watchers = 0  # threads in wait_until
        self.peak: dict[tuple, int] = {}

    def acquire(self, key: tuple, limit: int, wait: bool) -> bool:
        with self._slots:
            if self._active.get(key, 0) >= limit:
                if not wait:
                    return False
                self._waiting[key] = self._waiting.get(key, 0) + 1
                self._queued += 1
                self._changed.notify_all()
                try:
                    with waiting():  # a queued request gives its worker back to the pool meanwhile
                        while self._active.get(key, 0) >= limit:
                            self._slots.wait()
                finally:
                    self._waiting[key] -= 1
                    self._queued -= 1
            n = self._active.get(key, 0) + 1
            self._active[key] = n
            if n > self.peak.get(key, 0):
                self.peak[key] = n
            if self._watchers:
                self._changed.notify_all()
            return True

    def release(self, key: tuple) -> None:
        with self._slots:
            n = self._active.get(key, 0) - 1
            if n <= 0:
                self._active.pop(key, None)
            else:
                self._active[key] = n
            if self._queued:
                self._slots.notify_all()
            if self._watchers:
                self._changed.notify_all()

    def active(self, key: tuple) -> int:
        with self._slots:
            return self._active.get(key, 0)

    def waiting(self, key: tuple) -> int:
        with self._slots:
            return self._waiting.get(key, 0)

    def snapshot(self) -> tuple[dict[tuple, int], dict[tuple, int], dict[tuple, int]]:
        """Copies of (active, waiting, peak) per key, for the web console's thread-limit view."""
        with self._slots:
            return dict(self._active), dict(self._waiting), dict(self.peak)

    def wait_until(self, predicate, timeout: float = 10.0) -> bool:
        """Block until ``predicate(active, waiting)`` holds (dicts keyed like acquire); False on timeout."""
        with self._changed:
            self._watchers += 1
            try:
                return self._changed.wait_for(lambda: predicate(dict(self._active), dict(self._waiting)), timeout)
            finally:
                self._watchers -= 1


def endpoint_of(call) -> str:
    route = call.route
    if route is not None and route.entity is not None:
        return route.entity.name
    return route.kind if route is not None else call.path


def install(app, ctx) -> None:
    from mockserver.answers import error_response, json_response

    config = ctx.config
    limiter = ThreadLimiter()
    app.extensions[LIMITER_KEY] = limiter
    app.extensions.setdefault(SLEEP_KEY, time.sleep)

    def guard(call):
        tenant = call.tenant
        if tenant is None:
            return None
        window = window_seconds(config)
        threshold = int(config.request_threshold)
        enforced = bool(config.threshold_enforced) and threshold > 0
        admitted, count, oldest, now = tenant.admit_request(window, threshold if enforced else None)
        # The gateway counts every request that passes the guards; this one is counted here (or refused
        # uncounted), atomically with the check.
        call.extra[COUNTED_KEY] = True
        if not admitted:
            if call.route is not None and call.route.kind == "threshold":
                # Whether the real API refuses ThresholdInformation itself at the limit is unknown (the
                # research material says nothing): keep it readable, uncounted, so a client can read its
                # usage exactly when it needs it (README "Thresholds, latency and 429").
                call.extra["throttle"] = f"over the threshold ({count}/{threshold}); ThresholdInformation answered uncounted"
                return None
            wait = retry_after(oldest or now, now, window)
            call.extra["throttle"] = f"rejected: {count}/{threshold} requests in the window, Retry-After {wait}"
            return error_response(
                AutotaskError(
                    f"API request threshold exceeded: {count} of {threshold} requests allowed per "
                    f"{config.threshold_timeframe_minutes} minutes have been made. Retry after {wait} seconds.",
                    status=429,
                    headers={"Retry-After": str(wait)},
                )
            )
        delay = latency_for(count, threshold, config.latency_tiers, float(config.throttle_time_scale))
        if delay > 0:
            call.extra["throttle"] = f"latency +{delay:g}s at {100.0 * count / threshold:.0f}% of the threshold"
            emulated_wait(app, delay)
        return None

    def wrapper(call, proceed):
        limit = int(config.thread_limit or 0)
        response = None
        if limit > 0 and call.tenant is not None:
            key = (call.tenant.name, (call.integration_code or "").lower(), endpoint_of(call).lower())
            if not limiter.acquire(key, limit, wait=config.thread_limit_mode != "reject"):
                call.extra["throttle"] = f"thread limit: {limit} concurrent requests already running"
                return error_response(
                    AutotaskError(
                        f"Thread limit exceeded: at most {limit} concurrent requests are allowed per API "
                        f"integration code and endpoint (ApiIntegrationCode '{call.integration_code}', "
                        f"endpoint {endpoint_of(call)}). Retry when a running request has finished.",
                        status=429,
                        headers={"Retry-After": "1"},
                    )
                )
            try:
                response = proceed()
            finally:
                limiter.release(key)
        else:
            response = proceed()
        if (
            call.route is not None
            and call.route.kind == "threshold"
            and response.status_code == 200
            and float(config.throttle_time_scale) != 1.0
        ):
            # ThresholdInformation counts the scaled window the throttle enforces.
            body = json.loads(response.get_data())
            body["currentTimeframeRequestCount"] = window_count(call.tenant, config)
            response = json_response(body)
        return response

    ctx.guards.append(guard)
    ctx.wrappers.append(wrapper)
