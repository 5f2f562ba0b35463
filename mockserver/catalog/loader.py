"""Load the entity catalogue: generated ``data/catalog.json`` plus hand-written ``overrides.yaml``.

Why two files: catalog.json is regenerated from the real OpenAPI documents by
``scripts/build_catalog.py`` and is never edited by hand; overrides.yaml holds what the documents lack
(required flags, lengths, read-only fields, references, picklists). Applying the overrides here, at load
time, keeps both honest: the generated data can be re-checked against the script, and every hand-written
fact sits in one small file.

How to find things:
* ``catalog.get("companies")`` -- entity by URL/path name, case-insensitive (URLs are case-insensitive).
* ``catalog.child_path("Companies", "Locations")`` -- the ChildPath behind ``/Companies/{id}/Locations``;
  the record behind ``{parentId}`` lives in ``path.parent_entity`` and the child stores it in
  ``path.parent_field``.
* ``catalog.by_model("Company")`` -- entity by model name (webhook payload ``EntityType``, error messages).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.catalog.model import DATA_TYPES, ChildPath, EntitySpec, FieldSpec

CATALOG_JSON = Path(__file__).with_name("data") / "catalog.json"
OVERRIDES_YAML = Path(__file__).with_name("overrides.yaml")

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is present
_INTEGRAL = frozenset({"integer", "long", "short"})
_MODEL_ID = re.compile(r"(.+)I[dD]")  # companyID, contactId -> Company / Contact
_ENTITY_KEYS = frozenset({"required", "lengths", "read_only", "references", "picklists", "picklist_parents"})
# field_types gives a wire type to a property the specs type only as a .NET object ("untyped_fields").
_OVERRIDE_KEYS = _ENTITY_KEYS | {"field_types"}


class CatalogError(ValueError):
    """catalog.json and overrides.yaml disagree (unknown entity/field, unresolved parent field, ...)."""


@dataclass(frozen=True, slots=True)
class GlobalPath:
    """A non-entity endpoint of the spec (VersionInformation, ZoneInformation, ...), kept for reference."""

    path: str
    methods: frozenset[str]
    query_params: tuple[str, ...] = ()
    response: str | None = None  # model name of the 200 response, e.g. "ZoneInformationResult"


class Catalog:
    """All entities of the mock, keyed by path name, with case-insensitive lookups for routing."""

    def __init__(
        self,
        entities: Mapping[str, EntitySpec],
        global_paths: tuple[GlobalPath, ...] = (),
        header: Mapping[str, Any] | None = None,
    ) -> None:
        self.entities: dict[str, EntitySpec] = dict(entities)
        self.global_paths = tuple(global_paths)
        self.header: dict[str, Any] = dict(header or {})
        self._lower = {name.lower(): spec for name, spec in self.entities.items()}
        self._models = {spec.model.lower(): spec for spec in self.entities.values()}
        self._child: dict[tuple[str, str], ChildPath] = {}
        self._children: dict[str, list[ChildPath]] = {}
        for spec in self.entities.values():
            for path in spec.child_paths:
                self._child[(path.parent.lower(), path.segment.lower())] = path
                self._children.setdefault(path.parent.lower(), []).append(path)
        for paths in self._children.values():
            paths.sort(key=lambda p: p.segment)

    def get(self, name: str) -> EntitySpec | None:
        return self._lower.get(name.lower())

    def by_model(self, model: str) -> EntitySpec | None:
        return self._models.get(model.lower())

    def child_path(self, parent: str, segment: str) -> ChildPath | None:
        """The child collection ``/{parent}/{parentId}/{segment}``; ``parent`` is the URL segment."""
        return self._child.get((parent.lower(), segment.lower()))

    def children_of(self, parent: str) -> list[ChildPath]:
        """Child URLs under a parent URL segment (``Expenses``, not its entity ``ExpenseReports``)."""
        return list(self._children.get(parent.lower(), ()))

    def names(self) -> list[str]:
        return sorted(self.entities)

    def __iter__(self) -> Iterator[EntitySpec]:
        return iter(self.entities.values())

    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lower


@functools.cache
def load_catalog() -> Catalog:
    """The packaged catalogue, built once per process (the objects are immutable)."""
    data = json.loads(CATALOG_JSON.read_text(encoding="utf-8"))
    overrides = yaml.load(OVERRIDES_YAML.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    return build_catalog(data, overrides or {})


def _patterns(patterns: list[str]) -> re.Pattern[str]:
    """One regex for a list of fnmatch patterns (case-sensitive: names are canonical camelCase)."""
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or r"(?!)")


def build_catalog(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> Catalog:
    """Combine generated catalogue data with overrides; raise CatalogError on any inconsistency."""
    raw: dict[str, dict[str, Any]] = data["entities"]
    per_entity: dict[str, dict[str, Any]] = dict(overrides.get("entities") or {})
    typed: dict[str, list[list[str]]] = {}  # entity -> [name, dataType] of untyped fields given a type
    for name, ov in per_entity.items():
        for field_name, data_type in ((ov or {}).get("field_types") or {}).items():
            if name not in raw or field_name not in (raw[name].get("untyped_fields") or ()):
                raise CatalogError(f"overrides.yaml entities.{name}.field_types: {field_name!r} is no untyped "
                                   f"field of {name} in catalog.json")
            typed.setdefault(name, []).append([field_name, data_type])
    field_names = {name: {f[0] for f in entry["fields"]} | {f[0] for f in typed.get(name, ())}
                   for name, entry in raw.items()}
    models = {entry["model"]: name for name, entry in raw.items()}

    def check(entity: str, names: Any, where: str) -> None:
        if entity not in raw:
            raise CatalogError(f"{where}: unknown entity {entity!r}")
        unknown = sorted(set(names) - field_names[entity])
        if unknown:
            raise CatalogError(f"{where}: {entity} has no field(s) {', '.join(unknown)}")

    def target(name: str, where: str) -> str:
        if name not in raw:
            raise CatalogError(f"{where}: reference to unknown entity {name!r}")
        return name

    # Child URLs, with the parent facts the builder could not derive.
    child_fixes: dict[str, dict[str, str]] = dict(overrides.get("child_paths") or {})
    children: dict[str, list[ChildPath]] = {}
    parent_refs: dict[tuple[str, str], str] = {}
    for item in data["child_paths"]:
        key = f"{item['parent']}/{item['segment']}"
        fix = child_fixes.pop(key, {})
        parent_field = fix.get("parent_field") or item["parent_field"]
        parent_entity = fix.get("parent_entity")
        if not parent_field:
            raise CatalogError(
                f"child path {key}: no parent_field (add it under child_paths in overrides.yaml)"
            )
        check(item["entity"], [parent_field], f"child path {key}")
        if parent_entity:
            target(parent_entity, f"child path {key}")
        path = ChildPath(
            parent=item["parent"],
            segment=item["segment"],
            entity=item["entity"],
            parent_field=parent_field,
            methods=frozenset(item["methods"]),
            item_methods=frozenset(item["item_methods"]),
            parent_entity_name=parent_entity,
        )
        children.setdefault(path.entity, []).append(path)
        if path.parent_entity in raw:
            parent_refs[(path.entity, parent_field)] = path.parent_entity
    if child_fixes:
        raise CatalogError(f"overrides.yaml child_paths: no such child path(s) {sorted(child_fixes)}")

    generic = overrides.get("generic") or {}
    read_only_rx = _patterns(list(generic.get("read_only") or []))
    generic_refs = [
        (_patterns([pattern]), target(entity, f"generic reference {pattern}"))
        for pattern, entity in (generic.get("references") or {}).items()
    ]

    for name, ov in per_entity.items():
        where = f"overrides.yaml entities.{name}"
        extra = set(ov) - _OVERRIDE_KEYS
        if extra:
            raise CatalogError(f"{where}: unknown key(s) {sorted(extra)}")
        for key in _ENTITY_KEYS:
            check(name, ov.get(key) or (), f"{where}.{key}")
        for entity in (ov.get("references") or {}).values():
            target(entity, f"{where}.references")
        check(name, (ov.get("picklist_parents") or {}).values(), f"{where}.picklist_parents")

    def reference(entity: str, name: str, data_type: str, own: Mapping[str, str]) -> str | None:
        if name in own:
            return own[name]
        if (entity, name) in parent_refs:
            return parent_refs[(entity, name)]
        for rx, ref in generic_refs:
            if rx.fullmatch(name):
                return ref
        match = _MODEL_ID.fullmatch(name) if data_type in _INTEGRAL else None
        return models.get(match[1][0].upper() + match[1][1:]) if match else None

    entities: dict[str, EntitySpec] = {}
    for name, entry in raw.items():
        ov = per_entity.get(name) or {}
        required = set(ov.get("required") or ())
        lengths: dict[str, int] = ov.get("lengths") or {}
        read_only = set(ov.get("read_only") or ()) | set(entry.get("read_only") or ())
        own_refs: dict[str, str] = ov.get("references") or {}
        picklists = set(ov.get("picklists") or ())
        picklist_parents: dict[str, str] = ov.get("picklist_parents") or {}
        webhooks = bool(entry["supports_webhook_callouts"])
        fields: dict[str, FieldSpec] = {}
        for field_name, data_type in [*entry["fields"], *typed.get(name, ())]:
            if data_type not in DATA_TYPES:
                raise CatalogError(f"{name}.{field_name}: unknown data type {data_type!r}")
            is_read_only = field_name in read_only or bool(read_only_rx.fullmatch(field_name))
            fields[field_name] = FieldSpec(
                name=field_name,
                data_type=data_type,
                length=lengths.get(field_name),
                is_required=field_name in required,
                is_read_only=is_read_only,
                reference_entity=reference(name, field_name, data_type, own_refs),
                is_picklist=field_name in picklists,
                picklist_parent_field=picklist_parents.get(field_name),
                is_supported_webhook_field=webhooks and not is_read_only,
            )
        entities[name] = EntitySpec(
            name=name,
            model=entry["model"],
            fields=fields,
            root_query=entry["root_query"],
            root_create=entry["root_create"],
            root_update=entry["root_update"],
            root_delete=entry["root_delete"],
            has_user_defined_fields=entry["has_user_defined_fields"],
            supports_webhook_callouts=webhooks,
            child_paths=tuple(children.get(name, ())),
        )

    global_paths = tuple(
        GlobalPath(
            path=g["path"],
            methods=frozenset(g["methods"]),
            query_params=tuple(g.get("query_params") or ()),
            response=g.get("response"),
        )
        for g in data.get("global_paths") or ()
    )
    return Catalog(entities, global_paths, data.get("header"))


__all__ = ["Catalog", "CatalogError", "GlobalPath", "build_catalog", "load_catalog"]
