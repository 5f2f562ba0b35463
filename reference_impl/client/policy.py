"""Pure retry and throttle policies.

Why separate and pure: backoff and threshold pacing decide *how long to wait*; the client only sleeps through an
injected clock. Keeping the arithmetic here lets tests check bounds and jitter exactly, with no real sleeping.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter.

    ``max_attempts`` counts the first try. Delays are ``uniform(0, min(max_delay, base * 2**n))`` so many clients
    sharing one tenant do not retry in lockstep; a server ``Retry-After`` is honoured but capped at
    ``max_retry_after`` so a bogus header cannot stall a pass for hours.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` is 1-based, the one that just failed)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class ThresholdState:
    """What the client last learned from ``ThresholdInformation`` plus the calls it made since."""

    limit: int | None = None
    timeframe_minutes: int = 60
    count_at_check: int = 0
    calls_since_check: int = 0
    disabled: bool = False  # the endpoint is unavailable (e.g. a minimal test double): pace on 429s only

    @property
    def estimated_used(self) -> int:
        return self.count_at_check + self.calls_since_check


@dataclass(frozen=True)
class ThresholdPolicy:
    """Slow down *before* the hourly limit (10,000/h per database, shared by all integrations).

    Below ``slow_from`` of the limit no delay is added. Between ``slow_from`` and ``stop_at`` each call waits the
    sustainable pace (timeframe / limit), scaled up as usage grows, so a long pass finishes without 429s. At or
    above ``stop_at`` the client waits ``stop_wait`` and re-reads ThresholdInformation (the hour is rolling).
    ``check_every`` bounds how stale the estimate may get; the check itself costs one request.
    """

    slow_from: float = 0.75
    stop_at: float = 0.97
    stop_wait: float = 60.0
    check_every: int = 250

    def needs_check(self, state: ThresholdState) -> bool:
        """Read ThresholdInformation before the first call, every ``check_every`` calls, and more often
        (every tenth of that) once usage is in the slow-down band where the estimate matters."""
        if state.disabled:
            return False
        if state.limit is None:
            return True
        if self.usage(state) >= self.slow_from:
            return state.calls_since_check >= max(1, self.check_every // 10)
        return state.calls_since_check >= self.check_every

    def usage(self, state: ThresholdState) -> float:
        if not state.limit:
            return 0.0
        return state.estimated_used / state.limit

    def delay(self, state: ThresholdState) -> float:
        """Seconds to wait before the next call; 0 when comfortably under the limit."""
        if not state.limit:
            return 0.0
        usage = self.usage(state)
        if usage < self.slow_from:
            return 0.0
        if usage >= self.stop_at:
            return self.stop_wait
        pace = state.timeframe_minutes * 60.0 / state.limit
        # Linear ramp: 1x pace at slow_from, 4x pace just below stop_at.
        ramp = 1.0 + 3.0 * (usage - self.slow_from) / (self.stop_at - self.slow_from)
        return pace * ramp


@dataclass
class CallStats:
    """API calls made by one client: the benchmark and the demo summary report these (issue: API-call budget)."""

    calls: int = 0
    retries: int = 0
    slept: float = 0.0
    by_entity: dict[str, int] = field(default_factory=dict)

    def record(self, entity: str) -> None:
        self.calls += 1
        self.by_entity[entity] = self.by_entity.get(entity, 0) + 1
