"""The /_mock/ control plane: tenants (create, reset, remove, export, seed), clocks, the request journal.

Admin calls never pass through the API pipeline, so they are never counted against the request
threshold, never journaled, never throttled and never hit by injected faults. When MockConfig.admin_token
is set every admin call must carry it (``X-Mock-Admin-Token`` or ``Authorization: Bearer``); when it is not
set, only loopback clients may use the admin API. Answers are JSON; failures are
``{"error": "...", ...}`` with 400 (bad input), 401 (token), 404 (unknown tenant) or 409 (conflict).

The endpoint table lives in ``ADMIN_ENDPOINTS`` and is what ``GET /_mock/`` and the OpenAPI
document (mockserver.admin.spec) describe.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from mockserver.admin.auth import check_admin_token, is_loopback_peer
from mockserver.admin.endpoints import ADMIN_ENDPOINTS, ADMIN_PREFIX, all_endpoints
from mockserver.admin.isolation import clean_suffix, isolate_fixture, new_suffix
from mockserver.answers import json_response
from mockserver.context import MockContext, get_context
from mockserver.journal import filters_from_args, get_journal
from mockserver.json_input import check_document, load_json
from mockserver.state.tenant import Actor, FixtureLoadError, TenantState

STATE_KEY = "autotask_mock.admin"
__all__ = ["ADMIN_ENDPOINTS", "ADMIN_PREFIX", "all_endpoints", "install"]  # the table lives in admin.endpoints

@dataclass
class AdminState:
    initial_tenants: set[str] = field(default_factory=set)


class AdminError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


bp = Blueprint("autotask_mock_admin", __name__, url_prefix=ADMIN_PREFIX)


def _ctx() -> MockContext:
    return get_context(current_app)




@bp.before_request
def _check_token() -> Response | None:
    config = _ctx().config
    if config.admin_token:
        refusal = check_admin_token(current_app, config, request)  # 401, or 429 in the back-off
        return None if refusal is None else json_response(refusal[1], refusal[0], refusal[2])
    if not is_loopback_peer(request.remote_addr):
        return json_response({"error": "The admin API is open to loopback clients only unless the server is "
                                       "started with an admin token (--admin-token)."}, 401)
    return None


@bp.errorhandler(AdminError)
def _admin_error(exc: AdminError) -> Response:
    return json_response({"error": exc.message, **exc.extra}, exc.status)


# ---------------------------------------------------------------------------------------------- helpers
def _body() -> Any:
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        return {}
    ctype = (request.content_type or "").lower()
    text = raw.decode("utf-8-sig", errors="replace")
    if "yaml" in ctype:
        try:
            from mockserver.fixtures.format import loads_fixture

            doc = loads_fixture(text, "<request body>", "yaml")
            check_document(doc, surrogates=True)
            return doc
        except RecursionError:
            raise AdminError(400, "The YAML body is nested too deeply.") from None
        except ImportError:  # pragma: no cover - the fixtures package is part of the distribution
            import yaml

            return yaml.safe_load(text)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
    try:
        return load_json(text, surrogates=True)
    except ValueError as exc:
        raise AdminError(400, f"The request body is not valid JSON: {exc}") from None


def _tenant(name: str) -> TenantState:
    state = _ctx().store.tenant(name)
    if state is None:
        raise AdminError(404, f"No tenant named {name!r}.", tenants=sorted(_ctx().store.tenants))
    return state


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def default_credentials(state: TenantState) -> dict[str, Any]:
    """The tenant's first API user and first integration code (fixture order)."""
    user = next(iter(state.api_users.values()), None)
    ordered = [str(c) for c in (state.extra.get("fixture") or {}).get("integrationCodes") or ()]
    codes = [c for c in ordered if c in state.integration_codes] or sorted(state.integration_codes)
    return {
        "userName": user.user_name if user else None,
        "secret": user.secret if user else None,
        "integrationCode": codes[0] if codes else None,
        "resourceID": user.resource_id if user else None,
    }


