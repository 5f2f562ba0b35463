"""The admin API (/_mock/…) as a Swagger 2.0 document.

Served standalone at /_mock/openapi.json and embedded in the mock's Autotask OpenAPI document under
``x-autotask-mock-admin`` (kept out of that document's ``paths`` because they live outside its
``/ATServicesRest`` basePath and a schema-driven fuzzer must not reset or delete tenants).
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from mockserver.admin.endpoints import all_endpoints

TENANT_PARAM = {"name": "tenant", "in": "path", "required": True, "type": "string"}
TOKEN_PARAM = {"name": "X-Mock-Admin-Token", "in": "header", "required": False, "type": "string",
               "description": "Required when the server has an admin token (always, off loopback)."}
JOURNAL_FILTERS = [
    {"name": "method", "in": "query", "required": False, "type": "string"},
    {"name": "path", "in": "query", "required": False, "type": "string",
     "description": "Case-insensitive; a trailing part of the path (Companies/query) or a * glob."},
    {"name": "entity", "in": "query", "required": False, "type": "string"},
    {"name": "status", "in": "query", "required": False, "type": "integer"},
    {"name": "query", "in": "query", "required": False, "type": "string",
     "description": "Substring of the (decoded) query string."},
    {"name": "sinceSeq", "in": "query", "required": False, "type": "integer"},
    {"name": "limit", "in": "query", "required": False, "type": "integer"},
]

DEFINITIONS: dict[str, Any] = {
    "AdminError": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string"}, "problems": {"type": "array", "items": {"type": "string"}}}},
    "Clock": {"type": "object", "properties": {"now": {"type": "string", "format": "date-time"},
                                               "frozen": {"type": "boolean"}}},
    "ClockSet": {"type": "object", "properties": {"now": {"type": "string", "format": "date-time"},
                                                  "frozen": {"type": "boolean"}}},
    "ClockAdvance": {"type": "object", "properties": {k: {"type": "number"} for k in ("seconds", "minutes", "hours", "days")}},
    "Credentials": {"type": "object", "properties": {
        "userName": {"type": "string"}, "secret": {"type": "string"}, "integrationCode": {"type": "string"},
        "resourceID": {"type": "integer", "x-nullable": True}}},
    "TenantSummary": {"type": "object", "properties": {
        "name": {"type": "string"}, "zone": {"type": "integer"}, "zoneName": {"type": "string", "x-nullable": True},
        "ci": {"type": "integer"}, "clock": {"$ref": "#/definitions/Clock"},
        "credentials": {"$ref": "#/definitions/Credentials"},
        "apiUsers": {"type": "array", "items": {"type": "object"}},
        "integrationCodes": {"type": "array", "items": {"type": "string"}},
        "records": {"type": "object", "additionalProperties": {"type": "integer"}},
        "requestsInThresholdWindow": {"type": "integer"},
        "journal": {"type": "object"}}},
    "TenantList": {"type": "object", "properties": {"tenants": {"type": "array", "items": {"$ref": "#/definitions/TenantSummary"}}}},
    "CreateTenant": {"type": "object", "description": "A fixture document (autotask-mock/tenant@1), or this wrapper.",
                     "properties": {"fixture": {"description": "Fixture name, server-side path or document"},
                                    "name": {"type": "string"}, "isolate": {"description": "true or a suffix"},
                                    "replace": {"type": "boolean"}}},
    "FixtureDocument": {"type": "object", "description": "autotask-mock/tenant@1 (see fixtures/FORMAT.md)."},
    "Records": {"type": "object", "description": "Entity name -> list of records, e.g. {\"Companies\": [{...}]}",
                "additionalProperties": {"type": "array", "items": {"type": "object"}}},
    "Created": {"type": "object", "properties": {"created": {"type": "object",
                                                             "additionalProperties": {"type": "array", "items": {"type": "integer"}}}}},
    "JournalEntry": {"type": "object", "properties": {
        "seq": {"type": "integer"}, "time": {"type": "string", "format": "date-time"}, "method": {"type": "string"},
        "host": {"type": "string"}, "path": {"type": "string"}, "query": {"type": "string"},
        "entity": {"type": "string", "x-nullable": True}, "kind": {"type": "string", "x-nullable": True},
        "tenant": {"type": "string", "x-nullable": True}, "user": {"type": "string", "x-nullable": True},
        "status": {"type": "integer"}, "durationMs": {"type": "number"}, "requestBody": {"type": "string"},
        "requestBodySize": {"type": "integer"}, "requestBodyTruncated": {"type": "boolean"},
        "responseSize": {"type": "integer", "x-nullable": True}, "fault": {"x-nullable": True}}},
    "Journal": {"type": "object", "properties": {
        "entries": {"type": "array", "items": {"$ref": "#/definitions/JournalEntry"}}, "count": {"type": "integer"},
        "lastSeq": {"type": "integer"}, "kept": {"type": "integer"}, "dropped": {"type": "integer"},
        "capacity": {"type": "integer"}}},
    "Any": {"description": "See the operation summary."},
    "Reset": {"type": "object", "properties": {"reset": {"type": "array", "items": {"type": "string"}},
                                               "removed": {"type": "array", "items": {"type": "string"}}}},
}

# (method, path) -> (operationId, body schema or None, 2xx status, response schema, extra params)
_OPS: dict[tuple[str, str], tuple[str, str | None, int, str | None, list[dict[str, Any]]]] = {
    ("GET", "/"): ("Admin_Index", None, 200, None, []),
    ("GET", "/settings"): ("Admin_Settings", None, 200, None, []),
    ("GET", "/tenants"): ("Admin_ListTenants", None, 200, "TenantList", []),
    ("POST", "/tenants"): ("Admin_CreateTenant", "CreateTenant", 201, "TenantSummary", [
        {"name": "name", "in": "query", "required": False, "type": "string"},
        {"name": "isolate", "in": "query", "required": False, "type": "string"},
        {"name": "replace", "in": "query", "required": False, "type": "boolean"}]),
    ("GET", "/tenants/{tenant}"): ("Admin_GetTenant", None, 200, "TenantSummary", []),
    ("DELETE", "/tenants/{tenant}"): ("Admin_RemoveTenant", None, 200, None, []),
    ("POST", "/tenants/{tenant}/reset"): ("Admin_ResetTenant", None, 200, "TenantSummary", []),
    ("POST", "/reset"): ("Admin_ResetAll", None, 200, "Reset", []),
    ("GET", "/tenants/{tenant}/export"): ("Admin_ExportTenant", None, 200, "FixtureDocument", [
        {"name": "format", "in": "query", "required": False, "type": "string", "enum": ["json", "yaml"]}]),
    ("POST", "/tenants/{tenant}/records"): ("Admin_SeedRecords", "Records", 201, "Created", []),
    ("GET", "/tenants/{tenant}/clock"): ("Admin_GetClock", None, 200, "Clock", []),
    ("PUT", "/tenants/{tenant}/clock"): ("Admin_SetClock", "ClockSet", 200, "Clock", []),
    ("POST", "/tenants/{tenant}/clock/advance"): ("Admin_AdvanceClock", "ClockAdvance", 200, "Clock", []),
    ("GET", "/clock"): ("Admin_AllClocks", None, 200, None, []),
    ("POST", "/clock/advance"): ("Admin_AdvanceAllClocks", "ClockAdvance", 200, None, []),
    ("GET", "/journal"): ("Admin_Journal", None, 200, "Journal",
                          [{"name": "tenant", "in": "query", "required": False, "type": "string"}, *JOURNAL_FILTERS]),
    ("DELETE", "/journal"): ("Admin_ClearJournal", None, 200, None,
                             [{"name": "tenant", "in": "query", "required": False, "type": "string"}]),
    ("GET", "/tenants/{tenant}/journal"): ("Admin_TenantJournal", None, 200, "Journal", list(JOURNAL_FILTERS)),
    ("DELETE", "/tenants/{tenant}/journal"): ("Admin_ClearTenantJournal", None, 200, None, []),
    ("GET", "/openapi.json"): ("Admin_OpenApi", None, 200, None, []),
}


def _generic(method: str, path: str) -> tuple[str, str | None, int, str | None, list[dict[str, Any]]]:
    """Endpoints documented only by their summary (faults, webhooks: owned by their own modules)."""
    words = [w for w in path.replace("{", "").replace("}", "").split("/") if w]
    op_id = "Admin_" + method.title() + "".join(w[:1].upper() + w[1:] for w in words)
    body = "Any" if method in ("POST", "PUT", "PATCH") else None
    return op_id, body, 200, None, []


def _operation(method: str, path: str, summary: str) -> dict[str, Any]:
    op_id, body, status, response, extra = _OPS.get((method, path)) or _generic(method, path)
    params: list[dict[str, Any]] = []
    for name in re.findall(r"\{(\w+)\}", path):
        params.append(TENANT_PARAM if name == "tenant" else {"name": name, "in": "path", "required": True,
                                                                "type": "string"})
    params.extend(extra)
    if body is not None:
        params.append({"name": "body", "in": "body", "required": True, "schema": {"$ref": f"#/definitions/{body}"}})
    params.append(TOKEN_PARAM)
    ok: dict[str, Any] = {"description": "OK" if status == 200 else "Created"}
    if response is not None:
        ok["schema"] = {"$ref": f"#/definitions/{response}"}
    error = {"$ref": "#/definitions/AdminError"}
    responses: dict[str, Any] = {str(status): ok, "401": {"description": "Admin token missing or wrong", "schema": error}}
    if "{tenant}" in path:
        responses["404"] = {"description": "Unknown tenant", "schema": error}
    if body is not None or method in ("POST", "PUT"):
        responses["400"] = {"description": "Bad input", "schema": error}
    if op_id == "Admin_CreateTenant":
        responses["409"] = {"description": "Tenant or API user already exists", "schema": error}
    return {"tags": ["Admin"], "operationId": op_id, "summary": summary, "consumes": ["application/json", "application/yaml"],
            "produces": ["application/json"], "parameters": params, "responses": responses}


@lru_cache(maxsize=1)
def _paths() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, full, summary in all_endpoints():
        path = full[len("/_mock"):] or "/"
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, summary)
    return paths


def admin_document(host: str | None = None) -> dict[str, Any]:
    """The admin API as a standalone Swagger 2.0 document (basePath /_mock)."""
    doc: dict[str, Any] = {
        "swagger": "2.0",
        "info": {"version": "1", "title": "autotask-mock admin API",
                 "description": "The mock's control plane: tenants, reset, export, seed, clocks and the request "
                                "journal. Never journaled, never counted against thresholds."},
        "basePath": "/_mock",
        "schemes": ["http", "https"],
        "paths": copy.deepcopy(_paths()),
        "definitions": copy.deepcopy(DEFINITIONS),
    }
    if host:
        doc["host"] = host
    return doc
