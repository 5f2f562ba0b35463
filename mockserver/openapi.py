"""The mock's own OpenAPI (Swagger 2.0) document, derived from the catalogue.

Served at /ATServicesRest/swagger/docs/v1 like the real one, but with the envelopes the live API really
returns ({"items","pageDetails"}, {"item"}, {"itemId"}, {"queryCount"}) so schemathesis can check the
mock against it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from mockserver.catalog import Catalog, EntitySpec

_TYPES: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer", "format": "int32"},
    "short": {"type": "integer", "format": "int32"},
    "long": {"type": "integer", "format": "int64"},
    "double": {"type": "number", "format": "double"},
    "decimal": {"type": "number", "format": "double"},
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
}

HEADERS = [
    {"name": "ApiIntegrationCode", "in": "header", "required": True, "type": "string"},
    {"name": "UserName", "in": "header", "required": True, "type": "string"},
    {"name": "Secret", "in": "header", "required": True, "type": "string"},
    {"name": "ImpersonationResourceId", "in": "header", "required": False, "type": "string"},
]
ERRORS = {"$ref": "#/definitions/ErrorResultModel"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _model(spec: EntitySpec) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name, fs in spec.fields.items():
        schema = dict(_TYPES.get(fs.data_type, {"type": "string"}))
        schema["x-nullable"] = True
        if fs.data_type == "string" and fs.length:
            schema["maxLength"] = fs.length
        if fs.is_read_only:
            schema["readOnly"] = True
        props[name] = schema
    if spec.has_user_defined_fields:
        props["userDefinedFields"] = {"type": "array", "items": _ref("UserDefinedField")}
    required = [n for n, fs in spec.fields.items() if fs.is_required]
    model: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        model["x-required-on-create"] = required
    return model


def _op(op_id: str, tag: str, response: dict[str, Any], *, params: list[dict] | None = None,
        body: dict[str, Any] | None = None) -> dict[str, Any]:
    parameters = list(params or [])
    if body is not None:
        parameters.append({"name": "body", "in": "body", "required": True, "schema": body})
    parameters += HEADERS
    return {
        "tags": [tag],
        "operationId": op_id,
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "schema": response},
            "401": {"description": "Unauthorized"},
            "403": {"description": "Forbidden", "schema": ERRORS},
            "404": {"description": "Not Found"},
            "405": {"description": "Method Not Allowed"},
            "500": {"description": "Autotask error", "schema": ERRORS},
        },
    }


ID_PARAM = {"name": "id", "in": "path", "required": True, "type": "integer", "format": "int64"}
PARENT_PARAM = {"name": "parentId", "in": "path", "required": True, "type": "integer", "format": "int64"}
SEARCH_PARAM = {"name": "search", "in": "query", "required": True, "type": "string"}


def build_document(catalog: Catalog, host: str = "webservices2.autotask.net") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    definitions: dict[str, Any] = {
        "UserDefinedField": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "string", "x-nullable": True}}},
        "ErrorResultModel": {"type": "object", "properties": {"errors": {"type": "array", "items": {"type": "string"}}}},
        "OperationResultModel": {"type": "object", "properties": {"itemId": {"type": "integer", "format": "int64"}}},
        "QueryCountResultModel": {"type": "object", "properties": {"queryCount": {"type": "integer", "format": "int32"}}},
        "PagingModel": {"type": "object", "properties": {
            "count": {"type": "integer"}, "requestCount": {"type": "integer"},
            "prevPageUrl": {"type": "string", "x-nullable": True}, "nextPageUrl": {"type": "string", "x-nullable": True}}},
        "Filter": {"type": "object", "properties": {
            "op": {"type": "string"}, "field": {"type": "string"}, "udf": {"type": "boolean"},
            "value": {}, "items": {"type": "array", "items": _ref("Filter")}}},
        "QueryModel": {"type": "object", "properties": {
            "filter": {"type": "array", "items": _ref("Filter")},
            "includeFields": {"type": "array", "items": {"type": "string"}},
            "maxRecords": {"type": "integer", "format": "int32"}}},
        "EntityInformationResultModel": {"type": "object", "properties": {"info": {"type": "object"}}},
        "FieldInformationResultModel": {"type": "object", "properties": {"fields": {"type": "array", "items": {"type": "object"}}}},
        "ZoneInformationResultModel": {"type": "object", "properties": {
            "zoneName": {"type": "string"}, "url": {"type": "string"}, "webUrl": {"type": "string"}, "ci": {"type": "integer"}}},
        "ThresholdStatusResultModel": {"type": "object", "properties": {
            "externalRequestThreshold": {"type": "integer"}, "requestThresholdTimeframe": {"type": "integer"},
            "currentTimeframeRequestCount": {"type": "integer"}}},
        "ApiVersionResultModel": {"type": "object", "properties": {"apiVersions": {"type": "array", "items": {"type": "string"}}}},
    }
    paths["/V1.0/zoneInformation"] = {"get": {
        "tags": ["ZoneInformation"], "operationId": "ZoneInformation_Get", "produces": ["application/json"],
        "parameters": [{"name": "user", "in": "query", "required": True, "type": "string"}],
        "responses": {"200": {"description": "OK", "schema": _ref("ZoneInformationResultModel")},
                      "500": {"description": "unknown user", "schema": ERRORS}}}}
    paths["/VersionInformation"] = {"get": {
        "tags": ["ApiVersion"], "operationId": "ApiVersion_Get", "produces": ["application/json"], "parameters": [],
        "responses": {"200": {"description": "OK", "schema": _ref("ApiVersionResultModel")}}}}
    paths["/V1.0/ThresholdInformation"] = {"get": _op("ThresholdInformation_Get", "ThresholdInformation", _ref("ThresholdStatusResultModel"))}
    for spec in catalog:
        model = f"{spec.model}Model"
        definitions[model] = _model(spec)
        tag = spec.name
        query_result = {"type": "object", "properties": {"items": {"type": "array", "items": _ref(model)}, "pageDetails": _ref("PagingModel")}}
        item_result = {"type": "object", "properties": {"item": {**_ref(model), "x-nullable": True}}}
        base = f"/V1.0/{spec.name}"
        if spec.root_query:
            paths[f"{base}/query"] = {
                "get": _op(f"{tag}_UrlParameterQuery", tag, query_result, params=[SEARCH_PARAM]),
                "post": _op(f"{tag}_Query", tag, query_result, body=_ref("QueryModel")),
            }
            paths[f"{base}/query/count"] = {
                "get": _op(f"{tag}_UrlParameterQueryCount", tag, _ref("QueryCountResultModel"), params=[SEARCH_PARAM]),
                "post": _op(f"{tag}_QueryCount", tag, _ref("QueryCountResultModel"), body=_ref("QueryModel")),
            }
            item_ops: dict[str, Any] = {"get": _op(f"{tag}_QueryItem", tag, item_result, params=[ID_PARAM])}
            if spec.root_delete:
                item_ops["delete"] = _op(f"{tag}_DeleteEntity", tag, _ref("OperationResultModel"), params=[ID_PARAM])
            paths[f"{base}/{{id}}"] = item_ops
        collection: dict[str, Any] = {}
        if spec.root_create:
            collection["post"] = _op(f"{tag}_CreateEntity", tag, _ref("OperationResultModel"), body=_ref(model))
        if spec.root_update:
            collection["patch"] = _op(f"{tag}_PatchEntity", tag, _ref("OperationResultModel"), body=_ref(model))
            collection["put"] = _op(f"{tag}_UpdateEntity", tag, _ref("OperationResultModel"), body=_ref(model))
        if collection:
            paths[base] = collection
        paths[f"{base}/entityInformation"] = {"get": _op(f"{tag}_QueryEntityInformation", tag, _ref("EntityInformationResultModel"))}
        paths[f"{base}/entityInformation/fields"] = {"get": _op(f"{tag}_QueryFieldDefinitions", tag, _ref("FieldInformationResultModel"))}
        paths[f"{base}/entityInformation/userDefinedFields"] = {"get": _op(f"{tag}_QueryUserDefinedFieldDefinitions", tag, _ref("FieldInformationResultModel"))}
        for child in spec.child_paths:
            ctag = f"{child.parent}{child.segment}Child"
            cbase = f"/V1.0/{child.parent}/{{parentId}}/{child.segment}"
            ops: dict[str, Any] = {}
            for verb in sorted(child.methods):
                if verb == "GET":
                    ops["get"] = _op(f"{ctag}_Query", ctag, query_result, params=[PARENT_PARAM])
                elif verb == "POST":
                    ops["post"] = _op(f"{ctag}_CreateEntity", ctag, _ref("OperationResultModel"), params=[PARENT_PARAM], body=_ref(model))
                elif verb in ("PATCH", "PUT"):
                    ops[verb.lower()] = _op(f"{ctag}_{'Patch' if verb == 'PATCH' else 'Update'}Entity", ctag,
                                            _ref("OperationResultModel"), params=[PARENT_PARAM], body=_ref(model))
            if ops:
                paths[cbase] = ops
            item_ops = {}
            if "GET" in child.item_methods:
                item_ops["get"] = _op(f"{ctag}_QueryItem", ctag, item_result, params=[PARENT_PARAM, ID_PARAM])
            if "DELETE" in child.item_methods:
                item_ops["delete"] = _op(f"{ctag}_DeleteEntity", ctag, _ref("OperationResultModel"), params=[PARENT_PARAM, ID_PARAM])
            if item_ops:
                paths[f"{cbase}/{{id}}"] = item_ops
    from mockserver.admin.spec import admin_document

    return {
        "swagger": "2.0",
        "info": {"version": "v1", "title": "Autotask PSA REST API (autotask-mock)",
                 "description": "Generated from the mock's entity catalogue. The mock's own admin API (/_mock/…) "
                                "is described under x-autotask-mock-admin (outside basePath, so fuzzers leave it alone)."},
        "host": host,
        "basePath": "/ATServicesRest",
        "schemes": ["https", "http"],
        "paths": paths,
        "definitions": definitions,
        "x-autotask-mock-admin": admin_document(),
    }


@lru_cache(maxsize=8)
def _cached(catalog_id: int, host: str, catalog: Catalog) -> dict[str, Any]:
    return build_document(catalog, host)


def openapi_document(catalog: Catalog, host_url: str) -> dict[str, Any]:
    host = urlparse(host_url).netloc or "webservices2.autotask.net"
    return _cached(id(catalog), host, catalog)
