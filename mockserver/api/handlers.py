"""Thin handlers: translate one resolved Route + request into a call on TenantState and an envelope.

No business logic lives here; envelopes follow shared/spec/autotask-api.md §3 ({"items","pageDetails"},
{"item"}, {"itemId"}, {"queryCount"}).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from mockserver.api.routes import Route
from mockserver.catalog import EntitySpec
from mockserver.config import MockConfig
from mockserver.errors import ZONE_NOT_DETERMINED, AspNetError, AutotaskError, method_not_allowed
from mockserver.json_input import JsonInputError, load_json
from mockserver.state.records import to_api
from mockserver.state.tenant import Actor, TenantState

REAL_HOST = re.compile(r"^webservices\d*\.autotask\.net$", re.IGNORECASE)
_HEX = re.compile(r"%[0-9A-F]{2}")

# Reference fields whose picklist the real API derives from another entity's rows.
ENTITY_PICKLISTS = {
    "ConfigurationItemTypes": "name",
    "ClassificationIcons": "name",
    "Countries": "displayName",
}


def dotnet_quote(text: str) -> str:
    """URL-encode like .NET's HttpUtility.UrlEncode (lower-case hex), as real nextPageUrls are."""
    return _HEX.sub(lambda m: m.group(0).lower(), quote(text, safe=""))


def api_root(config: MockConfig, host_url: str, host: str, tenant: TenantState | None, *, zone: bool) -> str:
    """The …/ATServicesRest/ root clients are told to use (trailing slash, as the real zone lookup returns)."""
    if config.external_url:
        base = config.external_url.rstrip("/")
        if base.lower().endswith("/atservicesrest"):
            base = base[: -len("/atservicesrest")]
        return f"{base}/ATServicesRest/"
    hostname = host.split(":")[0]
    if zone and tenant is not None and REAL_HOST.match(hostname):
        scheme = "https" if host_url.startswith("https") else "http"
        return f"{scheme}://webservices{tenant.info.zone}.autotask.net/ATServicesRest/"
    return f"{host_url.rstrip('/')}/ATServicesRest/"


def parse_json(raw: bytes | str | None, what: str, *, surrogates: bool = False) -> Any:
    """Parse a body or query parameter; nesting beyond MAX_JSON_DEPTH and (``surrogates``) lone UTF-16
    surrogates anywhere are refused like malformed JSON. Writes leave surrogates to field coercion, which
    names the field (values.coerce)."""
    if raw is None or (isinstance(raw, bytes | str) and not raw.strip()):
        raise AutotaskError(f"The {what} is required.")
    try:
        return load_json(raw, surrogates=surrogates)
    except JsonInputError as exc:
        raise AutotaskError(f"The {what} is not valid JSON: {str(exc).rstrip('.')}.") from None


def lower_args(args: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in args.items()}


