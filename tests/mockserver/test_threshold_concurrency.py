"""The request threshold under concurrency (issue 15, part 4): check and count are one step.

With ``request_threshold=40`` and 8 client threads over waitress, exactly 40 requests are served and the
rest get 429 (it used to be 44-47: every thread checked the count before any of them added to it).
ThresholdInformation stays readable at the limit (whether the real API refuses it is unknown).
"""

from __future__ import annotations

import threading

import requests

from mockserver.app import get_context
from tests.mockserver.conftest import BASIC_HEADERS, OTHER_HEADERS, make_app
from tests.mockserver.test_faults import live

THREADS = 8
THRESHOLD = 40


def flood(base: str, path: str, per_thread: int) -> list[int]:
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker() -> None:
        session = requests.Session()
        session.headers.update(BASIC_HEADERS)
        start.wait()
        for _ in range(per_thread):
            code = session.get(f"{base}/{path}", timeout=30).status_code
            with lock:
                statuses.append(code)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return statuses


def test_threshold_of_40_serves_exactly_40_to_eight_concurrent_threads():
    # A latency tier from 50 %: the delay used to sit between the check and the count, widening the race.
    app = make_app(request_threshold=THRESHOLD, latency_tiers=[[50, 0.02]])
    with live(app, threads=THREADS) as base:
        statuses = flood(base, "Companies/1", per_thread=10)  # 80 requests race for 40 slots
        assert len(statuses) == 80
        assert statuses.count(200) == THRESHOLD
        assert statuses.count(429) == 80 - THRESHOLD
        tenant = get_context(app).store.tenant("basic")
        assert tenant.threshold_count() == THRESHOLD  # refusals are not counted


def test_threshold_information_stays_readable_at_the_limit_and_is_not_counted_there():
    app = make_app(request_threshold=THRESHOLD, latency_tiers=[])
    with live(app, threads=THREADS) as base:
        statuses = flood(base, "Companies/1", per_thread=6)
        assert statuses.count(200) == THRESHOLD
        session = requests.Session()
        session.headers.update(BASIC_HEADERS)
        for _ in range(3):  # read it again and again: still 200, still 40 (reading at the limit is free)
            info = session.get(f"{base}/ThresholdInformation", timeout=30)
            assert info.status_code == 200
            assert info.json()["currentTimeframeRequestCount"] == THRESHOLD
            assert info.json()["externalRequestThreshold"] == THRESHOLD
        assert session.get(f"{base}/Companies/1", timeout=30).status_code == 429
        # another tenant has its own window
        other = requests.get(f"{base}/Companies/1", headers=OTHER_HEADERS, timeout=30)
        assert other.status_code == 200


def test_threshold_information_below_the_limit_counts_like_any_request():
    app = make_app(request_threshold=THRESHOLD, latency_tiers=[])
    client = app.test_client()
    from tests.mockserver.conftest import Api

    api = Api(client, BASIC_HEADERS)
    assert api.get("Companies/1").status_code == 200
    assert api.get("ThresholdInformation").get_json()["currentTimeframeRequestCount"] == 2
