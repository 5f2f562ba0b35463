"""The exception in-process transports raise for an injected dropped connection.

Kept apart from mockserver.fault_actions because it subclasses requests' ConnectionError: serving never
needs requests, so only the in-process transports (mockserver.intercept) pay for importing it.
"""

from __future__ import annotations

from collections.abc import Iterable

import requests

from mockserver.fault_actions import is_dropped


class DroppedConnection(requests.exceptions.ConnectionError):
    """Raised in-process for a response marked ``X-Mock-Fault: drop`` (an injected dropped connection)."""


def dropped_connection(headers: Iterable[tuple[str, str]]) -> DroppedConnection | None:
    """The exception to raise for a response with these headers, or None when it was not dropped."""
    if not is_dropped(dict(headers)):
        return None
    return DroppedConnection("Connection aborted: the mock dropped the connection (injected fault).")
