"""The mock's control plane under /_mock/ (to be built)."""

from __future__ import annotations


def install(app, ctx) -> None:
    """No-op until the admin API lands."""
