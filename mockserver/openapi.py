"""The mock's own OpenAPI (Swagger 2.0) document, derived from the catalogue.

Served at /ATServicesRest/swagger/docs/v1 like the real one, but describing what the mock (and, as far as the
sources in shared/spec/autotask-api.md go, the live API) really returns, so schemathesis can check the mock
against it:

* envelopes: ``{"items","pageDetails"}``, ``{"item"}`` (``item`` is null for a missing id and carries every
  field of the entity otherwise), ``{"itemId"}``, ``{"queryCount"}``;
* entity fields are nullable (``x-nullable``); entity models are closed (``additionalProperties: false``) so a
  field the catalogue does not know is a contract failure;
* error bodies: ``{"errors": [non-empty strings]}`` for 401/403/429/500 (the real API answers validation errors
  with 500), ASP.NET Web API's ``{"Message": ...}`` for routing errors 404/405;
* the three authentication headers are parameters, as in the real document (shared under ``parameters``;
  the error responses under ``responses``);
* routes the mock accepts for client compatibility but the real API lacks (PATCH/PUT ``/{Entity}/{id}``,
  setting ``item_url_writes``) are marked ``x-autotask-mock-extension`` so contract runs against other
  servers can leave them out;
* ``x-links`` on the 200 responses of writes (Swagger 2.0 has no ``links``; schemathesis reads ``x-links``) so
  stateful testing can chain create -> get -> patch/put -> query by id -> delete, and parent create -> child
  create (``/Companies/{parentId}/Contacts``). GET by id has no links: its ``item`` may be null.

The document is a pure function of the catalogue (plus the host it is served from) and is cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from mockserver.catalog import Catalog, EntitySpec
from mockserver.catalog.model import ChildPath

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

# Filter operators the mock (and the real API) accept; see mockserver/state/query.py.
FILTER_OPS = ["eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains", "exist",
              "notExist", "in", "notIn", "and", "or"]

AUTH_HEADERS = ("ApiIntegrationCode", "UserName", "Secret")
HEADER_PARAMETERS = [
    {"name": "ApiIntegrationCode", "in": "header", "required": True, "type": "string",
     "description": "The API tracking identifier of the integration."},
    {"name": "UserName", "in": "header", "required": True, "type": "string",
     "description": "The API user's user name (an e-mail address)."},
    {"name": "Secret", "in": "header", "required": True, "type": "string", "description": "The API user's secret."},
    {"name": "ImpersonationResourceId", "in": "header", "required": False, "type": "string",
     "description": "Id of an active resource the write is attributed to (optional)."},
]
# Operations refer to the shared header parameters and error responses (keeps the document small).
HEADERS = [{"$ref": f"#/parameters/{p['name']}"} for p in HEADER_PARAMETERS]
ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "BadRequest": {"description": "Request cannot be bound (ASP.NET Web API)",
                   "schema": {"$ref": "#/definitions/AspNetErrorModel"}},
    "Unauthorized": {"description": "Wrong secret for a known user (an empty body with the setting "
                                    "unauthorized_body=empty)", "schema": {"$ref": "#/definitions/ErrorResultModel"}},
    "Forbidden": {"description": "The API user's security level forbids this",
                  "schema": {"$ref": "#/definitions/ErrorResultModel"}},
    "NotFound": {"description": "Unknown URL (ASP.NET Web API)", "schema": {"$ref": "#/definitions/AspNetErrorModel"}},
    "MethodNotAllowed": {"description": "Verb not supported on this URL (ASP.NET Web API)",
                         "schema": {"$ref": "#/definitions/AspNetErrorModel"},
                         "headers": {"Allow": {"type": "string"}}},
    "TooManyRequests": {"description": "Request threshold exceeded", "schema": {"$ref": "#/definitions/ErrorResultModel"},
                        "headers": {"Retry-After": {"type": "integer"}}},
    "AutotaskError": {"description": "Autotask error: validation failures, unknown user (zone), bad integration "
                                     "code, missing records", "schema": {"$ref": "#/definitions/ErrorResultModel"}},
}
_STATUS = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound", "405": "MethodNotAllowed",
           "429": "TooManyRequests", "500": "AutotaskError"}


# Operations the real API does not have (the mock's compatibility extensions) carry this key.
EXTENSION = "x-autotask-mock-extension"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


ERRORS = _ref("ErrorResultModel")

ID_PARAM = {"name": "id", "in": "path", "required": True, "type": "integer", "format": "int64"}
PARENT_PARAM = {"name": "parentId", "in": "path", "required": True, "type": "integer", "format": "int64"}
SEARCH_PARAM = {"name": "search", "in": "query", "required": True, "type": "string",
                "description": 'The query as JSON, e.g. {"filter":[{"op":"gte","field":"id","value":0}]}.'}


def _string_list() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def _generic_definitions() -> dict[str, Any]:
    """Envelopes and metadata models (names as in the real document's current version)."""
    return {
        "UserDefinedField": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "value": {"type": "string", "x-nullable": True}}},
        "ErrorResultModel": {
            "type": "object", "required": ["errors"],
            "description": "Autotask's error body: a non-empty list of non-empty messages.",
            "properties": {"errors": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}}},
        "AspNetErrorModel": {
            "type": "object", "required": ["Message"],
            "description": "ASP.NET Web API's routing error body (unknown URL, verb not supported).",
            "properties": {"Message": {"type": "string"}}},
        "OperationResultModel": {
            "type": "object", "required": ["itemId"],
            "properties": {"itemId": {"type": "integer", "format": "int64"}}},
        "QueryCountResultModel": {
            "type": "object", "required": ["queryCount"],
            "properties": {"queryCount": {"type": "integer", "format": "int32", "minimum": 0}}},
        "PagingModel": {
            "type": "object", "required": ["count", "requestCount", "prevPageUrl", "nextPageUrl"],
            "properties": {
                "count": {"type": "integer", "format": "int32", "minimum": 0},
                "requestCount": {"type": "integer", "format": "int32", "minimum": 0},
                "prevPageUrl": {"type": "string", "x-nullable": True},
                "nextPageUrl": {"type": "string", "x-nullable": True}}},
        "Filter": {
            "type": "object", "required": ["op"],
            "properties": {
                "op": {"type": "string", "enum": FILTER_OPS},
                "field": {"type": "string"},
                "udf": {"type": "boolean"},
                "value": {"description": "An integer, string, boolean, number or date-time; an array of them for "
                                         "in/notIn; absent for exist/notExist."},
                "items": {"type": "array", "items": _ref("Filter"), "description": "Sub-filters of and/or."}}},
        "QueryModel": {
            "type": "object", "required": ["filter"],
            "properties": {
                "filter": {"type": "array", "minItems": 1, "items": _ref("Filter")},
                "includeFields": _string_list(),
                "maxRecords": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 500}}},
        "RestUserAccessLevel": {"type": "object", "properties": {}},
        "EntityInformationModel": {
            "type": "object",
            "required": ["name", "canCreate", "canDelete", "canQuery", "canUpdate", "userAccessForCreate",
                         "userAccessForDelete", "userAccessForQuery", "userAccessForUpdate",
                         "hasUserDefinedFields", "supportsWebhookCallouts"],
            "properties": {
                "name": {"type": "string"},
                "canCreate": {"type": "boolean"}, "canDelete": {"type": "boolean"},
                "canQuery": {"type": "boolean"}, "canUpdate": {"type": "boolean"},
                "userAccessForCreate": _ref("RestUserAccessLevel"),
                "userAccessForDelete": _ref("RestUserAccessLevel"),
                "userAccessForQuery": _ref("RestUserAccessLevel"),
                "userAccessForUpdate": _ref("RestUserAccessLevel"),
                "hasUserDefinedFields": {"type": "boolean"},
                "supportsWebhookCallouts": {"type": "boolean"}}},
        "EntityInformationResultModel": {
            "type": "object", "required": ["info"], "properties": {"info": _ref("EntityInformationModel")}},
        "GlobalEntityInformationResultModel": {
            "type": "object", "required": ["entityDescriptions"],
            "properties": {"entityDescriptions": {"type": "array", "items": _ref("EntityInformationResultModel")}}},
        "PickListValue": {
            "type": "object", "required": ["value", "label"],
            "properties": {
                "value": {"type": "string"}, "label": {"type": "string"},
                "isDefaultValue": {"type": "boolean"}, "sortOrder": {"type": "integer", "format": "int32"},
                "parentValue": {"type": "string", "x-nullable": True},
                "isActive": {"type": "boolean"}, "isSystem": {"type": "boolean"}}},
        "FieldInformationModel": {
            "type": "object",
            "required": ["name", "dataType", "length", "isRequired", "isReadOnly", "isQueryable", "isReference",
                         "referenceEntityType", "isPickList", "picklistValues", "picklistParentValueField",
                         "isSupportedWebhookField"],
            "properties": {
                "name": {"type": "string"},
                "dataType": {"type": "string"},
                "length": {"type": "integer", "format": "int32"},
                "isRequired": {"type": "boolean"}, "isReadOnly": {"type": "boolean"},
                "isQueryable": {"type": "boolean"}, "isReference": {"type": "boolean"},
                "referenceEntityType": {"type": "string", "x-nullable": True},
                "isPickList": {"type": "boolean"},
                "picklistValues": {"type": "array", "items": _ref("PickListValue"), "x-nullable": True},
                "picklistParentValueField": {"type": "string", "x-nullable": True},
                "isSupportedWebhookField": {"type": "boolean"}}},
        "FieldInformationResultModel": {
            "type": "object", "required": ["fields"],
            "properties": {"fields": {"type": "array", "items": _ref("FieldInformationModel")}}},
        "UserDefinedFieldInformationModel": {
            "type": "object", "required": ["name", "type"],
            "properties": {
                "name": {"type": "string"}, "label": {"type": "string", "x-nullable": True},
                "type": {"type": "string"}, "length": {"type": "integer", "format": "int32"},
                "description": {"type": "string", "x-nullable": True},
                "isRequired": {"type": "boolean"}, "isReadOnly": {"type": "boolean"},
                "isQueryable": {"type": "boolean"}, "isReference": {"type": "boolean"},
                "referenceEntityType": {"type": "string", "x-nullable": True},
                "isPickList": {"type": "boolean"},
                "picklistValues": {"type": "array", "items": _ref("PickListValue"), "x-nullable": True},
                "picklistParentValueField": {"type": "string", "x-nullable": True},
                "defaultValue": {"type": "string", "x-nullable": True},
                "isSupportedWebhookField": {"type": "boolean"},
                "isProtected": {"type": "boolean"}}},
        "UserDefinedFieldInformationResultModel": {
            "type": "object", "required": ["fields"],
            "properties": {"fields": {"type": "array", "items": _ref("UserDefinedFieldInformationModel")}}},
        "ZoneInformationResultModel": {
            "type": "object", "required": ["zoneName", "url", "webUrl", "ci"],
            "properties": {"zoneName": {"type": "string"}, "url": {"type": "string"}, "webUrl": {"type": "string"},
                           "ci": {"type": "integer", "format": "int32"}}},
        "ThresholdStatusResultModel": {
            "type": "object",
            "required": ["externalRequestThreshold", "requestThresholdTimeframe", "currentTimeframeRequestCount"],
            "properties": {"externalRequestThreshold": {"type": "integer", "format": "int32"},
                           "requestThresholdTimeframe": {"type": "integer", "format": "int32"},
                           "currentTimeframeRequestCount": {"type": "integer", "format": "int32"}}},
        "ApiVersionResultModel": {
            "type": "object", "required": ["apiVersions"],
            "properties": {"apiVersions": _string_list()}},
    }