def tenant_summary(ctx: MockContext, state: TenantState, journal=None) -> dict[str, Any]:
    with state.lock:
        counts = {name: len(table) for name, table in sorted(state.tables.items()) if len(table)}
    summary = {
        "name": state.name,
        "zone": state.info.zone,
        "zoneName": state.info.zone_name,
        "ci": state.info.ci,
        "clock": state.clock.state(),
        "credentials": default_credentials(state),
        "apiUsers": [
            {"userName": u.user_name, "secret": u.secret, "resourceID": u.resource_id, "securityLevel": u.security_level}
            for u in state.api_users.values()
        ],
        "integrationCodes": sorted(state.integration_codes),
        "records": counts,
        "requestsInThresholdWindow": state.threshold_count(),
    }
    if journal is not None:
        summary["journal"] = journal.stats(state.name)
    return summary


def _resolve(spec: Any) -> tuple[dict[str, Any], str]:
    """A fixture given by name/path (resolved on the server) or as a document."""
    from mockserver.fixtures_loader import read_fixture

    try:
        doc, source = read_fixture(spec)
    except FileNotFoundError as exc:
        raise AdminError(404, str(exc)) from None
    except ValueError as exc:  # FixtureError
        raise AdminError(400 if isinstance(spec, Mapping) else 404, str(exc)) from None
    return _expand(doc), source


def _expand(doc: dict[str, Any]) -> dict[str, Any]:
    if "generate" not in doc:
        return doc
    try:
        from mockserver.fixtures.scenarios import expand_fixture
    except ImportError:  # pragma: no cover
        return doc
    try:
        return expand_fixture(doc)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from None


def _isolation_suffix(isolate: Any) -> str | None:
    """None (no isolation), a fresh random suffix (true) or the suffix given."""
    if isolate is None or isolate is False:
        return None
    text = str(isolate).strip().lower()
    if text in ("", "false", "0", "no", "off"):
        return None
    if isolate is True or text in ("true", "1", "yes", "on"):
        return new_suffix()
    return str(isolate)


def create_tenant(ctx: MockContext, body: Any, *, name: str | None = None, isolate: Any = None,
                  replace: bool = False) -> TenantState:
    """Build and register a tenant from an admin request body (see ADMIN_ENDPOINTS)."""
    if not isinstance(body, Mapping):
        raise AdminError(400, "The body must be a fixture document or {\"fixture\": ...}.")
    if "fixture" in body and "tenant" not in body and "format" not in body:
        name = body.get("name", name)
        isolate = body.get("isolate", isolate)
        replace = _flag(body.get("replace", replace))
        doc, source = _resolve(body["fixture"])
    else:
        doc, source = _expand(dict(body)), "<request body>"
    suffix = _isolation_suffix(isolate)
    if suffix is not None:
        try:
            doc = isolate_fixture(doc, clean_suffix(suffix), name=name)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
    elif name:
        doc = dict(doc)
        doc["tenant"] = {**dict(doc.get("tenant") or {}), "name": name}
    tenant_name = str((doc.get("tenant") or {}).get("name") or "")
    if tenant_name and not replace and ctx.store.tenant(tenant_name) is not None:
        raise AdminError(409, f"A tenant named {tenant_name!r} already exists (send \"replace\": true to rebuild it).")
    try:
        state = ctx.store.add_tenant(doc, source, replace=replace)
    except FixtureLoadError as exc:
        status = 409 if any("already" in p.message for p in exc.problems) else 400
        raise AdminError(status, str(exc), problems=[str(p) for p in exc.problems]) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise AdminError(400, f"{source}: {exc}") from None
    get_journal(current_app).clear(state.name)
    return state


def _parse_instant(value: Any) -> datetime:
    from mockserver.state.values import coerce

    try:
        instant = coerce("datetime", value)
    except Exception as exc:  # noqa: BLE001
        raise AdminError(400, f"now: not an ISO 8601 date-time: {value!r} ({exc})") from None
    if not isinstance(instant, datetime):
        raise AdminError(400, f"now: not an ISO 8601 date-time: {value!r}")
    return instant


def _seconds(body: Mapping[str, Any]) -> float:
    units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
    total = 0.0
    given = False
    for key, factor in units.items():
        if key in body:
            try:
                total += float(body[key]) * factor
            except (TypeError, ValueError):
                raise AdminError(400, f"{key} must be a number, got {body[key]!r}") from None
            given = True
    if not given:
        raise AdminError(400, "Give the amount to advance as seconds, minutes, hours and/or days.")
    return total


def _journal_filters() -> dict[str, Any]:
    try:
        return filters_from_args(request.args)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from None


