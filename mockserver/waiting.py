"""Emulated waits that never take a worker another tenant needs (issue 15, part 3).

The mock makes requests wait on purpose: injected fault latency, the threshold's latency tiers, and the
per-endpoint thread-limit queue. Under waitress every request runs on one of a fixed number of worker
threads (``--threads``, default 8), and a WSGI app can only answer from the thread that called it, so a
waiting request keeps its worker. Eight concurrent calls to a slow endpoint used to take every worker,
and another tenant's trivial ``query/count`` queued behind them for seconds.

The choice: *compensating threads* ("more threads reserved for waiting"). A request entering an emulated
wait tells its dispatcher, which starts one extra worker for the wait's duration; when the wait ends the
pool shrinks back. So at every moment ``threads`` workers are free of emulated waits and serve other
requests as if the waits did not exist, whatever one tenant floods. Why not the alternatives:

* per-tenant admission before a worker is taken needs hooks in waitress's channel/dispatcher code and
  still cannot bound a wait that starts mid-request (a thread-limit queue, a latency tier);
* an async server would mean rewriting the WSGI app and every feature hook around ``await``.

A waiting thread costs its stack and a sleeping futex, no CPU; ``MAX_EXTRA_WAITERS`` caps them. Past the
cap, waits occupy regular workers again (the old behaviour), which only a flood of hundreds of
concurrent slow calls reaches. Outside waitress (in-process mode, Flask's test client, other servers)
:func:`waiting` is a no-op: the caller's own thread waits, as it always did.

Seams with waitress (>= 3.0): ``create_server(..., _dispatcher=...)`` takes our pool, and the pool is a
``ThreadedTaskDispatcher`` whose ``set_thread_count`` already grows and shrinks the worker set; a
worker thread records its dispatcher in a thread-local so a wait deep inside a request finds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from waitress.task import ThreadedTaskDispatcher

__all__ = ["MAX_EXTRA_WAITERS", "ElasticDispatcher", "emulated_sleep", "waiting"]

MAX_EXTRA_WAITERS = 512


class _Current(threading.local):
    dispatcher: ElasticDispatcher | None = None


_current = _Current()


class ElasticDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, grown by one worker for each of its workers in an emulated wait."""

    def __init__(self, max_extra: int = MAX_EXTRA_WAITERS) -> None:
        super().__init__()
        self.max_extra = max(0, int(max_extra))
        self.base = 0  # the configured worker count (what waitress asked for)
        self.waiting = 0  # workers in an emulated wait right now
        self.peak_waiting = 0
        self._wait_lock = threading.Lock()
        self._closed = False

    def handler_thread(self, thread_no: int) -> None:
        _current.dispatcher = self
        super().handler_thread(thread_no)

    def set_thread_count(self, count: int) -> None:
        with self._wait_lock:
            self.base = int(count)
            if count == 0:
                self._closed = True  # shutting down: a wait ending now must not restart workers
            self._apply()

    def _apply(self) -> None:
        target = self.base + min(self.waiting, self.max_extra) if not self._closed else 0
        super().set_thread_count(target)

    def begin_wait(self) -> None:
        with self._wait_lock:
            self.waiting += 1
            self.peak_waiting = max(self.peak_waiting, self.waiting)
            if not self._closed:
                self._apply()

    def end_wait(self) -> None:
        with self._wait_lock:
            self.waiting -= 1
            if not self._closed:
                self._apply()

    @property
    def thread_count(self) -> int:
        with self.lock:
            return len(self.threads) - self.stop_count


@contextmanager
def waiting() -> Iterator[None]:
    """Mark the enclosed block as an emulated wait: the worker running it is replaced meanwhile."""
    dispatcher = _current.dispatcher
    if dispatcher is None:
        yield
        return
    dispatcher.begin_wait()
    try:
        yield
    finally:
        dispatcher.end_wait()


def emulated_sleep(sleep: Callable[[float], None], seconds: float) -> None:
    """``sleep(seconds)`` as an emulated wait (the sleep may be a test's recorder)."""
    if seconds <= 0:
        return
    with waiting():
        sleep(seconds)