def _field_schema(fs) -> dict[str, Any]:
    schema = dict(_TYPES.get(fs.data_type, {"type": "string"}))
    if fs.data_type == "string" and fs.length:
        schema["maxLength"] = fs.length
    if fs.is_read_only and fs.name != "id":
        # ``id`` is read-only on create but required on update, so it stays writable here.
        schema["readOnly"] = True
    if fs.reference_entity:
        schema["x-reference-entity"] = fs.reference_entity
    if fs.is_picklist:
        schema["x-picklist"] = True
    schema["x-nullable"] = True
    return schema


def _model(spec: EntitySpec) -> dict[str, Any]:
    props: dict[str, Any] = {name: _field_schema(fs) for name, fs in spec.fields.items()}
    if spec.has_user_defined_fields:
        props["userDefinedFields"] = {"type": "array", "items": _ref("UserDefinedField")}
    model: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [n for n, fs in spec.fields.items() if fs.is_required]
    if required:
        model["x-required-on-create"] = required
    return model


def _item_schema(spec: EntitySpec, model: str) -> dict[str, Any]:
    """What GET by id returns: ``item`` is null for a missing id, else it carries every field."""
    every = list(spec.fields) + (["userDefinedFields"] if spec.has_user_defined_fields else [])
    return {"type": "object", "required": ["item"],
            "properties": {"item": {"allOf": [_ref(model), {"required": every}], "x-nullable": True}}}


