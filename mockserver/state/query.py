"""The Autotask query grammar: parse a QueryModel, evaluate it, and execute it against a :class:`Table`.

Grammar (shared/spec/autotask-api.md section 4): ``{"filter": [...], "includeFields": [...],
"maxRecords": n}`` with case-insensitive keys; filter items ``{"op", "field", "value", "udf", "items"}``;
13 comparison operators plus ``and``/``or`` groups nested through ``items``; top-level items are ANDed;
a filter is mandatory.  Results come back in ascending id, at most 500 per page (section 5).

Semantics follow SQL Server, which the real API translates filters into:

* String comparisons are case-insensitive (default collation); configurable via
  :attr:`QueryLimits.case_insensitive_strings`.
* A NULL record value makes every comparison false -- ``eq``, ``noteq``, ``gt``..., ``in``, ``notIn``,
  ``beginsWith``/``endsWith``/``contains`` alike (``NULL <> 5`` and ``NULL NOT IN (...)`` are UNKNOWN, and
  there is no NOT operator in the grammar, so UNKNOWN can be treated as false).
* ``exist`` is "not NULL"; for string values an empty string also counts as missing (Autotask's UI treats
  blank and NULL alike and clients use ``exist`` to mean "has a value").  ``notExist`` is the exact negation.
  Configurable via :attr:`QueryLimits.empty_string_is_null`.
* ``beginsWith``/``endsWith``/``contains`` on non-string fields compare the value's text
  (:func:`~mockserver.state.values.string_form`); the filter text is matched literally (``%``/``_`` are
  not wildcards).  ``gt``/``lt`` on strings compare normalised (casefolded) text by code point, not by
  collation order.  Datetimes compare as instants.

Execution (:func:`execute`, :func:`count`) never scans more than it must: the top-level conjunction's
``id`` conditions become an id range or id set, ``eq``/``in`` on any other field use (lazily built) table
indexes, the smallest candidate source wins, and the full predicate (:func:`evaluate`, the reference
semantics) runs only on candidates, in ascending id, from ``after_id``, until ``page_size + 1`` matches.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mockserver.catalog.model import EntitySpec, FieldSpec
from mockserver.state.table import UDF_KEY, YIELD_EVERY, FieldKey, Record, Table, pause, record_value, udf_key
from mockserver.state.values import (
    ValueCoercionError,
    coerce,
    normalize_key,
    normalize_string,
    string_form,
)

__all__ = [
    "COMPARISON_OPS",
    "DEFAULT_LIMITS",
    "GROUP_OPS",
    "Condition",
    "Group",
    "Node",
    "Page",
    "Query",
    "QueryError",
    "QueryLimits",
    "count",
    "evaluate",
    "execute",
    "parse_query",
    "project",
]

COMPARISON_OPS = (
    "eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains", "exist", "notExist", "in", "notIn",
)  # fmt: skip
GROUP_OPS = ("and", "or")
_OP_BY_LOWER = {op.lower(): op for op in COMPARISON_OPS + GROUP_OPS}
_NO_VALUE_OPS = frozenset({"exist", "notExist"})
_LIST_OPS = frozenset({"in", "notIn"})
_TEXT_OPS = frozenset({"beginsWith", "endsWith", "contains"})
_ORDER_OPS = frozenset({"gt", "gte", "lt", "lte"})
_ID_FIELD = FieldSpec(name="id", data_type="long")  # used when a hand-built entity omits "id"


class QueryError(ValueError):
    """An invalid query.  ``str(exc)`` is the human-readable message for ``{"errors": [message]}``
    (the real API answers bad queries with HTTP 500 and such a body)."""


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """Server-side limits and semantic switches for queries (one instance per mock configuration)."""

    max_page_size: int = 500  # maxRecords range is 1..max_page_size; also the default page size
    max_conditions: int = 500  # leaf conditions per query (SOAP documents 500; REST UNVERIFIED)
    max_udf_filters: int = 1  # "Only ONE UDF filter is allowed per query" -- UNVERIFIED for REST
    case_insensitive_strings: bool = True  # SQL Server's default CI collation
    empty_string_is_null: bool = True  # exist/notExist treat "" as missing
    # Unknown operators: "error" rejects the query.  A live report (WYRE-AI/autotask-mcp#193/#211,
    # ``ne`` instead of ``noteq``) says the real API silently drops such a clause; "ignore" imitates that.
    unknown_operator: Literal["error", "ignore"] = "error"
    max_depth: int = 64  # nesting of and/or groups; a mock safety limit, not an Autotask one


DEFAULT_LIMITS = QueryLimits()


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """A leaf comparison with its value already coerced and normalised.

    ``value`` is what the client meant (typed; a tuple for in/notIn; text for the text ops; ``None`` for
    exist/notExist).  ``operand`` is the normalised form :func:`evaluate` compares against, and
    ``index_keys`` the table-index keys usable for eq/in (``None`` otherwise).
    """

    op: str
    field: str  # canonical field or UDF name
    data_type: str
    udf: bool
    value: Any
    operand: Any
    index_keys: frozenset[Hashable] | None
    case_insensitive: bool
    empty_string_is_null: bool

    @property
    def field_key(self) -> FieldKey:
        return udf_key(self.field) if self.udf else self.field


@dataclass(frozen=True, slots=True, eq=False)
class Group:
    """``and``/``or`` over child nodes.  An empty ``and`` is true (only produced when every clause of the
    filter was dropped under ``unknown_operator="ignore"``)."""

    op: Literal["and", "or"]
    items: tuple[Node, ...]


Node = Condition | Group


@dataclass(frozen=True, slots=True)
class Query:
    entity: EntitySpec
    filter: Group  # the top-level AND
    include_fields: tuple[str, ...] | None  # canonical names in entity order, always with "id"; None = all
    max_records: int
    has_udfs: bool  # projection carries userDefinedFields
    # UDFs to return: None = all; with includeFields only the UDFs it names (the apigrate README shows
    # ``"userDefinedFields": []`` for an includeFields query that names none).
    include_udfs: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Record]  # projected copies, ascending id
    last_id: int | None  # id of the last item (the cursor for the next page); None when empty
    has_more: bool  # another matching record exists after last_id


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------


def _ci_get(mapping: Mapping[str, Any], key: str) -> Any:
    """Case-insensitive lookup of a lower-case ``key`` (None when absent); the last match wins, as in
    .NET model binding."""
    value = None
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == key:
            value = v
    return value


def _unknown_field(name: Any, entity: EntitySpec) -> QueryError:
    # Wording observed live: "Unable to find projectID in the TimeEntry Entity" (WYRE-AI/autotask-mcp#282).
    return QueryError(f"Unable to find {name} in the {entity.model} Entity")


def parse_query(
    body: Mapping[str, Any] | str | bytes,
    entity: EntitySpec,
    udf_types: Mapping[str, str],
    *,
    limits: QueryLimits = DEFAULT_LIMITS,
) -> Query:
    """Validate a QueryModel (a JSON object or its text, e.g. GET ``?search=``) into a :class:`Query`.

    ``udf_types`` maps the tenant's user-defined field names to data types.  Raises :class:`QueryError`.
    """
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise QueryError(f"The query is not valid JSON: {exc}") from None
    if not isinstance(body, Mapping):
        raise QueryError("The query must be a JSON object with a filter.")

    raw_filter = _ci_get(body, "filter")
    if raw_filter is None or raw_filter == []:
        raise QueryError(
            'A query filter is required; to select every record use [{"op":"gte","field":"id","value":0}].'
        )
    if not isinstance(raw_filter, list):
        raise QueryError("The query filter must be an array of filter conditions.")

    parser = _FilterParser(entity, udf_types, limits)
    items = parser.parse_items(raw_filter, depth=1)
    root = Group("and", items)

    raw_include = _ci_get(body, "includefields")
    include, include_udfs = _parse_include_fields(raw_include, entity, udf_types)

    raw_max = _ci_get(body, "maxrecords")
    max_records = _parse_max_records(raw_max, limits)
    return Query(entity, root, include, max_records, entity.has_user_defined_fields, include_udfs)


def _parse_include_fields(
    raw: Any, entity: EntitySpec, udf_types: Mapping[str, str]
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """(standard fields, UDF names) an includeFields list asks for; (None, None) means everything."""
    if raw is None or raw == []:
        return None, None
    if not isinstance(raw, list):
        raise QueryError("includeFields must be an array of field names.")
    wanted = {"id"}
    udfs_by_lower = {name.lower(): name for name in udf_types}
    udfs: list[str] = []
    for name in raw:
        spec = entity.field(name) if isinstance(name, str) else None
        if spec is None:
            if isinstance(name, str) and name.lower() == "id":
                continue
            if isinstance(name, str) and name.lower() in udfs_by_lower:
                udfs.append(udfs_by_lower[name.lower()])
                continue
            raise _unknown_field(name, entity)
        wanted.add(spec.name)
    ordered = [n for n in entity.fields if n in wanted]
    if "id" not in entity.fields:
        ordered.insert(0, "id")
    return tuple(ordered), tuple(udfs)


def _parse_max_records(raw: Any, limits: QueryLimits) -> int:
    if raw is None:
        return limits.max_page_size
    try:  # bools are not page sizes, although integer fields accept them as 0/1
        value = None if isinstance(raw, bool) else coerce("integer", raw, name="MaxRecords")
    except ValueCoercionError:
        value = None
    if value is None or not 1 <= value <= limits.max_page_size:
        raise QueryError(
            f"Invalid MaxRecords value {json.dumps(raw, default=str)}: it must be an integer between 1 and {limits.max_page_size}."
        )
    return value


class _FilterParser:
    """Recursive-descent over filter items, counting conditions and UDF filters as it goes."""

    def __init__(self, entity: EntitySpec, udf_types: Mapping[str, str], limits: QueryLimits) -> None:
        self.entity = entity
        self.udf_types = udf_types
        self.udf_by_lower = {name.lower(): name for name in udf_types}
        self.limits = limits
        self.conditions = 0
        self.udf_filters = 0

    def parse_items(self, raw_items: list[Any], depth: int) -> tuple[Node, ...]:
        if depth > self.limits.max_depth:
            raise QueryError(
                f"Filter groups are nested too deeply (more than {self.limits.max_depth} levels)."
            )
        nodes = []
        for raw in raw_items:
            node = self.parse_item(raw, depth)
            if node is not None:
                nodes.append(node)
        return tuple(nodes)

    def parse_item(self, raw: Any, depth: int) -> Node | None:
        if not isinstance(raw, Mapping):
            raise QueryError(
                f"Each filter condition must be a JSON object, got {json.dumps(raw, default=str)}."
            )
        parts = {k.lower(): v for k, v in raw.items() if isinstance(k, str)}
        raw_op = parts.get("op")
        if not isinstance(raw_op, str) or not raw_op:
            raise QueryError(f"A filter condition has no operator ('op'): {json.dumps(raw, default=str)}.")
        op = _OP_BY_LOWER.get(raw_op.lower())
        if op is None:
            if self.limits.unknown_operator == "ignore":
                self._count_condition()
                return None
            raise QueryError(
                f"Unknown filter operator '{raw_op}'. Valid operators are: {', '.join(COMPARISON_OPS + GROUP_OPS)}."
            )
        if op in GROUP_OPS:
            items = parts.get("items")
            if not isinstance(items, list) or not items:
                raise QueryError(
                    f"The '{op}' filter group must list its conditions in a non-empty 'items' array."
                )
            children = self.parse_items(items, depth + 1)
            if not children:  # every child was an ignored operator
                return None
            return Group(op, children)  # type: ignore[arg-type]
        self._count_condition()
        return self._condition(op, parts)

    def _count_condition(self) -> None:
        self.conditions += 1
        if self.conditions > self.limits.max_conditions:
            raise QueryError(
                f"The query has too many filter conditions: at most {self.limits.max_conditions} are allowed."
            )

    def _condition(self, op: str, parts: dict[str, Any]) -> Condition:
        raw_field = parts.get("field")
        if not isinstance(raw_field, str) or not raw_field:
            raise QueryError(f"The '{op}' filter condition has no field name ('field').")
        try:
            is_udf = coerce("boolean", parts.get("udf"), name="udf")
        except ValueCoercionError:
            raise QueryError(f"The 'udf' flag of the filter on {raw_field} must be true or false.") from None
        if is_udf:
            name = self.udf_by_lower.get(raw_field.lower())
            if name is None:
                raise QueryError(
                    f"Unable to find user-defined field {raw_field} in the {self.entity.model} Entity"
                )
            self.udf_filters += 1
            if self.udf_filters > self.limits.max_udf_filters:
                limit = self.limits.max_udf_filters
                raise QueryError(
                    "Only one UDF filter is allowed per query."
                    if limit == 1
                    else f"At most {limit} UDF filters are allowed per query."
                )
            data_type = self.udf_types[name]
        else:
            spec = self.entity.field(raw_field) or (_ID_FIELD if raw_field.lower() == "id" else None)
            if spec is None:
                raise _unknown_field(raw_field, self.entity)
            if not spec.is_queryable:
                raise QueryError(
                    f"The field {spec.name} of the {self.entity.model} Entity cannot be used in a filter."
                )
            name, data_type = spec.name, spec.data_type
        return _build_condition(op, name, data_type, is_udf, parts.get("value"), self.limits)


def _build_condition(
    op: str, name: str, data_type: str, is_udf: bool, raw: Any, limits: QueryLimits
) -> Condition:
    ci = limits.case_insensitive_strings
    value: Any
    operand: Any
    index_keys: frozenset[Hashable] | None = None
    try:
        if op in _NO_VALUE_OPS:
            value = operand = None  # a value, if sent, is ignored (clients often send null)
        elif op in _LIST_OPS:
            if not isinstance(raw, list) or not raw:
                raise QueryError(f"The '{op}' filter on {name} requires a non-empty array of values.")
            value = tuple(coerce(data_type, v, name=name, allow_none=False) for v in raw)
            operand = frozenset(normalize_key(v, ci) for v in value)
            if op == "in":
                index_keys = frozenset(normalize_key(v, True) for v in value)
        else:
            if raw is None:
                raise QueryError(f"The '{op}' filter on {name} requires a value; null is not allowed.")
            if isinstance(raw, list | dict):
                raise QueryError(
                    f"The '{op}' filter on {name} requires a single value, not {json.dumps(raw, default=str)}."
                )
            if op in _TEXT_OPS:
                value = raw if isinstance(raw, str) else string_form(raw)
                operand = normalize_string(value, ci)
            else:
                value = coerce(data_type, raw, name=name, allow_none=False)
                operand = normalize_key(value, ci)
                if op == "eq":
                    index_keys = frozenset((normalize_key(value, True),))
    except ValueCoercionError as exc:
        raise QueryError(str(exc)) from exc
    return Condition(op, name, data_type, is_udf, value, operand, index_keys, ci, limits.empty_string_is_null)


# ----------------------------------------------------------------------------------------------
# Evaluation (reference semantics)
# ----------------------------------------------------------------------------------------------


def evaluate(node: Node, record: Mapping[str, Any]) -> bool:
    """Does ``record`` satisfy ``node``?  The naive, obviously-correct evaluator that defines semantics;
    :func:`execute` only decides *which* records to ask it about."""
    return _eval(node, record)


def _eval(node: Node, record: Mapping[str, Any]) -> bool:
    if isinstance(node, Group):
        if node.op == "and":
            return all(_eval(child, record) for child in node.items)
        return any(_eval(child, record) for child in node.items)
    return _test(node, record)


def _test(cond: Condition, record: Mapping[str, Any]) -> bool:
    op = cond.op
    actual = record_value(record, cond.field_key)
    if op == "exist" or op == "notExist":
        missing = actual is None or (cond.empty_string_is_null and actual == "")
        return missing if op == "notExist" else not missing
    if actual is None:
        return False  # SQL: any comparison with NULL is UNKNOWN
    if op in _TEXT_OPS:
        text = normalize_string(string_form(actual), cond.case_insensitive)
        if op == "contains":
            return cond.operand in text
        if op == "beginsWith":
            return text.startswith(cond.operand)
        return text.endswith(cond.operand)
    key = normalize_key(actual, cond.case_insensitive)
    try:
        if op == "eq":
            return bool(key == cond.operand)
        if op == "noteq":
            return bool(key != cond.operand)
        if op == "in":
            return key in cond.operand
        if op == "notIn":
            return key not in cond.operand
        if op == "gt":
            return bool(key > cond.operand)
        if op == "gte":
            return bool(key >= cond.operand)
        if op == "lt":
            return bool(key < cond.operand)
        return bool(key <= cond.operand)  # lte
    except TypeError:  # a stored value of the wrong type (or unhashable) never matches
        return False


def project(query: Query, record: Mapping[str, Any]) -> Record:
    """A copy of ``record`` restricted to ``query.include_fields`` (always id, plus userDefinedFields on
    entities that have them).  Copies, so callers may serialise or mutate the result freely."""
    if query.include_fields is None:
        out = dict(record)
    else:
        out = {name: record.get(name) for name in query.include_fields}
    if query.has_udfs:
        out[UDF_KEY] = dict(record.get(UDF_KEY) or {})
    return out


# ----------------------------------------------------------------------------------------------
# Execution
# ----------------------------------------------------------------------------------------------


_RANGE_TYPES = frozenset({"datetime", "integer", "long", "short", "double", "decimal"})


def _conjuncts(node: Node) -> Iterator[Node]:
    """Nodes that must all hold: the root AND, flattened through nested ANDs and single-child groups."""
    if isinstance(node, Group) and (node.op == "and" or len(node.items) == 1):
        for child in node.items:
            yield from _conjuncts(child)
    else:
        yield node


@dataclass(slots=True)
class _Plan:
    after: int | None = None  # exclusive lower id bound
    upto: int | None = None  # inclusive upper id bound
    id_set: set[int] | None = None  # ids allowed by id eq/in
    only_id_conditions: bool = True  # the id bounds/set alone decide the predicate
    index_options: list[tuple[FieldKey, frozenset[Hashable]]] = field(default_factory=list)
    range_options: list[tuple[FieldKey, str, Any]] = field(default_factory=list)

    def narrow_after(self, bound: int) -> None:
        self.after = bound if self.after is None else max(self.after, bound)

    def narrow_upto(self, bound: int) -> None:
        self.upto = bound if self.upto is None else min(self.upto, bound)


def _plan(query: Query) -> _Plan:
    plan = _Plan()
    for node in _conjuncts(query.filter):
        if isinstance(node, Condition) and node.field == "id" and not node.udf:
            op, value = node.op, node.value
            if op == "eq":
                plan.id_set = {value} if plan.id_set is None else plan.id_set & {value}
                continue
            if op == "in":
                plan.id_set = set(value) if plan.id_set is None else plan.id_set & set(value)
                continue
            if op in _ORDER_OPS:
                if op == "gt":
                    plan.narrow_after(value)
                elif op == "gte":
                    plan.narrow_after(value - 1)
                elif op == "lt":
                    plan.narrow_upto(value - 1)
                else:
                    plan.narrow_upto(value)
                continue
        plan.only_id_conditions = False
        if isinstance(node, Condition) and node.index_keys is not None:
            plan.index_options.append((node.field_key, node.index_keys))
        elif (
            isinstance(node, Condition)
            and node.op in _ORDER_OPS
            and node.data_type in _RANGE_TYPES
            and not isinstance(node.operand, bool)
        ):
            plan.range_options.append((node.field_key, node.op, node.operand))
    return plan


def _candidates(table: Table, plan: _Plan, after_id: int | None) -> Iterator[int]:
    """Ascending candidate ids ``> after_id`` from the smallest available source."""
    start = plan.after
    if after_id is not None:
        start = after_id if start is None else max(start, after_id)
    upto = plan.upto
    if start is not None and upto is not None and start >= upto:
        return iter(())

    best_size = table.count_between(start, upto)
    source: Iterator[int] | None = None
    if plan.id_set is not None and len(plan.id_set) <= best_size:
        best_size = len(plan.id_set)
        source = iter(sorted(i for i in plan.id_set if start is None or i > start))
    for field_key, keys in plan.index_options:
        size = table.index_count(field_key, keys)
        if size < best_size:
            best_size = size
            source = table.index_ids_from(field_key, keys, start)
    for field_key, op, bound in plan.range_options:
        lo, hi = table.range_slice(field_key, op, bound)
        if hi - lo < best_size:
            best_size = hi - lo
            source = iter(sorted(i for i in table.range_ids(field_key, lo, hi) if start is None or i > start))
    if source is None:
        return table.ids_from(start, upto)
    if upto is None:
        return source
    return _until(source, upto)


def _until(ids: Iterator[int], upto: int) -> Iterator[int]:
    for record_id in ids:
        if record_id > upto:
            return
        yield record_id


def _matches(table: Table, query: Query, after_id: int | None) -> Iterator[Record]:
    root = query.filter
    plan = _plan(query)
    examined = 0
    for record_id in _candidates(table, plan, after_id):
        record = table.get(record_id)
        if record is not None and evaluate(root, record):
            yield record
        examined += 1
        if examined == YIELD_EVERY:  # a long scan hands the GIL over now and then (table docstring)
            examined = 0
            pause()


def execute(table: Table, query: Query, *, after_id: int | None = None, page_size: int | None = None) -> Page:
    """One page of matches with id ``> after_id``, ascending; ``page_size`` defaults to maxRecords.

    Costs O(candidates examined until page_size + 1 matches), never O(table) for a deep page.
    """
    size = query.max_records if page_size is None else page_size
    if size < 1:
        raise ValueError("page_size must be at least 1")
    found: list[Record] = []
    for record in _matches(table, query, after_id):
        found.append(record)
        if len(found) > size:
            break
    has_more = len(found) > size
    items = [project(query, record) for record in found[:size]]
    return Page(items, items[-1]["id"] if items else None, has_more)


def count(table: Table, query: Query) -> int:
    """Number of matching records (``/query/count``).  Pure id-range filters -- the usual
    ``id gte 0`` "everything" filter -- are answered from the id order without evaluating records."""
    plan = _plan(query)
    if plan.only_id_conditions and plan.id_set is None:
        return table.count_between(plan.after, plan.upto)
    return sum(1 for _ in _matches(table, query, None))