class ApiHandlers:
    def __init__(self, store, config: MockConfig) -> None:
        self.store = store
        self.config = config

    # --------------------------------------------------------------- unauthenticated
    def zone(self, args: Mapping[str, str], host_url: str, host: str) -> dict[str, Any]:
        user = lower_args(args).get("user")
        found = self.store.find_user(user)
        if found is None:
            raise AutotaskError(ZONE_NOT_DETERMINED)
        tenant = found[0]
        return {
            "zoneName": tenant.info.zone_name or f"America West {tenant.info.zone}",
            "url": api_root(self.config, host_url, host, tenant, zone=True),
            "webUrl": f"https://ww{tenant.info.zone}.autotask.net/",
            "ci": tenant.info.ci,
        }

    @staticmethod
    def version() -> dict[str, Any]:
        return {"apiVersions": ["1.0"]}

    # --------------------------------------------------------------- authenticated
    def threshold(self, tenant: TenantState) -> dict[str, Any]:
        return {
            "externalRequestThreshold": self.config.request_threshold,
            "requestThresholdTimeframe": self.config.threshold_timeframe_minutes,
            "currentTimeframeRequestCount": tenant.threshold_count(),
        }

    def dispatch(
        self,
        route: Route,
        method: str,
        tenant: TenantState,
        actor: Actor,
        args: Mapping[str, str],
        body: bytes,
        root: str,
        mask: bool = False,
    ) -> dict[str, Any]:
        """``mask``: hide protected UDF values (the API user lacks View Protected Data)."""
        spec = route.entity
        kind = route.kind
        if kind == "threshold":
            return self.threshold(tenant)
        if kind == "global_entity_info":
            return {"entityDescriptions": [{"info": entity_info(e)} for e in tenant.catalog]}
        assert spec is not None
        if kind == "entity_info":
            return {"info": entity_info(spec)}
        if kind == "fields":
            return {"fields": field_info(tenant, spec)}
        if kind == "udfs":
            return {"fields": udf_info(tenant, spec)}
        if kind in ("query", "count", "next"):
            return self.query(route, method, tenant, args, body, root, mask)
        if kind == "item":
            assert route.item_id is not None  # resolve() sets the id of every item route
            if method == "GET":
                return self.get_item(tenant, spec, route.item_id, mask)
            if method == "DELETE":
                return {"itemId": tenant.delete(spec, route.item_id)}
            payload = parse_json(body, "request body")
            return {"itemId": tenant.update(spec, payload, replace=method == "PUT", actor=actor, url_id=route.item_id)}
        if kind == "collection":
            payload = parse_json(body, "request body")
            if method == "POST":
                return {"itemId": tenant.create(spec, payload, actor=actor)}
            return {"itemId": tenant.update(spec, payload, replace=method == "PUT", actor=actor)}
        if kind == "child_collection":
            assert route.child is not None and route.parent_id is not None  # set by resolve() for child routes
            parent = (route.child, route.parent_id)
            if method == "GET":
                return self.child_list(route, tenant, args, root, mask)
            payload = parse_json(body, "request body")
            if method == "POST":
                return {"itemId": tenant.create(spec, payload, actor=actor, parent=parent)}
            return {"itemId": tenant.update(spec, payload, replace=method == "PUT", actor=actor, parent=parent)}
        if kind == "child_item":
            assert route.child is not None and route.parent_id is not None and route.item_id is not None
            parent = (route.child, route.parent_id)
            if method == "DELETE":
                return {"itemId": tenant.delete(spec, route.item_id, parent=parent)}
            record = tenant.get(spec.name, route.item_id)
            if record is not None and record.get(route.child.parent_field) != route.parent_id:
                record = None
            return self._item_envelope(tenant, spec, record, mask)
        raise AutotaskError(f"Unsupported route {kind}.")

    # --------------------------------------------------------------- items
    def get_item(self, tenant: TenantState, spec: EntitySpec, item_id: int | None, mask: bool = False) -> dict[str, Any]:
        # No lock (issue 15, part 2): a record is swapped whole by writes, and one lookup is atomic.
        record = tenant.get(spec.name, item_id)
        return self._item_envelope(tenant, spec, record, mask)

    def _item_envelope(
        self, tenant: TenantState, spec: EntitySpec, record: dict | None, mask: bool = False
    ) -> dict[str, Any]:
        if record is None:
            if self.config.missing_item_status == 404:
                raise AspNetError(404, "No matching record was found.")
            return {"item": None}
        return {"item": to_api(spec, record, tenant.udf_defs(spec.name), mask_protected=mask)}

    # --------------------------------------------------------------- queries and paging
    def query(
        self,
        route: Route,
        method: str,
        tenant: TenantState,
        args: Mapping[str, str],
        body: bytes,
        root: str,
        mask: bool = False,
    ) -> dict[str, Any]:
        spec = route.entity
        assert spec is not None
        largs = lower_args(args)
        paging: dict[str, Any] | None = None
        if route.kind == "next":
            paging = parse_paging(largs.get("paging"))
        if method == "GET":
            search_text = largs.get("search")
            if search_text is None:
                if route.kind == "next":
                    raise method_not_allowed("GET", {"POST"})
                raise AutotaskError("The search parameter is required.")
            raw_query = parse_json(search_text, "search parameter", surrogates=True)
        else:
            search_text = None
            raw_query = parse_json(body, "request body", surrogates=True)
        query = tenant.parse_query(spec, raw_query)
        if route.kind == "count":
            return {"queryCount": tenant.count(spec, query)}
        page_size = query.max_records
        after_id = None
        previous: list[int] = []
        if paging is not None:
            page_size = paging["pageSize"]
            previous = paging["previousIds"]
            after_id = paging["nextIds"][0] if paging["nextIds"] else None
            if after_id is not None and after_id < 0:
                after_id = None
        page = tenant.run_query(spec, query, after_id=after_id, page_size=page_size)
        # includeFields: the research note says userDefinedFields always come along (default "all"); the
        # apigrate README shows them empty unless asked for ("named": only UDFs named in includeFields).
        only_udfs = query.include_udfs if self.config.include_fields_udfs == "named" else None
        with tenant.lock.shared():
            defs = tenant.udf_defs(spec.name)
            items = [
                to_api(spec, r, defs, include=query.include_fields, mask_protected=mask, include_udfs=only_udfs)
                for r in page.items
            ]
        echo = search_text if search_text is not None else (
            json.dumps(raw_query, separators=(",", ":")) if self.config.post_next_page_includes_search else None
        )
        this_after = -1 if after_id is None else after_id
        next_url = prev_url = None
        if page.has_more and page.last_id is not None:
            token = {"pageSize": page_size, "previousIds": [*previous, this_after], "nextIds": [page.last_id]}
            next_url = self._next_url(root, spec.name, token, echo)
        if previous:
            token = {"pageSize": page_size, "previousIds": previous[:-1], "nextIds": [previous[-1]]}
            prev_url = self._next_url(root, spec.name, token, echo)
        return {
            "items": items,
            "pageDetails": {
                "count": len(items),
                "requestCount": page_size,
                "prevPageUrl": prev_url,
                "nextPageUrl": next_url,
            },
        }

    @staticmethod
    def _next_url(root: str, entity: str, token: dict[str, Any], search: str | None) -> str:
        url = f"{root}V1.0/{entity}/query/next?paging={dotnet_quote(json.dumps(token, separators=(',', ':')))}"
        if search is not None:
            url += f"&search={dotnet_quote(search)}"
        return url

    def child_list(
        self, route: Route, tenant: TenantState, args: Mapping[str, str], root: str, mask: bool = False
    ) -> dict[str, Any]:
        """GET /{Parent}/{id}/{Child}: the parent's children, in the query envelope (paged)."""
        assert route.child is not None and route.entity is not None
        if tenant.get(route.child.parent_entity, route.parent_id) is None:
            raise AutotaskError(f"{route.child.parent_entity} {route.parent_id} does not exist.")
        search = json.dumps({"filter": [{"op": "eq", "field": route.child.parent_field, "value": route.parent_id}]})
        return self.query(
            Route("query", route.allowed, route.entity), "GET", tenant, {"search": search}, b"", root, mask
        )


