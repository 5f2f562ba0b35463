"""pytest plugin (auto-registered through the ``pytest11`` entry point): fixtures for testing against the mock."""

from __future__ import annotations