def _query_schema(model: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "pageDetails"],
            "properties": {"items": {"type": "array", "items": _ref(model)}, "pageDetails": _ref("PagingModel")}}


def _create_body(spec: EntitySpec, model: str) -> dict[str, Any]:
    required = [n for n, fs in spec.fields.items() if fs.is_required and not fs.is_read_only]
    body: dict[str, Any] = {"allOf": [_ref(model)]}
    if required:
        body["required"] = required
    return body


def _update_body(model: str) -> dict[str, Any]:
    return {"allOf": [_ref(model)], "required": ["id"]}


def _responses(schema: dict[str, Any], links: dict[str, Any] | None = None) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK", "schema": schema}
    if links:
        ok["x-links"] = links
    return {"200": ok, **{status: {"$ref": f"#/responses/{name}"} for status, name in _STATUS.items()}}


def _op(op_id: str, tag: str, response: dict[str, Any], *, params: list[dict] | None = None,
        body: dict[str, Any] | None = None, links: dict[str, Any] | None = None,
        summary: str | None = None) -> dict[str, Any]:
    parameters = list(params or [])
    if body is not None:
        parameters.append({"name": "body", "in": "body", "required": True, "schema": body})
    parameters += HEADERS
    op: dict[str, Any] = {
        "tags": [tag],
        "operationId": op_id,
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "parameters": parameters,
        "responses": _responses(response, links),
    }
    if summary:
        op["summary"] = summary
    return op