def parse_paging(raw: str | None) -> dict[str, Any]:
    if not raw:
        raise AutotaskError("The paging parameter is required.")
    try:
        data = load_json(raw, surrogates=True)
        lowered = {str(k).lower(): v for k, v in data.items()}
        size = int(lowered.get("pagesize", 500))
        prev = [int(x) for x in lowered.get("previousids") or []]
        nxt = [int(x) for x in lowered.get("nextids") or []]
    except (ValueError, TypeError, AttributeError, OverflowError):  # OverflowError: int(1e400 -> inf)
        raise AutotaskError("The paging parameter is not valid.") from None
    if not 1 <= size <= 500:
        raise AutotaskError("The paging parameter is not valid: pageSize must be between 1 and 500.")
    return {"pageSize": size, "previousIds": prev, "nextIds": nxt}


# ------------------------------------------------------------------- metadata
def entity_info(spec: EntitySpec) -> dict[str, Any]:
    return {
        "name": spec.model,
        "canCreate": spec.can_create,
        "canDelete": spec.can_delete,
        "canQuery": spec.root_query,
        "canUpdate": spec.can_update,
        "userAccessForCreate": {},
        "userAccessForDelete": {},
        "userAccessForQuery": {},
        "userAccessForUpdate": {},
        "hasUserDefinedFields": spec.has_user_defined_fields,
        "supportsWebhookCallouts": spec.supports_webhook_callouts,
    }


