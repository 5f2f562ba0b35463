"""The one in-process mock app per process that every example's tenant lives on (in-process and live modes).

Its own module because both conformance.world (in-process tenants) and conformance.live (the same app
served over HTTP) need it, and world reaches live for live tenants.
"""

from __future__ import annotations

import threading
from typing import Any

_app: Any = None
_lock = threading.Lock()


def shared_app():
    """One in-process mock app per process; every example gets its own isolated tenant on it."""
    global _app
    with _lock:
        if _app is None:
            from mockserver.app import create_app
            from mockserver.config import MockConfig

            _app = create_app(MockConfig(fixtures=[]))
        return _app
