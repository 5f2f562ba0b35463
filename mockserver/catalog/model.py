"""Catalogue data classes.

The catalogue is *data* generated from the real Autotask OpenAPI documents in ../shared/reference
(see ``scripts/build_catalog.py``) plus a small hand-written overrides file. Every other part of the
mock -- routing, validation, entityInformation, the mock's own OpenAPI document -- is derived from
these objects, so adding an entity never needs new code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Autotask's entityInformation/fields ``dataType`` vocabulary.
DATA_TYPES = ("integer", "long", "short", "double", "decimal", "string", "boolean", "datetime")
NUMERIC_TYPES = frozenset({"double", "decimal"})  # sent as JSON floats even when the value is integral


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str  # camelCase, as the API serialises it
    data_type: str  # one of DATA_TYPES
    length: int | None = None  # max length for strings
    is_required: bool = False
    is_read_only: bool = False
    is_queryable: bool = True
    reference_entity: str | None = None  # entity (path) name, e.g. "Companies"
    is_picklist: bool = False
    picklist_parent_field: str | None = None
    is_supported_webhook_field: bool = False

    @property
    def is_reference(self) -> bool:
        return self.reference_entity is not None


@dataclass(frozen=True, slots=True)
class ChildPath:
    """A parent/child URL such as ``/Companies/{parentId}/Contacts``.

    ``methods`` are the verbs on the collection URL, ``item_methods`` those on ``/{id}``.
    """

    parent: str  # parent entity (path) name, e.g. "Companies"
    segment: str  # URL segment under the parent, e.g. "Contacts" (CompanyLocations use "Locations")
    entity: str  # the child entity's own (path) name, e.g. "Contacts", "CompanyLocations"
    parent_field: str  # field of the child holding the parent id, e.g. "companyID"
    methods: frozenset[str] = frozenset()
    item_methods: frozenset[str] = frozenset()
    # Set only where the URL segment ``parent`` is not an entity name: /Expenses/{parentId}/Items -> "ExpenseReports".
    parent_entity_name: str | None = None

    @property
    def parent_entity(self) -> str:
        """The entity (path) name whose record ``{parentId}`` identifies; look parents up with this, not ``parent``."""
        return self.parent_entity_name or self.parent


@dataclass(frozen=True, slots=True)
class EntitySpec:
    name: str  # path name, e.g. "Companies"
    model: str  # model name, e.g. "Company"
    fields: dict[str, FieldSpec]  # keyed by camelCase name, in spec order
    # verbs on root URLs: query/get (canQuery), POST /Entity, PATCH|PUT /Entity, DELETE /Entity/{id}
    root_query: bool = True
    root_create: bool = False
    root_update: bool = False
    root_delete: bool = False
    has_user_defined_fields: bool = False
    supports_webhook_callouts: bool = False
    child_paths: tuple[ChildPath, ...] = ()  # paths where this entity is the child
    _lower: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # double/decimal fields: the ones whose int values are sent as floats (state.records.to_api)
    numeric_fields: set[str] = field(default_factory=set, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._lower.update({n.lower(): n for n in self.fields})
        self.numeric_fields.update(n for n, f in self.fields.items() if f.data_type in NUMERIC_TYPES)

    # Capabilities as entityInformation reports them: the union of root and child write paths.
    @property
    def can_create(self) -> bool:
        return self.root_create or any("POST" in c.methods for c in self.child_paths)

    @property
    def can_update(self) -> bool:
        return self.root_update or any({"PATCH", "PUT"} & c.methods for c in self.child_paths)

    @property
    def can_delete(self) -> bool:
        return self.root_delete or any("DELETE" in c.item_methods for c in self.child_paths)

    def field(self, name: str) -> FieldSpec | None:
        """Case-insensitive field lookup (the real API binds input and filter names case-insensitively)."""
        canonical = self._lower.get(name.lower())
        return self.fields[canonical] if canonical else None
