"""Webhook callouts: signed POSTs to subscribers when companies, contacts, CIs, tickets or notes change.

Webhooks are ordinary entities written through the API (shared/spec/autotask-api.md §9):
``CompanyWebhooks`` (and Contact / ConfigurationItem / Ticket / TicketNote) with children
``/{id}/Fields`` (``fieldID``), ``/{id}/UdfFields`` (``udfFieldID``) and ``/{id}/ExcludedResources``.

* Field ids: ``fieldID`` is the watched field's 1-based position in the entity's
  ``entityInformation/fields`` list; ``GET /{Entity}WebhookFields/entityInformation/fields`` lists them as the
  ``fieldID`` picklist (value = id, label = REST field name), as real clients expect. ``udfFieldID`` is the
  1-based position of the UDF in ``{Entity}/entityInformation/userDefinedFields`` (picklist likewise).
* ``isReady`` becomes true once the webhook has at least one subscribed field; ``webhookGUID`` is assigned on
  create (deterministic per tenant, entity and id). Only active, ready webhooks call out.
* Create: ``Fields`` holds the subscribed and display-always fields. Update: only when a subscribed field
  changed; ``Fields`` holds the changed subscribed fields plus the display-always ones. Delete: the
  display-always fields. Changes made by an excluded resource (the API user's resource, or the impersonated
  one) call nobody.
* Body ``{"Action","Guid","EntityType","Id","Fields","EventTime","SequenceNumber","PersonID"}`` serialised the
  .NET way (``& < > ' + ` "`` and non-ASCII as ``\\uXXXX``), signed
  ``X-Hook-Signature: sha1=<base64(HMAC-SHA1(secretKey, exact body bytes))>``.
* Delivery runs on a background thread (never under the tenant lock), one FIFO queue per webhook; a failed
  attempt (non-2xx, timeout, connection error) is retried after ``webhook_retry_delays`` (the docs: 5 attempts
  30 s apart); a payload that cannot be delivered is logged as a ``WebhookEventErrorLogs`` record; after
  ``webhook_deactivate_after`` (25) consecutive undeliverable events the webhook is deactivated. Deactivating
  (automatically, by ``PATCH isActive=false``, or via the admin API) or deleting a webhook sends
  ``"Action": "Deactivated"`` to its ``deactivationUrl``.

Tests await deliveries with ``get_dispatcher(app).wait_for_deliveries(n, timeout)``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from mockserver.json_input import load_json
from mockserver.webhook_delivery import WebhookDispatcher, deactivate
from mockserver.webhook_payloads import (
    EXCLUDED_ENTITIES,
    FIELD_ENTITIES,
    GUID_NAMESPACE,
    STATE_KEY,
    UDF_FIELD_ENTITIES,
    WATCHED_BY_WEBHOOK,
    WEBHOOK_ENTITIES,
    Delivery,
    _child,
    _delivery,
    _rows,
    _state,
    build_event,
    deactivation_notice,
    dotnet_json,
    refresh_webhook,
    sign,
    verify,
    webhook_field_ids,
    webhook_udf_ids,
)

# Re-exported: the payloads (mockserver.webhook_payloads) and the delivery (mockserver.webhook_delivery)
# have their own modules; this one wires them into the app and stays the import path callers use.
__all__ = ["DISPATCHER_KEY", "EXCLUDED_ENTITIES", "FIELD_ENTITIES", "GUID_NAMESPACE", "STATE_KEY",
           "UDF_FIELD_ENTITIES", "WATCHED_BY_WEBHOOK", "WEBHOOK_ENTITIES", "Delivery", "WebhookDispatcher",
           "attach", "build_event", "deactivate", "deactivation_notice", "dotnet_json", "get_dispatcher",
           "install", "refresh_webhook", "sign", "verify", "webhook_field_ids", "webhook_udf_ids"]

DISPATCHER_KEY = "autotask_mock_webhooks"


def get_dispatcher(app) -> WebhookDispatcher:
    return app.extensions[DISPATCHER_KEY]


class _Current(threading.local):
    call: Any = None


def attach(tenant, dispatcher: WebhookDispatcher, current: _Current) -> None:
    """Subscribe the webhook listener to a tenant (idempotent) and settle isReady / webhookGUID."""
    if (tenant.extra.get(STATE_KEY) or {}).get("attached"):
        return
    with tenant.lock:
        state = _state(tenant)
        if state["attached"]:
            return
        state["attached"] = True
        for webhook_entity in WATCHED_BY_WEBHOOK:
            table = tenant.tables.get(webhook_entity)
            if table is None:
                continue
            for webhook_id in list(table.ids_from(None)):
                refresh_webhook(tenant, webhook_entity, webhook_id)

        def listener(action: str, spec, new: dict | None, old: dict | None, actor) -> None:
            if actor is None and current.call is not None and current.call.tenant is tenant:
                actor = current.call.actor
            name = spec.name
            if name in WATCHED_BY_WEBHOOK:
                if action == "Create" and new is not None:
                    refresh_webhook(tenant, name, new["id"])
                elif action == "Update" and old is not None and new is not None and old.get("isActive") is True \
                        and new.get("isActive") is False:
                    dispatcher.enqueue(deactivation_notice(tenant, name, tenant.get(name, new["id"]) or new))
                elif action == "Delete" and old is not None and old.get("isActive") is True:
                    dispatcher.enqueue(deactivation_notice(tenant, name, old))
                return
            owner = FIELD_ENTITIES.get(name) or UDF_FIELD_ENTITIES.get(name)
            if owner is not None:
                for record in (new, old):
                    if record is not None and record.get("webhookID") is not None:
                        refresh_webhook(tenant, owner, record["webhookID"])
                return
            webhook_entity = WEBHOOK_ENTITIES.get(name)
            if webhook_entity is None:
                return
            table = tenant.tables.get(webhook_entity)
            if table is None or len(table) == 0:
                return
            person = actor.effective if actor is not None else None
            subscribed = {"Create": "isSubscribedToCreateEvents", "Update": "isSubscribedToUpdateEvents",
                          "Delete": "isSubscribedToDeleteEvents"}[action]
            for webhook_id in list(table.ids_from(None)):
                webhook = table.get(webhook_id)
                if not webhook or webhook.get("isActive") is not True or webhook.get("isReady") is not True:
                    continue
                if webhook.get(subscribed) is not True:
                    continue
                excluded = {r.get("resourceID") for r in _rows(tenant, _child(webhook_entity, "ExcludedResources"), webhook_id)}
                if person is not None and person in excluded:
                    continue
                payload = build_event(tenant, spec, webhook, webhook_entity, action, new, old, person)
                if payload is not None:
                    dispatcher.enqueue(_delivery(tenant, webhook_entity, webhook, "event", webhook.get("webhookUrl") or "", payload))

        tenant.listeners.append(listener)


def _fill_field_picklists(call, response, tenant):
    """entityInformation/fields of *WebhookFields / *WebhookUdfFields: the fieldID / udfFieldID picklists."""
    from mockserver.answers import json_response

    name = call.route.entity.name
    owner = FIELD_ENTITIES.get(name) or UDF_FIELD_ENTITIES.get(name)
    watched = tenant.catalog.get(WATCHED_BY_WEBHOOK[owner]) if owner else None
    if watched is None:
        return response
    if name in FIELD_ENTITIES:
        target, options = "fieldID", webhook_field_ids(watched)
    else:
        target, options = "udfFieldID", webhook_udf_ids(tenant, watched.name)
    body = json.loads(response.get_data())
    for item in body.get("fields") or ():
        if item.get("name") == target:
            item["isPickList"] = True
            item["picklistValues"] = [
                {"value": str(i), "label": label, "isDefaultValue": False, "sortOrder": n, "parentValue": "",
                 "isActive": True, "isSystem": True}
                for n, (i, label) in enumerate(sorted(options.items()))
            ]
    return json_response(body, response.status_code)


def install(app, ctx) -> None:
    from mockserver.answers import error_response
    from mockserver.errors import AutotaskError

    dispatcher = WebhookDispatcher(ctx.config)
    app.extensions[DISPATCHER_KEY] = dispatcher
    current = _Current()
    for tenant in list(ctx.store.tenants.values()):
        attach(tenant, dispatcher, current)

    def guard(call):
        tenant = call.tenant
        if tenant is None:
            return None
        attach(tenant, dispatcher, current)
        route = call.route
        spec = route.entity if route is not None else None
        if spec is None or call.method not in ("POST", "PUT", "PATCH"):
            return None
        owner = FIELD_ENTITIES.get(spec.name) or UDF_FIELD_ENTITIES.get(spec.name)
        if owner is None or route.kind not in ("collection", "child_collection"):
            return None
        try:
            body = load_json(call.body or b"null")
        except ValueError:  # JsonInputError too: nesting beyond the limit never reaches the recursion limit
            return None  # the handler reports malformed JSON
        if not isinstance(body, Mapping):
            return None
        watched = tenant.catalog.get(WATCHED_BY_WEBHOOK[owner])
        key = "fieldid" if spec.name in FIELD_ENTITIES else "udffieldid"
        options = webhook_field_ids(watched) if key == "fieldid" else webhook_udf_ids(tenant, watched.name)
        for k, value in body.items():
            if str(k).lower() == key and value is not None:
                try:
                    ok = int(value) in options
                except (TypeError, ValueError):
                    ok = False
                if not ok:
                    field_name = "fieldID" if key == "fieldid" else "udfFieldID"
                    return error_response(AutotaskError(f"{spec.model}.{field_name}: '{value}' is not a valid picklist value."))
        return None

    def wrapper(call, proceed):
        previous = current.call
        current.call = call
        try:
            response = proceed()
        finally:
            current.call = previous
        route = call.route
        if (
            route is not None
            and route.kind == "fields"
            and route.entity is not None
            and response.status_code == 200
            and (route.entity.name in FIELD_ENTITIES or route.entity.name in UDF_FIELD_ENTITIES)
        ):
            response = _fill_field_picklists(call, response, call.tenant)
        return response

    ctx.guards.append(guard)
    ctx.wrappers.append(wrapper)  # its admin endpoints: mockserver.admin.install (admin depends on features)
