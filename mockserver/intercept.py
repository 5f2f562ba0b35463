"""In-process mode: route every ``requests`` call to the real Autotask hosts into the mock app.

``mock_autotask`` works like moto's decorators: as a context manager or a decorator, it starts a
``responses`` mock whose callbacks turn the PreparedRequest into a WSGI request and run it through the
Flask app (no socket). The generic host used for the zone lookup (``webservices.autotask.net``) and
every zone host (``webservices<N>.autotask.net``) are intercepted; the app's zone handler answers
``https://webservices<zone>.autotask.net/ATServicesRest/`` for such hosts, so code that hard-codes the
real URLs runs unchanged, paging (``nextPageUrl``) included. Other URLs are refused (a
``requests.ConnectionError``) unless ``passthrough`` allows them.

    from mockserver import mock_autotask

    with mock_autotask("demo") as at:
        run_my_sync(user=at.credentials.user_name, secret=at.credentials.secret,
                    integration_code=at.credentials.integration_code)
        at.assert_called("POST", "Companies/query")
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mockserver.admin.client import AdminClient, Credentials, TenantHandle
from mockserver.dropped import DroppedConnection as DroppedConnection  # re-exported
from mockserver.dropped import dropped_connection
from mockserver.inprocess import body_bytes, build_environ, call_wsgi, header_items

if TYPE_CHECKING:
    import responses

AUTOTASK_URL = re.compile(r"^https?://webservices\d*\.autotask\.net(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
GENERIC_HOST = "https://webservices.autotask.net"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_HOP_BY_HOP = {"content-length", "host", "transfer-encoding", "connection"}

_active: list[InProcessHandle] = []
_active_lock = threading.Lock()


# ---------------------------------------------------------------------------------------------- WSGI bridge
def _body_bytes(body: Any) -> bytes:
    if body is None or isinstance(body, bytes | bytearray | str):
        return body_bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if isinstance(body, memoryview):
        return bytes(body)
    return b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk) for chunk in body)


def run_in_app(app, method: str, url: str, headers: Mapping[str, str] | Sequence[tuple[str, str]], body: Any
               ) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run one HTTP request through the WSGI app; return (status, headers, body). Pure WSGI, no socket."""
    parts = urlsplit(url)
    header_list = [(k, v) for k, v in header_items(headers) if k.lower() not in _HOP_BY_HOP]
    environ = build_environ(method, parts.path or "/", parts.query, header_list, _body_bytes(body),
                            scheme=parts.scheme or "http", netloc=parts.netloc or "localhost",
                            base={"REMOTE_ADDR": "127.0.0.1"})
    status, response_headers, payload = call_wsgi(app, environ)
    return int(status.split(" ", 1)[0]), list(response_headers), payload


def wsgi_callback(app) -> Callable[[Any], tuple[int, list[tuple[str, str]], bytes]]:
    """A ``responses`` callback that answers a PreparedRequest from ``app``."""

    def callback(request):
        status, headers, body = run_in_app(app, request.method, request.url, list(request.headers.items()),
                                           request.body)
        dropped = dropped_connection(headers)
        if dropped is not None:
            # An injected "drop" fault: over a socket the client would see the connection die.
            dropped.request = request
            return dropped
        return status, headers, body

    return callback


# ---------------------------------------------------------------------------------------------- call lists
def bounded_calls(keep: int, patterns: Sequence[re.Pattern[str]]):
    """A ``responses`` CallList keeping only the newest ``keep`` calls to URLs matching ``patterns``.

    Other calls (stubs the test registered on ``handle.responses``, refusals) are all kept, as
    ``responses`` does. Why: the intercepted Autotask calls are what the mock answers, and the
    verification helpers read the mock's own bounded journal, so holding every response body is only cost.
    """
    from responses import CallList

    class BoundedCallList(CallList):
        def add_call(self, call) -> None:
            url = str(getattr(call.request, "url", "") or "")
            if not any(p.match(url) for p in patterns):
                self._calls.append(call)
                return
            if keep <= 0:
                return
            self._calls.append(call)
            ours = [i for i, c in enumerate(self._calls)
                    if any(p.match(str(getattr(c.request, "url", "") or "")) for p in patterns)]
            if len(ours) > keep:
                del self._calls[ours[0]]

        def add(self, request, response) -> None:
            from responses import Call

            self.add_call(Call(request, response))

    return BoundedCallList()


