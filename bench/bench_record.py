"""Recording proxy cost: ``python bench/bench_record.py [--companies N] [--runs N]``.

Serves a tenant of N generated-style companies (in-process waitress, loopback) and measures, as medians:

* get      -- GET /Companies/{id}, direct and through the recording proxy;
* page     -- one 500-record query page, direct and through the proxy (the proxy parses, rewrites the
  paging URLs and keeps the exchange);
* capture  -- writing the capture of a full paging run: sanitizing (learn + rewrite), building the fixture,
  writing the HAR and the YAML.

Prints numbers only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from mockserver.app import create_app  # noqa: E402
from mockserver.cli import build_server, stop_server  # noqa: E402
from mockserver.config import MockConfig  # noqa: E402
from mockserver.recording.capture import write_capture  # noqa: E402
from mockserver.recording.proxy import RecordingProxy  # noqa: E402

HEADERS = {"UserName": "bench@BENCH.APIUSER.com", "Secret": "bench", "ApiIntegrationCode": "BENCH"}
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def tenant(companies: int) -> dict:
    return {
        "format": "autotask-mock/tenant@1", "tenant": {"name": "bench-record"}, "integrationCodes": ["BENCH"],
        "apiUsers": [{"userName": HEADERS["UserName"], "secret": "bench", "resourceID": 1}],
        "records": {
            "Resources": [{"id": 1, "firstName": "Bench", "lastName": "User", "isActive": True}],
            "Companies": [{"id": 100 + n, "companyName": f"Company {n:05d} Ltd", "companyType": 1,
                           "ownerResourceID": 1, "phone": f"555-{n:05d}", "city": f"Town {n % 97}",
                           "address1": f"{n} Main Street"} for n in range(companies)],
        },
    }


def serve(app):
    server = build_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.effective_port}"


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    up_server, up_thread, upstream = serve(create_app(MockConfig(fixtures=[tenant(args.companies)],
                                                                 snapshot_cache=False)))
    proxy = RecordingProxy(upstream)
    px_server, px_thread, proxied = serve(proxy)
    s = requests.Session()
    s.headers.update(HEADERS)
    rows = []
    for name, path, body in (("get", "/ATServicesRest/V1.0/Companies/150", None),
                             ("page", "/ATServicesRest/V1.0/Companies/query", ALL)):
        def call(base, path=path, body=body):
            (s.post(base + path, json=body, timeout=60) if body else s.get(base + path, timeout=60)).raise_for_status()

        direct = median_ms(lambda call=call: call(upstream), args.runs)
        through = median_ms(lambda call=call: call(proxied), args.runs)
        rows.append((name, direct, through))
    proxy.exchanges.clear()
    url = f"{proxied}/ATServicesRest/V1.0/Companies/query"
    while url:
        url = s.post(url, json=ALL, timeout=60).json()["pageDetails"]["nextPageUrl"]
    exchanges = proxy.snapshot()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_capture(Path(tmp) / "capture", exchanges, seed=1)
        capture_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (Path(tmp) / "capture").iterdir())
    stop_server(px_server, px_thread)
    stop_server(up_server, up_thread)
    print(f"recording proxy, {args.companies} companies, median of {args.runs} runs")
    print(f"{'request':<8} {'direct ms':>10} {'proxy ms':>10} {'overhead ms':>12}")
    for name, direct, through in rows:
        print(f"{name:<8} {direct:>10.2f} {through:>10.2f} {through - direct:>12.2f}")
    print(f"capture of {len(exchanges)} pages ({args.companies} records): {capture_s:.2f} s, {size / 1e6:.1f} MB written")


if __name__ == "__main__":
    main()
