"""create_app(config) -> Flask app: the Autotask REST imitation plus the mock's admin API.

One catch-all view resolves paths through the catalogue-driven route table (mockserver.api.routes),
because the real server's routing is case-insensitive and slash-tolerant in ways Flask's router is not.
Cross-cutting features (security levels, throttling, faults, the journal) plug in as guards and
observers on the MockContext instead of being wired into handlers.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Flask, Response, request
from werkzeug.http import HTTP_STATUS_CODES

from mockserver.api.auth import authenticate
from mockserver.api.handlers import ApiHandlers, api_root
from mockserver.api.routes import Route, resolve
from mockserver.catalog import Catalog, load_catalog
from mockserver.config import MockConfig
from mockserver.errors import AspNetError, AutotaskError, method_not_allowed
from mockserver.state.store import Store
from mockserver.state.tenant import Actor, ApiUser, TenantState

log = logging.getLogger("mockserver")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_PAGED = frozenset({"query", "next", "child_collection"})


@dataclass
class ApiCall:
    """What guards and observers see of one API request."""

    method: str
    path: str
    url: str  # "" on the hot path; use flask.request.url when the full URL is needed
    route: Route | None
    tenant: TenantState | None = None
    user: ApiUser | None = None
    actor: Actor | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    integration_code: str | None = None
    mask_protected: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def entity(self) -> str | None:
        return self.route.entity.name if self.route and self.route.entity else None


Guard = Callable[[ApiCall], "Response | None"]
Observer = Callable[[ApiCall, Response], None]


@dataclass
class MockContext:
    config: MockConfig
    catalog: Catalog
    store: Store
    handlers: ApiHandlers
    guards: list[Guard] = field(default_factory=list)  # run after auth, before the handler
    observers: list[Observer] = field(default_factory=list)  # run after every API response
    wrappers: list[Callable[[ApiCall, Callable[[], Response]], Response]] = field(default_factory=list)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # orjson: a 500-record page is ~2 MB of JSON, which the stdlib encoder takes ~10x longer to write.
    payload = b"" if body is None else orjson.dumps(body)
    resp = Response(payload, status=status, content_type="application/json; charset=utf-8")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def error_response(exc: Exception) -> Response:
    if isinstance(exc, AutotaskError):
        body = exc.body() if (exc.messages or exc.status != 401) else None
        return json_response(body, exc.status, exc.headers)
    if isinstance(exc, AspNetError):
        return json_response(exc.body(), exc.status, exc.headers)
    log.exception("unexpected error in the mock")
    return json_response({"errors": [f"An unexpected error occurred in the mock: {type(exc).__name__}: {exc}"]}, 500)


def get_context(app: Flask) -> MockContext:
    return app.extensions["autotask_mock"]


def create_app(config: MockConfig | None = None, *, catalog: Catalog | None = None) -> Flask:
    config = config or MockConfig()
    catalog = catalog or load_catalog()
    store = Store(catalog, config)
    ctx = MockContext(config, catalog, store, ApiHandlers(store, config))
    app = Flask("mockserver")
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.extensions["autotask_mock"] = ctx

    from mockserver.fixtures_loader import load_configured_fixtures

    load_configured_fixtures(store, config.fixtures)

    def api_view(path: str = "") -> Response:
        try:
            return _serve(ctx)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an Autotask-shaped answer
            return error_response(exc)

    app.add_url_rule("/", "api_root", api_view, methods=ALL_METHODS)
    app.add_url_rule("/<path:path>", "api", api_view, methods=ALL_METHODS)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _routing_error(exc: Exception) -> Response:
        return error_response(AspNetError(404, f"No HTTP resource was found that matches the request URI '{request.url}'."))

    @app.after_request
    def _reason_phrase(resp: Response) -> Response:
        # werkzeug upper-cases reason phrases ("401 UNAUTHORIZED"); IIS sends the standard ones.
        resp.status = f"{resp.status_code} {HTTP_STATUS_CODES.get(resp.status_code, 'Unknown')}"
        return resp

    from mockserver.features import install_features

    install_features(app, ctx)
    # The loaded tenants are long-lived: move them out of the collector's sight so a full collection
    # (~0.5 s with 100k records) never lands on a request.
    gc.collect()
    gc.freeze()
    return app


def _serve(ctx: MockContext) -> Response:
    method = request.method.upper()
    route = resolve(
        request.path, ctx.catalog, item_url_writes=ctx.config.item_url_writes, url_for_errors=lambda: request.url
    )
    call = ApiCall(method, request.path, "", route, headers=dict(request.headers), body=request.get_data())
    if method == "HEAD" and "GET" in route.allowed:
        method = "GET"
    if method not in route.allowed:
        raise method_not_allowed(method, route.allowed)
    if not route.needs_auth:
        if route.kind == "zone":
            return json_response(ctx.handlers.zone(request.args, request.host_url, request.host))
        if route.kind == "version":
            return json_response(ctx.handlers.version())
        if route.kind == "openapi":
            from mockserver.openapi import openapi_document

            return json_response(openapi_document(ctx.catalog, request.host_url))
    tenant, user, actor = authenticate(ctx.store, request.headers, unauthorized_body=ctx.config.unauthorized_body)
    call.tenant, call.user, call.actor = tenant, user, actor
    call.integration_code = (request.headers.get("ApiIntegrationCode") or "").strip()

    def run() -> Response:
        for guard in ctx.guards:
            early = guard(call)
            if early is not None:
                return early
        tenant.note_request()
        # Only paged answers carry absolute URLs; building the root costs more than most handlers.
        root = api_root(ctx.config, request.host_url, request.host, tenant, zone=False) if route.kind in _PAGED else ""
        body = ctx.handlers.dispatch(
            route, method, tenant, actor, request.args, call.body, root, mask=call.mask_protected
        )
        return json_response(body)

    def guarded() -> Response:
        try:
            return run()
        except Exception as exc:  # noqa: BLE001
            return error_response(exc)

    handler = guarded
    for wrapper in reversed(ctx.wrappers):
        handler = (lambda w, h: (lambda: w(call, h)))(wrapper, handler)
    response = handler()
    for observer in ctx.observers:
        try:
            observer(call, response)
        except Exception:  # noqa: BLE001 - an observer must never break a response
            log.exception("observer failed")
    return response