# ---------------------------------------------------------------------------------------------- endpoints
@bp.get("/")
def index() -> Response:
    ctx = _ctx()
    return json_response({
        "service": "autotask-mock admin API",
        "tenants": sorted(ctx.store.tenants),
        "endpoints": [{"method": m, "path": p, "summary": s} for m, p, s in all_endpoints()],
    })


@bp.get("/settings")
def settings() -> Response:
    return json_response(_jsonable(_ctx().config.public_settings()))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@bp.get("/openapi.json")
def admin_openapi() -> Response:
    from mockserver.admin.spec import admin_document

    return json_response(admin_document(request.host))


@bp.get("/tenants")
def list_tenants() -> Response:
    ctx = _ctx()
    journal = get_journal(current_app)
    return json_response({"tenants": [tenant_summary(ctx, t, journal) for _, t in sorted(ctx.store.tenants.items())]})


@bp.post("/tenants")
def post_tenant() -> Response:
    ctx = _ctx()
    args = request.args
    state = create_tenant(ctx, _body(), name=args.get("name") or None, isolate=args.get("isolate") or None,
                          replace=_flag(args.get("replace", "")))
    return json_response(tenant_summary(ctx, state, get_journal(current_app)), 201)


@bp.get("/tenants/<name>")
def get_tenant(name: str) -> Response:
    return json_response(tenant_summary(_ctx(), _tenant(name), get_journal(current_app)))


@bp.delete("/tenants/<name>")
def delete_tenant(name: str) -> Response:
    ctx = _ctx()
    _tenant(name)
    ctx.store.remove_tenant(name)
    get_journal(current_app).clear(name)
    return json_response({"removed": name})


@bp.post("/tenants/<name>/reset")
def reset_one(name: str) -> Response:
    ctx = _ctx()
    _tenant(name)
    try:
        state = ctx.store.reset_tenant(name)
    except FixtureLoadError as exc:  # pragma: no cover - it loaded once, it loads again
        raise AdminError(400, str(exc)) from None
    if state is None:
        raise AdminError(404, f"Tenant {name!r} has no fixture to reset to.")
    get_journal(current_app).clear(name)
    return json_response(tenant_summary(ctx, state, get_journal(current_app)))


@bp.post("/reset")
def reset_all() -> Response:
    ctx = _ctx()
    body = _body()
    remove_added = _flag((body or {}).get("removeAdded", request.args.get("removeAdded", "")))
    admin: AdminState = current_app.extensions[STATE_KEY]
    journal = get_journal(current_app)
    reset, removed = [], []
    for name in sorted(ctx.store.tenants):
        if remove_added and name not in admin.initial_tenants:
            ctx.store.remove_tenant(name)
            removed.append(name)
        elif ctx.store.reset_tenant(name) is not None:
            reset.append(name)
    journal.clear()
    return json_response({"reset": reset, "removed": removed})


@bp.get("/tenants/<name>/export")
def export(name: str) -> Response:
    ctx = _ctx()
    _tenant(name)
    doc = ctx.store.export_tenant(name)
    if doc is None:  # pragma: no cover - removed between the two lines
        raise AdminError(404, f"No tenant named {name!r}.")
    if (request.args.get("format") or "json").lower() in ("yaml", "yml"):
        from mockserver.fixtures.format import dumps_fixture

        return Response(dumps_fixture(doc, "yaml"), status=200, content_type="application/yaml; charset=utf-8")
    return json_response(doc)


@bp.post("/tenants/<name>/records")
def seed_records(name: str) -> Response:
    ctx = _ctx()
    state = _tenant(name)
    body = _body()
    if not isinstance(body, Mapping):
        raise AdminError(400, 'The body must map entity names to lists of records: {"Companies": [{...}]}.')
    records = body.get("records", body) if "records" in body else body
    impersonate = body.get("impersonationResourceId") if "records" in body else None
    created, error = seed(ctx, state, records, impersonate)
    if error is not None:
        raise AdminError(400, error["error"], created=created, **{k: v for k, v in error.items() if k != "error"})
    return json_response({"created": created}, 201)