def _picklist_values(tenant: TenantState, spec: EntitySpec, name: str) -> list[dict[str, Any]] | None:
    items = tenant.picklist(spec.name, name)
    if items is not None:
        return [{**item, "value": str(item["value"])} for item in items]
    fs = spec.fields[name]
    label_field = ENTITY_PICKLISTS.get(fs.reference_entity or "")
    if label_field and fs.is_picklist:
        table = tenant.tables.get(fs.reference_entity or "")
        rows = [] if table is None else [r for r in (table.get(i) for i in table.ids_from(None)) if r is not None]
        return [
            {
                "value": str(r["id"]),
                "label": str(r.get(label_field) or r.get("name") or r["id"]),
                "isDefaultValue": False,
                "sortOrder": n,
                "parentValue": "",
                "isActive": r.get("isActive", True) is not False,
                "isSystem": bool(r.get("isSystem", False)),
            }
            for n, r in enumerate(rows)
        ]
    return [] if fs.is_picklist else None


def field_info(tenant: TenantState, spec: EntitySpec) -> list[dict[str, Any]]:
    out = []
    with tenant.lock.shared():
        for name, fs in spec.fields.items():
            picklist = _picklist_values(tenant, spec, name)
            out.append(
                {
                    "name": name,
                    "dataType": fs.data_type,
                    "length": fs.length or 0,
                    "isRequired": fs.is_required,
                    "isReadOnly": fs.is_read_only,
                    "isQueryable": fs.is_queryable,
                    "isReference": fs.is_reference,
                    "referenceEntityType": _model_of(tenant, fs.reference_entity),
                    "isPickList": picklist is not None,
                    "picklistValues": picklist,
                    "picklistParentValueField": fs.picklist_parent_field or "",
                    "isSupportedWebhookField": fs.is_supported_webhook_field,
                }
            )
    return out


def _model_of(tenant: TenantState, entity: str | None) -> str:
    if not entity:
        return ""
    spec = tenant.catalog.get(entity)
    return spec.model if spec else entity


def udf_info(tenant: TenantState, spec: EntitySpec) -> list[dict[str, Any]]:
    out = []
    for d in tenant.udf_defs(spec.name).values():
        out.append(
            {
                "name": d.name,
                "label": d.label or d.name,
                "type": d.data_type,
                "length": d.length or 0,
                "description": d.description,
                "isRequired": d.is_required,
                "isReadOnly": False,
                "isQueryable": True,
                "isReference": False,
                "referenceEntityType": "",
                "isPickList": bool(d.picklist),
                "picklistValues": [
                    {"value": v, "label": v, "isDefaultValue": v == d.default_value, "sortOrder": n,
                     "parentValue": "", "isActive": True, "isSystem": False}
                    for n, v in enumerate(d.picklist)
                ] if d.picklist else None,
                "picklistParentValueField": "",
                "defaultValue": d.default_value,
                "isSupportedWebhookField": True,
            }
        )
    return out
