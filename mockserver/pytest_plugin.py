"""pytest plugin (auto-registered through the ``pytest11`` entry point): fixtures for testing against the mock.

Fixtures
    autotask_mock     in-process: ``requests`` calls to *.autotask.net are routed into a mock app (no socket).
                      Every test gets a fresh tenant built from the fixture, with unique user names and
                      integration code; the handle seeds data, moves the clock and reads the journal.
    autotask_server   a real HTTP server on 127.0.0.1 (port 0, one per session, waitress in a daemon thread)
                      for clients not built on ``requests`` (httpx, Node, …); every test gets its own tenant,
                      created and removed through the admin API. With ``--autotask-mock-url URL`` (or
                      ``$AUTOTASK_MOCK_URL``) the tests use that already-running server instead, so
                      pytest-xdist workers can share one server without seeing each other's data.
    autotask_mock_fixture   the fixture (name, path or document) tenants are built from; override it in a
                      conftest.py, or use the marker / the ``autotask_mock_fixture`` ini option (default "demo").

Marker
    @pytest.mark.autotask_mock(fixture="demo", isolate=True, passthrough=False, hosts=(), settings=None)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.admin.client import LiveTenantHandle
    from mockserver.intercept import InProcessHandle

URL_ENV = "AUTOTASK_MOCK_URL"
TOKEN_ENV = "AUTOTASK_MOCK_ADMIN_TOKEN"
MARKER = "autotask_mock"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autotask-mock", "Autotask mock")
    group.addoption("--autotask-mock-url", default=None,
                    help=f"Use this running mock server for autotask_server (default: ${URL_ENV}; else start one).")
    group.addoption("--autotask-mock-token", default=None,
                    help=f"Admin token of that server (default: ${TOKEN_ENV}).")
    parser.addini("autotask_mock_fixture", "Default tenant fixture of the autotask_mock/autotask_server fixtures.",
                  default="demo")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "autotask_mock(fixture=None, isolate=True, passthrough=False, hosts=(), settings=None): "
        "options of the autotask_mock and autotask_server fixtures.",
    )


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # closest marker wins
        if marker.args:
            options["fixture"] = marker.args[0]
        options.update(marker.kwargs)
    return options


def _worker_suffix(request: pytest.FixtureRequest) -> str:
    """Unique per test; starts with the xdist worker id (gw0…) so a shared server's tenants say who made them."""
    from mockserver.admin.isolation import new_suffix

    worker = getattr(request.config, "workerinput", {}).get("workerid", "")
    return f"{worker}-{new_suffix()}" if worker else new_suffix()


@pytest.fixture
def autotask_mock_fixture(request: pytest.FixtureRequest) -> Any:
    """The fixture tenants are built from: the marker's, else the ini option (default "demo")."""
    options = _marker_options(request)
    if options.get("fixture") is not None:
        return options["fixture"]
    return request.config.getini("autotask_mock_fixture") or "demo"


# ---------------------------------------------------------------------------------------------- in-process
@pytest.fixture(scope="session")
def autotask_mock_app() -> Flask:
    """The session's in-process mock app (no tenants of its own; each test adds one)."""
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    return create_app(MockConfig(fixtures=[]))


@pytest.fixture
def autotask_mock(request: pytest.FixtureRequest, autotask_mock_fixture: Any) -> Iterator[InProcessHandle]:
    """In-process mock: yields an InProcessHandle (see mockserver.intercept) for a fresh, isolated tenant."""
    from mockserver.intercept import mock_autotask

    options = _marker_options(request)
    settings = options.get("settings")
    if settings:
        from mockserver.app import create_app
        from mockserver.config import MockConfig

        app = create_app(MockConfig(fixtures=[]).with_overrides(**settings))
    else:
        app = request.getfixturevalue("autotask_mock_app")
    isolate = options.get("isolate", True)
    mock = mock_autotask(
        autotask_mock_fixture,
        app=app,
        isolate=_worker_suffix(request) if isolate is True else isolate,
        passthrough=options.get("passthrough", False),
        hosts=options.get("hosts", ()),
    )
    with mock as handle:
        yield handle


# ---------------------------------------------------------------------------------------------- live server
class LiveServer:
    """A mock server reachable over HTTP: started here (port 0) or an existing one (``url``)."""

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        from mockserver.admin.client import AdminClient

        self.app: Flask | None = None
        self._server = None
        self._thread: threading.Thread | None = None
        if url is None:
            from mockserver.app import create_app
            from mockserver.config import MockConfig
            from mockserver.serving import build_server

            self.app = create_app(MockConfig(fixtures=[], admin_token=token))
            self._server = build_server(self.app, "127.0.0.1", 0, threads=8)
            url = f"http://127.0.0.1:{self._server.effective_port}"
            self._thread = threading.Thread(target=self._server.run, name="autotask-mock-server", daemon=True)
            self._thread.start()
        self.url = url.rstrip("/")
        self.token = token
        self.admin = AdminClient(self.url, token=token)

    @property
    def started_here(self) -> bool:
        return self._server is not None

    def close(self) -> None:
        if self._server is not None:
            from mockserver.serving import stop_server

            server, self._server = self._server, None
            stop_server(server, self._thread)


def start_server(token: str | None = None) -> LiveServer:
    """Start a mock server on 127.0.0.1 with a free port in a daemon thread (no tenants)."""
    return LiveServer(None, token)


@pytest.fixture(scope="session")
def autotask_live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The session's server: ``--autotask-mock-url`` / ``$AUTOTASK_MOCK_URL``, else one started on port 0."""
    url = request.config.getoption("--autotask-mock-url") or os.environ.get(URL_ENV) or None
    token = request.config.getoption("--autotask-mock-token") or os.environ.get(TOKEN_ENV) or None
    server = LiveServer(url, token)
    try:
        yield server
    finally:
        server.close()


def _fixture_payload(fixture: Any) -> Any:
    """A local file is sent as a document (the server may not see it); names are resolved by the server."""
    if isinstance(fixture, str | os.PathLike) and Path(fixture).is_file():
        from mockserver.fixtures_loader import read_fixture

        doc, _ = read_fixture(os.fspath(fixture))
        return doc
    return fixture


@pytest.fixture
def autotask_server(request: pytest.FixtureRequest, autotask_live_server: LiveServer,
                    autotask_mock_fixture: Any) -> Iterator[LiveTenantHandle]:
    """A fresh tenant on the session's live server; yields a LiveTenantHandle (``server_url``, ``credentials``…)."""
    options = _marker_options(request)
    if options.get("settings"):
        raise pytest.UsageError("autotask_server shares one server per session: settings are not per test; "
                                "start the server with them instead")
    isolate = options.get("isolate", True)
    suffix = _worker_suffix(request) if isolate is True else isolate
    summary = autotask_live_server.admin.create_tenant(_fixture_payload(autotask_mock_fixture), isolate=suffix)
    from mockserver.admin.client import LiveTenantHandle

    handle = LiveTenantHandle(autotask_live_server.admin, summary["name"], autotask_live_server.url)
    try:
        yield handle
    finally:
        try:
            autotask_live_server.admin.remove_tenant(summary["name"])
        except Exception:  # noqa: BLE001 - the test may have removed it
            pass
