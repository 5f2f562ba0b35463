"""Query grammar, value coercion and the execute-vs-naive-evaluate property (autotask-api.md sections 3-5)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.catalog.model import EntitySpec, FieldSpec
from mockserver.state.query import (
    COMPARISON_OPS,
    Condition,
    Group,
    QueryError,
    QueryLimits,
    count,
    evaluate,
    execute,
    parse_query,
)
from mockserver.state.table import Table
from mockserver.state.values import ValueCoercionError, coerce, normalize_key, serialize

# ----------------------------------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------------------------------

WIDGET = EntitySpec(
    name="Widgets",
    model="Widget",
    fields={
        "id": FieldSpec("id", "long"),
        "name": FieldSpec("name", "string"),
        "city": FieldSpec("city", "string"),
        "quantity": FieldSpec("quantity", "integer"),
        "ratio": FieldSpec("ratio", "double"),
        "active": FieldSpec("active", "boolean"),
        "isActive": FieldSpec("isActive", "integer"),
        "createDate": FieldSpec("createDate", "datetime"),
        "secretNote": FieldSpec("secretNote", "string", is_queryable=False),
    },
    has_user_defined_fields=True,
)
UDFS = {"Region": "string", "Number of Employees": "integer"}
PLAIN = EntitySpec(name="Plains", model="Plain", fields={"id": FieldSpec("id", "long")})
ALL = {"op": "gte", "field": "id", "value": 0}


def q(*items: Any, limits: QueryLimits | None = None, **extra: Any):
    body = {"filter": list(items), **extra}
    return parse_query(body, WIDGET, UDFS, limits=limits or QueryLimits())


def err(body: Any, entity: EntitySpec = WIDGET, limits: QueryLimits | None = None) -> str:
    with pytest.raises(QueryError) as info:
        parse_query(body, entity, UDFS, limits=limits or QueryLimits())
    return str(info.value)


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ----------------------------------------------------------------------------------------------
# values
# ----------------------------------------------------------------------------------------------


class TestCoerce:
    @pytest.mark.parametrize(
        ("data_type", "raw", "expected"),
        [
            ("integer", 5, 5),
            ("integer", "123", 123),
            ("integer", " -7 ", -7),
            ("integer", 3.0, 3),
            ("integer", True, 1),  # documented leniency: 0/1 flag columns such as Contacts.isActive
            ("integer", False, 0),
            ("long", str(2**40), 2**40),
            ("short", "-32768", -32768),
            ("double", "1.5", 1.5),
            ("double", 2, 2.0),
            ("decimal", "-.25e1", -2.5),
            ("boolean", True, True),
            ("boolean", "TRUE", True),
            ("boolean", "false", False),
            ("string", "Abc", "Abc"),
            ("string", 12, "12"),
            ("string", True, "true"),
            ("datetime", "2024-05-01", dt(2024, 5, 1)),
            ("datetime", "2024-05-01T13:45:00Z", dt(2024, 5, 1, 13, 45)),
            ("datetime", "2024-05-01T13:45:00", dt(2024, 5, 1, 13, 45)),
            ("datetime", "2024-05-01T13:45:00.1234567Z", dt(2024, 5, 1, 13, 45, 0, 123456)),
            ("datetime", "2024-05-01T15:45:00.5+02:00", dt(2024, 5, 1, 13, 45, 0, 500000)),
            ("datetime", datetime(2024, 5, 1, 13, 45), dt(2024, 5, 1, 13, 45)),
        ],
    )
    def test_accepts(self, data_type: str, raw: Any, expected: Any) -> None:
        result = coerce(data_type, raw)
        assert result == expected
        assert type(result) is type(expected)
        if isinstance(result, datetime):
            assert result.utcoffset() == timedelta(0)

    @pytest.mark.parametrize(
        ("data_type", "raw"),
        [
            ("integer", 1.5),
            ("integer", "1.0"),
            ("integer", "12abc"),
            ("integer", "1_000"),
            ("integer", 2**31),
            ("short", 40000),
            ("integer", [1]),
            ("double", True),
            ("double", "nan"),
            ("double", float("inf")),
            ("boolean", 1),
            ("boolean", 0),
            ("boolean", "yes"),
            ("boolean", ""),
            ("boolean", " true"),
            ("string", {"a": 1}),
            ("datetime", "05/01/2024"),
            ("datetime", 1714571100),
            ("datetime", ""),
        ],
    )
    def test_rejects(self, data_type: str, raw: Any) -> None:
        with pytest.raises(ValueCoercionError):
            coerce(data_type, raw)

    def test_null(self) -> None:
        assert coerce("integer", None) is None
        with pytest.raises(ValueCoercionError):
            coerce("boolean", None, allow_none=False)

    def test_error_names_field_value_and_expectation(self) -> None:
        with pytest.raises(ValueCoercionError) as info:
            coerce(FieldSpec("quantity", "integer"), "abc")
        assert (info.value.field_name, info.value.value, info.value.expected) == (
            "quantity",
            "abc",
            "an integer",
        )
        assert str(info.value) == 'Invalid value "abc" for field quantity: expected an integer.'

    def test_serialize(self) -> None:
        offset = timezone(timedelta(hours=2))
        assert (
            serialize(datetime(2024, 5, 1, 15, 45, 0, 123999, tzinfo=offset), "datetime")
            == "2024-05-01T13:45:00.123Z"
        )
        assert serialize(dt(2024, 5, 1, 13, 45), "datetime") == "2024-05-01T13:45:00.000Z"
        assert serialize(2, "double") == 2.0 and isinstance(serialize(2, "double"), float)
        assert serialize(None, "datetime") is None
        assert serialize(True, "boolean") is True

    def test_datetime_round_trip(self) -> None:
        value = dt(2023, 1, 2, 3, 4, 5, 678000)
        assert coerce("datetime", serialize(value, "datetime")) == value

    def test_normalize_key(self) -> None:
        assert normalize_key("ABC") == normalize_key("abc")
        assert normalize_key("ABC", case_insensitive=False) != normalize_key("abc", case_insensitive=False)
        assert normalize_key(5) == normalize_key(5.0)


# ----------------------------------------------------------------------------------------------
# parsing
# ----------------------------------------------------------------------------------------------


OP_SAMPLES = [
    ("eq", "quantity", 1),
    ("noteq", "quantity", "2"),
    ("gt", "createDate", "2024-01-01"),
    ("gte", "ratio", 0.5),
    ("lt", "name", "m"),
    ("lte", "id", "10"),
    ("beginsWith", "name", "ab"),
    ("endsWith", "city", "ton"),
    ("contains", "quantity", 12),
    ("exist", "city", None),
    ("notExist", "active", None),
    ("in", "quantity", [1, "2"]),
    ("notIn", "name", ["a", "b"]),
]


class TestParse:
    def test_keys_are_case_insensitive(self) -> None:
        query = parse_query(
            {
                "Filter": [{"Op": "EQ", "Field": "NAME", "Value": "x"}],
                "IncludeFields": ["City"],
                "MaxRecords": "10",
            },
            WIDGET,
            UDFS,
        )
        (cond,) = query.filter.items
        assert isinstance(cond, Condition)
        assert (cond.op, cond.field, cond.value) == ("eq", "name", "x")
        assert query.include_fields == ("id", "city")
        assert query.max_records == 10

    def test_json_text_body(self) -> None:
        query = parse_query('{"filter":[{"op":"exist","field":"IsActive"}]}', WIDGET, UDFS)
        assert query.filter.items[0].field == "isActive"  # type: ignore[union-attr]
        assert query.max_records == 500
        assert "not valid JSON" in err("{filter:")
        assert "JSON object" in err("[1]")

    @pytest.mark.parametrize(("op", "field", "value"), OP_SAMPLES)
    def test_every_operator(self, op: str, field: str, value: Any) -> None:
        item = {"op": op.upper(), "field": field}
        if value is not None:
            item["value"] = value
        (cond,) = q(item).filter.items
        assert isinstance(cond, Condition) and cond.op == op

    def test_samples_cover_all_thirteen_operators(self) -> None:
        assert sorted(op for op, _, _ in OP_SAMPLES) == sorted(COMPARISON_OPS) and len(COMPARISON_OPS) == 13

    def test_coerced_values(self) -> None:
        (a, b, c, d) = q(
            {"op": "in", "field": "quantity", "value": ["1", 2.0]},
            {"op": "eq", "field": "createDate", "value": "2024-05-01T15:45:00+02:00"},
            {"op": "contains", "field": "quantity", "value": 12},
            {"op": "eq", "field": "active", "value": "TRUE"},
        ).filter.items
        assert a.value == (1, 2)  # type: ignore[union-attr]
        assert b.value == dt(2024, 5, 1, 13, 45)  # type: ignore[union-attr]
        assert c.value == "12"  # type: ignore[union-attr]
        assert d.value is True  # type: ignore[union-attr]

    def test_nesting(self) -> None:
        query = q(
            {
                "op": "OR",
                "items": [
                    {"op": "eq", "field": "name", "value": "a"},
                    {
                        "op": "and",
                        "items": [{"op": "gt", "field": "id", "value": 5}, {"op": "exist", "field": "city"}],
                    },
                ],
            },
            ALL,
        )
        outer, top_id = query.filter.items
        assert isinstance(outer, Group) and outer.op == "or"
        inner = outer.items[1]
        assert isinstance(inner, Group) and inner.op == "and" and len(inner.items) == 2
        assert isinstance(top_id, Condition)
        assert evaluate(query.filter, {"id": 1, "name": "A"})
        assert evaluate(query.filter, {"id": 6, "name": "b", "city": "x"})
        assert not evaluate(query.filter, {"id": 6, "name": "b", "city": None})

    def test_unknown_field_names_field_and_entity(self) -> None:
        assert err({"filter": [{"op": "eq", "field": "projectID", "value": 1}]}) == (
            "Unable to find projectID in the Widget Entity"
        )
        assert err({"filter": [ALL], "includeFields": ["nope"]}) == "Unable to find nope in the Widget Entity"

    def test_not_queryable_field(self) -> None:
        assert "cannot be used in a filter" in err({"filter": [{"op": "exist", "field": "secretNote"}]})

    def test_unknown_operator(self) -> None:
        message = err({"filter": [{"op": "ne", "field": "id", "value": 1}]})
        assert "Unknown filter operator 'ne'" in message and "noteq" in message
        assert "no operator" in err({"filter": [{"field": "id", "value": 1}]})

    def test_unknown_operator_ignored_when_configured(self) -> None:
        # Live behaviour reported in WYRE-AI/autotask-mcp#193: an invalid operator's clause is dropped.
        limits = QueryLimits(unknown_operator="ignore")
        query = q(
            {"op": "ne", "field": "quantity", "value": 5},
            {"op": "eq", "field": "name", "value": "a"},
            limits=limits,
        )
        assert len(query.filter.items) == 1
        everything = q({"op": "or", "items": [{"op": "ne", "field": "id", "value": 1}]}, limits=limits)
        assert everything.filter.items == () and evaluate(everything.filter, {"id": 1})

    @pytest.mark.parametrize("body", [{}, {"filter": []}, {"filter": None}, {"maxRecords": 5}, ""])
    def test_filter_is_mandatory(self, body: Any) -> None:
        assert "filter is required" in err(body)

    def test_filter_shape_errors(self) -> None:
        assert "must be an array" in err({"filter": ALL})
        assert "must be a JSON object" in err({"filter": [1]})
        assert "non-empty 'items'" in err({"filter": [{"op": "and", "items": []}]})
        assert "non-empty 'items'" in err({"filter": [{"op": "or"}]})
        assert "no field name" in err({"filter": [{"op": "eq", "value": 1}]})

    @pytest.mark.parametrize("raw", [0, 501, -1, "abc", 1.5, True, [5], "5.5"])
    def test_bad_max_records(self, raw: Any) -> None:
        assert "must be an integer between 1 and 500" in err({"filter": [ALL], "maxRecords": raw})

    def test_max_records(self) -> None:
        assert q(ALL).max_records == 500
        assert q(ALL, maxRecords=1).max_records == 1
        assert q(ALL, MAXRECORDS="500").max_records == 500
        assert q(ALL, maxRecords=None).max_records == 500
        small = QueryLimits(max_page_size=50)
        assert q(ALL, limits=small).max_records == 50
        assert "between 1 and 50" in err({"filter": [ALL], "maxRecords": 51}, limits=small)

    @pytest.mark.parametrize("good", [True, False, "true", "False", "TRUE"])
    def test_boolean_literals_accepted(self, good: Any) -> None:
        (cond,) = q({"op": "eq", "field": "active", "value": good}).filter.items
        assert cond.value is (str(good).lower() == "true")  # type: ignore[union-attr]

    @pytest.mark.parametrize("bad", [1, 0, "yes", "1", "", None])
    def test_boolean_literal_rule(self, bad: Any) -> None:
        message = err({"filter": [{"op": "eq", "field": "active", "value": bad}]})
        assert "true or false" in message or "requires a value" in message

    def test_value_errors(self) -> None:
        assert err({"filter": [{"op": "eq", "field": "quantity", "value": "x"}]}) == (
            'Invalid value "x" for field quantity: expected an integer.'
        )
        assert "requires a value" in err({"filter": [{"op": "gt", "field": "name", "value": None}]})
        assert "requires a value" in err({"filter": [{"op": "contains", "field": "name"}]})
        assert "non-empty array" in err({"filter": [{"op": "in", "field": "quantity", "value": []}]})
        assert "non-empty array" in err({"filter": [{"op": "notIn", "field": "quantity", "value": 3}]})
        assert "single value" in err({"filter": [{"op": "eq", "field": "quantity", "value": [3]}]})
        assert "expected an integer" in err(
            {"filter": [{"op": "in", "field": "quantity", "value": [1, None]}]}
        )

    def test_exist_takes_no_value(self) -> None:
        (cond,) = q({"op": "exist", "field": "quantity", "value": "ignored"}).filter.items
        assert cond.value is None  # type: ignore[union-attr]

    def test_udf_filters(self) -> None:
        (cond,) = q({"op": "eq", "field": "number of EMPLOYEES", "value": "12", "udf": True}).filter.items
        assert isinstance(cond, Condition)
        assert (cond.field, cond.udf, cond.value, cond.field_key) == (
            "Number of Employees", True, 12, ("udf", "Number of Employees"),
        )  # fmt: skip
        assert evaluate(cond, {"id": 1, "userDefinedFields": {"Number of Employees": 12}})
        assert not evaluate(cond, {"id": 1, "userDefinedFields": {}})
        assert not evaluate(cond, {"id": 1})
        assert err({"filter": [{"op": "eq", "field": "Colour", "value": "x", "udf": "true"}]}) == (
            "Unable to find user-defined field Colour in the Widget Entity"
        )
        two = {
            "filter": [
                {"op": "exist", "field": "Region", "udf": True},
                {"op": "exist", "field": "Region", "udf": True},
            ]
        }
        assert err(two) == "Only one UDF filter is allowed per query."
        assert len(parse_query(two, WIDGET, UDFS, limits=QueryLimits(max_udf_filters=2)).filter.items) == 2
        assert "true or false" in err({"filter": [{"op": "exist", "field": "Region", "udf": 1}]})

    def test_condition_limit_counts_leaves(self) -> None:
        leaves = [{"op": "eq", "field": "id", "value": i} for i in range(4)]
        body = {"filter": [{"op": "or", "items": leaves}]}
        assert len(parse_query(body, WIDGET, UDFS, limits=QueryLimits(max_conditions=4)).filter.items) == 1
        assert "too many filter conditions" in err(body, limits=QueryLimits(max_conditions=3))
        assert "at most 500" in err({"filter": [{"op": "or", "items": [ALL] * 501}]})

    def test_depth_limit(self) -> None:
        node: dict[str, Any] = ALL
        for _ in range(70):
            node = {"op": "and", "items": [node]}
        assert "nested too deeply" in err({"filter": [node]})

    def test_include_fields_projection(self) -> None:
        table = Table("Widgets")
        table.insert({"id": 1, "name": "A", "city": "X", "quantity": 2, "userDefinedFields": {"Region": "N"}})
        query = q(ALL, includeFields=["CITY", "Id", "name", "city"])
        assert query.include_fields == ("id", "name", "city")
        (item,) = execute(table, query).items
        assert item == {"id": 1, "name": "A", "city": "X", "userDefinedFields": {"Region": "N"}}
        item["userDefinedFields"]["Region"] = "changed"
        assert table.get(1)["userDefinedFields"] == {"Region": "N"}  # type: ignore[index]
        full = execute(table, q(ALL)).items[0]
        assert full["quantity"] == 2 and full is not table.get(1)

    def test_projection_without_udfs(self) -> None:
        table = Table("Plains")
        table.insert({"id": 3})
        query = parse_query({"filter": [ALL], "includeFields": ["id"]}, PLAIN, {})
        assert execute(table, query).items == [{"id": 3}]
        assert "Unable to find user-defined field x in the Plain Entity" == err(
            {"filter": [{"op": "exist", "field": "x", "udf": True}]}, entity=PLAIN
        )


# ----------------------------------------------------------------------------------------------
# semantics
# ----------------------------------------------------------------------------------------------


def matches(record: dict[str, Any], *items: Any, limits: QueryLimits | None = None) -> bool:
    return evaluate(q(*items, limits=limits).filter, record)


class TestSemantics:
    @pytest.mark.parametrize(
        ("op", "value"),
        [
            ("eq", 1), ("noteq", 1), ("gt", 1), ("gte", 1), ("lt", 1), ("lte", 1), ("in", [1]), ("notIn", [1]),
            ("beginsWith", "1"), ("endsWith", "1"), ("contains", "1"), ("exist", None),
        ],
    )  # fmt: skip
    def test_null_never_matches(self, op: str, value: Any) -> None:
        assert not matches({"id": 1, "quantity": None}, {"op": op, "field": "quantity", "value": value})
        assert not matches({"id": 1}, {"op": op, "field": "quantity", "value": value})

    def test_not_exist(self) -> None:
        assert matches({"id": 1}, {"op": "notExist", "field": "city"})
        assert matches({"id": 1, "city": ""}, {"op": "notExist", "field": "city"})
        assert not matches({"id": 1, "city": ""}, {"op": "exist", "field": "city"})
        keep_empty = QueryLimits(empty_string_is_null=False)
        assert matches({"id": 1, "city": ""}, {"op": "exist", "field": "city"}, limits=keep_empty)
        assert matches({"id": 1, "quantity": 0}, {"op": "exist", "field": "quantity"})

    def test_noteq(self) -> None:
        assert matches({"id": 1, "quantity": 2}, {"op": "noteq", "field": "quantity", "value": 1})
        assert not matches({"id": 1, "quantity": 1}, {"op": "noteq", "field": "quantity", "value": "1"})

    def test_strings_are_case_insensitive_by_default(self) -> None:
        rec = {"id": 1, "name": "Acme Widgets"}
        assert matches(rec, {"op": "eq", "field": "name", "value": "ACME widgets"})
        assert matches(rec, {"op": "in", "field": "name", "value": ["x", "acme WIDGETS"]})
        assert matches(rec, {"op": "beginsWith", "field": "name", "value": "acme"})
        assert matches(rec, {"op": "endsWith", "field": "name", "value": "GETS"})
        assert matches(rec, {"op": "contains", "field": "name", "value": "E W"})
        assert matches(rec, {"op": "gt", "field": "name", "value": "ABC"})
        assert not matches(rec, {"op": "noteq", "field": "name", "value": "acme widgets"})
        cs = QueryLimits(case_insensitive_strings=False)
        assert not matches(rec, {"op": "eq", "field": "name", "value": "ACME widgets"}, limits=cs)
        assert matches(rec, {"op": "contains", "field": "name", "value": "e W"}, limits=cs)

    def test_text_ops_on_non_strings_use_text_form(self) -> None:
        rec = {"id": 1, "quantity": 1234, "active": True, "ratio": 2.0, "createDate": dt(2024, 5, 1, 13, 45)}
        assert matches(rec, {"op": "contains", "field": "quantity", "value": 23})
        assert matches(rec, {"op": "beginsWith", "field": "active", "value": "TR"})
        assert matches(rec, {"op": "endsWith", "field": "ratio", "value": "2"})
        assert matches(rec, {"op": "beginsWith", "field": "createDate", "value": "2024-05-01T13"})
        assert not matches(rec, {"op": "contains", "field": "quantity", "value": "%"})  # literal, not LIKE

    def test_datetimes_compare_as_instants(self) -> None:
        rec = {"id": 1, "createDate": dt(2024, 5, 1, 13, 45)}
        assert matches(rec, {"op": "eq", "field": "createDate", "value": "2024-05-01T15:45:00+02:00"})
        assert matches(rec, {"op": "gt", "field": "createDate", "value": "2024-05-01"})
        assert matches(rec, {"op": "lt", "field": "createDate", "value": "2024-05-01T13:45:00.001Z"})
        assert not matches(rec, {"op": "gte", "field": "createDate", "value": "2024-05-02"})

    def test_integer_flag_accepts_booleans(self) -> None:
        assert matches({"id": 1, "isActive": 1}, {"op": "eq", "field": "isActive", "value": True})
        # ...but only JSON booleans: the strings "true"/"false" are not integers
        assert "expected an integer" in err({"filter": [{"op": "eq", "field": "isActive", "value": "false"}]})
        assert matches({"id": 1, "isActive": 0}, {"op": "eq", "field": "isActive", "value": False})

    def test_wrong_stored_type_never_matches(self) -> None:
        assert not matches({"id": 1, "quantity": "7"}, {"op": "gt", "field": "quantity", "value": 1})


# ----------------------------------------------------------------------------------------------
# the key property: paged, index-using execution == naive evaluation
# ----------------------------------------------------------------------------------------------

STRINGS = ["abc", "ABC", "Abd", "abd ", "", "xyz", "Straße", "STRASSE", "12", "a%c"]
DATES = [dt(2024, 1, 1), dt(2024, 1, 1, 0, 0, 0, 500), dt(2024, 6, 30, 23, 59), dt(2023, 12, 31, 12)]
TEXT_VALUES = ["a", "B", "c", "1", "2", "", "ss", "ß", "2024-01", "00Z", "tr", "%"]

# Small pools so records collide with each other and with filter values (same string in other cases,
# 2 vs 2.0 in a double column, equal instants).  Records may also lack a field, or hold None.
FIELD_POOLS: dict[str, list[Any]] = {
    "name": STRINGS,
    "city": STRINGS,
    "quantity": [-2, -1, 0, 1, 2, 3],
    "ratio": [-1.5, 0.0, 0.5, 2.0, 2, 3],
    "active": [True, False],
    "isActive": [0, 1],
    "createDate": DATES,
}
UDF_POOLS: dict[str, list[Any]] = {"Region": STRINGS, "Number of Employees": [0, 1, 2, 3]}
ID_POOL = list(range(0, 61))


def random_record(rng: random.Random, record_id: int) -> dict[str, Any]:
    """Records come from a seeded RNG rather than per-field hypothesis draws: generating 40 records a
    field at a time dominated the test's run time, while the filters (drawn below) are what needs shrinking."""
    record: dict[str, Any] = {"id": record_id}
    for name, pool in FIELD_POOLS.items():
        roll = rng.random()
        if roll < 0.1:
            continue  # field absent
        record[name] = None if roll < 0.25 else rng.choice(pool)
    if rng.random() < 0.8:
        record["userDefinedFields"] = {
            name: (None if rng.random() < 0.2 else rng.choice(pool))
            for name, pool in UDF_POOLS.items()
            if rng.random() < 0.7
        }
    return record


