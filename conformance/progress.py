"""The seam between the kit and whoever watches a run: one call per example.

``conformance.world.world()`` calls :func:`example` once per example it builds (the tenant spec and the settings it
applies). The runner (``conformance.reporting``) installs a listener to count examples for its progress display and
to remember the last example of each property: when a property fails, hypothesis runs the shrunk counterexample
last, so the last example recorded is the one to turn into a replayable scenario. Without a listener (plain pytest)
the call costs one global lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Listener = Callable[[dict[str, Any], "dict[str, Any] | None"], None]
_listener: Listener | None = None


def example(spec: dict[str, Any], settings: dict[str, Any] | None) -> None:
    """Report that an example with this tenant ``spec`` and ``settings`` (None: the base settings) starts."""
    if _listener is not None:
        _listener(spec, settings)


def listen(listener: Listener | None) -> Listener | None:
    """Install ``listener`` (None removes it); returns the previous one so callers can restore it."""
    global _listener
    previous, _listener = _listener, listener
    return previous
