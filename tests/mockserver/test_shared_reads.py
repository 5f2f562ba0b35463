"""Reads never wait for other reads (issue 15, part 2; mockserver.state.rwlock).

A scan is held mid-way on an Event (its record predicate blocks), and the test checks what completes
meanwhile: GET by id and other scans do; a write waits for the scan and the scan does not see it (the
scan reads one consistent state, the write stays atomic). The same for the first build of an index.
"""

from __future__ import annotations

import threading

import pytest
import requests

from mockserver.app import get_context
from mockserver.state import query as query_module
from mockserver.state import table as table_module
from mockserver.state.rwlock import ReadWriteLock
from tests.mockserver.conftest import BASIC_HEADERS, make_app
from tests.mockserver.test_faults import live

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
CONTAINS = {"filter": [{"op": "contains", "field": "companyName", "value": "a"}]}


class Gate:
    """Blocks the first thread that reaches ``hold`` (only that one) until ``release``."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.owner: int | None = None
        self.armed = True
        self._lock = threading.Lock()

    def hold(self) -> None:
        if not self.armed:
            return
        me = threading.get_ident()
        with self._lock:
            if self.owner is None:
                self.owner = me
        if self.owner == me and not self.release.is_set():
            self.entered.set()
            self.release.wait(30)


@pytest.fixture
def held_scan(monkeypatch):
    gate = Gate()
    original = query_module.evaluate

    def evaluate(node, record):
        gate.hold()
        return original(node, record)

    monkeypatch.setattr(query_module, "evaluate", evaluate)
    return gate


def session() -> requests.Session:
    s = requests.Session()
    s.headers.update(BASIC_HEADERS)
    return s


def test_get_by_id_and_other_scans_complete_while_a_scan_is_in_progress(held_scan):
    app = make_app(thread_limit=0)
    tenant = get_context(app).store.tenant("basic")
    with live(app, threads=4) as base:
        results: dict[str, int] = {}
        scanner = threading.Thread(
            target=lambda: results.update(scan=session().post(f"{base}/Companies/query/count", json=CONTAINS,
                                                              timeout=60).json()["queryCount"]))
        scanner.start()
        try:
            assert held_scan.entered.wait(30)
            assert tenant.lock.readers == 1  # the scan holds the tenant lock (shared)
            s = session()
            got = s.get(f"{base}/Companies/1", timeout=20)
            assert got.status_code == 200 and got.json()["item"]["id"] == 1
            # another scan (another thread, so not held by the gate) runs alongside the held one
            other = s.post(f"{base}/Companies/query", json=ALL, timeout=20)
            assert other.status_code == 200 and len(other.json()["items"]) >= 1
            assert scanner.is_alive() and "scan" not in results  # the first scan is still in progress
        finally:
            held_scan.release.set()
            scanner.join(30)
        assert results["scan"] >= 1


def test_a_write_waits_for_a_running_scan_which_does_not_see_it(held_scan):
    app = make_app(thread_limit=0)
    tenant = get_context(app).store.tenant("basic")
    held_scan.armed = False
    with live(app, threads=4) as base:
        before_count = session().post(f"{base}/Companies/query/count", json=CONTAINS, timeout=20).json()["queryCount"]
        held_scan.armed = True
        results: dict[str, object] = {}
        scanner = threading.Thread(
            target=lambda: results.update(scan=session().post(f"{base}/Companies/query/count", json=CONTAINS,
                                                              timeout=60).json()["queryCount"]))
        scanner.start()
        writer = None
        try:
            assert held_scan.entered.wait(30)
            body = {"companyName": "aaa new company", "companyType": 1, "ownerResourceID": 101, "phone": "555"}
            writer = threading.Thread(target=lambda: results.update(
                write=session().post(f"{base}/Companies", json=body, timeout=60).status_code))
            writer.start()
            with tenant.lock._cond:  # the write reaches the lock and waits there for the scan
                assert tenant.lock._cond.wait_for(lambda: tenant.lock.writers_waiting == 1, 30)
            assert "write" not in results
        finally:
            held_scan.release.set()
            scanner.join(30)
            if writer is not None:
                writer.join(30)
        assert results["write"] == 200
        assert results["scan"] == before_count  # the scan saw the state before the write, whole
        held_scan.armed = False
        after = session().post(f"{base}/Companies/query/count", json=CONTAINS, timeout=20).json()["queryCount"]
        assert after == before_count + 1


def test_first_index_build_does_not_hold_up_other_reads(monkeypatch):
    app = make_app(thread_limit=0)
    tenant = get_context(app).store.tenant("basic")
    gate = Gate()
    original = table_module._index_key

    def index_key(value):
        gate.hold()
        return original(value)

    monkeypatch.setattr(table_module, "_index_key", index_key)
    eq_city = {"filter": [{"op": "eq", "field": "city", "value": "Springfield"}]}
    with live(app, threads=4) as base:
        assert not tenant.table("Companies").has_index("city")
        results: dict[str, int] = {}
        builder = threading.Thread(target=lambda: results.update(
            built=session().post(f"{base}/Companies/query/count", json=eq_city, timeout=60).status_code))
        builder.start()
        try:
            assert gate.entered.wait(30)  # the eq query is building the city index, held mid-way
            s = session()
            assert s.get(f"{base}/Companies/1", timeout=20).status_code == 200
            assert s.post(f"{base}/Companies/query/count", json=CONTAINS, timeout=20).status_code == 200
            assert not tenant.table("Companies").has_index("city")  # a half-built index is never visible
            assert "built" not in results
        finally:
            gate.release.set()
            builder.join(30)
        assert results["built"] == 200
        assert tenant.table("Companies").has_index("city")


# ---------------------------------------------------------------------------------------------- the lock itself
def test_readers_share_and_a_writer_excludes_them():
    lock = ReadWriteLock()
    inside = threading.Barrier(3)
    release = threading.Event()

    def reader():
        with lock.shared():
            inside.wait(10)  # three readers inside at once, or this barrier times out
            release.wait(10)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    inside.wait(10)
    assert lock.readers == 2
    assert lock.acquire(blocking=False) is False  # a writer cannot enter while readers are in
    release.set()
    for t in readers:
        t.join(10)
    assert lock.acquire(blocking=False) is True
    lock.release()


def test_a_waiting_writer_holds_back_new_readers_but_not_reentrant_ones():
    lock = ReadWriteLock()
    reader_in = threading.Event()
    finish_reader = threading.Event()
    order: list[str] = []

    def first_reader():
        with lock.shared():
            reader_in.set()
            finish_reader.wait(10)
            with lock.shared():  # re-entry while a writer waits must not deadlock
                order.append("reentered")

    def writer():
        with lock:
            order.append("writer")

    def late_reader():
        with lock.shared():
            order.append("late reader")

    r = threading.Thread(target=first_reader)
    r.start()
    assert reader_in.wait(10)
    w = threading.Thread(target=writer)
    w.start()
    with lock._cond:
        assert lock._cond.wait_for(lambda: lock.writers_waiting == 1, 10)
    late = threading.Thread(target=late_reader)
    late.start()
    finish_reader.set()
    for t in (r, w, late):
        t.join(10)
    assert order == ["reentered", "writer", "late reader"]


def test_exclusive_is_reentrant_reads_inside_a_write_are_allowed_and_upgrading_raises():
    lock = ReadWriteLock()
    with lock:
        with lock:
            with lock.shared():
                assert lock.held_exclusively()
    assert not lock.held_exclusively()
    with lock.shared():
        with pytest.raises(RuntimeError, match="upgrade"):
            lock.acquire()
    with pytest.raises(RuntimeError):
        lock.release()