# ------------------------------------------------------------------------------------------- x-links
def _by_id_query(expr: str) -> dict[str, Any]:
    return {"filter": [{"op": "eq", "field": "id", "value": expr}]}


def _root_links(spec: EntitySpec, tag: str, expr: str) -> dict[str, Any]:
    """Links from a response that names one record of ``spec`` (``expr`` evaluates to its id)."""
    links: dict[str, Any] = {}
    if spec.root_query:
        links["GetById"] = {"operationId": f"{tag}_QueryItem", "parameters": {"path.id": expr}}
        links["QueryById"] = {"operationId": f"{tag}_Query", "requestBody": _by_id_query(expr),
                              "x-schemathesis": {"merge_body": False}}
    if spec.root_update:
        links["PatchById"] = {"operationId": f"{tag}_PatchEntity", "requestBody": {"id": expr}}
        links["PutById"] = {"operationId": f"{tag}_UpdateEntity", "requestBody": {"id": expr}}
    if spec.root_delete:
        links["DeleteById"] = {"operationId": f"{tag}_DeleteEntity", "parameters": {"path.id": expr}}
    return links


def _child_tag(child: ChildPath) -> str:
    return f"{child.parent}{child.segment}Child"


def _child_links(child: ChildPath, expr: str, parent_expr: str) -> dict[str, Any]:
    """Links to the child URLs of the record ``expr`` under parent ``parent_expr``."""
    ctag = _child_tag(child)
    links: dict[str, Any] = {}
    parent = {"path.parentId": parent_expr}
    if "PATCH" in child.methods:
        links["PatchChild"] = {"operationId": f"{ctag}_PatchEntity", "parameters": parent,
                               "requestBody": {"id": expr}}
    if "PUT" in child.methods:
        links["PutChild"] = {"operationId": f"{ctag}_UpdateEntity", "parameters": parent,
                             "requestBody": {"id": expr}}
    if "GET" in child.item_methods:
        links["GetChild"] = {"operationId": f"{ctag}_QueryItem", "parameters": {**parent, "path.id": expr}}
    if "DELETE" in child.item_methods:
        links["DeleteChild"] = {"operationId": f"{ctag}_DeleteEntity", "parameters": {**parent, "path.id": expr}}
    return links


def _children_of_new_parent(catalog: Catalog, spec: EntitySpec, expr: str) -> dict[str, Any]:
    """Links from a response naming a new ``spec`` record to creating/listing its child records."""
    links: dict[str, Any] = {}
    for child in catalog.children_of(spec.name):
        if child.parent_entity != spec.name:
            continue
        ctag = _child_tag(child)
        if "POST" in child.methods:
            links[f"Create{child.segment}"] = {"operationId": f"{ctag}_CreateEntity",
                                               "parameters": {"path.parentId": expr}}
        if "GET" in child.methods:
            links[f"List{child.segment}"] = {"operationId": f"{ctag}_Query", "parameters": {"path.parentId": expr}}
    return links


