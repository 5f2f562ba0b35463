"""What a pass reports: counts per kind, its status, its warnings (shared by the pull pass and the service)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CHILD_KINDS = ("location", "contact", "configuration", "ticket")


KINDS = ("organization", *CHILD_KINDS)


ProgressFn = Callable[[str, int, int], None]


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0  # matched an existing unlinked/orphaned record
    relinked: int = 0
    orphaned: int = 0
    skipped: int = 0
    failed: int = 0
    fetched: int = 0


@dataclass
class PassResult:
    """What one pass did; ``counts`` per kind. ``status`` is 'ok' or 'error' (aborted, nothing changed)."""

    pass_id: int
    full: bool
    status: str
    counts: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts() for k in KINDS})
    api_calls: int = 0
    duration_s: float = 0.0
    error: str | None = None
    error_kind: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"pass_id": self.pass_id, "full": self.full, "status": self.status, "api_calls": self.api_calls,
                "duration_s": round(self.duration_s, 3), "error": self.error, "error_kind": self.error_kind,
                "warnings": self.warnings, "counts": {k: vars(v) for k, v in self.counts.items()}}
