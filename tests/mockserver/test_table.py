"""Table: id order, lazy secondary indexes and their maintenance, and index use at 100,000 records."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.catalog.model import EntitySpec, FieldSpec
from mockserver.state import query as query_module
from mockserver.state.query import count, execute, parse_query
from mockserver.state.table import Table, record_value, udf_key
from mockserver.state.values import normalize_key

ENTITY = EntitySpec(
    name="Things",
    model="Thing",
    fields={
        "id": FieldSpec("id", "long"),
        "name": FieldSpec("name", "string"),
        "code": FieldSpec("code", "string"),
        "quantity": FieldSpec("quantity", "integer"),
    },
    has_user_defined_fields=True,
)
UDFS = {"Region": "string"}


def make(*records: dict[str, Any], **kw: Any) -> Table:
    table = Table("Things", **kw)
    for record in records:
        table.insert(record)
    return table


class TestRecords:
    def test_insert_get_len_and_order(self) -> None:
        table = make({"id": 5}, {"id": 2}, {"id": 9}, {"id": 7})
        assert len(table) == 4 and 7 in table and 3 not in table
        assert list(table.ids_from()) == [2, 5, 7, 9]
        assert list(table.ids_from(5)) == [7, 9]
        assert list(table.ids_from(4, upto_id=7)) == [5, 7]
        assert list(table.ids_from(100)) == []
        assert table.count_between(2, 8) == 2 and table.count_between(8, 2) == 0
        assert table.get(5) == {"id": 5} and table.get(6) is None
        assert table.max_id == 9

    @pytest.mark.parametrize("bad", [{"id": "1"}, {"id": True}, {"name": "x"}])
    def test_insert_needs_int_id(self, bad: dict[str, Any]) -> None:
        with pytest.raises(ValueError):
            make(bad)

    def test_duplicate_id(self) -> None:
        with pytest.raises(ValueError, match="duplicate id 1"):
            make({"id": 1}, {"id": 1})

    def test_replace_and_delete(self) -> None:
        table = make({"id": 1, "name": "a"}, {"id": 2})
        old = table.replace(1, {"id": 1, "name": "b"})
        assert old == {"id": 1, "name": "a"} and table.get(1) == {"id": 1, "name": "b"}
        with pytest.raises(ValueError):
            table.replace(1, {"id": 2})
        with pytest.raises(KeyError):
            table.replace(3, {"id": 3})
        assert table.delete(1) == {"id": 1, "name": "b"}
        assert list(table.ids_from()) == [2] and len(table) == 1
        with pytest.raises(KeyError):
            table.delete(1)

    def test_record_value_reads_udfs(self) -> None:
        record = {"id": 1, "name": "x", "userDefinedFields": {"Region": "N"}}
        assert record_value(record, "name") == "x"
        assert record_value(record, udf_key("Region")) == "N"
        assert record_value({"id": 1}, udf_key("Region")) is None


class TestIndexes:
    def test_created_lazily_on_first_eq_or_in(self) -> None:
        table = make(*({"id": i, "name": f"n{i % 3}", "quantity": i} for i in range(1, 10)))
        assert table.indexed_fields == frozenset()
        execute(table, parse_query({"filter": [{"op": "gt", "field": "quantity", "value": 3}]}, ENTITY, UDFS))
        assert table.indexed_fields == frozenset()  # range/other ops do not index
        execute(table, parse_query({"filter": [{"op": "eq", "field": "NAME", "value": "N1"}]}, ENTITY, UDFS))
        assert table.indexed_fields == {"name"}
        execute(
            table, parse_query({"filter": [{"op": "in", "field": "quantity", "value": [1]}]}, ENTITY, UDFS)
        )
        assert table.indexed_fields == {"name", "quantity"}
        assert table.index_lookup("name", [normalize_key("N1")]) == {1, 4, 7}

    def test_predeclared(self) -> None:
        table = make({"id": 1, "name": "A"}, indexed_fields=["name", udf_key("Region")])
        assert table.has_index("name") and table.has_index(("udf", "Region"))

    def test_keys_are_case_insensitive(self) -> None:
        table = make({"id": 1, "name": "ABC"}, {"id": 2, "name": "abc"}, {"id": 3, "name": "abd"})
        assert table.index_lookup("name", [normalize_key("aBc")]) == {1, 2}
        assert table.index_count("name", [normalize_key("abc"), normalize_key("ABD")]) == 3

    def test_none_and_absent_values_are_not_indexed(self) -> None:
        table = make({"id": 1, "name": None}, {"id": 2}, {"id": 3, "name": "x"})
        table.ensure_index("name")
        assert table.index_lookup("name", [None]) == set()
        assert table.index_lookup("name", ["x"]) == {3}

    def test_maintained_on_insert_replace_delete(self) -> None:
        table = make({"id": 1, "name": "a", "quantity": 1}, {"id": 2, "name": "A", "quantity": 2})
        table.ensure_index("name")
        table.ensure_index("quantity")
        table.insert({"id": 3, "name": "b", "quantity": 1})
        assert table.index_lookup("name", ["a"]) == {1, 2}
        assert table.index_lookup("quantity", [1]) == {1, 3}

        table.replace(2, {"id": 2, "name": "b", "quantity": 2})
        assert table.index_lookup("name", ["a"]) == {1}
        assert table.index_lookup("name", ["b"]) == {2, 3}
        assert table.index_lookup("quantity", [2]) == {2}

        table.replace(1, {"id": 1, "quantity": 1.0})  # name removed; 1 -> 1.0 is the same key
        assert table.index_lookup("name", ["a"]) == set()
        assert table.index_lookup("quantity", [1]) == {1, 3}

        table.delete(3)
        assert table.index_lookup("name", ["b"]) == {2}
        assert table.index_lookup("quantity", [1]) == {1}
        table.delete(1)
        assert table.index_lookup("quantity", [1]) == set()

    def test_udf_index_maintained(self) -> None:
        table = make({"id": 1, "userDefinedFields": {"Region": "North"}}, {"id": 2})
        key = udf_key("Region")
        assert table.index_lookup(key, ["north"]) == {1}
        table.replace(2, {"id": 2, "userDefinedFields": {"Region": "NORTH"}})
        table.replace(1, {"id": 1, "userDefinedFields": {}})
        assert table.index_lookup(key, ["north"]) == {2}

    def test_index_ids_from_merges_keys_in_ascending_order(self) -> None:
        table = make(*({"id": i, "quantity": i % 4} for i in range(1, 30)))
        table.insert({"id": 0, "quantity": 9})  # a single-id entry next to multi-id entries
        ids = list(table.index_ids_from("quantity", [1, 3, 9], after_id=6))
        assert ids == [i for i in range(7, 30) if i % 4 in (1, 3)]
        assert list(table.index_ids_from("quantity", [9, 2])) == [0, *range(2, 30, 4)]
        assert list(table.index_ids_from("quantity", [42])) == []

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["insert", "replace", "delete"]),
                st.integers(1, 25),
                st.one_of(st.none(), st.sampled_from(["a", "A", "b", "c"])),
            ),
            max_size=60,
        )
    )
    def test_index_matches_model_under_random_writes(self, ops: list[tuple[str, int, str | None]]) -> None:
        table = Table("Things", indexed_fields=["name"])
        model: dict[int, str | None] = {}
        for kind, record_id, name in ops:
            record = {"id": record_id, "name": name}
            if kind == "insert" and record_id not in model:
                table.insert(record)
                model[record_id] = name
            elif kind == "replace" and record_id in model:
                table.replace(record_id, record)
                model[record_id] = name
            elif kind == "delete" and record_id in model:
                table.delete(record_id)
                del model[record_id]
        assert list(table.ids_from()) == sorted(model)
        for key in ("a", "b", "c"):
            expected = sorted(i for i, n in model.items() if n is not None and n.casefold() == key)
            assert table.index_lookup("name", [key]) == set(expected)
            assert list(table.index_ids_from("name", [key])) == expected
            assert table.index_count("name", [key]) == len(expected)


# ----------------------------------------------------------------------------------------------
# 100,000 records: the planner must use the id order and the indexes, not scan
# ----------------------------------------------------------------------------------------------

N = 100_000


@pytest.fixture(scope="module")
def big() -> Table:
    table = Table("Things")
    for i in range(1, N + 1):
        table.insert({"id": i, "name": f"Name{i % 1000}", "code": f"C{i}", "quantity": i % 7})
    return table


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls of the full predicate (one per candidate record examined)."""
    calls = [0]
    real = query_module.evaluate

    def counting(node: Any, record: Any) -> bool:
        calls[0] += 1
        return real(node, record)

    monkeypatch.setattr(query_module, "evaluate", counting)
    return calls


