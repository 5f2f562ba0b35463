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

import base64
import hashlib
import hmac
import http.client
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mockserver.json_input import load_json
from mockserver.state.records import UDF_KEY, udf_to_text
from mockserver.state.values import format_datetime, serialize

log = logging.getLogger("mockserver.webhooks")
DISPATCHER_KEY = "autotask_mock_webhooks"
STATE_KEY = "webhooks"
GUID_NAMESPACE = uuid.UUID("6f1d6b1e-7a43-4c55-9a51-3d2f0c8e1b7a")

# watched entity -> webhook entity
WEBHOOK_ENTITIES: dict[str, str] = {
    "Companies": "CompanyWebhooks",
    "Contacts": "ContactWebhooks",
    "ConfigurationItems": "ConfigurationItemWebhooks",
    "Tickets": "TicketWebhooks",
    "TicketNotes": "TicketNoteWebhooks",
}
WATCHED_BY_WEBHOOK = {v: k for k, v in WEBHOOK_ENTITIES.items()}


def _child(webhook_entity: str, suffix: str) -> str:
    return webhook_entity[: -len("Webhooks")] + "Webhook" + suffix  # CompanyWebhooks -> CompanyWebhookFields


FIELD_ENTITIES = {_child(w, "Fields"): w for w in WATCHED_BY_WEBHOOK}
UDF_FIELD_ENTITIES = {_child(w, "UdfFields"): w for w in WATCHED_BY_WEBHOOK}
EXCLUDED_ENTITIES = {_child(w, "ExcludedResources"): w for w in WATCHED_BY_WEBHOOK}


# ------------------------------------------------------------------ .NET JSON + signature
_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_HTML_SENSITIVE = set("\"&<>'+`")


def _dotnet_string(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ch in _HTML_SENSITIVE or code < 0x20 or 0x7F <= code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dotnet_json(value: Any) -> str:
    """Compact JSON escaped like .NET's System.Text.Json default encoder (what Autotask signs)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, str):
        return _dotnet_string(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_dotnet_string(str(k))}:{dotnet_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dotnet_json(v) for v in value) + "]"
    return _dotnet_string(str(value))


def sign(secret_key: str, body: bytes) -> str:
    """The X-Hook-Signature value: ``sha1=`` + base64(HMAC-SHA1(secret key, raw body))."""
    digest = hmac.new(secret_key.encode("utf-8"), body, hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode("ascii")


def verify(secret_key: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(sign(secret_key, body), header.strip())


# ------------------------------------------------------------------ field ids
def webhook_field_ids(spec) -> dict[int, str]:
    """fieldID -> REST field name for an entity's webhook-supported fields."""
    return {n: name for n, (name, fs) in enumerate(spec.fields.items(), start=1) if fs.is_supported_webhook_field}


def webhook_udf_ids(tenant, entity: str) -> dict[int, str]:
    return {n: name for n, name in enumerate(tenant.udf_defs(entity), start=1)}


# ------------------------------------------------------------------ deliveries
@dataclass
class Delivery:
    tenant: Any
    tenant_name: str
    webhook_entity: str
    webhook_id: int
    kind: str  # "event" | "deactivation"
    url: str
    secret: str
    body: bytes
    sequence: int
    action: str
    outcome: str | None = None  # "delivered" | "failed" | "discarded"
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "X-Hook-Signature": sign(self.secret, self.body),
        }

    def view(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_name,
            "webhookEntity": self.webhook_entity,
            "webhookID": self.webhook_id,
            "kind": self.kind,
            "action": self.action,
            "url": self.url,
            "sequenceNumber": self.sequence,
            "body": self.body.decode("utf-8"),
            "signature": self.headers["X-Hook-Signature"],
            "outcome": self.outcome,
            "attempts": list(self.attempts),
        }


