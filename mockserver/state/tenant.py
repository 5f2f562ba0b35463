"""One tenant's complete state: records, picklists, UDF definitions, API users and counters.

Locking model (issue 15, part 2): ``lock`` is a readers-writer lock (mockserver.state.rwlock). Every
mutation holds it exclusively, so a threaded server never interleaves two writes to the same tenant;
queries, counts and lazy index builds hold it shared, so one client's long scan never makes another
client's read wait; a GET by id takes no lock (records are swapped whole, never edited in place). The
request-threshold window has its own small lock so counting a request never waits behind a scan.
Different tenants never share anything (ARCHITECTURE principle 6).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mockserver.catalog import Catalog, EntitySpec
from mockserver.catalog.model import ChildPath
from mockserver.clock import Clock
from mockserver.config import MockConfig
from mockserver.errors import NO_MATCHING_RECORDS, AutotaskError
from mockserver.state import query as q
from mockserver.state.records import (
    UDF_KEY,
    bind_input,
    check_required_udfs,
    coerce_field,
    coerce_udfs,
    to_fixture,
)
from mockserver.state.rules import (
    BUSINESS_RULES,
    CREATE_DEFAULTS,
    FIXTURE_DEFAULTS,
    IMMUTABLE_FIELDS,
    check_references,
    check_required,
)
from mockserver.state.rwlock import ReadWriteLock
from mockserver.state.table import Table
from mockserver.state.udf import UdfSpec
from mockserver.state.values import coerce, normalize_key

CREATE_STAMPS = ("createDate", "createDateTime", "createdDateTime", "createdTime", "createDateTimeUTC")
MODIFY_STAMPS = (
    "lastActivityDate",
    "lastModifiedDate",
    "lastModifiedTime",
    "lastModifiedDateTime",
    "lastTrackedModifiedDateTime",
    "lastTrackedModificationDateTime",
)
CREATOR_FIELDS = ("createdByResourceID", "creatorResourceID", "createdByPersonID")

BUILTIN_SECURITY_LEVEL = "API User (system)"


@dataclass
class ApiUser:
    user_name: str
    secret: str
    resource_id: int | None
    security_level: str = BUILTIN_SECURITY_LEVEL


@dataclass(frozen=True)
class Actor:
    """Who a write is attributed to: the API user's resource, or the impersonated one."""

    resource_id: int | None
    impersonated_id: int | None = None

    @property
    def effective(self) -> int | None:
        return self.impersonated_id if self.impersonated_id is not None else self.resource_id


