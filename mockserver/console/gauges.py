"""Pure numbers behind the Tenants page: the threshold gauge and the thread-limit use.

No I/O and no Flask: the routes read the tenant (window count, limiter snapshot) and hand plain values in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mockserver.throttle import latency_for


@dataclass(frozen=True)
class ThresholdGauge:
    """Requests in the rolling window against the limit, and the latency tier they reach."""

    count: int
    threshold: int
    percent: float  # of the threshold used, 0..100+ (0 when there is no threshold)
    tier_percent: float | None  # the highest latency tier reached (its "from N %"), None below every tier
    added_seconds: float  # latency a request now gets from the tiers (already scaled)
    state: str  # "ok" | "slowed" | "refusing" - what the next request meets

    @property
    def label(self) -> str:
        if self.threshold <= 0:
            return f"{self.count} requests (no threshold)"
        text = f"{self.count} of {self.threshold} requests ({self.percent:.0f} %)"
        if self.state == "refusing":
            return text + ": at the limit, calls get 429"
        if self.tier_percent is not None:
            return text + f": latency tier {self.tier_percent:g} % reached, +{self.added_seconds:g} s per call"
        return text + ": below the latency tiers"


def threshold_gauge(count: int, threshold: int, tiers: Sequence[Sequence[float]], scale: float = 1.0,
                    enforced: bool = True) -> ThresholdGauge:
    """The gauge for ``count`` requests in the window (the throttle's own arithmetic: throttle.latency_for)."""
    if threshold <= 0:
        return ThresholdGauge(count, threshold, 0.0, None, 0.0, "ok")
    percent = 100.0 * count / threshold
    reached = [float(p) for p, _ in tiers if percent >= float(p)]
    tier = max(reached) if reached else None
    added = latency_for(count, threshold, tiers, scale)
    if enforced and count >= threshold:
        state = "refusing"
    elif added > 0:
        state = "slowed"
    else:
        state = "ok"
    return ThresholdGauge(count, threshold, percent, tier, added, state)


@dataclass(frozen=True)
class SlotUse:
    """Concurrent requests running for one integration code and endpoint (the per-endpoint thread limit)."""

    integration_code: str
    endpoint: str
    active: int
    waiting: int
    peak: int
    limit: int


def thread_use(tenant: str, active: Mapping[tuple, int], waiting: Mapping[tuple, int], peak: Mapping[tuple, int],
               limit: int) -> list[SlotUse]:
    """One tenant's rows of the limiter's (tenant, code, endpoint) keys, busiest first."""
    keys = {k for k in (*active, *waiting, *peak) if k and k[0] == tenant}
    rows = [SlotUse(k[1], k[2], active.get(k, 0), waiting.get(k, 0), peak.get(k, 0), limit) for k in keys]
    rows.sort(key=lambda r: (-r.active, -r.waiting, -r.peak, r.endpoint, r.integration_code))
    return rows