# ---------------------------------------------------------------------------------------------- the handle
class InProcessHandle(TenantHandle):
    """What ``mock_autotask`` yields: the app, the tenant, credentials, seeding, clock and journal helpers.

    ``root_url`` is the generic Autotask host, so ``zone_lookup_url`` is the real one; ``base_url`` is the
    tenant's zone host (``https://webservices<zone>.autotask.net/ATServicesRest/``).
    """

    def __init__(self, app, tenant: str) -> None:
        super().__init__(AdminClient(app=app), tenant, GENERIC_HOST)
        self.app = app
        # the active responses.RequestsMock: register stubs for other services on it (a second, nested
        # responses mock would take over every request, Autotask ones included)
        self.responses: responses.RequestsMock | None = None

    @property
    def ctx(self):
        from mockserver.context import get_context

        return get_context(self.app)

    @property
    def store(self):
        return self.ctx.store

    @property
    def tenant(self):
        """The live TenantState (a reset or load_fixture replaces it, so look it up each time)."""
        return self.store.tenant(self.tenant_name)

    @property
    def base_url(self) -> str:
        return f"https://webservices{self.summary(refresh=self._summary is None)['zone']}.autotask.net/ATServicesRest/"

    def session(self):
        """A ``requests.Session`` with the tenant's authentication headers (intercepted like any other)."""
        import requests

        s = requests.Session()
        s.headers.update(self.headers)
        return s

    def __repr__(self) -> str:
        return f"<mock_autotask tenant={self.tenant_name!r}>"