def parse(*items: dict[str, Any], **extra: Any) -> Any:
    return parse_query({"filter": list(items), **extra}, ENTITY, UDFS)


def test_eq_on_unique_field_does_not_scan(big: Table, evaluations: list[int]) -> None:
    page = execute(big, parse({"op": "eq", "field": "code", "value": "c54321"}))
    assert [item["id"] for item in page.items] == [54321] and not page.has_more
    assert evaluations[0] == 1


def test_eq_pages_through_index(big: Table, evaluations: list[int]) -> None:
    query = parse({"op": "eq", "field": "name", "value": "NAME7"}, maxRecords=10)
    first = execute(big, query)
    assert [item["id"] for item in first.items] == list(range(7, 10_000, 1000)) and first.has_more
    assert evaluations[0] <= 11
    evaluations[0] = 0
    deep = execute(big, query, after_id=90_000)
    assert [item["id"] for item in deep.items] == list(range(90_007, N, 1000)) and not deep.has_more
    assert evaluations[0] <= 10
    evaluations[0] = 0
    assert count(big, query) == 100
    assert evaluations[0] == 100


def test_in_with_id_range_uses_smallest_source(big: Table, evaluations: list[int]) -> None:
    query = parse(
        {"op": "in", "field": "name", "value": ["name1", "name2"]},
        {
            "op": "and",
            "items": [
                {"op": "gte", "field": "id", "value": 50_000},
                {"op": "lt", "field": "id", "value": 52_000},
            ],
        },
    )
    page = execute(big, query)
    assert [item["id"] for item in page.items] == [50_001, 50_002, 51_001, 51_002]
    assert evaluations[0] <= 200  # the 200-id index entry, not the 100k table nor the 2,000-id range