def _plain_json(value: Any) -> Any:
    return serialize(value, "datetime") if isinstance(value, datetime) else value


def _json_form(draw: st.DrawFn, value: Any) -> Any:
    """Send a value the way clients do: sometimes typed JSON, sometimes as a string."""
    if not draw(st.booleans()):
        return _plain_json(value)
    if isinstance(value, bool):
        return draw(st.sampled_from(["true", "TRUE", "True"] if value else ["false", "FALSE", "False"]))
    if isinstance(value, datetime):
        return draw(
            st.sampled_from([value.isoformat(), serialize(value, "datetime"), value.date().isoformat()])
        )
    return str(value)


# All 13 operators, with eq/in (the index-driven ones) and id ranges (the id-order-driven ones) over-weighted.
BIASED_OPS = (*COMPARISON_OPS, "eq", "eq", "in", "in", "lt", "gte")


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    is_udf = draw(st.integers(0, 4)) == 0
    if is_udf:
        field = draw(st.sampled_from(sorted(UDF_POOLS)))
        pool = UDF_POOLS[field]
    else:
        field = draw(st.sampled_from(["id", "id", *FIELD_POOLS]))
        pool = ID_POOL if field == "id" else FIELD_POOLS[field]
    op = draw(st.sampled_from(BIASED_OPS))
    item: dict[str, Any] = {"op": draw(st.sampled_from([op, op.upper()])), "field": field}
    if is_udf:
        item["udf"] = True
    if draw(st.integers(0, 3)) == 0:
        item["field"] = field.upper()
    if op in ("in", "notIn"):
        item["value"] = [
            _json_form(draw, v) for v in draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        ]
    elif op in ("beginsWith", "endsWith", "contains"):
        item["value"] = draw(st.sampled_from(TEXT_VALUES))
    elif op not in ("exist", "notExist"):
        item["value"] = _json_form(draw, draw(st.sampled_from(pool)))
    return item


