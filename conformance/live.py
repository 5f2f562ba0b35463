"""Live mode: the mock served over real HTTP (waitress, a free loopback port, a daemon thread), one tenant per example.

In live mode nothing of the implementation under test is patched or intercepted: it starts from
``Connection.zone_lookup_url`` (``http://127.0.0.1:PORT``), does its own zone lookup and talks HTTP to the mock.
That is what lets the kit judge clients in any language, and Python clients that do not use ``requests``.
Remote adapters (``--sync-adapter=http://...``) always run in live mode; Python adapters choose it with ``--live``.

The server is the same app object the in-process mode uses (:func:`conformance.mock_app.shared_app`), served on a
loopback port. The kit's own calls take the fastest path that does not touch the implementation: tenants are
created, faults set and the journal read through the admin API in-process (the app object, no socket), and the
Autotask-side edits a technician would make go over HTTP with the standard library (:mod:`conformance.live_http`),
so the kit itself needs neither ``requests`` nor interception in this mode.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conformance.live_http import StdlibSession
from mockserver.admin.client import AdminClient, TenantHandle


class LiveMock:
    """The app served by waitress on 127.0.0.1 (port 0: a free one) in a daemon thread."""

    def __init__(self, app: Any, threads: int = 8) -> None:
        from mockserver.cli import build_server

        self.app = app
        self._server = build_server(app, "127.0.0.1", 0, threads=threads)
        self.url = f"http://127.0.0.1:{self._server.effective_port}"
        self._thread = threading.Thread(target=self._server.run, name="conformance-live-mock", daemon=True)
        self._thread.start()
        self.admin = AdminClient(app=app)  # the control plane in-process: the fast equivalent of /_mock/ over HTTP

    def close(self) -> None:
        from mockserver.cli import stop_server

        server, self._server = self._server, None
        if server is not None:
            stop_server(server, self._thread, timeout=5)


class LiveTenant(TenantHandle):
    """One tenant on the live mock; ``root_url`` is the server (``http://127.0.0.1:PORT``), the zone-lookup root."""

    def session(self) -> StdlibSession:
        """A keep-alive HTTP session with the tenant's authentication headers (no ``requests``)."""
        return StdlibSession(self.headers, timeout=30)

    def __repr__(self) -> str:
        return f"<live tenant {self.tenant_name!r} at {self.root_url}>"


_live: LiveMock | None = None
_lock = threading.Lock()


def live_mock() -> LiveMock:
    """The process's live mock, started on first use (each pytest-xdist worker gets its own)."""
    global _live
    with _lock:
        if _live is None:
            from conformance.mock_app import shared_app

            _live = LiveMock(shared_app())
            atexit.register(stop_live_mock)
        return _live


def stop_live_mock() -> None:
    global _live
    with _lock:
        server, _live = _live, None
    if server is not None:
        server.close()


@contextmanager
def live_tenant(document: dict[str, Any]) -> Iterator[LiveTenant]:
    """A fresh isolated tenant (its own tenant name, API user and integration code) built from ``document``."""
    mock = live_mock()
    name = mock.admin.create_tenant(document, isolate=True)["name"]
    try:
        yield LiveTenant(mock.admin, name, mock.url)
    finally:
        try:
            mock.admin.remove_tenant(name)
        except Exception:  # noqa: BLE001 - already gone
            pass
