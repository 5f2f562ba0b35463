"""Admin endpoints for fault rules (/_mock/faults) and webhook deliveries (/_mock/webhooks).

Registered by mockserver.admin.install, on the injector and dispatcher the features installed. Same conventions as the rest of
the control plane (mockserver.admin.api): JSON answers, failures ``{"error": "...", ...}``, the admin token
(``X-Mock-Admin-Token`` / ``Authorization: Bearer``) when MockConfig.admin_token is set, loopback clients
only otherwise. Admin calls never pass through the API pipeline: they are not counted, throttled,
journaled or hit by faults.

    GET    /_mock/faults[?tenant=NAME]          every rule (admin rules, then fixture rules) with counters
    POST   /_mock/faults[?tenant=NAME]          add a rule, a list of rules or {"faults": [...]} -> 201
    GET    /_mock/faults/{id}                   one rule
    DELETE /_mock/faults/{id}                   remove one rule
    DELETE /_mock/faults[?tenant=&source=admin|fixture]   clear rules

    GET    /_mock/webhooks/deliveries[?tenant=&wait=N&timeout=S]   finished deliveries (wait for N first)
    DELETE /_mock/webhooks/deliveries           forget finished deliveries
    POST   /_mock/webhooks/{tenant}/{WebhookEntity}/{id}/deactivate   deactivate + send the notice
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request

from mockserver.admin.auth import check_admin_token, is_loopback_peer
from mockserver.admin.endpoints import FAULT_ENDPOINTS, WEBHOOK_ENDPOINTS
from mockserver.faults import FaultRuleError
from mockserver.json_input import JsonInputError, check_document, load_json
from mockserver.webhooks import WATCHED_BY_WEBHOOK, deactivate

__all__ = ["FAULT_ENDPOINTS", "WEBHOOK_ENDPOINTS", "register_faults_admin", "register_webhooks_admin"]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status, content_type="application/json")


def _guard(ctx) -> Response | None:
    if ctx.config.admin_token:
        refusal = check_admin_token(current_app, ctx.config, request)  # 401, or 429 in the back-off
        if refusal is None:
            return None
        response = _json(refusal[1], refusal[0])
        response.headers.update(refusal[2])
        return response
    if not is_loopback_peer(request.remote_addr):
        return _json({"error": "The admin API is open to loopback clients only unless the server is started "
                               "with an admin token (--admin-token)."}, 401)
    return None


def _body() -> Any:
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        return None
    text = raw.decode("utf-8-sig", errors="replace")
    try:
        return load_json(text, surrogates=True)
    except JsonInputError as exc:
        if not exc.syntax:
            raise ValueError(f"the body is not valid JSON: {exc}") from None
    import yaml

    try:
        doc = yaml.safe_load(text)
        check_document(doc, surrogates=True)
        return doc
    except RecursionError:
        raise ValueError("the body is nested too deeply") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"the body is neither JSON nor YAML: {exc}") from None


def register_faults_admin(app, ctx, injector) -> None:
    bp = Blueprint("autotask_mock_faults", __name__, url_prefix="/_mock/faults")

    @bp.before_request
    def _check() -> Response | None:
        return _guard(ctx)

    def tenants():
        return list(ctx.store.tenants.values())

    @bp.get("")
    @bp.get("/")
    def list_rules() -> Response:
        tenant = request.args.get("tenant")
        try:
            rules = injector.all_rules(tenants(), tenant)
        except FaultRuleError as exc:
            return _json({"errors": exc.problems, "error": str(exc), "problems": exc.problems}, 400)
        return _json({"faults": [r.view() for r in rules]})

    @bp.post("")
    @bp.post("/")
    def add_rules() -> Response:
        try:
            body = _body()
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)
        if isinstance(body, dict) and "faults" in body and len(body) == 1:
            body = body["faults"]
        raws = body if isinstance(body, list) else [body]
        if not raws or body is None:
            return _json({"error": "send a fault rule, a list of rules or {\"faults\": [...]}"}, 400)
        tenant = request.args.get("tenant")
        if tenant is not None and ctx.store.tenant(tenant) is None:
            return _json({"error": f"no tenant named {tenant!r}"}, 404)
        added, problems = [], []
        for raw in raws:
            try:
                added.append(injector.add(raw, tenant=tenant))
            except FaultRuleError as exc:
                problems.extend(exc.problems)
        if problems:
            for rule in added:  # all or nothing
                injector.remove([], rule.id)
            # Autotask-shaped: {"errors": [...]} lists every problem (kept under "problems" for older clients)
            return _json({"errors": problems, "error": "invalid fault rule(s)", "problems": problems}, 400)
        return _json({"faults": [r.view() for r in added]}, 201)

    @bp.delete("")
    @bp.delete("/")
    def clear_rules() -> Response:
        source = request.args.get("source")
        if source not in (None, "admin", "fixture"):
            return _json({"error": "source must be admin or fixture"}, 400)
        removed = injector.clear(tenants(), request.args.get("tenant"), source)
        return _json({"removed": removed})

    @bp.get("/<rule_id>")
    def get_rule(rule_id: str) -> Response:
        rule = injector.find(tenants(), rule_id)
        if rule is None:
            return _json({"error": f"no fault rule {rule_id!r}"}, 404)
        return _json(rule.view())

    @bp.delete("/<rule_id>")
    def delete_rule(rule_id: str) -> Response:
        if not injector.remove(tenants(), rule_id):
            return _json({"error": f"no fault rule {rule_id!r}"}, 404)
        return _json({"removed": 1})

    app.register_blueprint(bp)


def register_webhooks_admin(app, ctx, dispatcher) -> None:
    bp = Blueprint("autotask_mock_webhooks", __name__, url_prefix="/_mock/webhooks")

    @bp.before_request
    def _check() -> Response | None:
        return _guard(ctx)

    @bp.get("/deliveries")
    def deliveries() -> Response:
        tenant = request.args.get("tenant")
        wait = request.args.get("wait", type=int)
        timeout = request.args.get("timeout", default=10.0, type=float)
        if wait:
            try:
                dispatcher.wait_for_deliveries(wait, timeout=min(timeout, 120.0))
            except TimeoutError as exc:
                return _json({"error": str(exc), "deliveries": [d.view() for d in list(dispatcher.finished)]}, 408)
        found = [d.view() for d in list(dispatcher.finished) if tenant is None or d.tenant_name == tenant]
        return _json({"deliveries": found, "pending": dispatcher.pending()})

    @bp.delete("/deliveries")
    def clear_deliveries() -> Response:
        dispatcher.clear()
        return _json({"cleared": True})

    @bp.post("/<tenant>/<entity>/<int:webhook_id>/deactivate")
    def deactivate_webhook(tenant: str, entity: str, webhook_id: int) -> Response:
        state = ctx.store.tenant(tenant)
        if state is None:
            return _json({"error": f"no tenant named {tenant!r}"}, 404)
        names = {name.lower(): name for name in WATCHED_BY_WEBHOOK}
        webhook_entity = names.get(entity.lower())
        if webhook_entity is None:
            return _json({"error": f"{entity!r} is not a webhook entity ({', '.join(WATCHED_BY_WEBHOOK)})"}, 400)
        if state.get(webhook_entity, webhook_id) is None:
            return _json({"error": f"{webhook_entity} {webhook_id} does not exist"}, 404)
        changed = deactivate(dispatcher, state, webhook_entity, webhook_id, reason="admin API")
        return _json({"deactivated": changed})

    app.register_blueprint(bp)
