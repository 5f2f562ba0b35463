"""Build an ``autotask-mock/tenant@1`` fixture from (sanitized) exchanges (pure: no I/O).

Why "first seen wins" and "created ones left out": the fixture must be the tenant *as it was when the
capture started*, so a replay that re-sends the capture's creates and updates meets the same state.
A record's fields are the union of every view of it (includeFields gives partial views), each field at
its first-seen value. What the capture never showed but the mock needs (a referenced resource, a
required field, a company's primary location) is filled with clearly marked stubs, using ids that no
recorded record uses and that sit below the recorded ones, so ids the mock hands out during a replay
follow the same sequence as the upstream's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from mockserver.catalog import Catalog
from mockserver.fixtures.format import CORE_ENTITIES, FORMAT_ID, REFERENCES
from mockserver.recording.har import Exchange

STUB_TEXT = "(not captured)"
_UDF_TYPES = {"string": "string", "text": "text", "integer": "integer", "long": "integer", "short": "integer",
              "double": "decimal", "decimal": "decimal", "datetime": "datetime", "date": "date",
              "boolean": "boolean", "list": "list", "picklist": "picklist", "number": "number"}


@dataclass
class Credentials:
    """The replacement API user the fixture gets (the real credentials are never written)."""

    user_name: str
    secret: str
    integration_code: str


@dataclass
class _Seen:
    zone: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    created: set[tuple[str, int]] = field(default_factory=set)
    picklists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    udfs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _route(catalog: Catalog, path: str):
    from mockserver.api.routes import resolve

    try:
        return resolve(path, catalog, item_url_writes=True, url_for_errors=path)
    except Exception:  # noqa: BLE001 - a path the mock does not know adds nothing to the fixture
        return None


def _remember(seen: _Seen, entity: str, item: Any) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        return
    if (entity, item["id"]) in seen.created:
        return
    record = seen.records.setdefault(entity, {}).setdefault(item["id"], {})
    for key, value in item.items():
        record.setdefault(key, value)


def collect(exchanges: list[Exchange], catalog: Catalog) -> _Seen:
    seen = _Seen()
    for ex in exchanges:
        if ex.status != 200:
            continue
        route = _route(catalog, ex.path)
        body = ex.response_json()
        if route is None or not isinstance(body, dict):
            continue
        entity = route.entity.name if route.entity else None
        if route.kind == "zone":
            seen.zone = body
        elif ex.method == "POST" and route.kind in ("collection", "child_collection") and entity:
            if isinstance(body.get("itemId"), int):
                seen.created.add((entity, body["itemId"]))
        elif entity and route.kind in ("query", "next", "child_collection") and isinstance(body.get("items"), list):
            for item in body["items"]:
                _remember(seen, entity, item)
        elif entity and route.kind in ("item", "child_item") and ex.method == "GET":
            _remember(seen, entity, body.get("item"))
        elif entity and route.kind == "fields":
            _picklists(seen, entity, body.get("fields"))
        elif entity and route.kind == "udfs" and isinstance(body.get("fields"), list):
            seen.udfs.setdefault(entity, [_udf_def(f) for f in body["fields"] if isinstance(f, dict) and f.get("name")])
    return seen


def _picklists(seen: _Seen, entity: str, fields: Any) -> None:
    for f in fields if isinstance(fields, list) else ():
        values = f.get("picklistValues") if isinstance(f, dict) else None
        if not (f.get("isPickList") and isinstance(values, list)) or f.get("name") is None:
            continue
        integer = f.get("dataType") in ("integer", "long", "short")
        out = []
        for v in values:
            value = v.get("value")
            if integer and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
                value = int(value)
            item = {"value": value, "label": v.get("label") or str(value)}
            for key in ("isActive", "isDefaultValue", "sortOrder", "isSystem"):
                if key in v and v[key] is not None:
                    item[key] = v[key]
            if v.get("parentValue") not in (None, ""):
                item["parentValue"] = v["parentValue"]
            out.append(item)
        seen.picklists.setdefault(f"{entity}.{f['name']}", out)


def _udf_def(f: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f["name"], "type": _UDF_TYPES.get(str(f.get("type") or f.get("dataType") or
                                                                           "string").lower(), "string")}
    for key in ("label", "length", "isRequired", "isReadOnly", "isQueryable", "isProtected", "description",
                "defaultValue", "numberOfDecimalPlaces"):
        if f.get(key) is not None:
            out[key] = f[key]
    return out


class _Ids:
    """Stub ids: the smallest positive ids no recorded or created record of the entity uses."""

    def __init__(self, seen: _Seen) -> None:
        self.used: dict[str, set[int]] = {}
        for entity, recs in seen.records.items():
            self.used.setdefault(entity, set()).update(recs)
        for entity, rid in seen.created:
            self.used.setdefault(entity, set()).add(rid)

    def take(self, entity: str) -> int:
        used = self.used.setdefault(entity, set())
        n = 1
        while n in used:
            n += 1
        used.add(n)
        return n


def build_fixture(exchanges: list[Exchange], catalog: Catalog, credentials: Credentials, *,
                  name: str = "captured", clock: str | None = None) -> dict[str, Any]:
    seen = collect(exchanges, catalog)
    ids = _Ids(seen)
    records: dict[str, dict[int, dict[str, Any]]] = {}
    udfs = {entity: list(defs) for entity, defs in seen.udfs.items()}
    for entity, recs in seen.records.items():
        spec = catalog.get(entity)
        if spec is None:
            continue
        for rid, raw in recs.items():
            # null fields are left out: the mock answers null for them anyway, and the file stays small
            rec = {k: v for k, v in raw.items()
                   if k == "id" or (v is not None and spec.field(k) is not None and k != "userDefinedFields")}
            udf_values = [u for u in raw.get("userDefinedFields") or [] if isinstance(u, dict) and u.get("name")]
            if udf_values and spec.has_user_defined_fields:
                defined = {d["name"] for d in udfs.setdefault(entity, [])}
                for u in udf_values:
                    if u["name"] not in defined:
                        udfs[entity].append({"name": u["name"], "type": "string"})
                        defined.add(u["name"])
                rec["userDefinedFields"] = [{"name": u["name"], "value": u.get("value")} for u in udf_values
                                            if u.get("value") is not None]
            records.setdefault(entity, {})[rid] = rec
    picklists = {k: v for k, v in seen.picklists.items() if catalog.get(k.split(".")[0]) is not None}
    _keep_picklist_values_consistent(records, picklists)
    api_resource = _api_resource(records, ids)
    _fill(records, catalog, ids, picklists, clock)
    _primary_locations(records, ids)
    _fill(records, catalog, ids, picklists, clock)  # the stub locations' own required fields
    zone = seen.zone
    tenant: dict[str, Any] = {"name": name}
    if zone.get("zoneName"):
        tenant["zoneName"] = zone["zoneName"]
    match = re.search(r"(?:webservices|ww)(\d+)", f"{zone.get('url', '')} {zone.get('webUrl', '')}")
    if match:
        tenant["zone"] = int(match.group(1))
    if isinstance(zone.get("ci"), int):
        tenant["ci"] = zone["ci"]
    if clock:
        tenant["clock"] = clock
    doc: dict[str, Any] = {
        "format": FORMAT_ID,
        "tenant": tenant,
        "integrationCodes": [credentials.integration_code],
        "apiUsers": [{"userName": credentials.user_name, "secret": credentials.secret, "resourceID": api_resource}],
    }
    if picklists:
        doc["picklists"] = picklists
    if udfs:
        doc["userDefinedFields"] = {k: v for k, v in udfs.items() if v}
    doc["records"] = {entity: [recs[i] for i in sorted(recs)] for entity, recs in sorted(records.items())}
    return doc


def _keep_picklist_values_consistent(records: dict[str, dict[int, dict[str, Any]]],
                                     picklists: dict[str, list[dict[str, Any]]]) -> None:
    """A recorded value missing from a recorded picklist (an inactive value) joins it, so the file loads."""
    for key, values in picklists.items():
        entity, _, fname = key.partition(".")
        known = {v["value"] for v in values}
        for rec in records.get(entity, {}).values():
            value = rec.get(fname)
            if value is not None and value not in known:
                values.append({"value": value, "label": f"{value} {STUB_TEXT}", "isActive": False})
                known.add(value)


def _api_resource(records: dict[str, dict[int, dict[str, Any]]], ids: _Ids) -> int:
    """The resource the replacement API user acts as: a stub (API-only license) with an unused id."""
    rid = ids.take("Resources")
    records.setdefault("Resources", {})[rid] = {"id": rid, "firstName": "API", "lastName": f"User {STUB_TEXT}",
                                                 "isActive": True}
    return rid


def _stub_value(fspec, records, catalog, ids, picklists, clock, depth):
    entity = fspec.reference_entity
    if entity:
        if depth > 3 or catalog.get(entity) is None:
            return None
        existing = records.get(entity)
        if existing:
            return next(iter(sorted(existing)))
        return _stub(entity, records, catalog, ids, picklists, clock, depth + 1)
    t = fspec.data_type
    if t in ("integer", "long", "short"):
        return 1
    if t in ("double", "decimal"):
        return 0.0
    if t == "boolean":
        return False
    if t == "datetime":
        return clock or "2026-01-01T00:00:00Z"
    return STUB_TEXT[: fspec.length] if fspec.length else STUB_TEXT


def _stub(entity, records, catalog, ids, picklists, clock, depth=0) -> int:
    rid = ids.take(entity)
    records.setdefault(entity, {})[rid] = {"id": rid}
    return rid


def _fill(records, catalog, ids, picklists, clock) -> None:
    """Stubs for referenced records the capture never showed; placeholders for missing required fields."""
    changed = True
    rounds = 0
    while changed and rounds < 6:
        changed = False
        rounds += 1
        for entity in list(records):
            spec = catalog.get(entity)
            refs = REFERENCES.get(entity, {})
            for rec in list(records[entity].values()):
                for fname, target in refs.items():
                    value = rec.get(fname)
                    if not isinstance(value, int) or value in records.get(target, {}):
                        continue
                    if target in CORE_ENTITIES or target in records:
                        if catalog.get(target) is None:
                            continue
                        records.setdefault(target, {})[value] = {"id": value}
                        ids.used.setdefault(target, set()).add(value)
                        changed = True
                for fname, fspec in spec.fields.items():
                    if not fspec.is_required or fname == "id" or rec.get(fname) is not None:
                        continue
                    pick = picklists.get(f"{entity}.{fname}")
                    rec[fname] = pick[0]["value"] if pick else _stub_value(fspec, records, catalog, ids,
                                                                            picklists, clock, rounds)
                    changed = True


def _primary_locations(records: dict[str, dict[int, dict[str, Any]]], ids: _Ids) -> None:
    companies = records.get("Companies") or {}
    if not companies:
        return
    locations = records.setdefault("CompanyLocations", {})
    have = set()
    for loc in locations.values():
        if loc.get("isPrimary") is True:
            if loc.get("companyID") in have:
                loc["isPrimary"] = False
            have.add(loc.get("companyID"))
    for cid in sorted(companies):
        if cid not in have:
            lid = ids.take("CompanyLocations")
            locations[lid] = {"id": lid, "companyID": cid, "name": f"Primary Location {STUB_TEXT}", "isPrimary": True,
                              "isActive": True}


def fixture_text(doc: dict[str, Any]) -> str:
    """YAML of the fixture (JSON-compatible values only)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(json.loads(json.dumps(doc)), Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)
