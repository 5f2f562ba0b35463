#!/usr/bin/env python3
"""Build the mock's entity catalogue (mockserver/catalog/data/catalog.json) from the real Autotask specs.

Why a generator: the entity list, fields, types, verbs and parent/child URLs are facts of the real API.
They are read from the public OpenAPI documents in ``../shared/reference`` (never copied into the
project) so adding or correcting an entity is a re-run, not hand editing. Facts the specs lack
(required flags, lengths, picklists, references) live in ``mockserver/catalog/overrides.yaml`` and are
applied when the catalogue is loaded, so this output stays a pure function of the two source files.

Sources:
* ``autotask-openapi.json`` (2020 Swagger 2.0, complete): paths, verbs, model of each entity;
  PascalCase property names.
* ``autotask-openapi.definitions-2024.json`` (2024, no paths, "Model" suffix trimmed): the current
  camelCase field names, newer fields and the webhook entities added after 2020.

Usage: ``python scripts/build_catalog.py [--shared ../shared] [--out PATH]``. Without the two documents it
prints one line naming what is missing and exits 2, writing nothing (the committed catalogue stays in use).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "mockserver" / "catalog" / "data" / "catalog.json"
SPEC_2020 = "autotask-openapi.json"
DEFS_2024 = "autotask-openapi.definitions-2024.json"

V1 = "/V1.0/"
# Models in operation schemas that are envelopes, not the entity itself.
ENVELOPES = {"QueryModel", "QueryCountResultModel", "OperationResultModel"}
# The 2020 document's SOAP-bridge artefact (an expression, or an int on a few models); the 2024
# document strips it everywhere (SOURCE.txt), so it is not a field of the API.
SKIP_PROPERTIES = {"soapParentPropertyId"}
# Entities whose child URLs are cloned for the webhook entities that only the 2024 definitions know.
WEBHOOK_TEMPLATE = "CompanyWebhooks"


def camel(name: str) -> str:
    """camelCase a PascalCase property the way the live API (Json.NET CamelCasePropertyNamesContractResolver) does.

    Leading capitals are lowered up to, not including, the last capital before a lower-case letter:
    Id -> id, SICCode -> sicCode, RMMDeviceID -> rmmDeviceID, CI -> ci, CompanyID -> companyID.
    Checked against every name the 2020 and 2024 documents share (2114 pairs, 0 mismatches).
    """
    chars = list(name)
    for i, ch in enumerate(chars):
        if i == 1 and not ch.isupper():
            break
        if i > 0 and i + 1 < len(chars) and not chars[i + 1].isupper():
            break
        chars[i] = ch.lower()
    return "".join(chars)


def data_type(prop: dict[str, Any]) -> str | None:
    """Map a Swagger property to Autotask's entityInformation ``dataType``; None = not a scalar field."""
    kind, fmt = prop.get("type"), prop.get("format")
    if kind == "integer":
        return {"int64": "long", "int16": "short"}.get(fmt or "", "integer")
    if kind == "number":
        return {"double": "double", "float": "double"}.get(fmt or "", "decimal")
    if kind == "boolean":
        return "boolean"
    if kind == "string":
        # format "byte" = base64 attachment data: still a string on the wire.
        return "datetime" if fmt == "date-time" else "string"
    return None  # arrays (userDefinedFields, ...), $ref objects (soapParentPropertyId expressions), objects