# ------------------------------------------------------------------------------------------- document
def build_document(catalog: Catalog, host: str = "webservices2.autotask.net") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    definitions = _generic_definitions()
    paths["/V1.0/zoneInformation"] = {"get": {
        "tags": ["ZoneInformation"], "operationId": "ZoneInformation_Get", "produces": ["application/json"],
        "summary": "The zone (REST root URL) of an API user; needs no authentication headers.",
        "parameters": [{"name": "user", "in": "query", "required": True, "type": "string"}],
        "responses": {"200": {"description": "OK", "schema": _ref("ZoneInformationResultModel")},
                      "500": {"description": "Zone information could not be determined", "schema": ERRORS}}}}
    paths["/VersionInformation"] = {"get": {
        "tags": ["ApiVersion"], "operationId": "ApiVersion_Get", "produces": ["application/json"], "parameters": [],
        "responses": {"200": {"description": "OK", "schema": _ref("ApiVersionResultModel")}}}}
    paths["/V1.0/ThresholdInformation"] = {"get": _op("ThresholdInformation_Get", "ThresholdInformation",
                                                      _ref("ThresholdStatusResultModel"))}
    paths["/V1.0/EntityInformation"] = {"get": _op("EntityInformation_Get", "EntityInformation",
                                                   _ref("GlobalEntityInformationResultModel"))}
    for spec in catalog:
        model = f"{spec.model}Model"
        definitions[model] = _model(spec)
        tag = spec.name
        query_result = _query_schema(model)
        item_result = _item_schema(spec, model)
        base = f"/V1.0/{spec.name}"
        created = "$response.body#/itemId"
        written_by_id = {k: v for k, v in _root_links(spec, tag, "$request.path.id").items()
                         if k in ("GetById", "QueryById")}
        if spec.root_query:
            paths[f"{base}/query"] = {
                "get": _op(f"{tag}_UrlParameterQuery", tag, query_result, params=[SEARCH_PARAM]),
                "post": _op(f"{tag}_Query", tag, query_result, body=_ref("QueryModel")),
            }
            paths[f"{base}/query/count"] = {
                "get": _op(f"{tag}_UrlParameterQueryCount", tag, _ref("QueryCountResultModel"), params=[SEARCH_PARAM]),
                "post": _op(f"{tag}_QueryCount", tag, _ref("QueryCountResultModel"), body=_ref("QueryModel")),
            }
            # No links from GET by id: its item is null for a missing id, and links must always resolve.
            item_ops: dict[str, Any] = {"get": _op(f"{tag}_QueryItem", tag, item_result, params=[ID_PARAM])}
            if spec.root_update:
                # py-autotask PATCHes/PUTs /{Entity}/{id}; the mock accepts that unless item_url_writes is off
                # (then 405, documented like everywhere). Marked so contract runs for other servers skip it.
                for verb, name in (("patch", "PatchEntityById"), ("put", "UpdateEntityById")):
                    op = _op(f"{tag}_{name}", tag, _ref("OperationResultModel"), params=[ID_PARAM],
                             body={"allOf": [_ref(model)]}, links=written_by_id or None,
                             summary="autotask-mock extension (setting item_url_writes): update by the id in "
                                     "the URL; the real API has no such route.")
                    op[EXTENSION] = "item_url_writes"
                    item_ops[verb] = op
            if spec.root_delete:
                item_ops["delete"] = _op(f"{tag}_DeleteEntity", tag, _ref("OperationResultModel"), params=[ID_PARAM],
                                         links={k: v for k, v in _root_links(spec, tag, created).items()
                                                if k in ("GetById", "QueryById")} or None)
            paths[f"{base}/{{id}}"] = item_ops
        collection: dict[str, Any] = {}
        written = {k: v for k, v in _root_links(spec, tag, created).items() if k in ("GetById", "QueryById")}
        if spec.root_create:
            links = {**_root_links(spec, tag, created), **_children_of_new_parent(catalog, spec, created)}
            collection["post"] = _op(f"{tag}_CreateEntity", tag, _ref("OperationResultModel"),
                                     body=_create_body(spec, model), links=links or None)
        if spec.root_update:
            collection["patch"] = _op(f"{tag}_PatchEntity", tag, _ref("OperationResultModel"),
                                      body=_update_body(model), links=written or None)
            collection["put"] = _op(f"{tag}_UpdateEntity", tag, _ref("OperationResultModel"),
                                    body=_update_body(model), links=written or None)
        if collection:
            paths[base] = collection
        paths[f"{base}/entityInformation"] = {"get": _op(f"{tag}_QueryEntityInformation", tag,
                                                         _ref("EntityInformationResultModel"))}
        paths[f"{base}/entityInformation/fields"] = {"get": _op(f"{tag}_QueryFieldDefinitions", tag,
                                                                _ref("FieldInformationResultModel"))}
        paths[f"{base}/entityInformation/userDefinedFields"] = {"get": _op(
            f"{tag}_QueryUserDefinedFieldDefinitions", tag, _ref("UserDefinedFieldInformationResultModel"))}
        for child in spec.child_paths:
            ctag = _child_tag(child)
            cbase = f"/V1.0/{child.parent}/{{parentId}}/{child.segment}"
            parent_expr = "$request.path.parentId"
            ops: dict[str, Any] = {}
            for verb in sorted(child.methods):
                if verb == "GET":
                    ops["get"] = _op(f"{ctag}_Query", ctag, query_result, params=[PARENT_PARAM])
                elif verb == "POST":
                    links = {**_root_links(spec, tag, created), **_child_links(child, created, parent_expr)}
                    links = {k: v for k, v in links.items()
                             if k not in ("PatchById", "PutById", "DeleteById")}  # child writes go through the parent
                    ops["post"] = _op(f"{ctag}_CreateEntity", ctag, _ref("OperationResultModel"),
                                      params=[PARENT_PARAM], body=_create_body(spec, model), links=links or None)
                elif verb in ("PATCH", "PUT"):
                    ops[verb.lower()] = _op(f"{ctag}_{'Patch' if verb == 'PATCH' else 'Update'}Entity", ctag,
                                            _ref("OperationResultModel"), params=[PARENT_PARAM],
                                            body=_update_body(model), links=written or None)
            if ops:
                paths[cbase] = ops
            item_ops = {}
            if "GET" in child.item_methods:
                item_ops["get"] = _op(f"{ctag}_QueryItem", ctag, item_result, params=[PARENT_PARAM, ID_PARAM])
            if "DELETE" in child.item_methods:
                item_ops["delete"] = _op(f"{ctag}_DeleteEntity", ctag, _ref("OperationResultModel"),
                                         params=[PARENT_PARAM, ID_PARAM], links=written or None)
            if item_ops:
                paths[f"{cbase}/{{id}}"] = item_ops
    from mockserver.admin.spec import admin_document

    return {
        "swagger": "2.0",
        "info": {"version": "v1", "title": "Autotask PSA REST API (autotask-mock)",
                 "description": "Generated from the mock's entity catalogue. The mock's own admin API (/_mock/…) "
                                "is described under x-autotask-mock-admin (outside basePath, so fuzzers leave it "
                                "alone). Responses carry x-links for stateful testing."},
        "host": host,
        "basePath": "/ATServicesRest",
        "schemes": ["https", "http"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": definitions,
        "parameters": {p["name"]: dict(p) for p in HEADER_PARAMETERS},
        "responses": {name: dict(r) for name, r in ERROR_RESPONSES.items()},
        "x-autotask-mock-admin": admin_document(),
    }


@lru_cache(maxsize=8)
def _cached(catalog_id: int, host: str, scheme: str, catalog: Catalog) -> dict[str, Any]:
    doc = build_document(catalog, host)
    # The scheme the document was fetched with comes first, so tools deriving the base URL from it
    # (schemathesis, code generators) reach the server that served it.
    doc["schemes"] = [scheme] + [s for s in doc["schemes"] if s != scheme]
    return doc


def openapi_document(catalog: Catalog, host_url: str) -> dict[str, Any]:
    parsed = urlparse(host_url)
    host = parsed.netloc or "webservices2.autotask.net"
    scheme = parsed.scheme if parsed.scheme in ("http", "https") else "https"
    return _cached(id(catalog), host, scheme, catalog)
