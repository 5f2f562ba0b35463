"""Injectable time.

One clock abstraction for the whole mock so tests can move time deterministically (thresholds,
lastActivityDate, "updated within N months"). A tenant clock is a global clock plus an offset, or a
frozen instant; nothing in the mock calls ``datetime.now`` directly.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock:
    """Wall time shifted by an offset, or frozen at an instant.

    ``set`` freezes when asked to (tests want exact timestamps); ``advance`` moves whichever mode is active.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None
        if start is not None:
            self.set(start, frozen=frozen)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return utcnow() + self._offset

    def set(self, instant: datetime, *, frozen: bool = False) -> None:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        with self._lock:
            if frozen:
                self._frozen_at = instant
                self._offset = timedelta(0)
            else:
                self._frozen_at = None
                self._offset = instant - utcnow()

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)
        return self.now()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def state(self) -> dict[str, object]:
        return {"now": self.now().isoformat().replace("+00:00", "Z"), "frozen": self.frozen}
