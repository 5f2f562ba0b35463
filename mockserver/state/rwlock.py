"""A readers-writer lock for one tenant: scans share it, writes own it (issue 15, part 2).

Why: the mock is one shared server for whole parallel test runs. With one exclusive lock per tenant, a
``contains`` scan over 100k records (~200 ms) made every other client of the tenant wait, reads
included. Here any number of reads (queries, counts, index builds) hold the lock at once, and a write
holds it alone, so a write stays atomic and a scan sees one consistent state of the tenant.

* ``with lock:`` takes it exclusively (re-entrant for the owning thread, like the ``RLock`` it replaces,
  so existing ``with tenant.lock:`` code keeps its meaning: the safe, exclusive one).
* ``with lock.shared():`` takes it shared. Re-entrant too, and allowed inside the thread's own exclusive
  hold (a write that looks records up). Upgrading shared -> exclusive would deadlock, so it raises.
* Writer preference: once a writer waits, new readers queue behind it, so a stream of scans cannot starve
  writes. A thread already holding it shared may always re-enter.

Reads of a single record (GET by id) take no lock at all: records are never mutated in place, a write
swaps in a whole new dict, and one dict lookup is atomic, so such a read sees the old or the new version.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ReadWriteLock"]


class ReadWriteLock:
    """Writer-preferring, re-entrant readers-writer lock (see the module docstring)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0  # threads holding it shared (each counted once)
        self._writer: int | None = None  # ident of the exclusive owner
        self._write_depth = 0
        self._writers_waiting = 0
        self._local = threading.local()  # per-thread shared depth

    # ------------------------------------------------------------------ exclusive
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._write_depth += 1
                return True
            if getattr(self._local, "depth", 0):
                raise RuntimeError("cannot upgrade a shared tenant lock to exclusive (it would deadlock)")
            if not blocking and (self._writer is not None or self._readers):
                return False
            self._writers_waiting += 1
            self._cond.notify_all()  # observers (tests) waiting on the condition see the new writer
            try:
                ok = self._cond.wait_for(lambda: self._writer is None and self._readers == 0,
                                         None if timeout < 0 else timeout)
            finally:
                self._writers_waiting -= 1
            if not ok:
                self._cond.notify_all()  # readers held back by this writer's preference may go on
                return False
            self._writer = me
            self._write_depth = 1
            return True

    def release(self) -> None:
        with self._cond:
            if self._writer != threading.get_ident():
                raise RuntimeError("release of a tenant lock this thread does not hold exclusively")
            self._write_depth -= 1
            if self._write_depth == 0:
                self._writer = None
                self._cond.notify_all()

    def __enter__(self) -> ReadWriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # ------------------------------------------------------------------ shared
    @contextmanager
    def shared(self) -> Iterator[None]:
        local = self._local
        depth = getattr(local, "depth", 0)
        me = threading.get_ident()
        if depth == 0 and self._writer != me:
            with self._cond:
                while self._writer is not None or self._writers_waiting:
                    self._cond.wait()
                self._readers += 1
            counted = True
        else:
            counted = False  # re-entry, or a read inside this thread's own write
        local.depth = depth + 1
        try:
            yield
        finally:
            local.depth = depth
            if counted:
                with self._cond:
                    self._readers -= 1
                    if self._readers == 0:
                        self._cond.notify_all()

    # ------------------------------------------------------------------ observation (tests, admin)
    @property
    def readers(self) -> int:
        return self._readers

    @property
    def writers_waiting(self) -> int:
        return self._writers_waiting

    def held_exclusively(self) -> bool:
        return self._writer is not None