@dataclass
class FixtureProblem:
    where: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.where}: field {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"


class FixtureLoadError(Exception):
    def __init__(self, source: str, problems: list[FixtureProblem]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  {source}: {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"cannot load {source}: {len(problems)} problem(s)\n{shown}{more}")


@dataclass
class TenantInfo:
    name: str
    zone: int = 2
    zone_name: str | None = None
    ci: int = 0


class TenantState:
    def __init__(self, info: TenantInfo, catalog: Catalog, config: MockConfig, clock: Clock | None = None) -> None:
        self.info = info
        self.catalog = catalog
        self.config = config
        self.clock = clock or Clock()
        self.lock = ReadWriteLock()  # writes exclusive, scans shared (module docstring)
        self.threshold_lock = threading.Lock()  # guards request_times: check-and-count is one step
        self.tables: dict[str, Table] = {}
        self.next_ids: dict[str, int] = {}
        self.udfs: dict[str, dict[str, UdfSpec]] = {}
        self.picklists: dict[str, list[dict[str, Any]]] = {}
        self._picklist_cache: dict[str, dict[str, frozenset[Any]]] = {}
        self.api_users: dict[str, ApiUser] = {}
        self.integration_codes: set[str] = set()
        self.security_levels: dict[str, dict[str, Any]] = {}
        self.request_times: deque[datetime] = deque()
        self.ticket_counters: dict[str, int] = {}
        self.extra: dict[str, Any] = {}  # per-feature state (faults, webhooks…) keyed by feature name
        # Called as listener(action, spec, new_record, old_record, actor) after every committed API write
        # ("Create" | "Update" | "Delete"), under the tenant lock; webhooks subscribe here.
        self.listeners: list[Any] = []

    @property
    def name(self) -> str:
        return self.info.name

    # ------------------------------------------------------------------ lookups
    def table(self, entity: str) -> Table:
        table = self.tables.get(entity)
        if table is None:
            table = self.tables[entity] = Table()
        return table

    def has_records(self, entity: str) -> bool:
        table = self.tables.get(entity)
        return table is not None and len(table) > 0

    def get(self, entity: str, record_id: Any) -> dict[str, Any] | None:
        table = self.tables.get(entity)
        if table is None:
            return None
        try:
            return table.get(int(record_id))
        except (TypeError, ValueError):
            return None

    def records_where(self, entity: str, field_name: str, value: Any) -> list[dict[str, Any]]:
        table = self.tables.get(entity)
        if table is None or value is None:
            return []
        with self.lock.shared():
            ids = table.index_lookup(field_name, {normalize_key(value)})
            return [r for r in (table.get(i) for i in sorted(ids)) if r is not None]

    def udf_defs(self, entity: str) -> dict[str, UdfSpec]:
        return self.udfs.get(entity, {})

    def udf_types(self, entity: str) -> dict[str, str]:
        return {name: d.data_type for name, d in self.udf_defs(entity).items()}

    def picklist(self, entity: str, field_name: str) -> list[dict[str, Any]] | None:
        return self.picklists.get(f"{entity}.{field_name}")

    def picklist_values(self, entity: str) -> dict[str, frozenset[Any]]:
        """field -> allowed values for one entity; cached because every write checks it."""
        cache = self._picklist_cache.get(entity)
        if cache is None:
            prefix = f"{entity}."
            cache = {
                key[len(prefix):]: frozenset(item["value"] for item in items)
                for key, items in self.picklists.items()
                if key.startswith(prefix)
            }
            self._picklist_cache[entity] = cache
        return cache

    def set_picklist(self, entity: str, field_name: str, items: list[dict[str, Any]]) -> None:
        self.picklists[f"{entity}.{field_name}"] = items
        self._picklist_cache.pop(entity, None)

    def picklist_label(self, entity: str, field_name: str, value: Any) -> str | None:
        for item in self.picklist(entity, field_name) or ():
            if item["value"] == value:
                return item.get("label")
        return None

    # ------------------------------------------------------------------ ids and stamps
    def _allocate_id(self, entity: str) -> int:
        table = self.table(entity)
        current = self.next_ids.get(entity)
        if current is None:
            current = (table.max_id or 0) + 1
        self.next_ids[entity] = current + 1
        return current

    def _note_id(self, entity: str, record_id: int) -> None:
        if record_id >= self.next_ids.get(entity, 1):
            self.next_ids[entity] = record_id + 1

    def _stamp(self, spec: EntitySpec, record: dict[str, Any], *, created: bool, actor: Actor | None) -> None:
        now = self.clock.now()
        if created:
            for name in CREATE_STAMPS:
                if name in spec.fields:
                    record[name] = now
            if actor is not None:
                for name in CREATOR_FIELDS:
                    if name in spec.fields and record.get(name) is None:
                        record[name] = actor.effective
                if actor.impersonated_id is not None and "impersonatorCreatorResourceID" in spec.fields:
                    record["impersonatorCreatorResourceID"] = actor.resource_id
        for name in MODIFY_STAMPS:
            if name in spec.fields:
                record[name] = now
        if "lastActivityResourceID" in spec.fields and actor is not None:
            record["lastActivityResourceID"] = actor.effective

    def _ticket_number(self) -> str:
        day = self.clock.now().strftime("%Y%m%d")
        n = self.ticket_counters.get(day, 0) + 1
        self.ticket_counters[day] = n
        return f"T{day}.{n:04d}"

    # ------------------------------------------------------------------ writes
    def create(
        self,
        spec: EntitySpec,
        body: Any,
        *,
        actor: Actor | None = None,
        parent: tuple[ChildPath, int] | None = None,
    ) -> int:
        with self.lock:
            values, udf_raw, _ = bind_input(spec, body, unknown=self.config.unknown_fields)
            if parent is not None:
                self._bind_parent(spec, values, parent, creating=True)
            record: dict[str, Any] = {**CREATE_DEFAULTS.get(spec.name, {}), **values}
            record[UDF_KEY] = coerce_udfs(spec, self.udf_defs(spec.name), udf_raw or {}) if spec.has_user_defined_fields else {}
            if spec.has_user_defined_fields:
                check_required_udfs(spec, self.udf_defs(spec.name), record[UDF_KEY])
            check_required(spec, record)
            check_references(self, spec, record, set(values))
            for rule in BUSINESS_RULES.get(spec.name, ()):
                rule(self, spec, record, None, set(values))
            record["id"] = self._allocate_id(spec.name)
            if spec.name == "Tickets" and "ticketNumber" in spec.fields:
                record["ticketNumber"] = self._ticket_number()
            self._stamp(spec, record, created=True, actor=actor)
            self._insert(spec, record)
            self._notify("Create", spec, record, None, actor)
            return record["id"]

    def _insert(self, spec: EntitySpec, record: dict[str, Any]) -> None:
        self.table(spec.name).insert(record)
        self._after_write(spec, record, None)

    def _after_write(self, spec: EntitySpec, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Side effects the real application performs: primary locations, company address mirroring."""
        if spec.name == "Companies" and old is None:
            self._ensure_primary_location(record)
        elif spec.name == "Companies" and old is not None:
            self._mirror_company_address(record, old)
        elif spec.name == "CompanyLocations" and record.get("isPrimary"):
            self._demote_other_primaries(record)

    def _ensure_primary_location(self, company: dict[str, Any]) -> None:
        """Autotask creates a "Primary Location" for every new company (FM-O2)."""
        loc_spec = self.catalog.get("CompanyLocations")
        if loc_spec is None:
            return
        existing = self.records_where("CompanyLocations", "companyID", company["id"])
        if any(r.get("isPrimary") for r in existing):
            return
        location = {
            "companyID": company["id"],
            "name": "Primary Location",
            "isPrimary": True,
            "isActive": True,
            UDF_KEY: {},
        }
        for src, dst in (
            ("address1", "address1"),
            ("address2", "address2"),
            ("city", "city"),
            ("state", "state"),
            ("postalCode", "postalCode"),
            ("countryID", "countryID"),
            ("phone", "phone"),
            ("fax", "fax"),
        ):
            if dst in loc_spec.fields and company.get(src) is not None:
                location[dst] = company[src]
        location["id"] = self._allocate_id("CompanyLocations")
        self.table("CompanyLocations").insert(location)

    def _mirror_company_address(self, company: dict[str, Any], old: dict[str, Any]) -> None:
        fields = ("address1", "address2", "city", "state", "postalCode", "countryID")
        changed = [f for f in fields if company.get(f) != old.get(f)]
        if not changed:
            return
        for location in self.records_where("CompanyLocations", "companyID", company["id"]):
            if location.get("isPrimary"):
                updated = dict(location)
                for f in changed:
                    updated[f] = company.get(f)
                self.table("CompanyLocations").replace(location["id"], updated)

    def _demote_other_primaries(self, location: dict[str, Any]) -> None:
        for other in self.records_where("CompanyLocations", "companyID", location.get("companyID")):
            if other["id"] != location["id"] and other.get("isPrimary"):
                updated = dict(other)
                updated["isPrimary"] = False
                self.table("CompanyLocations").replace(other["id"], updated)

    def _bind_parent(
        self, spec: EntitySpec, values: dict[str, Any], parent: tuple[ChildPath, int], *, creating: bool
    ) -> None:
        path, parent_id = parent
        if self.get(path.parent_entity, parent_id) is None:
            raise AutotaskError(f"{path.parent_entity} {parent_id} does not exist.")
        given = values.get(path.parent_field)
        if given is not None and given != parent_id and creating:
            raise AutotaskError(
                f"{spec.model}.{path.parent_field}: {given} does not match the parent id {parent_id} in the URL."
            )
        values[path.parent_field] = parent_id

    def update(
        self,
        spec: EntitySpec,
        body: Any,
        *,
        replace: bool = False,
        actor: Actor | None = None,
        parent: tuple[ChildPath, int] | None = None,
        url_id: int | None = None,
    ) -> int:
        with self.lock:
            values, udf_raw, record_id = bind_input(spec, body, unknown=self.config.unknown_fields)
            if url_id is not None:
                if record_id is not None and record_id != url_id:
                    raise AutotaskError(f"{spec.model}.id: {record_id} does not match the id {url_id} in the URL.")
                record_id = url_id
            if record_id is None:
                raise AutotaskError(f"{spec.model}.id: an id is required to update an entity.")
            old = self.get(spec.name, record_id)
            if old is None:
                raise AutotaskError(NO_MATCHING_RECORDS.format(action="update"))
            if parent is not None:
                path, parent_id = parent
                if old.get(path.parent_field) != parent_id:
                    raise AutotaskError(
                        f"{spec.model} {record_id} does not belong to {path.parent} {parent_id}; "
                        f"a {spec.model.lower()} cannot be moved to another {path.parent[:-1].lower() or path.parent}."
                    )
                if values.get(path.parent_field) == parent_id:
                    values.pop(path.parent_field)
            new = dict(old)
            if replace:
                for name, fs in spec.fields.items():
                    if name != "id" and not fs.is_read_only and name not in values:
                        new[name] = None
            for name in IMMUTABLE_FIELDS.get(spec.name, ()):
                if name in values and values[name] != old.get(name):
                    if self.config.immutable_field_change == "error" or parent is not None:
                        raise AutotaskError(
                            f"{spec.model}.{name}: the value cannot be changed after the {spec.model.lower()} is created."
                        )
                    values.pop(name)
                if replace:
                    new[name] = old.get(name)
            new.update(values)
            if spec.has_user_defined_fields and udf_raw is not None:
                merged = dict(old.get(UDF_KEY) or {})
                merged.update(coerce_udfs(spec, self.udf_defs(spec.name), udf_raw))
                new[UDF_KEY] = merged
            changed = {k for k in spec.fields if new.get(k) != old.get(k)}
            check_required(spec, new)
            check_references(self, spec, new, changed)
            for rule in BUSINESS_RULES.get(spec.name, ()):
                rule(self, spec, new, old, changed)
            self._stamp(spec, new, created=False, actor=actor)
            self.table(spec.name).replace(record_id, new)
            self._after_write(spec, new, old)
            self._notify("Update", spec, new, old, actor)
            return record_id

    def delete(self, spec: EntitySpec, record_id: int, *, parent: tuple[ChildPath, int] | None = None) -> int:
        with self.lock:
            old = self.get(spec.name, record_id)
            if old is None or (parent is not None and old.get(parent[0].parent_field) != parent[1]):
                raise AutotaskError(NO_MATCHING_RECORDS.format(action="delete"))
            if spec.name == "CompanyLocations" and old.get("isPrimary"):
                raise AutotaskError(f"{spec.model} {record_id} is the company's primary location and cannot be deleted.")
            self.table(spec.name).delete(record_id)
            self._notify("Delete", spec, None, old, None)
            return record_id

    def _notify(self, action: str, spec: EntitySpec, new: dict | None, old: dict | None, actor: Actor | None) -> None:
        for listener in list(self.listeners):
            listener(action, spec, new, old, actor)

    # ------------------------------------------------------------------ reads
    def limits(self) -> q.QueryLimits:
        return q.QueryLimits(
            max_page_size=self.config.max_page_size,
            max_conditions=self.config.max_conditions,
            max_udf_filters=self.config.max_udf_filters,
            case_insensitive_strings=self.config.case_insensitive_strings,
            unknown_operator=self.config.unknown_operator,
        )

    def parse_query(self, spec: EntitySpec, body: Any) -> q.Query:
        try:
            return q.parse_query(body, spec, self.udf_types(spec.name), limits=self.limits())
        except q.QueryError as exc:
            raise AutotaskError(str(exc)) from None

    def run_query(self, spec: EntitySpec, query: q.Query, *, after_id: int | None, page_size: int) -> q.Page:
        with self.lock.shared():
            return q.execute(self.table(spec.name), query, after_id=after_id, page_size=page_size)

    def count(self, spec: EntitySpec, query: q.Query) -> int:
        with self.lock.shared():
            return q.count(self.table(spec.name), query)

    # ------------------------------------------------------------------ thresholds
    def note_request(self) -> int:
        """Count one API request in the rolling threshold window; return the window's count."""
        now = self.clock.now()
        horizon = now - timedelta(minutes=self.config.threshold_timeframe_minutes)
        with self.threshold_lock:
            times = self.request_times
            times.append(now)
            while times and times[0] <= horizon:
                times.popleft()
            return len(times)

    def admit_request(self, window: float, limit: int | None) -> tuple[bool, int, datetime | None, datetime]:
        """Prune the window and count this request unless ``limit`` requests are already in it, as one step.

        Checking and counting under one lock is what makes a threshold of 40 serve exactly 40 requests
        however many threads ask at once (issue 15, part 4); checking first and counting later let
        44-47 through. Returns (admitted, requests in the window before this one, the oldest one's time, now).
        """
        with self.threshold_lock:
            now = self.clock.now()
            horizon = now - timedelta(seconds=window)
            times = self.request_times
            while times and times[0] <= horizon:
                times.popleft()
            count = len(times)
            oldest = times[0] if times else None
            if limit is not None and count >= limit:
                return False, count, oldest, now
            times.append(now)
            return True, count, oldest, now

    def threshold_count(self) -> int:
        now = self.clock.now()
        horizon = now - timedelta(minutes=self.config.threshold_timeframe_minutes)
        with self.threshold_lock:
            return sum(1 for t in self.request_times if t > horizon)

    # ------------------------------------------------------------------ fixtures
    def load_records(self, records: Mapping[str, Iterable[Mapping[str, Any]]], source: str) -> None:
        """Load fixture records: all-or-nothing, with every problem named by entity, index, id and field."""
        problems: list[FixtureProblem] = []
        staged: list[tuple[EntitySpec, str, dict[str, Any]]] = []
        for entity_name, rows in records.items():
            spec = self.catalog.get(entity_name)
            if spec is None:
                problems.append(FixtureProblem(f"records.{entity_name}", None, "unknown entity"))
                continue
            for index, raw in enumerate(rows or ()):
                where = f"records.{spec.name}[{index}]"
                if isinstance(raw, Mapping) and raw.get("id") is not None:
                    where += f" (id {raw.get('id')})"
                try:
                    record = self._fixture_record(spec, raw)
                except AutotaskError as exc:
                    for message in exc.messages:
                        field_name, _, text = message.partition(": ")
                        fname = field_name.split(".", 1)[1] if "." in field_name else None
                        problems.append(FixtureProblem(where, fname, text if fname else message))
                    continue
                staged.append((spec, where, record))
        # ids: explicit first so generated ones never collide
        seen: dict[str, set[int]] = {}
        for spec, where, record in staged:
            if record.get("id") is not None:
                ids = seen.setdefault(spec.name, set())
                if record["id"] in ids:
                    problems.append(FixtureProblem(where, "id", f"duplicate id {record['id']}"))
                ids.add(record["id"])
        if problems:
            raise FixtureLoadError(source, problems)
        for spec, _where, record in staged:
            if record.get("id") is None:
                continue
            self.table(spec.name).insert(record)
            self._note_id(spec.name, record["id"])
        for spec, _where, record in staged:
            if record.get("id") is None:
                record["id"] = self._allocate_id(spec.name)
                self.table(spec.name).insert(record)
        for spec, where, record in staged:
            try:
                check_required(spec, record)
                present = {k for k, v in record.items() if v is not None and k != UDF_KEY}
                check_references(self, spec, record, present)
                for rule in BUSINESS_RULES.get(spec.name, ()):
                    if spec.name != "CompanyLocations":
                        rule(self, spec, record, None, present)
            except AutotaskError as exc:
                for message in exc.messages:
                    field_name, _, text = message.partition(": ")
                    fname = field_name.split(".", 1)[1] if "." in field_name else None
                    problems.append(FixtureProblem(where, fname, text if fname else message))
        problems.extend(self._check_primary_locations())
        if problems:
            raise FixtureLoadError(source, problems)
        for record in list(self.table("Companies")._records.values()) if "Companies" in self.tables else ():
            self._ensure_primary_location(record)
        self._sync_ticket_counters()

    def _check_primary_locations(self) -> list[FixtureProblem]:
        out: list[FixtureProblem] = []
        if "CompanyLocations" not in self.tables:
            return out
        per_company: dict[Any, int] = {}
        for record in self.tables["CompanyLocations"]._records.values():
            if record.get("isPrimary"):
                per_company[record.get("companyID")] = per_company.get(record.get("companyID"), 0) + 1
        for company_id, n in per_company.items():
            if n > 1:
                out.append(
                    FixtureProblem(
                        f"records.Companies (id {company_id})", None, f"has {n} primary locations; exactly one is allowed"
                    )
                )
        return out

    def _sync_ticket_counters(self) -> None:
        for record in self.tables.get("Tickets", Table())._records.values():
            number = record.get("ticketNumber")
            if isinstance(number, str) and number.startswith("T") and "." in number:
                day, _, n = number[1:].partition(".")
                if n.isdigit():
                    self.ticket_counters[day] = max(self.ticket_counters.get(day, 0), int(n))

    def _fixture_record(self, spec: EntitySpec, raw: Any) -> dict[str, Any]:
        values, udf_raw, record_id = bind_input(spec, raw, unknown="error", keep_read_only=True)
        record: dict[str, Any] = dict(FIXTURE_DEFAULTS.get(spec.name, {}))
        record.update({k: v for k, v in values.items()})
        if record_id is not None:
            record["id"] = record_id
        record[UDF_KEY] = coerce_udfs(spec, self.udf_defs(spec.name), udf_raw or {}) if spec.has_user_defined_fields else {}
        now = self.clock.now()
        for name in CREATE_STAMPS + MODIFY_STAMPS:
            if name in spec.fields and record.get(name) is None and name in ("createDate", "lastActivityDate", "lastModifiedDate"):
                record[name] = now
        if spec.name == "Tickets" and "ticketNumber" in spec.fields and not record.get("ticketNumber"):
            record["ticketNumber"] = self._ticket_number()
        return record

    def export_records(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock.shared():
            out: dict[str, list[dict[str, Any]]] = {}
            for name in sorted(self.tables):
                table = self.tables[name]
                if len(table) == 0:
                    continue
                spec = self.catalog.get(name)
                if spec is None:
                    continue
                rows = (table.get(i) for i in table.ids_from(None))
                out[name] = [to_fixture(spec, r, self.udf_defs(name)) for r in rows if r is not None]
            return out


def coerce_picklist(entity: EntitySpec | None, field_name: str, items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Normalise fixture picklist items; values take the field's type (ints for integer fields)."""
    fs = entity.field(field_name) if entity else None
    out = []
    for order, item in enumerate(items):
        value = item.get("value")
        if fs is not None and value is not None:
            value = coerce(fs, value)
        out.append(
            {
                "value": value,
                "label": str(item.get("label", value)),
                "isDefaultValue": bool(item.get("isDefaultValue", False)),
                "sortOrder": int(item.get("sortOrder", order)),
                "parentValue": str(item.get("parentValue") or ""),
                "isActive": bool(item.get("isActive", True)),
                "isSystem": bool(item.get("isSystem", False)),
            }
        )
    return out


__all__ = [
    "Actor",
    "ApiUser",
    "FixtureLoadError",
    "FixtureProblem",
    "TenantInfo",
    "TenantState",
    "coerce_picklist",
    "coerce_field",
]
