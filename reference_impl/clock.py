"""Injected time for the reference sync.

Why: "updated within N months" (SC-07, Q23), link timestamps (ST-07), record ``created_at`` tie-breaks (M-08)
and the threshold governor all depend on "now". Nothing in reference_impl calls ``datetime.now`` directly;
it asks a :class:`Clock`, so tests can freeze and move time deterministically (ARCHITECTURE principle 5).
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now()`` returning an aware UTC datetime and ``sleep(seconds)``."""

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall-clock time; ``sleep`` really sleeps (used by the CLI)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A frozen clock for tests: ``sleep`` advances time instead of blocking, so backoff is observable."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = ensure_utc(start or datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC))
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = ensure_utc(instant)

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds > 0:
            self._now += timedelta(seconds=seconds)


def ensure_utc(dt: datetime) -> datetime:
    """Naive datetimes are taken as UTC (Autotask times are UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def subtract_months(dt: datetime, months: int) -> datetime:
    """Calendar-month subtraction in UTC (Q23): 31 March − 1 month = 28/29 February (day clamped)."""
    dt = ensure_utc(dt)
    total = dt.year * 12 + (dt.month - 1) - months
    year, month0 = divmod(total, 12)
    month = month0 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


_FRACTION = re.compile(r"\.(\d+)")


def parse_at_datetime(value: object) -> datetime | None:
    """Parse an Autotask date-time string into an aware UTC datetime.

    Why lenient: the exact serialisation is UNVERIFIED (autotask-api.md §3): it may carry 'Z', an offset, no
    zone at all (then UTC, per SOAPQ), or .NET's 7-digit fractions which ``fromisoformat`` rejects on 3.11.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return ensure_utc(value)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    m = _FRACTION.search(text)
    if m:
        digits = (m.group(1) + "000000")[:6]
        text = text[: m.start()] + "." + digits + text[m.end():]
    try:
        return ensure_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def format_at_datetime(dt: datetime) -> str:
    """Serialise for an Autotask filter value: whole seconds, UTC, 'Z' (floored, so ``gte`` never skips)."""
    return ensure_utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(dt: datetime) -> str:
    """Storage format for the docstore: microsecond ISO in UTC, which also sorts lexically."""
    return ensure_utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
