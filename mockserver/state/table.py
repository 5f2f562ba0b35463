"""One entity's records for one tenant, with an id order and lazy secondary indexes.

Why this shape: the mock must page through 100,000-record tenants the way Autotask does (ascending id,
``id > last id of previous page``) and answer ``eq``/``in`` filters without scanning.  So a table keeps

* ``id -> record`` (the records themselves; no copies),
* a sorted list of ids (ids are normally allocated increasing, so inserts are appends; deletes are rare
  and cost one ``bisect`` plus a C-level ``memmove``),
* per-field secondary indexes ``normalised value -> id | sorted id list``, created the first time a
  field is used in an ``eq``/``in`` (or declared up front) and maintained on every write.  Storing a bare
  ``int`` for a value held by a single record keeps a unique-ish field's index at one dict slot per record
  instead of one container per record; sorted id lists let a filtered page start at ``after_id`` with a
  ``bisect`` instead of materialising and sorting the whole match set.

Index keys come from :func:`mockserver.state.values.normalize_key` with case-insensitive strings, always:
a case-sensitive query then gets a superset of candidates, which the query's full predicate narrows.

**Thread safety.**  The owner (the tenant state) must hold its tenant lock around every call, including
while consuming the iterators returned here: exclusively for writes (insert/replace/delete), at least
shared for reads.  Several readers may run at once, so the lazy index builds are the one mutation a
reader makes: an index is built aside (one builder per table at a time) and published with a single
dict assignment.

**The GIL.**  A scan or index build is pure Python; left alone it gives the interpreter to another
thread only when that thread has waited a whole switch interval (5 ms), and a request needs the GIL
several times (read, handle, write), so a GET by id crawled while another client scanned.  Long loops
(index builds here, scans in mockserver.state.query) therefore call :func:`pause` every
:data:`YIELD_EVERY` records: a real sleep of :data:`PAUSE_S` (``sleep(0)`` hands nothing over: the
releasing thread takes the GIL back before a waiter wakes up).  That adds at most ~10 % to a 100k-record
scan (about 200 pauses of 50-110 µs) when other threads exist, and nothing in a single-threaded process;
GET by id then keeps most of its idle throughput during scans (bench/bench_shared.py).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Hashable, Iterable, Iterator, Mapping
from heapq import merge
from typing import Any

from mockserver.state.values import normalize_key

__all__ = ["YIELD_EVERY", "FieldKey", "Record", "Table", "pause", "record_value", "udf_key"]

# Records a long loop handles between two GIL hand-overs, and how long it sleeps then (module docstring;
# measured with bench/bench_shared.py: about 1 ms of work between pauses at 100k records).
YIELD_EVERY = 512
PAUSE_S = 0.00005


def pause() -> None:
    """Let other threads run: a short real sleep, so a thread waiting for the GIL gets it now."""
    if threading.active_count() > 1:
        time.sleep(PAUSE_S)

# A standard field is keyed by its canonical camelCase name; a user-defined field by ("udf", name).
FieldKey = str | tuple[str, str]
Record = dict[str, Any]

UDF_KEY = "userDefinedFields"


def udf_key(name: str) -> tuple[str, str]:
    """The :data:`FieldKey` of a user-defined field."""
    return ("udf", name)


def record_value(record: Mapping[str, Any], field_key: FieldKey) -> Any:
    """A record's value for a field key (``None`` when absent), reading UDFs from ``userDefinedFields``."""
    if isinstance(field_key, tuple):
        udfs = record.get(UDF_KEY)
        return udfs.get(field_key[1]) if udfs else None
    return record.get(field_key)


_MIN_ID = -(2**63)
_MAX_ID = 2**63


def _range_value(value: Any) -> Any:
    """The value a range index orders by: datetimes and numbers only (never bools, strings or NaN)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and value == value:
        return value
    from datetime import datetime

    return value if isinstance(value, datetime) else None


def _range_remove(entries: list[tuple[Any, int]], value: Any, record_id: int) -> None:
    pos = bisect_left(entries, (value, record_id))
    if pos < len(entries) and entries[pos] == (value, record_id):
        del entries[pos]


def _index_key(value: Any) -> Hashable | None:
    """Key a record value is indexed under; ``None`` for values no eq/in can match (null, NaN, unhashable)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    key = normalize_key(value, True)
    try:
        hash(key)
    except TypeError:
        return None
    return key


# An index maps a key to a single id or to a sorted list of at least two ids.
_Index = dict[Hashable, "int | list[int]"]


def _index_add(index: _Index, key: Hashable, record_id: int) -> None:
    entry = index.get(key)
    if entry is None:
        index[key] = record_id
    elif isinstance(entry, int):
        index[key] = [entry, record_id] if entry < record_id else [record_id, entry]
    elif record_id > entry[-1]:
        entry.append(record_id)
    else:
        insort(entry, record_id)


