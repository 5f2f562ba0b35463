"""The console's pages: thin Flask views that read the mock's state and render Jinja templates.

Every view runs behind :func:`_gate` (mockserver.console.access: the admin API's rules) and never
passes through the API gateway (mockserver.app.serve_api), so console traffic is never journaled,
counted against a threshold, throttled or hit by a fault rule.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from mockserver.console import browse
from mockserver.console.access import COOKIE_NAME, access_for, check_request, try_token
from mockserver.console.gauges import thread_use, threshold_gauge
from mockserver.console.journal_view import (
    METHODS,
    Expectation,
    JournalFilters,
    apply_filters,
    explain_expectation,
    pretty_body,
)
from mockserver.context import MockContext, get_context
from mockserver.journal import get_journal
from mockserver.state.tenant import TenantState

UI_PREFIX = "/_mock/ui"
JOURNAL_ROWS = 200  # newest entries the journal page shows

bp = Blueprint("autotask_mock_console", __name__, url_prefix=UI_PREFIX, template_folder="templates",
               static_folder="static", static_url_path="/static")


def _ctx() -> MockContext:
    return get_context(current_app)


# ---------------------------------------------------------------------------------------------- access
_OPEN_ENDPOINTS = {"autotask_mock_console.static", "autotask_mock_console.login"}


def _refusal() -> Response | None:
    """The token form or the refusal page when this request may not see the console, else None."""
    verdict = check_request(current_app, _ctx().config, request)
    if verdict.allowed:
        return None
    if verdict.show_form:
        return _page("login.html", 401, message="", next_url=request.full_path.rstrip("?"))
    return _page("refused.html", verdict.status, message=verdict.reason)


@bp.before_request
def _gate() -> Any:
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    refusal = _refusal()
    if refusal is not None:
        return refusal
    if request.method == "POST" and not access_for(current_app).csrf_ok(request.form.get("csrf")):
        return _page("refused.html", 400, message="This form is out of date (the mock restarted?): reload the page "
                                                  "and try again.")
    return None


@bp.app_template_global()
def csrf_token() -> str:
    return access_for(current_app).csrf


@bp.app_template_filter("pretty")
def _pretty(text: str | None) -> str:
    return pretty_body(text)


@bp.app_template_filter("as_json")
def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _page(template: str, status: int = 200, **values: Any) -> Response:
    ctx = _ctx()
    html = render_template(template, token_mode=bool(ctx.config.admin_token), tenants=sorted(ctx.store.tenants),
                           **values)
    return Response(html, status=status, content_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                             "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith(UI_PREFIX + "/") and "//" not in target[1:] else url_for(
        "autotask_mock_console.tenants_page")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    config = _ctx().config
    if not config.admin_token:
        return redirect(url_for("autotask_mock_console.tenants_page"))
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return _page("login.html", 401, message="", next_url=next_url)
    ok, message = try_token(current_app, config, request, request.form.get("token") or "")
    if not ok:
        return _page("login.html", 401, message=message, next_url=next_url)
    response = redirect(next_url, 303)
    # No Max-Age/Expires: a session cookie, gone when the browser session ends.
    response.set_cookie(COOKIE_NAME, access_for(current_app).cookie_value(config.admin_token), path=UI_PREFIX,
                        httponly=True, samesite="Strict", secure=request.is_secure)
    return response


@bp.post("/logout")
def logout() -> Any:
    response = redirect(url_for("autotask_mock_console.login"), 303)
    response.delete_cookie(COOKIE_NAME, path=UI_PREFIX)
    return response


# ---------------------------------------------------------------------------------------------- helpers
def _tenant(name: str) -> TenantState:
    state = _ctx().store.tenant(name)
    if state is None:
        abort(404, f"No tenant named {name!r}.")
    return state


def _entity(name: str):
    spec = _ctx().catalog.get(name)
    if spec is None:
        abort(404, f"No entity named {name!r}.")
    return spec


@bp.errorhandler(404)
def _not_found(exc: HTTPException) -> Response:
    refusal = _refusal()  # a missing static file is an open endpoint: its 404 page must not list tenants
    if refusal is not None:
        return refusal
    return _page("not_found.html", 404, message=exc.description if exc.description and "requested URL" not in
                 exc.description else f"Nothing at {request.path}.")


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str) -> Response:
    abort(404, f"The console has no page at {UI_PREFIX}/{rest}.")


# ---------------------------------------------------------------------------------------------- tenants
def _tenant_card(ctx: MockContext, state: TenantState) -> dict[str, Any]:
    from mockserver.throttle import LIMITER_KEY, window_count

    config = ctx.config
    gauge = threshold_gauge(window_count(state, config), int(config.request_threshold), config.latency_tiers,
                            float(config.throttle_time_scale), bool(config.threshold_enforced))
    limiter = current_app.extensions.get(LIMITER_KEY)
    active, waiting, peak = limiter.snapshot() if limiter is not None else ({}, {}, {})
    return {
        "state": state,
        "clock": state.clock.state(),
        "counts": [(n, c) for n, c in browse.entity_counts(state) if c],
        "gauge": gauge,
        "threads": thread_use(state.name, active, waiting, peak, int(config.thread_limit or 0)),
        "journal": get_journal(current_app).stats(state.name),
    }


@bp.get("/")
def tenants_page() -> Response:
    ctx = _ctx()
    cards = [_tenant_card(ctx, t) for _, t in sorted(ctx.store.tenants.items())]
    return _page("tenants.html", cards=cards, config=ctx.config, done=request.args.get("done", ""))


@bp.route("/tenants/<name>/reset", methods=["GET", "POST"])
def reset_tenant(name: str) -> Any:
    ctx = _ctx()
    _tenant(name)
    if request.method == "GET":
        return _page("confirm.html", action="reset", tenant=name)
    state = ctx.store.reset_tenant(name)
    if state is None:
        return _page("refused.html", 409, message=f"Tenant {name!r} has no fixture to reset to.")
    get_journal(current_app).clear(name)  # as POST /_mock/tenants/{tenant}/reset does
    return redirect(url_for("autotask_mock_console.tenants_page", done=f"Tenant {name} was reset."), 303)


@bp.route("/tenants/<name>/export", methods=["GET", "POST"])
def export_tenant(name: str) -> Any:
    ctx = _ctx()
    _tenant(name)
    if request.method == "GET":
        return _page("confirm.html", action="export", tenant=name)
    doc = ctx.store.export_tenant(name)
    if doc is None:  # pragma: no cover - removed between the two lines
        abort(404, f"No tenant named {name!r}.")
    fmt = "yaml" if request.form.get("format") == "yaml" else "json"
    from mockserver.fixtures.format import dumps_fixture

    text = dumps_fixture(doc, fmt)
    ctype = "application/yaml" if fmt == "yaml" else "application/json"
    return Response(text, content_type=f"{ctype}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "no-store"})


# ---------------------------------------------------------------------------------------------- data browser
@bp.get("/tenants/<name>/data")
def data_index(name: str) -> Response:
    state = _tenant(name)
    return _page("data_index.html", tenant=state, counts=browse.entity_counts(state))


@bp.get("/tenants/<name>/data/<entity>")
def data_list(name: str, entity: str) -> Response:
    state = _tenant(name)
    spec = _entity(entity)
    args = request.args
    if args.get("field"):
        text = browse.form_filter(args.get("field", ""), args.get("op", "eq"), args.get("value", ""))
    else:
        text = args.get("filter", "")
    page = args.get("page", "1")
    page_no = int(page) if page.isdigit() and int(page) > 0 else 1
    errors: list[str] = []
    listing = None
    try:
        listing = browse.list_records(state, spec, browse.read_filter(text), page_no)
    except browse.FilterError as exc:
        errors = exc.errors
    return _page("data_list.html", 400 if errors else 200, tenant=state, spec=spec, filter_text=text,
                 errors=errors, listing=listing, ops=browse.FORM_OPS, label=browse.record_label,
                 form=dict(field=args.get("field", ""), op=args.get("op", "eq"), value=args.get("value", "")))


@bp.get("/tenants/<name>/data/<entity>/<record_id>")
def data_record(name: str, entity: str, record_id: str) -> Response:
    state = _tenant(name)
    spec = _entity(entity)
    view = browse.record_view(state, spec, record_id) if record_id.lstrip("-").isdigit() else None
    if view is None:
        abort(404, f"{spec.name} has no record with id {record_id!r} in tenant {state.name}.")
    return _page("data_record.html", tenant=state, spec=spec, view=view, record_id=record_id)


# ---------------------------------------------------------------------------------------------- journal
def _journal_entries(f: JournalFilters, since_seq: int | None = None) -> list[dict[str, Any]]:
    journal = get_journal(current_app)
    entries = journal.entries(f.tenant) if f.tenant else journal.entries()
    return apply_filters(entries, f, since_seq)


@bp.get("/journal")
def journal_page() -> Response:
    f = JournalFilters.from_args(request.args)
    if f.tenant and _ctx().store.tenant(f.tenant) is None:
        abort(404, f"No tenant named {f.tenant!r}.")
    entries = _journal_entries(f)
    x = Expectation.from_args(request.args)
    explanation = explain_expectation(entries, x) if x.given else ""
    return _page("journal.html", filters=f, problems=f.problems(), entries=entries[:JOURNAL_ROWS],
                 total=len(entries), last_seq=get_journal(current_app).last_seq, methods=METHODS,
                 entities=sorted(spec.name for spec in _ctx().catalog), x=x, explanation=explanation)


@bp.get("/journal/rows")
def journal_rows() -> Response:
    """The rows newer than ``since`` (the live view polls this); X-Last-Seq says where to continue."""
    f = JournalFilters.from_args(request.args)
    since = request.args.get("since", "0")
    last = get_journal(current_app).last_seq
    entries = _journal_entries(f, int(since) if since.isdigit() else 0)[:JOURNAL_ROWS]
    response = _page("_journal_rows.html", entries=entries)
    response.headers["X-Last-Seq"] = str(last)
    response.headers["X-Rows"] = str(len(entries))
    return response


# ---------------------------------------------------------------------------------------------- faults
def _fault_page(status: int = 200, **values: Any) -> Response:
    from mockserver.faults import get_injector

    ctx = _ctx()
    rules = get_injector(current_app).all_rules(list(ctx.store.tenants.values()))
    history = [e for e in get_journal(current_app).entries() if e.get("fault")][:JOURNAL_ROWS]
    values.setdefault("problems", [])
    values.setdefault("form", {})
    return _page("faults.html", status, rules=rules, history=history, methods=METHODS,
                 entities=sorted(spec.name for spec in ctx.catalog), done=request.args.get("done", ""), **values)


def _rule_from_form(form) -> Any:
    """The rule of the add form: the JSON/YAML text when given, else the simple fields."""
    text = (form.get("rule") or "").strip()
    if text:
        from mockserver.json_input import JsonInputError, load_json

        try:
            return load_json(text, surrogates=True)
        except JsonInputError:
            import yaml

            try:
                return yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ValueError(f"the rule is neither JSON nor YAML: {exc}") from None
    rule: dict[str, Any] = {}
    for key in ("method", "path", "entity", "description"):
        if (form.get(key) or "").strip():
            rule[key] = form[key].strip()
    for key in ("status", "times", "nth"):
        value = (form.get(key) or "").strip()
        if value:
            if not value.isdigit():
                raise ValueError(f"{key} must be a whole number, got {value!r}")
            rule[key] = int(value)
    if (form.get("latency") or "").strip():
        try:
            rule["latency"] = float(form["latency"])
        except ValueError:
            raise ValueError(f"latency must be a number of seconds, got {form['latency']!r}") from None
    if form.get("drop"):
        rule["drop"] = True
    if not rule:
        raise ValueError("give a rule: the JSON/YAML text, or at least one field of the form")
    return rule


@bp.get("/faults")
def faults_page() -> Response:
    return _fault_page()


@bp.post("/faults")
def add_fault() -> Any:
    from mockserver.faults import FaultRuleError, get_injector

    ctx = _ctx()
    tenant = (request.form.get("tenant") or "").strip() or None
    if tenant is not None and ctx.store.tenant(tenant) is None:
        return _fault_page(400, problems=[f"no tenant named {tenant!r}"], form=request.form)
    try:
        raw = _rule_from_form(request.form)
        rule = get_injector(current_app).add(raw, tenant=tenant)
    except FaultRuleError as exc:
        return _fault_page(400, problems=exc.problems, form=request.form)
    except ValueError as exc:
        return _fault_page(400, problems=[str(exc)], form=request.form)
    return redirect(url_for("autotask_mock_console.faults_page", done=f"Fault rule {rule.id} added."), 303)


@bp.post("/faults/<rule_id>/delete")
def delete_fault(rule_id: str) -> Any:
    from mockserver.faults import get_injector

    if not get_injector(current_app).remove(list(_ctx().store.tenants.values()), rule_id):
        abort(404, f"No fault rule {rule_id!r}.")
    return redirect(url_for("autotask_mock_console.faults_page", done=f"Fault rule {rule_id} removed."), 303)


# ---------------------------------------------------------------------------------------------- webhooks
@bp.get("/webhooks")
def webhooks_page() -> Response:
    from mockserver.webhooks import WATCHED_BY_WEBHOOK, get_dispatcher

    ctx = _ctx()
    dispatcher = get_dispatcher(current_app)
    deliveries = [d.view() for d in reversed(list(dispatcher.finished))]
    webhooks = []
    for state in sorted(ctx.store.tenants.values(), key=lambda t: t.name):
        for entity in WATCHED_BY_WEBHOOK:
            table = state.tables.get(entity)
            if table is None:
                continue
            for record_id in list(table.ids_from()):
                record = table.get(record_id)
                if record is not None:
                    webhooks.append({"tenant": state.name, "entity": entity, "record": record})
    return _page("webhooks.html", deliveries=deliveries, pending=dispatcher.pending(), webhooks=webhooks)
