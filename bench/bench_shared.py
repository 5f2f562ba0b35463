"""The mock as one shared server under concurrent clients (issue 15, parts 2, 3 and 7).

    python bench/bench_shared.py [--quick] [--only scan,tenants,walk] [--cis N] [--duration S] [--reps N]

* **scan**: GET-by-id throughput (4 keep-alive clients, load generator in its own process) on a server
  holding a tenant of ``--cis`` configuration items, idle and while another client of the same tenant
  sends ``contains`` queries (each a full scan) back to back, and while first builds of indexes run.
  Goal: with a scan running, GET by id keeps >= 50 % of its idle figure.
* **tenants**: a second tenant's ``query/count`` latency, idle and while the first tenant floods a slow
  endpoint (16 concurrent clients, 0.5 s injected latency, default thread limit of 3 = a queue too) on a
  server with 8 workers. Goal: p99 < 50 ms during the flood.
* **walk**: in a fresh process, ``mock_autotask`` over a tenant of ``--cis`` CIs, one paging walk over every
  CI through ``requests`` (500 per page); RSS growth across the walk and the longest GC pause (gc.callbacks).
  Goal: < 50 MiB added and no pause > 50 ms.

Prints the figures and writes bench/results/bench_shared-<time>.json. Not part of the test run; talks to
127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import copy
import gc
import http.client
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

OTHER_USER = "other@BENCH2.APIUSER.com"
OTHER_SECRET = "other-secret"
OTHER_CODE = "BENCH2CODE"
SCAN_CODE = "SCANCODE"
SLOW_LATENCY_S = 0.5
FLOOD_CLIENTS = 16
GET_CLIENTS = 4
ALL = json.dumps({"filter": [{"op": "gte", "field": "id", "value": 0}]})
# contains on a field no index serves: every query reads all CIs (about 200 ms at 100k)
SCAN = json.dumps({"filter": [{"op": "contains", "field": "referenceTitle", "value": "zz-no-match"}]})
# first eq/range use of each field builds its index (120-200 ms at 100k)
INDEX_BUILDS = [
    {"op": "eq", "field": "referenceTitle", "value": "HOST-0000001"},
    {"op": "eq", "field": "companyID", "value": 1001},
    {"op": "eq", "field": "productID", "value": 30},
    {"op": "eq", "field": "configurationItemType", "value": 2},
    {"op": "eq", "field": "isActive", "value": False},
    {"op": "gt", "field": "installDate", "value": "2020-01-01T00:00:00Z"},
    {"op": "eq", "field": "MAC Address", "udf": True, "value": "00:00:00:00:00:01"},
]
GOALS = {"scan_ratio": 0.5, "other_tenant_p99_ms": 50.0, "walk_added_mib": 50.0, "walk_gc_pause_ms": 50.0}


# ---------------------------------------------------------------------------------------------- server process
def other_tenant(cis: int = 200) -> dict[str, Any]:
    doc = copy.deepcopy(c.synthetic_fixture(cis))
    doc["tenant"]["name"] = "bench2"
    doc["integrationCodes"] = [OTHER_CODE]
    doc["apiUsers"] = [{"userName": OTHER_USER, "secret": OTHER_SECRET, "resourceID": 100,
                        "securityLevel": "API User (system)"}]
    for r in doc["records"]["Resources"]:
        if r["id"] == 100:
            r["userName"] = r["email"] = OTHER_USER
    return doc


def other_headers() -> dict[str, str]:
    return {"UserName": OTHER_USER, "Secret": OTHER_SECRET, "ApiIntegrationCode": OTHER_CODE}


def _serve_main(args: argparse.Namespace) -> None:
    from mockserver.app import create_app
    from mockserver.cli import build_server
    from mockserver.config import MockConfig

    doc = c.synthetic_fixture(args.cis)
    # the scanning client has its own integration code: the per-(code, endpoint) thread limit of 3 would
    # otherwise queue the GETs behind it, which is the emulated Autotask limit, not the lock under test
    doc["integrationCodes"].append(SCAN_CODE)
    config = MockConfig(fixtures=[doc, other_tenant()]).with_overrides(**c.BENCH_SETTINGS)
    app = create_app(config)
    # the slow endpoint: Products of the bench tenant only
    resp = app.test_client().post("/_mock/faults", json={"entity": "Products", "latency": SLOW_LATENCY_S},
                                  query_string={"tenant": c.BENCH_TENANT})
    assert resp.status_code == 201, resp.get_json()
    if args.plain_pool:  # before the fix: waitress's fixed pool, a waiting request keeps its worker
        from waitress.server import create_server

        server = create_server(app, host=c.HOST, port=args.port, threads=args.threads)
    else:
        server = build_server(app, c.HOST, args.port, args.threads)
    c.log(f"waitress serving the shared bench on {server.effective_port}")
    server.run()


class Server:
    def __init__(self, cis: int, threads: int = 8, plain_pool: bool = False) -> None:
        self.port = c.free_port()
        cmd = [sys.executable, __file__, "serve", "--cis", str(cis), "--port", str(self.port), "--threads", str(threads)]
        if plain_pool:
            cmd.append("--plain-pool")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=c.REPO)
        c.wait_http(self.port, f"{c.V1}/zoneInformation?user={c.BENCH_USER}", timeout=600, proc=self.proc,
                    interval=0.1)

    def close(self) -> None:
        c.stop_process(self.proc)


class Background:
    """One keep-alive client sending ``bodies`` (POST path, body) in a loop until stopped; counts and times them."""

    def __init__(self, port: int, headers: dict[str, str], calls: list[tuple[str, str, str | None]],
                 repeat: bool = True, start_delay: float = 0.0) -> None:
        self.port, self.headers, self.calls, self.repeat, self.start_delay = port, headers, calls, repeat, start_delay
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        if self.start_delay:
            time.sleep(self.start_delay)
        conn = http.client.HTTPConnection(c.HOST, self.port, timeout=120)
        hdrs = {**self.headers, "Content-Type": "application/json"}
        i = 0
        while not self.stop.is_set() and (self.repeat or i < len(self.calls)):
            method, path, body = self.calls[i % len(self.calls)]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection(c.HOST, self.port, timeout=120)
                continue
            self.latencies.append(time.perf_counter() - t0)
        conn.close()

    def __enter__(self) -> Background:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(180)


# ---------------------------------------------------------------------------------------------- scan
def bench_scan(cfg: dict[str, Any], server: Server, doc: dict[str, Any]) -> dict[str, Any]:
    work = c.Workload(doc)
    gets = work.requests("get_by_id")
    headers = c.bench_headers()
    scan_call = [("POST", f"{c.V1}/ConfigurationItems/query/count", SCAN)]
    idle, busy, scans_per_s, scan_ms = [], [], [], []
    for rep in range(cfg["reps"]):
        idle.append(c.load_in_subprocess(server.port, gets, GET_CLIENTS, cfg["duration"], headers,
                                         server_pid=server.proc.pid))
        with Background(server.port, {**headers, "ApiIntegrationCode": SCAN_CODE}, scan_call) as scanner:
            time.sleep(0.3)  # the scanner is mid-scan when the GETs start
            n0 = len(scanner.latencies)
            t0 = time.perf_counter()
            busy.append(c.load_in_subprocess(server.port, gets, GET_CLIENTS, cfg["duration"], headers,
                                             server_pid=server.proc.pid))
            elapsed = time.perf_counter() - t0
            scans_per_s.append((len(scanner.latencies) - n0) / elapsed)
        scan_ms.append(c.median(scanner.latencies) * 1000 if scanner.latencies else float("nan"))
        c.log(f"  scan rep {rep + 1}: GET idle {idle[-1]['rps']:.0f} req/s, during scans {busy[-1]['rps']:.0f} req/s "
              f"({scans_per_s[-1]:.1f} scans/s of {scan_ms[-1]:.0f} ms)")
    # first index builds: one pass (an index is built once), GETs measured over the same window
    builds = [("POST", f"{c.V1}/ConfigurationItems/query/count", json.dumps({"filter": [f]})) for f in INDEX_BUILDS]
    with Background(server.port, {**headers, "ApiIntegrationCode": SCAN_CODE}, builds, repeat=False,
                    start_delay=0.35) as builder:
        during_builds = c.load_in_subprocess(server.port, gets, GET_CLIENTS, max(cfg["duration"], 2.0), headers,
                                             server_pid=server.proc.pid)
    ratios = [b["rps"] / i["rps"] for i, b in zip(idle, busy, strict=True) if i["rps"]]
    return {
        "get_idle": c.combine_runs(idle),
        "get_during_scans": c.combine_runs(busy),
        "ratio": c.median(ratios),
        "ratios": ratios,
        "scans_per_s": c.median(scans_per_s),
        "scan_ms": c.median(scan_ms),
        "get_during_index_builds": during_builds,
        "index_build_ms": [round(x * 1000, 1) for x in builder.latencies],
    }


# ---------------------------------------------------------------------------------------------- tenants
def bench_tenants(cfg: dict[str, Any], server: Server) -> dict[str, Any]:
    count_call = [("POST", f"{c.V1}/Companies/query/count", ALL)]
    duration = max(cfg["duration"], 2.0)

    def measure() -> list[float]:
        with Background(server.port, other_headers(), count_call) as probe:
            time.sleep(duration)
        return probe.latencies

    idle = measure()
    floods = [Background(server.port, c.bench_headers(), [("GET", f"{c.V1}/Products/30", None)])
              for _ in range(FLOOD_CLIENTS)]
    for f in floods:
        f.thread.start()
    time.sleep(SLOW_LATENCY_S * 1.5)  # every flood client has a call in flight (waiting or queued)
    during = measure()
    for f in floods:
        f.stop.set()
    for f in floods:
        f.thread.join(60)
    slow = [x for f in floods for x in f.latencies]

    def summary(lat: list[float]) -> dict[str, Any]:
        s = sorted(lat)
        return {"calls": len(s), "p50_ms": c.percentile(s, 50) * 1000, "p99_ms": c.percentile(s, 99) * 1000,
                "max_ms": (s[-1] * 1000) if s else float("nan")}

    return {"other_idle": summary(idle), "other_during_flood": summary(during), "flood_calls": len(slow),
            "flood_call_p50_ms": c.percentile(sorted(slow), 50) * 1000 if slow else float("nan")}


# ---------------------------------------------------------------------------------------------- walk
def _walk_main(args: argparse.Namespace) -> None:
    """In this fresh process: mock_autotask over a --cis tenant, one walk; print RSS growth and GC pauses."""
    import psutil
    import requests

    from mockserver import mock_autotask

    doc = c.synthetic_fixture(args.cis)
    kwargs = {} if args.keep_calls is None else {"keep_calls": args.keep_calls}
    # (wall ms, CPU ms of the collecting thread, generation): on a busy machine the wall figure also holds
    # time the OS gave other processes mid-collection; the CPU figure is the collector's own cost.
    pauses: list[tuple[float, float, int | None]] = []
    started: list[tuple[float, float]] = []

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append((time.perf_counter(), time.thread_time()))
        elif started:
            wall0, cpu0 = started.pop()
            pauses.append(((time.perf_counter() - wall0) * 1000, (time.thread_time() - cpu0) * 1000,
                           info.get("generation")))

    with mock_autotask(doc, **kwargs) as at:
        del doc
        if args.unfreeze:  # the old behaviour: the tenant stays in the collector's sight
            gc.unfreeze()
        gc.collect()
        rss0 = psutil.Process().memory_info().rss
        gc.callbacks.append(on_gc)
        url = at.base_url + "V1.0/ConfigurationItems/query"
        body = {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 500}
        records = pages = 0
        t0 = time.perf_counter()
        while url:
            resp = requests.post(url, json=body, headers=at.headers, timeout=120)
            resp.raise_for_status()
            page = resp.json()
            records += len(page["items"])
            pages += 1
            url = page["pageDetails"]["nextPageUrl"]
        walk_s = time.perf_counter() - t0
        gc.callbacks.remove(on_gc)
        rss1 = psutil.Process().memory_info().rss
        kept = len(at.responses.calls)
        # what one full collection costs now, with the tenant loaded (a request-latency spike when it lands)
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        gc.collect()
        full_cpu_ms, full_wall_ms = (time.thread_time() - cpu0) * 1000, (time.perf_counter() - wall0) * 1000
    longest = max(pauses, default=(0.0, 0.0, None))
    longest_cpu = max(pauses, default=(0.0, 0.0, None), key=lambda p: p[1])
    print(json.dumps({"records": records, "pages": pages, "walk_s": walk_s, "added_mib": (rss1 - rss0) / 2**20,
                      "gc_collections": len(pauses), "gc_full_collections": sum(1 for p in pauses if p[2] == 2),
                      "gc_max_pause_ms": longest[0], "gc_max_pause_generation": longest[2],
                      "gc_max_pause_cpu_ms": longest_cpu[1], "gc_max_pause_cpu_generation": longest_cpu[2],
                      "gc_pauses_over_50ms": sum(1 for p in pauses if p[0] > 50),
                      "gc_full_collection_cpu_ms": full_cpu_ms, "gc_full_collection_wall_ms": full_wall_ms,
                      "responses_calls_kept": kept}))


def bench_walk(cfg: dict[str, Any]) -> dict[str, Any]:
    def run(keep: int | None, unfreeze: bool = False) -> dict[str, Any]:
        cmd = [sys.executable, __file__, "walk", "--cis", str(cfg["cis"])]
        if keep is not None:
            cmd += ["--keep-calls", str(keep)]
        if unfreeze:
            cmd.append("--unfreeze")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=c.REPO)
        if proc.returncode != 0:
            raise RuntimeError(f"walk failed: {proc.stderr[-2000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    out = {"default": run(None)}
    if cfg["compare_keep_all"]:
        # before the fix, for comparison: responses kept every call, and the tenant was not frozen
        out["before: keep all, tenant not frozen"] = run(10**9, unfreeze=True)
    return out


# ---------------------------------------------------------------------------------------------- report
def report(res: dict[str, Any]) -> str:
    rows: list[list[str]] = []
    targets: list[list[str]] = []
    if "scan" in res:
        s = res["scan"]
        rows += [["GET by id, idle (4 clients)", c.fmt(s["get_idle"]["rps"]) + " req/s",
                  c.fmt(s["get_idle"]["p99_ms"], 2) + " ms p99"],
                 ["GET by id, another client scanning", c.fmt(s["get_during_scans"]["rps"]) + " req/s",
                  c.fmt(s["get_during_scans"]["p99_ms"], 2) + " ms p99"],
                 ["  scans meanwhile", f"{s['scans_per_s']:.1f} /s", f"{s['scan_ms']:.0f} ms each"],
                 ["GET by id, during first index builds", c.fmt(s["get_during_index_builds"]["rps"]) + " req/s",
                  c.fmt(s["get_during_index_builds"]["p99_ms"], 2) + " ms p99"],
                 ["  index builds (ms)", ", ".join(f"{x:.0f}" for x in s["index_build_ms"]), ""]]
        targets.append(["GET by id during scans >= 50% of idle", f"{s['ratio'] * 100:.0f}%",
                        "met" if s["ratio"] >= GOALS["scan_ratio"] else "MISSED"])
    if "tenants" in res:
        t = res["tenants"]
        for key, label in (("other_idle", "other tenant count, idle"),
                           ("other_during_flood", f"other tenant count, {FLOOD_CLIENTS} slow calls in flight")):
            rows.append([label, f"p50 {t[key]['p50_ms']:.1f} ms", f"p99 {t[key]['p99_ms']:.1f} ms, "
                                                                    f"max {t[key]['max_ms']:.1f} ms"])
        if "tenants_plain_pool" in res:
            b = res["tenants_plain_pool"]["other_during_flood"]
            rows.append(["  the same on a fixed pool (before)", f"p50 {b['p50_ms']:.1f} ms",
                         f"p99 {b['p99_ms']:.1f} ms, max {b['max_ms']:.1f} ms"])
        p99 = t["other_during_flood"]["p99_ms"]
        targets.append(["other tenant p99 < 50 ms during a flood", f"{p99:.1f} ms",
                        "met" if p99 < GOALS["other_tenant_p99_ms"] else "MISSED"])
    if "walk" in res:
        for key, w in res["walk"].items():
            rows.append([f"in-process walk ({key}) of {w['records']:,} CIs", f"+{w['added_mib']:.1f} MiB RSS",
                         f"longest GC pause {w['gc_max_pause_ms']:.1f} ms wall (gen {w['gc_max_pause_generation']}), "
                         f"{w['gc_max_pause_cpu_ms']:.1f} ms CPU (gen {w['gc_max_pause_cpu_generation']}); "
                         f"{w['gc_collections']} collections, {w['gc_full_collections']} full; {w['walk_s']:.1f} s; "
                         f"a forced full collection: {w['gc_full_collection_cpu_ms']:.0f} ms CPU"])
        w = res["walk"]["default"]
        targets.append(["walk adds < 50 MiB", f"{w['added_mib']:.1f} MiB",
                        "met" if w["added_mib"] < GOALS["walk_added_mib"] else "MISSED"])
        targets.append(["no GC pause > 50 ms (wall)", f"{w['gc_max_pause_ms']:.1f} ms",
                        "met" if w["gc_max_pause_ms"] <= GOALS["walk_gc_pause_ms"] else "MISSED"])
        targets.append(["no GC pause > 50 ms (collector CPU)", f"{w['gc_max_pause_cpu_ms']:.1f} ms",
                        "met" if w["gc_max_pause_cpu_ms"] <= GOALS["walk_gc_pause_ms"] else "MISSED"])
    return "\n".join([c.table(rows, ["figure", "value", ""]), "", "TARGETS",
                      c.table(targets, ["target", "value", ""])])


def run(args: argparse.Namespace) -> dict[str, Any]:
    cfg = {"quick": args.quick, "cis": args.cis or (10_000 if args.quick else 100_000),
           "duration": args.duration or (1.0 if args.quick else 2.0), "reps": args.reps or (2 if args.quick else 3),
           "compare_keep_all": args.compare_keep_all}
    only = set((args.only or "scan,tenants,walk").split(","))
    res: dict[str, Any] = {"benchmark": "bench_shared", "settings": cfg, "machine": c.machine_info()}
    if only & {"scan", "tenants"}:
        c.log(f"starting a waitress server with a {cfg['cis']:,}-CI tenant and a second tenant …")
        server = Server(cfg["cis"])
        try:
            if "scan" in only:
                res["scan"] = bench_scan(cfg, server, c.synthetic_fixture(cfg["cis"]))
            if "tenants" in only:
                res["tenants"] = bench_tenants(cfg, server)
        finally:
            server.close()
    if "tenants" in only and args.compare_plain_pool:
        c.log("the same flood on waitress's fixed pool (before the fix) …")
        server = Server(min(cfg["cis"], 10_000), plain_pool=True)
        try:
            res["tenants_plain_pool"] = bench_tenants(cfg, server)
        finally:
            server.close()
    if "walk" in only:
        c.log("in-process walk (fresh process) …")
        res["walk"] = bench_walk(cfg)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/bench_shared.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd")
    s = sub.add_parser("serve")
    s.add_argument("--cis", type=int, required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--threads", type=int, default=8)
    s.add_argument("--plain-pool", action="store_true")
    w = sub.add_parser("walk")
    w.add_argument("--cis", type=int, required=True)
    w.add_argument("--keep-calls", type=int, default=None)
    w.add_argument("--unfreeze", action="store_true")
    for p in (parser,):
        p.add_argument("--quick", action="store_true", help="10,000 CIs, shorter runs")
        p.add_argument("--only", help="comma-separated parts: scan,tenants,walk")
        p.add_argument("--cis", type=int, default=0)
        p.add_argument("--duration", type=float, default=0.0)
        p.add_argument("--reps", type=int, default=0)
        p.add_argument("--compare-keep-all", action="store_true",
                       help="also walk as before the fix: keep_calls=10**9 (every call) and the tenant not frozen")
        p.add_argument("--compare-plain-pool", action="store_true",
                       help="also measure the tenants part on waitress's fixed pool (before the fix)")
        p.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        _serve_main(args)
        return 0
    if args.cmd == "walk":
        _walk_main(args)
        return 0
    res = run(args)
    print(report(res))
    if not args.no_write:
        path = c.write_result("bench_shared", res)
        print(f"written {path.relative_to(c.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
