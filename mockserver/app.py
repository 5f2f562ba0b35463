"""create_app(config) -> Flask app: the Autotask REST imitation plus the mock's admin API.

Every API request goes to one gateway, :func:`serve_api`, which resolves paths through the
catalogue-driven route table (mockserver.api.routes), because the real server's routing is
case-insensitive and slash-tolerant in ways Flask's router is not. Flask reaches it through a catch-all
view; :class:`ApiFastLane` reaches it straight from WSGI, which is most of the mock's speed.
Cross-cutting features (security levels, throttling, faults, webhooks, the journal) plug in as guards,
wrappers and recorders on the MockContext instead of being wired into handlers.

One server serves many clients at once (issue 15): within a tenant, scans share a readers-writer lock
and writes own it (mockserver.state.rwlock); across tenants, emulated waits never hold a worker another
tenant needs (mockserver.waiting); the threshold is checked and counted in one step (mockserver.throttle).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask, Response, request, signals
from werkzeug.wrappers import Request

from mockserver.answers import _JSON_TYPE, FastJSONProvider, error_response, json_response, with_reason_phrase
from mockserver.api.auth import authenticate
from mockserver.api.handlers import ApiHandlers, api_root
from mockserver.api.routes import resolve
from mockserver.catalog import Catalog, load_catalog
from mockserver.config import MockConfig
from mockserver.context import CONTEXT_KEY, ApiCall, Guard, MockContext, Recorder, get_context
from mockserver.errors import AspNetError, method_not_allowed
from mockserver.features import install_features
from mockserver.state.store import Store

# Re-exported: external code (and older feature code) imports these from mockserver.app.
__all__ = ["ApiCall", "ApiFastLane", "Guard", "MockContext", "Recorder", "create_app", "error_response",
           "get_context", "json_response", "serve_api", "with_reason_phrase"]

log = logging.getLogger("mockserver")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_PAGED = frozenset({"query", "next", "child_collection"})


def create_app(config: MockConfig | None = None, *, catalog: Catalog | None = None) -> Flask:
    config = config or MockConfig()
    catalog = catalog or load_catalog()
    store = Store(catalog, config)
    ctx = MockContext(config, catalog, store, ApiHandlers(store, config))
    app = Flask("mockserver", static_folder=None)
    app.json = FastJSONProvider(app)
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.extensions[CONTEXT_KEY] = ctx

    from mockserver.fixtures_loader import load_configured_fixtures

    load_configured_fixtures(store, config.fixtures)

    def api_view(path: str = "") -> Response:
        return serve_api(ctx, request._get_current_object())  # type: ignore[attr-defined]  # a LocalProxy

    app.add_url_rule("/", "api_root", api_view, methods=ALL_METHODS)
    app.add_url_rule("/<path:path>", "api", api_view, methods=ALL_METHODS)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _routing_error(exc: Exception) -> Response:
        return error_response(AspNetError(404, f"No HTTP resource was found that matches the request URI '{request.url}'."))

    @app.after_request
    def _reason_phrase(resp: Response) -> Response:
        return with_reason_phrase(resp)

    install_features(app, ctx)
    app.wsgi_app = ApiFastLane(app, ctx, app.wsgi_app, own_hooks={_reason_phrase})  # type: ignore[method-assign]
    from mockserver.inprocess import MockTestClient

    app.test_client_class = MockTestClient
    # The loaded tenants are long-lived: move them out of the collector's sight so a full collection
    # (~0.5 s with 100k records) never lands on a request.
    gc.collect()
    gc.freeze()
    return app


class ApiFastLane:
    """WSGI middleware answering API requests without Flask's per-request machinery.

    Flask's request and app contexts, URL adapter, signals and hook lists cost more than serving a
    GET by id does, and every API path lands on one catch-all view anyway. So API requests go straight
    to :func:`serve_api`; the /_mock/ admin API, methods Flask would refuse, and every request of an app
    someone has attached their own request hooks or signal receivers to still go through Flask, so
    such extensions keep seeing every request.
    """

    def __init__(self, app: Flask, ctx: MockContext, flask_wsgi: Callable, own_hooks: set[Callable]) -> None:
        self.app = app
        self.ctx = ctx
        self.flask_wsgi = flask_wsgi
        self.own_hooks = own_hooks

    def _flask_needed(self) -> bool:
        app = self.app
        for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
                      app.url_value_preprocessors):
            funcs = hooks.get(None)
            if funcs and any(f not in self.own_hooks for f in funcs):
                return True
        return bool(_signals_connected())

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        if environ.get("wsgi.multiprocess"):
            return refuse_multiprocess(start_response)
        path = environ.get("PATH_INFO") or "/"
        if path.startswith("/_mock") or environ.get("REQUEST_METHOD") not in _METHODS or self._flask_needed():
            return self.flask_wsgi(environ, start_response)
        response = serve_api(self.ctx, Request(environ))
        if response.is_streamed or response.direct_passthrough:
            return response(environ, start_response)
        # What Response.__call__ does for a buffered body, minus the generality the mock never needs
        # (relative Location headers, streamed or ranged bodies).
        status = response.status_code
        start_response(response.status, response.headers.to_wsgi_list())
        if environ["REQUEST_METHOD"] == "HEAD" or status < 200 or status in (204, 304):
            return []
        return response.response


_METHODS = frozenset(ALL_METHODS)

# Tenants live in this process's memory: under several worker processes (gunicorn -w 2) each worker
# would hand out the same ids and answer from its own copy, all with 200. So every request is refused.
MULTIPROCESS_REFUSAL = (
    "autotask-mock cannot run under a multi-process WSGI server (wsgi.multiprocess is true): every worker "
    "would keep its own copy of the tenants. Run one process (gunicorn -w 1, waitress, autotask-mock serve), "
    "or use the zones mode for several processes: autotask-mock serve --zones N."
)
_multiprocess_logged = False


def refuse_multiprocess(start_response: Callable) -> list[bytes]:
    """Answer 500 with MULTIPROCESS_REFUSAL (logged once per process)."""
    global _multiprocess_logged
    if not _multiprocess_logged:
        _multiprocess_logged = True
        log.error(MULTIPROCESS_REFUSAL)
    payload = orjson.dumps({"errors": [MULTIPROCESS_REFUSAL]})
    start_response("500 Internal Server Error", [("Content-Type", _JSON_TYPE), ("Content-Length", str(len(payload)))])
    return [payload]


_SIGNALS = (signals.request_started, signals.request_finished, signals.got_request_exception,
            signals.request_tearing_down)


def _signals_connected() -> bool:
    return any(sig.receivers for sig in _SIGNALS)


def serve_api(ctx: MockContext, req: Request) -> Response:
    """Answer one Autotask API request; every failure becomes an Autotask-shaped answer, never a trace."""
    t0 = time.perf_counter()
    calls: list[ApiCall] = []
    try:
        response = _serve(ctx, req, calls)
    except Exception as exc:  # noqa: BLE001
        response = error_response(exc)
    with_reason_phrase(response)
    if ctx.recorders:
        ms = (time.perf_counter() - t0) * 1000.0
        call = calls[0] if calls and calls[0].tenant is not None else None
        for recorder in ctx.recorders:
            try:
                recorder(req, call, response, ms)
            except Exception:  # noqa: BLE001 - a recorder must never break a response
                log.exception("recorder failed")
    return response


def _serve(ctx: MockContext, req: Request, calls: list[ApiCall]) -> Response:
    method = req.method.upper()
    path = req.path
    route = resolve(path, ctx.catalog, item_url_writes=ctx.config.item_url_writes, url_for_errors=lambda: req.url)
    headers = req.headers
    environ = req.environ
    body = req.get_data() if environ.get("CONTENT_LENGTH") or environ.get("HTTP_TRANSFER_ENCODING") else b""
    call = ApiCall(method, path, route, body=body, request=req)
    calls.append(call)
    if method == "HEAD" and "GET" in route.allowed:
        method = "GET"
    if method not in route.allowed:
        raise method_not_allowed(method, route.allowed)
    if not route.needs_auth:
        if route.kind == "zone":
            return json_response(ctx.handlers.zone(req.args, req.host_url, req.host))
        if route.kind == "version":
            return json_response(ctx.handlers.version())
        if route.kind == "openapi":
            from mockserver.openapi import openapi_document

            return json_response(openapi_document(ctx.catalog, req.host_url))
    tenant, user, actor = authenticate(ctx.store, headers, unauthorized_body=ctx.config.unauthorized_body)
    call.tenant, call.user, call.actor = tenant, user, actor
    call.integration_code = (headers.get("ApiIntegrationCode") or "").strip()

    def run() -> Response:
        for guard in ctx.guards:
            early = guard(call)
            if early is not None:
                return early
        if not call.extra.get("threshold_counted"):  # throttle counts (check-and-count) when installed
            tenant.note_request()
        # Only paged answers carry absolute URLs; building the root costs more than most handlers.
        root = api_root(ctx.config, req.host_url, req.host, tenant, zone=False) if route.kind in _PAGED else ""
        body = ctx.handlers.dispatch(route, method, tenant, actor, req.args, call.body, root,
                                     mask=call.mask_protected)
        return json_response(body)

    def guarded() -> Response:
        try:
            return run()
        except Exception as exc:  # noqa: BLE001
            return error_response(exc)

    handler = guarded
    for wrapper in reversed(ctx.wrappers):
        handler = (lambda w, h: (lambda: w(call, h)))(wrapper, handler)
    return handler()