def _refs(node: Any) -> list[str]:
    """All definition names referenced anywhere below ``node``."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out.append(value.rsplit("/", 1)[-1])
            else:
                out.extend(_refs(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(_refs(value))
    return out


def _model_of(*path_items: dict[str, Any]) -> str | None:
    """The entity model behind some path items: the most referenced non-envelope definition."""
    counts: dict[str, int] = {}
    for item in path_items:
        for ref in _refs(item):
            if ref not in ENVELOPES:
                counts[ref] = counts.get(ref, 0) + 1
    if not counts:
        return None
    best = max(sorted(counts), key=lambda r: counts[r])
    return best[: -len("Model")] if best.endswith("Model") else best


def _words(pascal: str) -> list[str]:
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*", pascal)


class Builder:
    def __init__(self, spec: dict[str, Any], defs24: dict[str, Any]) -> None:
        self.paths: dict[str, dict[str, Any]] = spec["paths"]
        self.defs20: dict[str, Any] = spec["definitions"]
        self.defs24: dict[str, Any] = defs24["definitions"]
        self.entities: dict[str, dict[str, Any]] = {}
        self.child_paths: list[dict[str, Any]] = []
        self.unresolved: list[str] = []
        self.notes: list[str] = []

    # ---- URL analysis ---------------------------------------------------------------------------
    def _split(self) -> tuple[dict[str, dict[str, dict]], dict[tuple[str, str], dict[str, dict]], list[str]]:
        """Group spec paths: root entity -> {suffix: item}, (parent, segment) -> {suffix: item}, globals."""
        roots: dict[str, dict[str, dict]] = {}
        children: dict[tuple[str, str], dict[str, dict]] = {}
        globals_: list[str] = []
        for path, item in self.paths.items():
            if not path.startswith(V1):
                globals_.append(path)
                continue
            parts = path[len(V1) :].split("/")
            if len(parts) >= 3 and parts[1] == "{parentId}":
                children.setdefault((parts[0], parts[2]), {})["/".join(parts[3:])] = item
            else:
                roots.setdefault(parts[0], {})["/".join(parts[1:])] = item
        # A root with no entity URL at all (only a bare GET) is a global endpoint: ZoneInformation, ...
        for name, suffixes in list(roots.items()):
            is_entity = "query" in suffixes or "entityInformation" in suffixes
            if not is_entity:
                globals_.extend(f"{V1}{name}" + (f"/{s}" if s else "") for s in suffixes)
                del roots[name]
        return roots, children, globals_

    def build(self) -> dict[str, Any]:
        roots, children, globals_ = self._split()
        for name, suffixes in roots.items():
            model = _model_of(*suffixes.values())
            if model is None:
                raise SystemExit(f"no model found for root entity {name}")
            bare, by_id = suffixes.get("", {}), suffixes.get("{id}", {})
            self._add_entity(
                name,
                model,
                root_query="query" in suffixes,
                root_create="post" in bare,
                root_update="patch" in bare or "put" in bare,
                root_delete="delete" in by_id,
            )
        by_model = {e["model"]: n for n, e in self.entities.items()}
        for (parent, segment), suffixes in sorted(children.items()):
            model = _model_of(suffixes.get("", {}), suffixes.get("{id}", {}))
            if model is None:
                raise SystemExit(f"no model found for /{parent}/{{parentId}}/{segment}")
            entity = by_model.get(model)
            if entity is None:
                # The child has no root URL: serve it anyway, named after the model (root_query False).
                entity = model + "s"
                self._add_entity(entity, model, root_query=False)
                by_model[model] = entity
                self.notes.append(f"child-only entity {entity} (from /{parent}/{{parentId}}/{segment})")
            self._add_child(parent, segment, entity, suffixes.get("", {}), suffixes.get("{id}", {}))
        self._add_post_2020_webhooks()
        self._mark_webhook_targets()
        return self._document(globals_)

    # ---- entities and fields --------------------------------------------------------------------
    def _add_entity(self, name: str, model: str, **caps: bool) -> None:
        fields, udf, read_only, untyped = self._fields(model)
        entry: dict[str, Any] = {
            "model": model,
            "root_query": caps.get("root_query", True),
            "root_create": caps.get("root_create", False),
            "root_update": caps.get("root_update", False),
            "root_delete": caps.get("root_delete", False),
            "has_user_defined_fields": udf,
            "supports_webhook_callouts": False,
            "fields": fields,
        }
        if read_only:
            entry["read_only"] = read_only
        if untyped:
            entry["untyped_fields"] = untyped
        self.entities[name] = entry

    def _fields(self, model: str) -> tuple[list[list[str]], bool, list[str], list[str]]:
        """Fields as [camelName, dataType]: the 2024 fields where the model exists in 2024 (the live API's
        shape: 2020-only names such as CompanyLocation.overrideAccountTaxSettings were renamed or dropped
        since), else the 2020 fields camelCased.

        UDF support follows the 2024 model when it exists: the 2020 document puts UserDefinedFields on
        almost every model (even ClassificationIcon), the 2024 one only where the API accepts them.

        Properties typed only as ``{"type": "object"}`` (a .NET ``object``, e.g.
        UserDefinedFieldDefinition.defaultValue) are listed as ``untyped_fields``: the specs give no wire
        type, so overrides.yaml (``field_types``) says which scalar the API sends.
        """
        props24 = (self.defs24.get(model) or {}).get("properties") or {}
        props20 = (self.defs20.get(model + "Model") or {}).get("properties") or {}
        if not props24 and not props20:
            raise SystemExit(f"model {model} is in neither document")
        fields: list[list[str]] = []
        read_only: list[str] = []
        untyped: list[str] = []
        seen: set[str] = set()
        source = props24.items() if props24 else ((camel(n), p) for n, p in props20.items())
        for name, prop in source:
            if name.lower() in seen or name in SKIP_PROPERTIES:
                continue
            seen.add(name.lower())
            kind = data_type(prop)
            if kind is None:
                if prop.get("type") == "object" and "$ref" not in prop and "properties" not in prop:
                    untyped.append(name)
                continue
            fields.append([name, kind])
            if prop.get("readOnly"):
                read_only.append(name)
        udf_source = props24 if props24 else {camel(n): p for n, p in props20.items()}
        return fields, "userDefinedFields" in udf_source, read_only, untyped

    # ---- child paths ----------------------------------------------------------------------------
    def _add_child(self, parent: str, segment: str, entity: str, coll: dict, item: dict) -> None:
        parent_field = self._parent_field(parent, entity)
        if not parent_field:
            self.unresolved.append(f"{parent}/{segment}")
        self.child_paths.append(
            {
                "parent": parent,
                "segment": segment,
                "entity": entity,
                "parent_field": parent_field,
                "methods": sorted(m.upper() for m in coll),
                "item_methods": sorted(m.upper() for m in item),
            }
        )

    def _parent_field(self, parent: str, child: str) -> str:
        """The child's field holding the parent id, or "" (resolved in overrides.yaml at load time).

        Tried in order: <parentModel>ID (companyID), then the same with leading words dropped
        (CompanyWebhook -> webhookID, PurchaseOrder -> orderID); case-insensitive, so ContactGroups
        finds contactGroupId. URL parents that are no entity (Expenses, UserDefinedFields) and
        self-references (Tasks/Predecessors) stay unresolved.
        """
        if parent not in self.entities:
            return ""
        names = {f[0].lower(): f[0] for f in self.entities[child]["fields"]}
        words = _words(self.entities[parent]["model"])
        for i in range(len(words)):
            hit = names.get(("".join(words[i:]) + "ID").lower())
            if hit:
                return hit
        return ""

    # ---- webhooks -------------------------------------------------------------------------------
    def _add_post_2020_webhooks(self) -> None:
        """Webhook entities newer than the 2020 document (ConfigurationItem/Ticket/TicketNote webhooks).

        Only their 2024 models are public; their URLs follow CompanyWebhooks exactly (research note §9,
        [DOC-WH][N8NDOC]), so the CompanyWebhooks verbs and child URLs are cloned for every
        ``<X>Webhook`` model, keeping only children whose model exists (TicketNote has no UdfFields).
        """
        template = self.entities[WEBHOOK_TEMPLATE]
        prefix = template["model"]  # CompanyWebhook
        kids = [c for c in self.child_paths if c["parent"] == WEBHOOK_TEMPLATE]
        for model in sorted(self.defs24):
            if not model.endswith("Webhook") or model + "s" in self.entities:
                continue
            name = model + "s"
            caps = {k: template[k] for k in ("root_query", "root_create", "root_update", "root_delete")}
            self._add_entity(name, model, **caps)
            self.entities[name]["origin"] = f"2024 definitions; URLs as {WEBHOOK_TEMPLATE}"
            for kid in kids:
                child_model = model + self.entities[kid["entity"]]["model"][len(prefix) :]
                if child_model not in self.defs24:
                    continue
                child_entity = child_model + "s"
                ctemplate = self.entities[kid["entity"]]
                ccaps = {k: ctemplate[k] for k in ("root_query", "root_create", "root_update", "root_delete")}
                self._add_entity(child_entity, child_model, **ccaps)
                self.entities[child_entity]["origin"] = f"2024 definitions; URLs as {kid['entity']}"
                self.child_paths.append({**kid, "parent": name, "entity": child_entity})
            self.notes.append(f"webhook entity {name} added from the 2024 definitions")

    def _mark_webhook_targets(self) -> None:
        """An entity supports webhook callouts when a ``<Model>Webhook`` entity exists for it."""
        by_model = {e["model"]: n for n, e in self.entities.items()}
        for entry in list(self.entities.values()):
            if entry["model"].endswith("Webhook"):
                target = by_model.get(entry["model"][: -len("Webhook")])
                if target:
                    self.entities[target]["supports_webhook_callouts"] = True

    # ---- output ---------------------------------------------------------------------------------
    def _global(self, path: str) -> dict[str, Any]:
        item = self.paths[path]
        return {
            "path": path,
            "methods": sorted(m.upper() for m in item),
            "query_params": sorted(
                {
                    p["name"]
                    for op in item.values()
                    for p in op.get("parameters", [])
                    if p.get("in") == "query"
                }
            ),
            "response": _model_of(*item.values()),
        }

    def _document(self, globals_: list[str]) -> dict[str, Any]:
        self.child_paths.sort(key=lambda c: (c["parent"], c["segment"]))
        entities = dict(sorted(self.entities.items()))
        return {
            "counts": {
                "entities": len(entities),
                "root_queryable": sum(e["root_query"] for e in entities.values()),
                "from_2024_definitions": sum("origin" in e for e in entities.values()),
                "child_paths": len(self.child_paths),
                "fields": sum(len(e["fields"]) for e in entities.values()),
                "global_paths": len(globals_),
            },
            "global_paths": [self._global(p) for p in sorted(globals_)],
            "entities": entities,
            "child_paths": self.child_paths,
        }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def render(doc: dict[str, Any]) -> str:
    """Compact JSON with one entity / child path per line so regenerated data diffs readably."""

    def dump(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    lines = ["{"]
    lines.append(f'"header":{dump(doc["header"])},')
    lines.append(f'"counts":{dump(doc["counts"])},')
    lines.append('"global_paths":[')
    lines.append(",\n".join(dump(g) for g in doc["global_paths"]))
    lines.append("],")
    lines.append('"entities":{')
    lines.append(",\n".join(f"{dump(n)}:{dump(e)}" for n, e in doc["entities"].items()))
    lines.append("},")
    lines.append('"child_paths":[')
    lines.append(",\n".join(dump(c) for c in doc["child_paths"]))
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared/ directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write catalog.json")
    args = parser.parse_args(argv)
    ref = args.shared / "reference"
    spec_path, defs_path = ref / SPEC_2020, ref / DEFS_2024
    missing = [p for p in (spec_path, defs_path) if not p.is_file()]
    if missing:
        # The sources are not part of the repository; without them there is nothing to rebuild, and the
        # committed catalogue stays what the mock uses. One clear line, no traceback.
        print(f"build_catalog: {', '.join(str(p) for p in missing)} not found; pass --shared DIR where "
              f"DIR/reference/ holds {SPEC_2020} and {DEFS_2024}. Nothing was written: the committed "
              f"{DEFAULT_OUT.relative_to(REPO)} stays in use.", file=sys.stderr)
        return 2
    builder = Builder(json.loads(spec_path.read_text()), json.loads(defs_path.read_text()))
    doc = builder.build()
    doc["header"] = {
        "generator": "scripts/build_catalog.py",
        "sources": [{"file": p.name, "sha256": sha256(p)} for p in (spec_path, defs_path)],
        "overrides": "mockserver/catalog/overrides.yaml (applied at load time, not here)",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(doc), encoding="utf-8")
    counts = doc["counts"]
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for note in builder.notes:
        print(f"note: {note}")
    for item in builder.unresolved:
        print(
            f"unresolved parent field: {item} (needs a child_paths entry in mockserver/catalog/overrides.yaml)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
