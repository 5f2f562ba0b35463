"""Zones mode: aggregate GET-by-id throughput with 1, 2 and 4 zones (``serve --zones N``).

    python bench/bench_zones.py [--zones 1,2,4] [--tenants 4] [--clients 4] [--duration 3] [--reps 3] [--cis 2000]

The cluster is the real one (mockserver.zones.ZoneCluster: worker processes on free 127.0.0.1 ports).
``--tenants`` tenants (default 4, one per client) go to the zones round-robin, so every zone holds some
and the clients are spread over tenants in every zone. Each client is a separate process: it finds its
zone with the zone lookup on the main port (as a real client does), then GETs
``/ConfigurationItems/{id}`` (random ids) over one keep-alive connection. All clients start together.

Per run it measures: aggregate req/s, latency p50/p99, the CPU time the zone workers used (psutil) and
the CPU time the client processes used (their own ``time.process_time``), both shown as cores busy, so
the machine's core count and the load generator's own share are visible next to the speed-up; how busy
the whole machine was (every process, ours or not) and the load average, because on a shared machine
the cores the zones can get decide the figure; and requests per second per core of zone CPU, which says
whether adding zones costs anything per request (if it stays flat, throughput grows with the cores given).
Figures are medians over ``--reps`` repetitions, zone counts interleaved (1, 2, 4, 1, 2, 4, …).
Results are printed and written to bench/results/bench_zones-<time>.json. Not part of the test run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

SECRET = "bench-secret"


def tenant_fixture(k: int, cis: int) -> dict[str, Any]:
    """The synthetic bench tenant under its own name, API user and integration code."""
    doc = c.synthetic_fixture(cis)
    doc["tenant"] = {**doc["tenant"], "name": f"bench{k}"}
    doc["apiUsers"] = [{**doc["apiUsers"][0], "userName": user_of(k), "secret": SECRET}]
    doc["integrationCodes"] = [f"BENCH{k}CODE"]
    return doc


def user_of(k: int) -> str:
    return f"bench{k}@BENCH.APIUSER.com"


def client(k: int, main_port: int, ids: list[int], start_at: float, duration: float, out) -> None:
    """One client process: zone lookup on the main port, then GET by id until the time is up."""
    conn = http.client.HTTPConnection(c.HOST, main_port, timeout=30)
    conn.request("GET", f"{c.V1}/zoneInformation?user={user_of(k)}")
    zone_url = json.loads(conn.getresponse().read())["url"]
    conn.close()
    host_port = zone_url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    headers = {"UserName": user_of(k), "Secret": SECRET, "ApiIntegrationCode": f"BENCH{k}CODE"}
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    rng = random.Random(k)
    paths = [f"{c.V1}/ConfigurationItems/{rng.choice(ids)}" for _ in range(4000)]
    lat: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    stop = t0 + duration
    perf = time.perf_counter
    i = 0
    while True:
        t = perf()
        if t >= stop:
            break
        try:
            conn.request("GET", paths[i % len(paths)], headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        lat.append(perf() - t)
        i += 1
    out.put({"client": k, "zone_url": zone_url, "requests": len(lat), "errors": errors,
             "elapsed": perf() - t0, "cpu": time.process_time() - cpu0, "lat": lat})


def worker_cpu(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            total += sum(psutil.Process(pid).cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def busy_cpu() -> float:
    """CPU seconds the whole machine has spent busy (every process, not only ours)."""
    import psutil

    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def run_once(cluster, clients: int, tenants: int, ids: list[int], duration: float) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 1.5  # every client process up and connected before the clock starts
    procs = [ctx.Process(target=client, args=(k % tenants, cluster.main_port, ids, start_at, duration, queue))
             for k in range(clients)]
    for p in procs:
        p.start()
    pids = [zp.pid for zp in cluster.supervisor.zones]
    while time.time() < start_at:
        time.sleep(0.001)
    cpu0, busy0 = worker_cpu(pids), busy_cpu()
    wall0 = time.perf_counter()
    results = [queue.get(timeout=duration + 60) for _ in procs]
    wall = time.perf_counter() - wall0
    cpu1, busy1 = worker_cpu(pids), busy_cpu()
    for p in procs:
        p.join(10)
    lat = sorted(x for r in results for x in r["lat"])
    n = len(lat)
    elapsed = max(r["elapsed"] for r in results)
    return {
        "rps": n / elapsed if elapsed else 0.0,
        "requests": n,
        "errors": sum(r["errors"] for r in results),
        "p50_ms": c.percentile(lat, 50) * 1000 if lat else None,
        "p99_ms": c.percentile(lat, 99) * 1000 if lat else None,
        "server_cores": (cpu1 - cpu0) / wall,
        "client_cores": sum(r["cpu"] for r in results) / elapsed,
        "machine_busy_cores": (busy1 - busy0) / wall,
        "loadavg_1min": os.getloadavg()[0],
        "server_cpu_us_per_req": (cpu1 - cpu0) / n * 1e6 if n else None,
        "rps_per_server_core": n / (cpu1 - cpu0) if cpu1 > cpu0 else None,
        "client_cpu_us_per_req": sum(r["cpu"] for r in results) / n * 1e6 if n else None,
        "zones_hit": sorted({r["zone_url"] for r in results}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", default="1,2,4")
    parser.add_argument("--tenants", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--cis", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    zone_counts = [int(z) for z in args.zones.split(",")]
    tenants = max(args.tenants, max(zone_counts))
    from mockserver.zones.cluster import ZoneCluster

    settings = {"request_threshold": 10**9}  # throttle emulation off, as in bench_mock.py
    runs: dict[int, list[dict[str, Any]]] = {z: [] for z in zone_counts}
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        ids: list[int] = []
        for k in range(tenants):
            doc = tenant_fixture(k, args.cis)
            ids = [ci["id"] for ci in doc["records"]["ConfigurationItems"]]
            path = Path(tmp) / f"bench{k}.json"
            path.write_text(json.dumps(doc))
            paths.append(str(path))
        c.log(f"{tenants} tenants of {args.cis} CIs, {args.clients} client processes, {args.duration} s per run, "
              f"{args.reps} reps, {os.cpu_count()} CPUs")
        for rep in range(args.reps):
            for zones in zone_counts:
                with ZoneCluster(zones, paths, settings=settings, threads=args.threads) as cluster:
                    result = run_once(cluster, args.clients, tenants, ids, args.duration)
                runs[zones].append(result)
                c.log(f"rep {rep + 1} zones {zones}: {result['rps']:,.0f} req/s, server {result['server_cores']:.2f} "
                      f"cores, clients {result['client_cores']:.2f} cores, machine busy {result['machine_busy_cores']:.2f} cores "
                      f"(load avg {result['loadavg_1min']:.1f}), errors {result['errors']}, "
                      f"{len(result['zones_hit'])} zone(s) hit")
    summary = {}
    base = c.median([r["rps"] for r in runs[zone_counts[0]]])
    rows = []
    for zones in zone_counts:
        rs = runs[zones]
        med = {key: c.median([r[key] for r in rs if r[key] is not None])
               for key in ("rps", "p50_ms", "p99_ms", "server_cores", "client_cores", "machine_busy_cores",
                           "loadavg_1min", "server_cpu_us_per_req", "client_cpu_us_per_req", "rps_per_server_core")}
        med["errors"] = sum(r["errors"] for r in rs)
        med["speedup"] = med["rps"] / base if base else None
        summary[zones] = med
        rows.append([str(zones), c.fmt(med["rps"]), f"{med['speedup']:.2f}x", c.fmt(med["p50_ms"], 2),
                     c.fmt(med["p99_ms"], 2), c.fmt(med["server_cores"], 2), c.fmt(med["client_cores"], 2),
                     c.fmt(med["machine_busy_cores"], 2), c.fmt(med["loadavg_1min"], 1),
                     c.fmt(med["server_cpu_us_per_req"]), c.fmt(med["client_cpu_us_per_req"]),
                     c.fmt(med["rps_per_server_core"]), str(med["errors"])])
    print(c.table(rows, ["zones", "req/s", "vs 1 zone", "p50 ms", "p99 ms", "server cores", "client cores",
                         "machine busy", "load avg", "server µs/req", "client µs/req", "req/s per server core", "errors"]))
    print(f"machine: {os.cpu_count()} CPUs; {args.clients} client processes over {tenants} tenants; "
          f"medians of {args.reps} reps of {args.duration} s")
    if not args.no_write:
        path = c.write_result("bench_zones", {"machine": c.machine_info(), "args": vars(args), "summary": summary,
                                              "runs": {z: [{k: v for k, v in r.items()} for r in rs]
                                                       for z, rs in runs.items()}})
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
