"""throttle feature (to be built)."""

from __future__ import annotations


def install(app, ctx) -> None:
    """No-op until the feature lands."""