# ---------------------------------------------------------------------------------------------- mock_autotask
class mock_autotask:  # noqa: N801 - named like moto's mock_* helpers
    """Intercept the real Autotask hosts and answer from an in-process mock.

    fixture      tenant fixture: a name ("demo", a scenario), a path, or a document (default "demo")
    app          an existing mock app to use (default: a new one built from ``settings``)
    settings     MockConfig overrides for a new app, e.g. ``{"missing_item_status": 404}``
    tenant       use this existing tenant of ``app`` instead of creating one from ``fixture``
    isolate      give the new tenant unique user names / integration code (for shared apps)
    passthrough  False: refuse other URLs (requests.ConnectionError); True: let them through;
                 a list of URL prefixes / compiled regexes: let only those through
    hosts        extra base URLs (or compiled regexes) to route into the mock, e.g. "http://autotask.test"
    keep_calls   how many of the newest intercepted Autotask calls ``handle.responses.calls`` keeps
                 (default 0). ``responses`` would keep every request and response for the life of the
                 block (a 100k-record paging walk pinned 325 MiB); the verification helpers read the
                 mock's bounded request journal instead. Calls to other stubs are kept as usual.

    As a decorator, the decorated function can reach the handle with ``mockserver.current_mock()``, or by
    accepting a keyword argument named ``autotask`` (only passed when the function declares it).
    """

    def __init__(
        self,
        fixture: Any = "demo",
        *,
        app: Any = None,
        settings: Mapping[str, Any] | None = None,
        tenant: str | None = None,
        isolate: bool | str = False,
        passthrough: bool | Sequence[str | re.Pattern[str]] = False,
        hosts: Sequence[str | re.Pattern[str]] = (),
        keep_calls: int = 0,
    ) -> None:
        if callable(fixture) and not isinstance(fixture, str | Mapping):
            raise TypeError("use @mock_autotask() or @mock_autotask without arguments on a function")
        self.fixture = fixture
        self.app = app
        self.settings = dict(settings or {})
        self.tenant = tenant
        self.isolate = isolate
        self.passthrough = passthrough
        self.hosts = tuple(hosts)
        if not isinstance(keep_calls, int) or isinstance(keep_calls, bool) or keep_calls < 0:
            raise ValueError("keep_calls must be a non-negative int")
        self.keep_calls = keep_calls
        self.handle: InProcessHandle | None = None
        self._responses: responses.RequestsMock | None = None
        self._created: str | None = None
        self._own_app = False

    # -------------------------------------------------------------- decorator use
    def __new__(cls, *args: Any, **kwargs: Any):
        # @mock_autotask without parentheses: the function arrives as the fixture argument.
        if len(args) == 1 and not kwargs and inspect.isfunction(args[0]):
            return cls()(args[0])
        return super().__new__(cls)

    def __call__(self, func: Callable) -> Callable:
        wants_handle = "autotask" in inspect.signature(func).parameters
        settings = dict(self.settings)
        options = dict(fixture=self.fixture, app=self.app, settings=settings, tenant=self.tenant,
                       isolate=self.isolate, passthrough=self.passthrough, hosts=self.hosts,
                       keep_calls=self.keep_calls)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any):
            with mock_autotask(**options) as handle:
                if wants_handle:
                    kwargs.setdefault("autotask", handle)
                return func(*args, **kwargs)

        if wants_handle:
            # hide the injected parameter from pytest's fixture resolution
            sig = inspect.signature(func)
            wrapper.__signature__ = sig.replace(  # type: ignore[attr-defined]  # read by inspect.signature
                parameters=[p for n, p in sig.parameters.items() if n != "autotask"])
        return wrapper

    # -------------------------------------------------------------- context manager use
    def start(self) -> InProcessHandle:
        import responses

        if self.handle is not None:
            raise RuntimeError("this mock_autotask is already active")
        app = self.app
        if app is None:
            from mockserver.app import create_app
            from mockserver.config import MockConfig

            app = create_app(MockConfig(fixtures=[]).with_overrides(**self.settings))
            self._own_app = True
        elif self.settings:
            raise ValueError("settings apply to a new app; configure the app you pass instead")
        tenant = self.tenant
        if tenant is None:
            summary = AdminClient(app=app).create_tenant(self.fixture, isolate=self.isolate)
            tenant = self._created = summary["name"]
        handle = InProcessHandle(app, tenant)
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        callback = wsgi_callback(app)
        patterns: list[re.Pattern[str]] = [AUTOTASK_URL]
        for host in self.hosts:
            patterns.append(host if isinstance(host, re.Pattern) else re.compile(re.escape(host.rstrip("/")) + r"(?:[/?#]|$)",
                                                                                 re.IGNORECASE))
        mock._calls = bounded_calls(self.keep_calls, patterns)  # responses keeps every call otherwise
        for pattern in patterns:
            for method in METHODS:
                # responses takes a header list (repeated headers survive); its annotation says Mapping
                match = mock.add_callback(method, pattern, callback=callback,  # type: ignore[arg-type]
                                          content_type=None)
                match._calls = bounded_calls(self.keep_calls, patterns)
        if self.passthrough is True:
            mock.add_passthru(re.compile(r".*"))
        elif self.passthrough:
            for prefix in self.passthrough:
                mock.add_passthru(prefix)
        mock.start()
        self._responses = mock
        handle.responses = mock
        self.app = app
        self.handle = handle
        with _active_lock:
            _active.append(handle)
        return handle

    def stop(self) -> None:
        if self._responses is not None:
            try:
                self._responses.stop()
                self._responses.reset()
            finally:
                self._responses = None
        handle, self.handle = self.handle, None
        if handle is not None:
            with _active_lock:
                if handle in _active:
                    _active.remove(handle)
        if self._created is not None and not self._own_app and self.app is not None:
            try:
                AdminClient(app=self.app).remove_tenant(self._created)
            except Exception:  # noqa: BLE001 - already removed by the test
                pass
        self._created = None
        if self._own_app:
            self.app = None
            self._own_app = False

    def __enter__(self) -> InProcessHandle:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def current_mock() -> InProcessHandle:
    """The handle of the innermost active ``mock_autotask``."""
    with _active_lock:
        if not _active:
            raise RuntimeError("no mock_autotask is active")
        return _active[-1]


__all__ = ["AUTOTASK_URL", "Credentials", "InProcessHandle", "current_mock", "mock_autotask", "run_in_app",
           "wsgi_callback"]