def seed(ctx: MockContext, state: TenantState, records: Mapping[str, Any], impersonate: Any = None
         ) -> tuple[dict[str, list[int]], dict[str, Any] | None]:
    """Create records one by one through the API's business rules (TenantState.create), in order.

    Stops at the first failure; the records created before it stay (as they would through the API).
    Returns (created ids per entity, error or None).
    """
    from mockserver.errors import AutotaskError

    user = next(iter(state.api_users.values()), None)
    actor = Actor(user.resource_id if user else None, int(impersonate) if impersonate not in (None, "") else None)
    created: dict[str, list[int]] = {}
    for entity_name, rows in records.items():
        spec = ctx.catalog.get(str(entity_name))
        if spec is None:
            return created, {"error": f"Unknown entity {entity_name!r}.", "entity": entity_name}
        if isinstance(rows, Mapping):
            rows = [rows]
        if not isinstance(rows, list):
            return created, {"error": f"{entity_name}: expected a list of records.", "entity": spec.name}
        for index, row in enumerate(rows):
            try:
                new_id = state.create(spec, row, actor=actor)
            except AutotaskError as exc:
                return created, {"error": f"{spec.name}[{index}]: " + "; ".join(exc.messages or [str(exc)]),
                                 "entity": spec.name, "index": index, "errors": list(exc.messages)}
            except (TypeError, ValueError) as exc:
                return created, {"error": f"{spec.name}[{index}]: {exc}", "entity": spec.name, "index": index}
            created.setdefault(spec.name, []).append(new_id)
    return created, None


@bp.get("/tenants/<name>/clock")
def get_clock(name: str) -> Response:
    return json_response(_tenant(name).clock.state())


@bp.put("/tenants/<name>/clock")
@bp.post("/tenants/<name>/clock")
def set_clock(name: str) -> Response:
    state = _tenant(name)
    body = _body()
    if not isinstance(body, Mapping):
        raise AdminError(400, 'The body must be {"now": ISO-8601, "frozen": true|false}.')
    if body.get("now") is None and "frozen" not in body:
        raise AdminError(400, 'Give "now" (ISO 8601) and/or "frozen".')
    frozen = _flag(body["frozen"]) if "frozen" in body else state.clock.frozen
    instant = _parse_instant(body["now"]) if body.get("now") is not None else state.clock.now()
    state.clock.set(instant, frozen=frozen)
    return json_response(state.clock.state())


@bp.post("/tenants/<name>/clock/advance")
def advance_clock(name: str) -> Response:
    state = _tenant(name)
    state.clock.advance(_seconds(_body() or {}))
    return json_response(state.clock.state())


@bp.get("/clock")
def all_clocks() -> Response:
    ctx = _ctx()
    return json_response({"tenants": {name: t.clock.state() for name, t in sorted(ctx.store.tenants.items())}})


@bp.post("/clock/advance")
def advance_all() -> Response:
    ctx = _ctx()
    seconds = _seconds(_body() or {})
    for state in list(ctx.store.tenants.values()):
        state.clock.advance(seconds)
    return json_response({"tenants": {name: t.clock.state() for name, t in sorted(ctx.store.tenants.items())}})


@bp.get("/journal")
def journal_all() -> Response:
    journal = get_journal(current_app)
    filters = _journal_filters()
    if "tenant" in request.args:
        tenant = request.args.get("tenant") or None
        entries = journal.entries(tenant, **filters)
        stats = journal.stats(tenant)
    else:
        entries = journal.entries(**filters)
        stats = journal.stats()
    return json_response({"entries": entries, "count": len(entries), "lastSeq": journal.last_seq, **stats})


@bp.delete("/journal")
def journal_clear_all() -> Response:
    journal = get_journal(current_app)
    if "tenant" in request.args:
        removed = journal.clear(request.args.get("tenant") or None)
    else:
        removed = journal.clear()
    return json_response({"cleared": removed})


@bp.get("/tenants/<name>/journal")
def journal_tenant(name: str) -> Response:
    _tenant(name)
    journal = get_journal(current_app)
    entries = journal.entries(name, **_journal_filters())
    return json_response({"entries": entries, "count": len(entries), "lastSeq": journal.last_seq,
                          **journal.stats(name)})


@bp.delete("/tenants/<name>/journal")
def journal_tenant_clear(name: str) -> Response:
    _tenant(name)
    return json_response({"cleared": get_journal(current_app).clear(name)})


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    raise AdminError(404, f"No admin endpoint {request.method} /_mock/{rest}.",
                     endpoints=[f"{m} {p}" for m, p, _ in all_endpoints()])


def install(app: Flask, ctx: MockContext) -> None:
    app.extensions[STATE_KEY] = AdminState(initial_tenants=set(ctx.store.tenants))
    app.register_blueprint(bp)
