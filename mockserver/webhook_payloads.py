"""What a webhook callout says: the watched entities, field ids, the .NET-escaped signed body, the events.

The tenant-side half of mockserver.webhooks (it runs under the tenant lock, on the request's thread):
which webhook a change calls, with which fields, under which sequence number, signed how
(shared/spec/autotask-api.md §9). Sending is mockserver.webhook_delivery's; wiring both into the app is
mockserver.webhooks'.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.state.records import UDF_KEY, udf_to_text
from mockserver.state.values import format_datetime, serialize

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
            ref = row.get(key)
            name = names.get(ref) if isinstance(ref, int) else None
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
    assert record is not None, "a tenant listener always gets the new record, the old one, or both"
    payload_fields: dict[str, Any] = {}
    if action == "Create":
        assert new is not None
        for name, udf, _sub, _always in selected:
            payload_fields[name] = _value(spec, tenant, new, name, udf)
    elif action == "Update":
        assert new is not None and old is not None
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
        assert old is not None
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