filters = st.recursive(
    leaves(),
    lambda children: st.builds(
        lambda op, items: {"op": op, "items": items},
        st.sampled_from(["and", "or", "AND", "Or"]),
        st.lists(children, min_size=1, max_size=3),
    ),
    max_leaves=6,
)

# Extra top-level conditions of the kinds the planner turns into candidate sources: id bounds and id sets
# (client paging filters such as "id gt <last id>" look exactly like this) and eq/in on any field (table
# indexes).  Without them, a source-choosing conjunct is rare in the random filters above.
_INDEXABLE = [("udf", name, pool) for name, pool in UDF_POOLS.items()] + [
    ("field", name, pool) for name, pool in FIELD_POOLS.items()
]


def _eq_or_in(spec: tuple[str, str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    kind, name, pool = spec
    return st.builds(
        lambda op, values: {
            "op": op,
            "field": name,
            "udf": kind == "udf",
            "value": values if op == "in" else values[0],
        },
        st.sampled_from(["eq", "in"]),
        st.lists(st.sampled_from([_plain_json(v) for v in pool]), min_size=1, max_size=3),
    )


planner_condition = (
    st.builds(
        lambda op, value: {"op": op, "field": "id", "value": value},
        st.sampled_from(["gt", "gte", "lt", "lte", "eq"]),
        st.sampled_from(ID_POOL),
    )
    | st.builds(
        lambda values: {"op": "in", "field": "id", "value": values},
        st.lists(st.sampled_from(ID_POOL), min_size=1, max_size=8),
    )
    | st.sampled_from(_INDEXABLE).flatmap(_eq_or_in)
)

PROPERTY_LIMITS = [
    QueryLimits(max_udf_filters=100),
    QueryLimits(max_udf_filters=100, case_insensitive_strings=False),
]


def _page_through(table: Table, query: Any, page_sizes: list[int]) -> list[int]:
    ids: list[int] = []
    after: int | None = None
    for turn in range(10_000):
        size = page_sizes[turn % len(page_sizes)]
        page = execute(table, query, after_id=after, page_size=size)
        assert len(page.items) == size if page.has_more else len(page.items) <= size
        page_ids = [item["id"] for item in page.items]
        ids.extend(page_ids)
        if not page.has_more:
            return ids
        assert page.last_id == page_ids[-1]
        after = page.last_id
    raise AssertionError("paging did not terminate")


def _check(table: Table, query: Any, page_sizes: list[int]) -> None:
    expected = [i for i in sorted(table.ids_from()) if evaluate(query.filter, table.get(i))]  # type: ignore[arg-type]
    assert _page_through(table, query, page_sizes) == expected
    assert count(table, query) == len(expected)
    default_page = execute(table, query)
    assert [item["id"] for item in default_page.items] == expected[: query.max_records]
    assert default_page.has_more == (len(expected) > query.max_records)


def _mutate(table: Table, rng: random.Random, steps: int) -> None:
    """Random inserts (new maximum ids and free ids below it), updates and deletes."""
    for _ in range(steps):
        existing = list(table.ids_from())
        kind = rng.choice(["insert", "update", "update", "delete"]) if existing else "insert"
        if kind == "insert":
            free = [i for i in ID_POOL[1:] if i not in table]
            record_id = rng.choice(free) if free and rng.random() < 0.5 else (table.max_id or 0) + 1
            table.insert(random_record(rng, record_id))
        elif kind == "update":
            record_id = rng.choice(existing)
            table.replace(record_id, random_record(rng, record_id))
        else:
            table.delete(rng.choice(existing))


# No max_examples: the count comes from the hypothesis profile (tests/conftest.py: dev 50, ci 30, deep 1000).
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 40) | st.sampled_from([25, 40]),  # hypothesis favours small integers; lift some
    top=st.lists(leaves(), min_size=1, max_size=2) | st.lists(filters, min_size=1, max_size=3),
    hints=st.lists(planner_condition, max_size=2),
    page_sizes=st.lists(st.integers(1, 7), min_size=1, max_size=3),
    max_records=st.integers(1, 10),
    mutations=st.integers(0, 30) | st.sampled_from([15, 30]),
    limits=st.sampled_from(PROPERTY_LIMITS),
    pre_indexed=st.lists(st.sampled_from([*FIELD_POOLS, ("udf", "Region")]), max_size=2),
)
def test_execute_pages_match_naive_evaluation(
    seed: int,
    size: int,
    top: list[dict[str, Any]],
    hints: list[dict[str, Any]],
    page_sizes: list[int],
    max_records: int,
    mutations: int,
    limits: QueryLimits,
    pre_indexed: list[Any],
) -> None:
    """Paging through execute() (index-driven candidates) returns exactly the naive evaluate() result, in
    ascending id, and count() agrees -- before and after writes that must keep the indexes in step."""
    rng = random.Random(seed)
    table = Table("Widgets", indexed_fields=pre_indexed)
    for record_id in rng.sample(ID_POOL[1:], size):  # out of order: exercises insort
        table.insert(random_record(rng, record_id))
    query = parse_query({"filter": top + hints, "maxRecords": max_records}, WIDGET, UDFS, limits=limits)

    _check(table, query, page_sizes)  # also builds an index, lazily, for every eq/in field
    _mutate(table, rng, mutations)
    _check(table, query, page_sizes)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 40) | st.just(40),
    conditions=st.lists(planner_condition, min_size=1, max_size=3),
    page_size=st.integers(1, 5),
    mutations=st.integers(0, 30) | st.just(30),
)
def test_index_driven_conjunctions_stay_exact_across_writes(
    seed: int, size: int, conditions: list[dict[str, Any]], page_size: int, mutations: int
) -> None:
    """Only planner-relevant conditions (id bounds/sets, eq/in): nearly every example reads candidates
    from an index or id set, so stale index entries after replace/delete would show up as wrong pages."""
    rng = random.Random(seed)
    table = Table("Widgets")
    for record_id in rng.sample(ID_POOL[1:], size):
        table.insert(random_record(rng, record_id))
    query = parse_query({"filter": conditions}, WIDGET, UDFS, limits=PROPERTY_LIMITS[0])
    _check(table, query, [page_size])
    for _ in range(3):
        _mutate(table, rng, mutations // 3 + 1)
        _check(table, query, [page_size])