class WebhookDispatcher:
    """Background delivery: one FIFO queue per webhook, a worker thread that exists only while work is pending."""

    def __init__(self, config) -> None:
        self.config = config
        self._cond = threading.Condition()
        self._queues: dict[tuple, deque[Delivery]] = {}
        self._due: dict[tuple, float] = {}
        self._worker: threading.Thread | None = None
        self._busy = 0
        self.finished: list[Delivery] = []
        self._failures: dict[tuple, int] = {}  # consecutive undeliverable events per webhook

    # queueing -----------------------------------------------------------
    def enqueue(self, delivery: Delivery) -> None:
        key = (delivery.tenant_name, delivery.webhook_entity, delivery.webhook_id, delivery.kind)
        with self._cond:
            self._queues.setdefault(key, deque()).append(delivery)
            self._due.setdefault(key, 0.0)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="autotask-mock-webhooks", daemon=True)
                self._worker.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._queues:
                        self._worker = None
                        self._cond.notify_all()
                        return
                    now = time.monotonic()
                    ready = [k for k in self._queues if self._due.get(k, 0.0) <= now]
                    if ready:
                        key = min(ready, key=lambda k: (self._due.get(k, 0.0), self._queues[k][0].sequence))
                        delivery = self._queues[key][0]
                        self._busy += 1
                        break
                    self._cond.wait(max(0.0, min(self._due[k] for k in self._queues) - now))
            try:
                self._attempt(key, delivery)
            except Exception as exc:  # noqa: BLE001 - the worker must survive anything a delivery does
                log.exception("webhook delivery failed unexpectedly")
                if delivery.outcome is None:
                    delivery.attempts.append({"status": None, "error": f"{type(exc).__name__}: {exc}"})
                    self._finish(key, delivery, "failed")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _attempt(self, key: tuple, delivery: Delivery) -> None:
        if delivery.kind == "event" and not self._still_active(delivery):
            self._finish(key, delivery, "discarded")
            return
        status, error = self._post(delivery)
        delivery.attempts.append({"status": status, "error": error})
        if error is None:
            self._failures.pop(key[:3], None)
            self._finish(key, delivery, "delivered")
            return
        delays = list(self.config.webhook_retry_delays or [])
        if len(delivery.attempts) <= len(delays):
            with self._cond:
                self._due[key] = time.monotonic() + float(delays[len(delivery.attempts) - 1])
            return
        self._log_error(delivery, error)
        self._finish(key, delivery, "failed")
        if delivery.kind == "event":
            count = self._failures.get(key[:3], 0) + 1
            self._failures[key[:3]] = count
            limit = int(self.config.webhook_deactivate_after or 0)
            if limit and count >= limit:
                self._failures.pop(key[:3], None)
                deactivate(self, delivery.tenant, delivery.webhook_entity, delivery.webhook_id,
                           reason=f"{count} consecutive callouts could not be delivered")

    def _finish(self, key: tuple, delivery: Delivery, outcome: str) -> None:
        with self._cond:
            delivery.outcome = outcome
            queue = self._queues.get(key)
            if queue and queue[0] is delivery:
                queue.popleft()
            if not queue:
                self._queues.pop(key, None)
                self._due.pop(key, None)
            else:
                self._due[key] = 0.0
            self.finished.append(delivery)
            self._cond.notify_all()

    def _still_active(self, delivery: Delivery) -> bool:
        tenant = delivery.tenant
        with tenant.lock:
            record = tenant.get(delivery.webhook_entity, delivery.webhook_id)
            return record is not None and record.get("isActive") is True

    def _post(self, delivery: Delivery) -> tuple[int | None, str | None]:
        parts = urlsplit(delivery.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None, f"invalid callout URL {delivery.url!r}"
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname, parts.port, timeout=float(self.config.webhook_timeout_seconds))
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            conn.request("POST", target, body=delivery.body, headers=delivery.headers)
            resp = conn.getresponse()
            resp.read()
            if 200 <= resp.status < 300:
                return resp.status, None
            return resp.status, f"the callout URL answered HTTP {resp.status}"
        except (OSError, http.client.HTTPException) as exc:
            return None, f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()

    def _log_error(self, delivery: Delivery, error: str) -> None:
        tenant = delivery.tenant
        spec = tenant.catalog.get("WebhookEventErrorLogs")
        if spec is None:
            return
        body: dict[str, Any] = {
            "errorMessage": f"{delivery.action} callout to {delivery.url} failed after "
                            f"{len(delivery.attempts)} attempts: {error}",
            "payload": delivery.body.decode("utf-8"),
            "sequenceNumber": delivery.sequence,
        }
        if delivery.webhook_entity == "CompanyWebhooks":
            body["accountWebhookID"] = delivery.webhook_id
        elif delivery.webhook_entity == "ContactWebhooks":
            body["contactWebhookID"] = delivery.webhook_id
        try:
            tenant.create(spec, body)
        except Exception:  # noqa: BLE001 - e.g. the webhook was deleted meanwhile; log without the link
            body.pop("contactWebhookID", None)
            try:
                tenant.create(spec, body)
            except Exception:  # noqa: BLE001
                pass

    # waiting -------------------------------------------------------------
    def wait_for_deliveries(self, n: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until at least ``n`` deliveries have finished (delivered, failed or discarded)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.finished) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.finished)} of {n} webhook deliveries finished within {timeout} s")
                self._cond.wait(left)
            return list(self.finished)

    def wait_idle(self, timeout: float = 10.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queues or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("webhook deliveries still pending")
                self._cond.wait(left)
            return list(self.finished)

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def clear(self) -> None:
        with self._cond:
            self.finished.clear()


def get_dispatcher(app) -> WebhookDispatcher:
    return app.extensions[DISPATCHER_KEY]


# ------------------------------------------------------------------ tenant-side logic (runs under the tenant lock)
def _state(tenant) -> dict[str, Any]:
    return tenant.extra.setdefault(STATE_KEY, {"sequence": {}, "attached": False})


def _next_sequence(tenant, webhook_entity: str, webhook_id: int) -> int:
    seq = _state(tenant)["sequence"]
    key = f"{webhook_entity}:{webhook_id}"
    seq[key] = seq.get(key, 0) + 1
    return seq[key]


def _rows(tenant, entity: str, webhook_id: int) -> list[dict[str, Any]]:
    if tenant.catalog.get(entity) is None:
        return []
    return tenant.records_where(entity, "webhookID", webhook_id)


def _replace(tenant, entity: str, record: dict[str, Any]) -> None:
    tenant.table(entity).replace(record["id"], record)


def refresh_webhook(tenant, webhook_entity: str, webhook_id: int) -> None:
    record = tenant.get(webhook_entity, webhook_id)
    if record is None:
        return
    ready = any(
        r.get("isSubscribedField") is True
        for child in (_child(webhook_entity, "Fields"), _child(webhook_entity, "UdfFields"))
        for r in _rows(tenant, child, webhook_id)
    )
    guid = record.get("webhookGUID") or str(uuid.uuid5(GUID_NAMESPACE, f"{tenant.name}:{webhook_entity}:{webhook_id}"))
    if record.get("isReady") is not ready or record.get("webhookGUID") != guid:
        updated = dict(record)
        updated["isReady"] = ready
        updated["webhookGUID"] = guid
        _replace(tenant, webhook_entity, updated)


def _selected_fields(tenant, spec, webhook_entity: str, webhook_id: int) -> list[tuple[str, bool, bool, bool]]:
    """(name, is_udf, subscribed, display_always) for every field a webhook names."""
    ids = webhook_field_ids(spec)
    udf_ids = webhook_udf_ids(tenant, spec.name)
    picked: dict[tuple[str, bool], list[bool]] = {}
    for child, key, names, is_udf in (
        (_child(webhook_entity, "Fields"), "fieldID", ids, False),
        (_child(webhook_entity, "UdfFields"), "udfFieldID", udf_ids, True),
    ):
        for row in _rows(tenant, child, webhook_id):
            name = names.get(row.get(key))
            if name is None:
                continue
            flags = picked.setdefault((name, is_udf), [False, False])
            flags[0] = flags[0] or row.get("isSubscribedField") is True
            flags[1] = flags[1] or row.get("isDisplayAlwaysField") is True
    return [(name, is_udf, sub, always) for (name, is_udf), (sub, always) in picked.items() if sub or always]


def _value(spec, tenant, record: dict[str, Any], name: str, udf: bool) -> Any:
    if udf:
        d = tenant.udf_defs(spec.name).get(name)
        return udf_to_text((record.get(UDF_KEY) or {}).get(name), d.data_type if d else "string")
    fs = spec.fields.get(name)
    value = record.get(name)
    return None if value is None else serialize(value, fs.data_type if fs else "string")


def build_event(tenant, spec, webhook: dict[str, Any], webhook_entity: str, action: str,
                new: dict | None, old: dict | None, person_id: int | None) -> dict[str, Any] | None:
    """The callout body for one webhook, or None when this change does not call it."""
    selected = _selected_fields(tenant, spec, webhook_entity, webhook["id"])
    record = new if new is not None else old
    payload_fields: dict[str, Any] = {}
    if action == "Create":
        for name, udf, _sub, _always in selected:
            payload_fields[name] = _value(spec, tenant, new, name, udf)
    elif action == "Update":
        changed = {
            (name, udf)
            for name, udf, sub, _always in selected
            if sub and _value(spec, tenant, new, name, udf) != _value(spec, tenant, old, name, udf)
        }
        if not changed:
            return None
        for name, udf, _sub, always in selected:
            if (name, udf) in changed or always:
                payload_fields[name] = _value(spec, tenant, new, name, udf)
    else:  # Delete
        for name, udf, _sub, always in selected:
            if always:
                payload_fields[name] = _value(spec, tenant, old, name, udf)
    return {
        "Action": action,
        "Guid": webhook.get("webhookGUID"),
        "EntityType": spec.model,
        "Id": record["id"],
        "Fields": payload_fields,
        "EventTime": format_datetime(tenant.clock.now()),
        "SequenceNumber": _next_sequence(tenant, webhook_entity, webhook["id"]),
        "PersonID": person_id,
    }


def _delivery(tenant, webhook_entity: str, webhook: dict[str, Any], kind: str, url: str, payload: dict) -> Delivery:
    return Delivery(
        tenant=tenant,
        tenant_name=tenant.name,
        webhook_entity=webhook_entity,
        webhook_id=webhook["id"],
        kind=kind,
        url=url or "",
        secret=webhook.get("secretKey") or "",
        body=dotnet_json(payload).encode("utf-8"),
        sequence=payload["SequenceNumber"],
        action=payload["Action"],
    )


def deactivation_notice(tenant, webhook_entity: str, webhook: dict[str, Any]) -> Delivery:
    watched = tenant.catalog.get(WATCHED_BY_WEBHOOK[webhook_entity])
    payload = {
        "Action": "Deactivated",
        "Guid": webhook.get("webhookGUID"),
        "EntityType": watched.model if watched else webhook_entity,
        "Id": webhook["id"],
        "Fields": {},
        "EventTime": format_datetime(tenant.clock.now()),
        "SequenceNumber": _next_sequence(tenant, webhook_entity, webhook["id"]),
        "PersonID": webhook.get("ownerResourceID"),
    }
    return _delivery(tenant, webhook_entity, webhook, "deactivation", webhook.get("deactivationUrl") or "", payload)


def deactivate(dispatcher: WebhookDispatcher, tenant, webhook_entity: str, webhook_id: int, reason: str = "") -> bool:
    """Set isActive = false and send the deactivation notice; False when it was not active."""
    with tenant.lock:
        record = tenant.get(webhook_entity, webhook_id)
        if record is None or record.get("isActive") is not True:
            return False
        updated = dict(record)
        updated["isActive"] = False
        _replace(tenant, webhook_entity, updated)
        notice = deactivation_notice(tenant, webhook_entity, updated)
    dispatcher.enqueue(notice)
    return True


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
                record = new if new is not None else old
                if action == "Create":
                    refresh_webhook(tenant, name, record["id"])
                elif action == "Update" and old.get("isActive") is True and new.get("isActive") is False:
                    dispatcher.enqueue(deactivation_notice(tenant, name, tenant.get(name, record["id"]) or new))
                elif action == "Delete" and old.get("isActive") is True:
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