def _index_remove(index: _Index, key: Hashable, record_id: int) -> None:
    entry = index.get(key)
    if entry is None:
        return
    if isinstance(entry, int):
        if entry == record_id:
            del index[key]
        return
    pos = bisect_left(entry, record_id)
    if pos < len(entry) and entry[pos] == record_id:
        del entry[pos]
        if len(entry) == 1:
            index[key] = entry[0]


def _tail(ids: list[int], start: int, stop: int | None = None) -> Iterator[int]:
    """Lazily yield ``ids[start:stop]`` without copying the slice (a page reads only what it needs)."""
    for i in range(start, len(ids) if stop is None else stop):
        yield ids[i]


class Table:
    """Records of one entity for one tenant (see the module docstring; not thread-safe)."""

    __slots__ = ("name", "_records", "_ids", "_indexes", "_ranges", "_build_lock")

    def __init__(self, name: str = "", *, indexed_fields: Iterable[FieldKey] = ()) -> None:
        self.name = name
        self._records: dict[int, Record] = {}
        self._ids: list[int] = []
        self._indexes: dict[FieldKey, _Index] = {}
        # Range indexes: field -> sorted [(value, id)] for datetime/numeric fields used with gt/gte/lt/lte
        # (incremental syncs ask "lastActivityDate gt X" over 100k records).
        self._ranges: dict[FieldKey, list[tuple[Any, int]]] = {}
        self._build_lock = threading.Lock()  # one lazy index build at a time (readers run concurrently)
        for field_key in indexed_fields:
            self.ensure_index(field_key)

    # -- pickling (snapshots of built tenants): everything but the build lock, which starts fresh ------

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__ if name != "_build_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._build_lock = threading.Lock()

    # -- records -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    def get(self, record_id: int) -> Record | None:
        """The stored record (not a copy: change it only through :meth:`replace`)."""
        return self._records.get(record_id)

    @property
    def max_id(self) -> int | None:
        return self._ids[-1] if self._ids else None

    def insert(self, record: Record) -> None:
        """Add a record, taking ownership of the dict (it must not be mutated afterwards)."""
        record_id = record.get("id")
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            raise ValueError(f"{self.name or 'table'}: record id must be an int, got {record_id!r}")
        if record_id in self._records:
            raise ValueError(f"{self.name or 'table'}: duplicate id {record_id}")
        self._records[record_id] = record
        if not self._ids or record_id > self._ids[-1]:
            self._ids.append(record_id)
        else:
            insort(self._ids, record_id)
        for field_key, index in self._indexes.items():
            key = _index_key(record_value(record, field_key))
            if key is not None:
                _index_add(index, key, record_id)
        for field_key, entries in self._ranges.items():
            value = _range_value(record_value(record, field_key))
            if value is not None:
                insort(entries, (value, record_id))

    def replace(self, record_id: int, record: Record) -> Record:
        """Swap in a new version of a record, re-indexing only the indexed fields whose value changed.

        Returns the previous version.  The new dict must carry the same id and becomes table-owned.
        """
        old = self._records.get(record_id)
        if old is None:
            raise KeyError(record_id)
        if record.get("id") != record_id:
            raise ValueError(
                f"{self.name or 'table'}: replacement for id {record_id} has id {record.get('id')!r}"
            )
        for field_key, index in self._indexes.items():
            old_key = _index_key(record_value(old, field_key))
            new_key = _index_key(record_value(record, field_key))
            if old_key == new_key:  # equal keys share one dict slot (5 == 5.0, "A" -> "a")
                continue
            if old_key is not None:
                _index_remove(index, old_key, record_id)
            if new_key is not None:
                _index_add(index, new_key, record_id)
        for field_key, entries in self._ranges.items():
            old_value = _range_value(record_value(old, field_key))
            new_value = _range_value(record_value(record, field_key))
            if old_value == new_value and type(old_value) is type(new_value):
                continue
            if old_value is not None:
                _range_remove(entries, old_value, record_id)
            if new_value is not None:
                insort(entries, (new_value, record_id))
        self._records[record_id] = record
        return old

    def delete(self, record_id: int) -> Record:
        """Remove a record and return it; ``KeyError`` if absent."""
        record = self._records.pop(record_id)
        pos = bisect_left(self._ids, record_id)
        del self._ids[pos]
        for field_key, index in self._indexes.items():
            key = _index_key(record_value(record, field_key))
            if key is not None:
                _index_remove(index, key, record_id)
        for field_key, entries in self._ranges.items():
            value = _range_value(record_value(record, field_key))
            if value is not None:
                _range_remove(entries, value, record_id)
        return record

    # -- range indexes -------------------------------------------------------------------------

    def ensure_range_index(self, field_key: FieldKey) -> None:
        if field_key in self._ranges:
            return
        with self._build_lock:
            if field_key in self._ranges:  # another reader built it meanwhile
                return
            entries = []
            for n, record_id in enumerate(self._ids):
                value = _range_value(record_value(self._records[record_id], field_key))
                if value is not None:
                    entries.append((value, record_id))
                if n % YIELD_EVERY == YIELD_EVERY - 1:
                    pause()
            entries.sort()  # one C call: it cannot pause, but ids in creation order make it near-linear
            self._ranges[field_key] = entries  # published whole

    def range_slice(self, field_key: FieldKey, op: str, bound: Any) -> tuple[int, int]:
        """Positions [lo, hi) of the entries satisfying ``value <op> bound`` (builds the index lazily)."""
        self.ensure_range_index(field_key)
        entries = self._ranges[field_key]
        if op == "gt":
            return bisect_right(entries, (bound, _MAX_ID)), len(entries)
        if op == "gte":
            return bisect_left(entries, (bound, _MIN_ID)), len(entries)
        if op == "lt":
            return 0, bisect_left(entries, (bound, _MIN_ID))
        return 0, bisect_right(entries, (bound, _MAX_ID))  # lte

    def range_ids(self, field_key: FieldKey, lo: int, hi: int) -> list[int]:
        return [record_id for _value, record_id in self._ranges[field_key][lo:hi]]

    # -- id order ------------------------------------------------------------------------------

    def _bounds(self, after_id: int | None, upto_id: int | None) -> tuple[int, int]:
        start = 0 if after_id is None else bisect_right(self._ids, after_id)
        stop = len(self._ids) if upto_id is None else bisect_right(self._ids, upto_id)
        return start, stop

    def ids_from(self, after_id: int | None = None, upto_id: int | None = None) -> Iterator[int]:
        """Ids ``> after_id`` and ``<= upto_id`` (``None``: unbounded), ascending, lazily.

        Starting costs one bisect, so reading one page deep into a large table is O(page).
        """
        start, stop = self._bounds(after_id, upto_id)
        return _tail(self._ids, start, stop)

    def count_between(self, after_id: int | None = None, upto_id: int | None = None) -> int:
        """How many ids :meth:`ids_from` would yield, in O(log n)."""
        start, stop = self._bounds(after_id, upto_id)
        return max(0, stop - start)

    # -- secondary indexes ---------------------------------------------------------------------

    @property
    def indexed_fields(self) -> frozenset[FieldKey]:
        return frozenset(self._indexes)

    def has_index(self, field_key: FieldKey) -> bool:
        return field_key in self._indexes

    def ensure_index(self, field_key: FieldKey) -> None:
        """Build the index for ``field_key`` if it does not exist yet (one pass over the records)."""
        if field_key in self._indexes:
            return
        with self._build_lock:
            if field_key in self._indexes:  # another reader built it meanwhile
                return
            index: _Index = {}
            for n, record_id in enumerate(self._ids):  # ascending, so every list is built by appends
                key = _index_key(record_value(self._records[record_id], field_key))
                if key is not None:
                    _index_add(index, key, record_id)
                if n % YIELD_EVERY == YIELD_EVERY - 1:
                    pause()
            self._indexes[field_key] = index  # published whole: readers see no index or a complete one

    def _entries(self, field_key: FieldKey, value_keys: Iterable[Hashable]) -> list[int | list[int]]:
        self.ensure_index(field_key)
        index = self._indexes[field_key]
        found = []
        for key in set(value_keys):
            entry = index.get(key)
            if entry is not None:
                found.append(entry)
        return found

    def index_lookup(self, field_key: FieldKey, value_keys: Iterable[Hashable]) -> set[int]:
        """Ids whose normalised value of ``field_key`` is one of ``value_keys`` (normalised keys)."""
        result: set[int] = set()
        for entry in self._entries(field_key, value_keys):
            if isinstance(entry, int):
                result.add(entry)
            else:
                result.update(entry)
        return result

    def index_count(self, field_key: FieldKey, value_keys: Iterable[Hashable]) -> int:
        """``len(index_lookup(...))`` without building the set (lets the planner pick a source cheaply)."""
        return sum(
            1 if isinstance(entry, int) else len(entry) for entry in self._entries(field_key, value_keys)
        )

    def index_ids_from(
        self, field_key: FieldKey, value_keys: Iterable[Hashable], after_id: int | None = None
    ) -> Iterator[int]:
        """Ids matching ``value_keys`` that are ``> after_id``, ascending, lazily (one bisect per key)."""
        streams: list[Iterator[int]] = []
        for entry in self._entries(field_key, value_keys):
            if isinstance(entry, int):
                if after_id is None or entry > after_id:
                    streams.append(iter((entry,)))
            else:
                start = 0 if after_id is None else bisect_right(entry, after_id)
                streams.append(_tail(entry, start))
        if len(streams) == 1:
            return streams[0]
        return merge(*streams)