def test_id_in_uses_id_set(big: Table, evaluations: list[int]) -> None:
    page = execute(
        big,
        parse(
            {"op": "in", "field": "id", "value": [99_999, 3, 123_456]},
            {"op": "noteq", "field": "quantity", "value": 99},
        ),
    )
    assert [item["id"] for item in page.items] == [3, 99_999]
    assert evaluations[0] == 2


def test_unindexed_paging_costs_one_page(big: Table, evaluations: list[int]) -> None:
    query = parse({"op": "gte", "field": "id", "value": 0}, {"op": "noteq", "field": "quantity", "value": 99})
    page = execute(big, query, after_id=90_000)
    assert len(page.items) == 500 and page.items[0]["id"] == 90_001 and page.has_more
    assert evaluations[0] == 501
    assert big.indexed_fields <= {"name", "code"}  # noteq/gte never build an index


def test_count_of_id_range_does_not_evaluate(big: Table, evaluations: list[int]) -> None:
    assert count(big, parse({"op": "gte", "field": "id", "value": 0})) == N
    assert (
        count(
            big,
            parse(
                {"op": "gt", "field": "id", "value": 99_990}, {"op": "lte", "field": "id", "value": 99_995}
            ),
        )
        == 5
    )
    assert (
        count(big, parse({"op": "gt", "field": "id", "value": 10}, {"op": "lt", "field": "id", "value": 5}))
        == 0
    )
    assert evaluations[0] == 0


def test_updates_on_big_table_keep_index_in_step(big: Table) -> None:
    query = parse({"op": "eq", "field": "code", "value": "moved"})
    old = big.get(77_777)
    assert old is not None
    big.ensure_index("code")
    big.replace(77_777, {**old, "code": "MOVED"})
    try:
        assert [item["id"] for item in execute(big, query).items] == [77_777]
        assert execute(big, parse({"op": "eq", "field": "code", "value": "C77777"})).items == []
    finally:
        big.replace(77_777, old)
    assert execute(big, query).items == []


def test_range_filter_on_a_datetime_uses_the_range_index_not_a_scan():
    """An incremental sync's ``lastActivityDate gt X`` over 100,000 records examines only the matches."""
    from datetime import UTC, datetime, timedelta

    from mockserver.catalog.model import EntitySpec, FieldSpec
    from mockserver.state import query as q
    from mockserver.state.table import Table

    spec = EntitySpec("Things", "Thing", {"id": FieldSpec("id", "long"), "lastActivityDate": FieldSpec("lastActivityDate", "datetime")})
    table = Table("Things")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(1, 100_001):
        table.insert({"id": i, "lastActivityDate": start + timedelta(minutes=i)})
    cutoff = start + timedelta(minutes=99_000)
    query = q.parse_query({"filter": [{"op": "gt", "field": "lastActivityDate", "value": cutoff.isoformat()}]}, spec, {})
    calls = 0
    real = q.evaluate

    def counting(node, record):
        nonlocal calls
        calls += 1
        return real(node, record)

    q.evaluate = counting
    try:
        page = q.execute(table, query, page_size=500)
    finally:
        q.evaluate = real
    assert page.items[0]["id"] == 99_001 and page.has_more
    assert calls <= 501
    table.replace(5, {"id": 5, "lastActivityDate": cutoff + timedelta(days=1)})
    assert q.count(table, query) == 1001


def test_a_table_pickles_without_its_build_lock_and_keeps_working():
    """Snapshots pickle built tables; the lock that serialises lazy index builds is recreated."""
    import pickle

    table = Table("T")
    for i in range(1, 6):
        table.insert({"id": i, "name": "x" if i % 2 else "y"})
    table.ensure_index("name")
    copy = pickle.loads(pickle.dumps(table))
    assert copy.index_lookup("name", {"x"}) == {1, 3, 5}
    copy.ensure_index("other")  # the fresh build lock works
    copy.insert({"id": 9, "name": "x"})
    assert copy.index_lookup("name", {"x"}) == {1, 3, 5, 9}
    assert table.index_lookup("name", {"x"}) == {1, 3, 5}
