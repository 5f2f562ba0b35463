"""The data browser's logic: the filter bar, paging, a record's fields, UDFs and references.

The filter bar takes exactly what a client POSTs to ``/{Entity}/query``; it goes through the API's own
JSON reader (api.handlers.parse_json) and query parser (TenantState.parse_query -> state.query), so a
malformed filter shows the very message the API would answer (``{"errors": [...]}``), never a second
dialect. Nothing here touches the HTTP layer: routes call these with a tenant and the request's values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mockserver.api.handlers import parse_json
from mockserver.catalog.model import EntitySpec
from mockserver.errors import AutotaskError
from mockserver.state.query import COMPARISON_OPS
from mockserver.state.records import UDF_KEY, to_api
from mockserver.state.tenant import TenantState

EVERYTHING = '{"filter":[{"op":"gte","field":"id","value":0}]}'
PAGE_SIZE = 25
FORM_OPS = COMPARISON_OPS  # the simple form offers the API's own operators
_LABEL_FIELDS = ("companyName", "name", "title", "referenceTitle", "ticketNumber", "description", "userName",
                 "emailAddress")


class FilterError(ValueError):
    """A filter the API would refuse; ``errors`` is the API's ``{"errors": [...]}`` list."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def form_filter(field_name: str, op: str, value: str) -> str:
    """The query JSON of the simple field/op/value form (one condition; ``in`` takes comma-separated values)."""
    condition: dict[str, Any] = {"op": op, "field": field_name}
    if op.lower() in ("in", "notin"):
        condition["value"] = [_scalar(v.strip()) for v in value.split(",") if v.strip()]
    elif op.lower() not in ("exist", "notexist"):
        condition["value"] = _scalar(value)
    return json.dumps({"filter": [condition]}, separators=(",", ":"))


def _scalar(text: str) -> Any:
    """A form value as JSON when it reads as a number or boolean, else the text (the API coerces further)."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, int | float | bool) else text


def read_filter(text: str | None) -> dict[str, Any]:
    """The filter bar's text as a query body, checked by the API's JSON reader (errors as the API words them).

    A bare list of conditions is accepted as the ``filter`` of a query, and an empty bar means every record.
    """
    text = (text or "").strip() or EVERYTHING
    try:
        body = parse_json(text, "request body", surrogates=True)
    except AutotaskError as exc:
        raise FilterError(exc.messages) from None
    if isinstance(body, list):
        body = {"filter": body}
    return body


@dataclass
class ListPage:
    """One page of the data browser."""

    rows: list[dict[str, Any]]
    page: int
    has_more: bool
    total: int


def list_records(tenant: TenantState, spec: EntitySpec, body: dict[str, Any], page: int,
                 page_size: int = PAGE_SIZE) -> ListPage:
    """Page ``page`` (1-based) of the records matching ``body``, as the API serialises them.

    Paging walks the API's own keyset cursor (last id of each page), so page N costs N pages of scanning:
    fine for a person clicking, and never on the API's path.
    """
    try:
        query = tenant.parse_query(spec, body)
        after: int | None = None
        result = tenant.run_query(spec, query, after_id=None, page_size=page_size)
        for _ in range(max(1, page) - 1):
            if not result.has_more or result.last_id is None:
                break
            after = result.last_id
            result = tenant.run_query(spec, query, after_id=after, page_size=page_size)
        total = tenant.count(spec, query)
    except AutotaskError as exc:
        raise FilterError(exc.messages) from None
    defs = tenant.udf_defs(spec.name)
    rows = [to_api(spec, record, defs) for record in result.items]
    return ListPage(rows, max(1, page), result.has_more, total)


def record_label(record: dict[str, Any]) -> str:
    """A short human name for a record (its company name, name, title...), or empty."""
    first, last = record.get("firstName"), record.get("lastName")
    if first or last:
        return " ".join(str(p) for p in (first, last) if p)
    for name in _LABEL_FIELDS:
        value = record.get(name)
        if value not in (None, ""):
            return str(value)
    return ""


@dataclass
class Link:
    field: str
    entity: str
    id: Any
    label: str = ""
    exists: bool = True


@dataclass
class Backlink:
    """Records of another entity pointing at this one (through a child path or a reference field)."""

    entity: str
    field: str
    count: int
    filter: str


@dataclass
class RecordView:
    spec: EntitySpec
    fields: list[tuple[str, Any, str]]  # (name, value as the API sends it, data type)
    udfs: list[dict[str, Any]]
    references: list[Link] = field(default_factory=list)
    referenced_by: list[Backlink] = field(default_factory=list)
    label: str = ""


def record_view(tenant: TenantState, spec: EntitySpec, record_id: Any) -> RecordView | None:
    """A record's fields and UDFs, the records it references, and who references it; None when missing."""
    stored = tenant.get(spec.name, record_id)
    if stored is None:
        return None
    api = to_api(spec, stored, tenant.udf_defs(spec.name))
    udfs = api.pop(UDF_KEY, []) or []
    fields = [(name, api.get(name), fs.data_type) for name, fs in spec.fields.items()]
    links = []
    for name, fs in spec.fields.items():
        value = api.get(name)
        target = tenant.catalog.get(fs.reference_entity) if fs.reference_entity else None
        if target is None or value in (None, ""):
            continue
        referenced = tenant.get(target.name, value)
        links.append(Link(name, target.name, value, record_label(to_api(target, referenced)) if referenced else "",
                          referenced is not None))
    return RecordView(spec, fields, udfs, links, referenced_by(tenant, spec, stored["id"]), record_label(api))


def referenced_by(tenant: TenantState, spec: EntitySpec, record_id: int) -> list[Backlink]:
    """Every (entity, field) with records pointing at ``record_id``: child paths and reference fields."""
    out: dict[tuple[str, str], Backlink] = {}
    for other in tenant.catalog:
        if not tenant.has_records(other.name):
            continue
        candidates = {c.parent_field for c in other.child_paths if c.parent_entity == spec.name}
        candidates |= {n for n, fs in other.fields.items() if fs.reference_entity == spec.name}
        for name in sorted(candidates):
            fs = other.field(name)
            if fs is None or not fs.is_queryable:
                continue
            text = json.dumps({"filter": [{"op": "eq", "field": name, "value": record_id}]}, separators=(",", ":"))
            try:
                n = tenant.count(other, tenant.parse_query(other, json.loads(text)))
            except AutotaskError:
                continue
            if n:
                out[(other.name, name)] = Backlink(other.name, name, n, text)
    return sorted(out.values(), key=lambda b: (b.entity, b.field))


def entity_counts(tenant: TenantState) -> list[tuple[str, int]]:
    """(entity, records) for every entity of the catalogue, those with records first."""
    rows = [(spec.name, len(tenant.tables[spec.name]) if spec.name in tenant.tables else 0) for spec in tenant.catalog]
    rows.sort(key=lambda r: (r[1] == 0, r[0].lower()))
    return rows
