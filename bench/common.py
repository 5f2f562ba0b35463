"""Shared pieces of the benchmarks: machine facts, statistics, bench tenants, servers and a load generator.

Also a small command line used by the benchmarks themselves to run things in fresh processes
(so a server, the load generator and a memory measurement never share a GIL or a heap)::

    python bench/common.py serve --target mock|ceiling --server waitress|gunicorn --cis N --port P
    python bench/common.py load  --spec JSON          # prints one JSON result line
    python bench/common.py scale --cis N [--tracemalloc]

Everything talks to 127.0.0.1 only and every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import http.client
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
CACHE_DIR = BENCH_DIR / ".cache"
SPEC_PATH = Path(os.environ.get("AUTOTASK_SPEC", REPO.parent / "shared" / "reference" / "autotask-openapi.json"))
if not SPEC_PATH.is_file():  # the shared folder sits beside the repository; fall back to /work/shared
    SPEC_PATH = Path("/work/shared/reference/autotask-openapi.json")

if str(REPO) not in sys.path:  # `python bench/x.py` from anywhere, without an install
    sys.path.insert(0, str(REPO))

V1 = "/ATServicesRest/V1.0"
HOST = "127.0.0.1"
BENCH_TENANT = "bench"
BENCH_USER = "bench@BENCH.APIUSER.com"
BENCH_SECRET = "bench-secret"
BENCH_CODE = "BENCHCODE"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- machine


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions = {}
    for pkg in ("flask", "werkzeug", "waitress", "gunicorn", "requests", "responses", "psutil"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing optional package is simply not listed
            versions[pkg] = None
    commit = dirty = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                capture_output=True, text=True, timeout=10).stdout
        dirty = bool(status.strip())
    return {
        "cpu_reference_ms": cpu_reference_ms(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": versions,
        "commit": commit,
        "dirty": dirty,
    }


def cpu_reference_ms() -> float:
    """Best of 3 of ``sum(range(10**7))`` in ms: a yardstick for how fast (or how busy) this CPU is, so
    figures from different machines can be put side by side (about 100-150 ms on a current desktop)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        sum(range(10**7))
        best = min(best, time.perf_counter() - t0)
    return best * 1000


# ---------------------------------------------------------------------------------------------- statistics


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (p in 0..100)."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def median(values: Sequence[float]) -> float:
    values = [v for v in values if v is not None and v == v]
    return statistics.median(values) if values else float("nan")


def latency_summary(latencies_s: list[float]) -> dict[str, float]:
    lat = sorted(latencies_s)
    return {"p50_ms": percentile(lat, 50) * 1000, "p99_ms": percentile(lat, 99) * 1000, "n": len(lat)}


def combine_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median over repeated runs of each numeric figure (req/s, p50, p99 …), plus the raw runs."""
    out: dict[str, Any] = {"runs": len(runs)}
    keys = [k for k in runs[0] if isinstance(runs[0][k], int | float) and not isinstance(runs[0][k], bool)]
    for key in keys:
        out[key] = median([r[key] for r in runs if key in r])
    out["errors"] = sum(r.get("errors", 0) for r in runs)
    out["raw"] = [{k: r[k] for k in keys if k in r} for r in runs]
    return out


def paired_ratio(a_runs: list[dict], b_runs: list[dict], key: str = "rps") -> float:
    """Median of per-repetition ratios a/b (runs interleaved in the same session, so drift cancels)."""
    ratios = [a[key] / b[key] for a, b in zip(a_runs, b_runs, strict=False) if b.get(key)]
    return median(ratios)


# ---------------------------------------------------------------------------------------------- tenants


def synthetic_fixture(cis: int, companies: int | None = None) -> dict[str, Any]:
    """A deterministic bench tenant: ``companies`` companies and ``cis`` configuration items.

    Same shape as tests/fixtures/basic.yaml (resources, CI types, a product, companies, CIs with a UDF);
    stable across commits, so figures stay comparable whatever the fixture generator does.
    CI ids are 1_000_001..; serial numbers ``SN-0000001``…; CIs are spread round-robin over companies.
    """
    companies = companies or max(10, cis // 100)
    records: dict[str, list[dict[str, Any]]] = {
        "Resources": [
            {"id": 100, "firstName": "API", "lastName": "Bench", "userName": BENCH_USER, "email": BENCH_USER,
             "licenseType": 7, "isActive": True},
            {"id": 101, "firstName": "Alice", "lastName": "Admin", "userName": "alice", "email": "alice@msp.example",
             "licenseType": 1, "isActive": True},
        ],
        "ConfigurationItemTypes": [{"id": 1, "name": "Workstation"}, {"id": 2, "name": "Server"},
                                   {"id": 3, "name": "Laptop"}],
        "Products": [{"id": 30, "name": "OptiPlex 7090", "manufacturerName": "Dell",
                      "manufacturerProductName": "OPT-7090", "productBillingCodeID": 1, "isActive": True}],
        "Companies": [
            {"id": 1000 + c, "companyName": f"Company {c:05d}", "companyType": 1, "ownerResourceID": 101,
             "phone": f"555-{c % 10000:04d}", "address1": f"{c} Main St", "city": "Springfield", "state": "IL",
             "postalCode": "62701"}
            for c in range(1, companies + 1)
        ],
        "ConfigurationItems": [
            {"id": 1_000_000 + i, "companyID": 1000 + (i % companies) + 1, "productID": 30,
             "configurationItemType": 1 + i % 3, "referenceTitle": f"HOST-{i:07d}", "serialNumber": f"SN-{i:07d}",
             "isActive": i % 17 != 0, "installDate": "2024-01-02T03:04:05Z",
             "userDefinedFields": [{"name": "MAC Address",
                                    "value": ":".join(f"{(i >> s) & 0xFF:02X}" for s in (40, 32, 24, 16, 8, 0))}]}
            for i in range(1, cis + 1)
        ],
    }
    return {
        "format": "autotask-mock/tenant@1",
        "tenant": {"name": BENCH_TENANT, "zoneName": "Bench Zone", "zone": 5, "ci": 4242,
                   "clock": "2026-01-01T00:00:00Z", "clockFrozen": True},
        "integrationCodes": [BENCH_CODE],
        "apiUsers": [{"userName": BENCH_USER, "secret": BENCH_SECRET, "resourceID": 100,
                      "securityLevel": "API User (system)"}],
        "picklists": {
            "Companies.companyType": [{"value": 1, "label": "Customer"}, {"value": 2, "label": "Lead"}],
            "Resources.licenseType": [{"value": 1, "label": "Full"}, {"value": 7, "label": "API User"}],
        },
        "userDefinedFields": {"ConfigurationItems": [{"name": "MAC Address", "type": "string", "length": 100}]},
        "records": records,
    }


def generated_fixture(cis: int) -> dict[str, Any]:
    """The same size of tenant from mockserver.fixtures.generator (when that module exists)."""
    from mockserver.fixtures.generator import generate_tenant

    return generate_tenant(seed=42, companies=max(10, cis // 100), cis=cis, tickets=0, name=BENCH_TENANT,
                           api_user=BENCH_USER, secret=BENCH_SECRET, integration_code=BENCH_CODE)


def bench_fixture(cis: int, source: str = "synthetic") -> dict[str, Any]:
    if source == "generator":
        return generated_fixture(cis)
    return synthetic_fixture(cis)


def record_count(doc: dict[str, Any]) -> int:
    return sum(len(rows or ()) for rows in (doc.get("records") or {}).values())


def probe_generator(cis: int = 200) -> tuple[bool, str]:
    """Whether the fixture generator exists and its output loads into the mock (``(ok, note)``)."""
    try:
        doc = generated_fixture(cis)
    except ImportError:
        return False, "mockserver.fixtures.generator does not exist yet"
    except Exception as exc:  # noqa: BLE001
        return False, f"generate_tenant failed: {type(exc).__name__}: {exc}"
    try:
        from mockserver.app import create_app
        from mockserver.config import MockConfig

        create_app(MockConfig(fixtures=[doc]))
    except Exception as exc:  # noqa: BLE001
        first = str(exc).splitlines()
        return False, f"generate_tenant output does not load: {first[0]} {first[1].strip() if len(first) > 1 else ''}"
    return True, "generate_tenant"


# Mock settings for the throughput benchmarks. The throttle emulation adds +0.5 s / +1 s per request once a
# tenant has used 50 % / 75 % of its hourly request_threshold (10,000) and answers 429 at 100 %: a benchmark
# sends more than that in seconds and would measure the emulated Autotask throttle, not the mock. Everything
# else (journal, thread limit of 3 per endpoint, faults, webhooks, security levels) keeps its default.
BENCH_SETTINGS: dict[str, Any] = {"request_threshold": 1_000_000_000}


def make_app(doc: dict[str, Any] | None, settings: dict[str, Any] | None = None):
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    config = MockConfig(fixtures=[doc] if doc is not None else [])
    overrides = dict(BENCH_SETTINGS if settings is None else settings)
    known = {f for f in getattr(config, "__dataclass_fields__", {})}
    return create_app(config.with_overrides(**{k: v for k, v in overrides.items() if k in known}))


def bench_headers() -> dict[str, str]:
    return {"UserName": BENCH_USER, "Secret": BENCH_SECRET, "ApiIntegrationCode": BENCH_CODE}


class Workload:
    """What the benchmarks ask of a tenant: CI ids to GET and serial numbers to filter on, sampled from the
    fixture itself (so the synthetic tenant and the generator's tenant both work)."""

    def __init__(self, doc: dict[str, Any], n: int = 2000, seed: int = 7) -> None:
        import random

        cis = (doc.get("records") or {}).get("ConfigurationItems") or []
        if not cis:
            raise ValueError("the bench tenant has no configuration items")
        rng = random.Random(seed)
        self.count = len(cis)
        self.ids = [cis[rng.randrange(len(cis))]["id"] for _ in range(n)]
        serials = [c["serialNumber"] for c in cis if c.get("serialNumber")]
        self.serials = [serials[rng.randrange(len(serials))] for _ in range(n)]
        self.first_id = cis[0]["id"]

    def get_path(self, i: int) -> str:
        return f"{V1}/ConfigurationItems/{self.ids[i % len(self.ids)]}"

    def eq_body(self, i: int) -> str:
        return json.dumps({"filter": [{"op": "eq", "field": "serialNumber", "value": self.serials[i % len(self.serials)]}]},
                          separators=(",", ":"))

    def requests(self, op: str) -> list[dict[str, Any]]:
        """Request templates for the load generator (each client cycles through them)."""
        if op == "get_by_id":
            return [{"method": "GET", "path": self.get_path(i)} for i in range(len(self.ids))]
        if op == "eq_indexed":
            return [{"method": "POST", "path": f"{V1}/ConfigurationItems/query", "body": self.eq_body(i)}
                    for i in range(len(self.serials))]
        if op == "paging":
            return [{"method": "POST", "path": f"{V1}/ConfigurationItems/query", "body": all_query(), "follow": True}]
        raise ValueError(op)


def all_query(max_records: int = 500) -> str:
    return json.dumps({"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": max_records},
                      separators=(",", ":"))


# ---------------------------------------------------------------------------------------------- ceiling app


def ceiling_app(item: dict[str, Any] | None = None):
    """The ceiling: a trivial Flask app that answers every GET with one fixed ``{"item": …}``."""
    from flask import Flask, Response

    body_obj = {"item": item if item is not None else {"id": 1, "referenceTitle": "HOST", "serialNumber": "SN"}}
    app = Flask("ceiling")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def _any(path: str) -> Response:
        return Response(json.dumps(body_obj, separators=(",", ":")), content_type="application/json; charset=utf-8")

    return app


def sample_item(cis: int) -> dict[str, Any]:
    """The mock's own answer for one CI of a small bench tenant (so the ceiling sends a same-sized body)."""
    app = make_app(synthetic_fixture(min(cis, 100)))
    resp = app.test_client().get(f"{V1}/ConfigurationItems/{1_000_001}", headers=bench_headers())
    return resp.get_json()["item"]


# ---------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it does not stop within 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def wait_http(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 120.0,
              proc: subprocess.Popen | None = None, interval: float = 0.005) -> float:
    """Poll until ``GET path`` answers (any status below 500 … or 200 for zone look-ups); returns seconds waited."""
    start = time.perf_counter()
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server process exited with {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"nothing answered on port {port} within {timeout:.0f} s")


class ServerProcess:
    """A benchmark target in its own process (``python bench/common.py serve …``)."""

    def __init__(self, target: str, server: str, cis: int = 0, threads: int = 8, source: str = "synthetic",
                 ready_timeout: float = 300.0) -> None:
        self.target, self.server, self.cis, self.threads = target, server, cis, threads
        self.port = free_port()
        cmd = [sys.executable, str(BENCH_DIR / "common.py"), "serve", "--target", target, "--server", server,
               "--cis", str(cis), "--port", str(self.port), "--threads", str(threads), "--source", source]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO)
        self._stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        probe = f"{V1}/zoneInformation?user={quote(BENCH_USER)}" if target == "mock" else "/ready"
        try:
            self.ready_s = wait_http(self.port, probe, timeout=ready_timeout, proc=self.proc, interval=0.05)
        except Exception:
            self.close()
            raise RuntimeError(f"{target}/{server} did not start: {''.join(self._stderr[-20:])}") from None

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)
            if len(self._stderr) > 200:
                del self._stderr[:100]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_mib(self) -> float | None:
        try:
            import psutil

            return psutil.Process(self.proc.pid).memory_info().rss / 2**20
        except Exception:  # noqa: BLE001
            return None

    def close(self) -> None:
        stop_process(self.proc)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve_main(args: argparse.Namespace) -> None:
    if args.target == "mock":
        app = make_app(bench_fixture(args.cis, args.source))
    else:
        app = ceiling_app(sample_item(args.cis or 100))
    if args.server == "waitress":
        from mockserver.cli import build_server

        server = build_server(app, HOST, args.port, args.threads)
        log(f"waitress serving {args.target} on {server.effective_port}")
        server.run()
    elif args.server == "gunicorn":
        from gunicorn.app.base import BaseApplication

        class _App(BaseApplication):
            def load_config(self) -> None:
                # One process (the mock is stateful: a second worker would hold a second, diverging tenant),
                # keep-alive capable threaded workers.
                for key, value in {"bind": f"{HOST}:{args.port}", "workers": 1, "worker_class": "gthread",
                                   "threads": args.threads, "keepalive": 30, "accesslog": None,
                                   "loglevel": "warning", "timeout": 120}.items():
                    self.cfg.set(key, value)

            def load(self):
                return app

        _App().run()
    else:
        raise SystemExit(f"unknown server {args.server}")


# ---------------------------------------------------------------------------------------------- load generator


def _client_loop(port: int, headers: dict[str, str], requests_: list[dict[str, Any]], start_at: int,
                 stop_at: float, max_requests: int, out: dict[str, Any]) -> None:
    """One client: a keep-alive HTTP/1.1 connection, requests cycled from ``start_at``; ``follow`` walks
    ``nextPageUrl`` links and starts over when a walk ends."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    lat: list[float] = []
    errors = 0
    records = 0
    walks = 0
    i = start_at
    n = len(requests_)
    next_url: str | None = None
    base_headers = dict(headers)
    json_headers = {**base_headers, "Content-Type": "application/json"}
    perf = time.perf_counter
    while len(lat) < max_requests:
        t0 = perf()
        if t0 >= stop_at:
            break
        spec = requests_[i % n]
        if next_url is not None:  # nextPageUrl of a POST query: POST the same body to it (as clients do)
            parts = urlsplit(next_url)
            method, path, body, hdrs = "POST", f"{parts.path}?{parts.query}", spec.get("body"), json_headers
        else:
            method, path = spec["method"], spec["path"]
            body = spec.get("body")
            hdrs = json_headers if body is not None else base_headers
            i += 1
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            next_url = None
            continue
        lat.append(perf() - t0)
        if resp.status != 200:
            errors += 1
            next_url = None
            continue
        if spec.get("follow"):
            doc = json.loads(data)
            records += len(doc.get("items") or ())
            next_url = (doc.get("pageDetails") or {}).get("nextPageUrl")
            if next_url is None:
                walks += 1
    conn.close()
    out.update(lat=lat, errors=errors, records=records, walks=walks)


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system, all threads and children) a server process has used so far."""
    if not pid:
        return None
    try:
        import psutil

        proc = psutil.Process(pid)
        total = sum(proc.cpu_times()[:2])
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += sum(child.cpu_times()[:2])
        return total
    except Exception:  # noqa: BLE001 - psutil missing or the process gone: no CPU figure
        return None


def run_load(port: int, requests_: list[dict[str, Any]], clients: int, duration: float,
             headers: dict[str, str] | None = None, warmup: float = 0.3, max_requests: int = 1_000_000,
             server_pid: int | None = None) -> dict[str, Any]:
    """Drive ``clients`` threads for ``duration`` seconds after ``warmup``; req/s, p50/p99, errors, and
    (given ``server_pid``) the server's CPU time per request — a figure other load on the machine barely moves."""
    headers = headers or {}
    if warmup > 0:  # connections, lazy indexes, caches
        sink: dict[str, Any] = {}
        _client_loop(port, headers, requests_, 0, time.perf_counter() + warmup, max_requests, sink)
    results = [{} for _ in range(clients)]
    stop_at = time.perf_counter() + duration
    threads = [threading.Thread(target=_client_loop,
                                args=(port, headers, requests_, k * 997, stop_at, max_requests, results[k]))
               for k in range(clients)]
    cpu0 = _cpu_seconds(server_pid)
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    elapsed = time.perf_counter() - t0
    cpu1 = _cpu_seconds(server_pid)
    lat = [x for r in results for x in r.get("lat", ())]
    n = len(lat)
    out = {"rps": n / elapsed if elapsed else 0.0, "requests": n, "elapsed_s": elapsed,
           "errors": sum(r.get("errors", 0) for r in results), **latency_summary(lat)}
    if cpu0 is not None and cpu1 is not None and n:
        out["server_cpu_us_per_req"] = (cpu1 - cpu0) / n * 1e6
    recs = sum(r.get("records", 0) for r in results)
    if recs:
        out["records_per_s"] = recs / elapsed
    return out


def load_in_subprocess(port: int, requests_: list[dict[str, Any]], clients: int, duration: float,
                       headers: dict[str, str] | None = None, warmup: float = 0.3,
                       server_pid: int | None = None) -> dict[str, Any]:
    """Run the load generator in a fresh process (its GIL is not the server's)."""
    spec = {"port": port, "requests": requests_, "clients": clients, "duration": duration,
            "headers": headers or {}, "warmup": warmup, "server_pid": server_pid}
    proc = subprocess.run([sys.executable, str(BENCH_DIR / "common.py"), "load"], input=json.dumps(spec),
                          capture_output=True, text=True, timeout=duration + warmup + 300, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------- in-process


def run_inprocess(call: Callable[[int], Any], clients: int, duration: float, warmup: float = 0.2,
                  max_requests: int = 1_000_000) -> dict[str, Any]:
    """Like :func:`run_load`, for a callable ``call(i)`` made in this process (Flask test client, responses…)."""
    end = time.perf_counter() + warmup
    i = 0
    while time.perf_counter() < end:
        call(i)
        i += 1
    results: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop_at = time.perf_counter() + duration

    def loop(k: int) -> None:
        lat = results[k]
        j = k * 997
        perf = time.perf_counter
        while len(lat) < max_requests:
            t0 = perf()
            if t0 >= stop_at:
                break
            try:
                call(j)
            except Exception:  # noqa: BLE001
                errors[k] += 1
            lat.append(perf() - t0)
            j += 1

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if clients == 1:
        loop(0)
    else:
        threads = [threading.Thread(target=loop, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    lat = [x for r in results for x in r]
    return {"rps": len(lat) / elapsed if elapsed else 0.0, "requests": len(lat), "elapsed_s": elapsed,
            "errors": sum(errors), "cpu_us_per_req": cpu / len(lat) * 1e6 if lat else float("nan"),
            **latency_summary(lat)}


# ---------------------------------------------------------------------------------------------- scale


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def _scale_main(args: argparse.Namespace) -> None:
    """Load one tenant of ``--cis`` CIs into a fresh app; print load time (wall and CPU), memory, GC pause.

    Memory: with ``--tracemalloc`` the bytes still allocated once the caller has dropped its fixture document
    (precise: the tenant's tables and indexes plus whatever the store keeps of the document); otherwise the process's RSS growth from before the fixture document
    was built to after it was dropped (an upper bound: the allocator keeps freed memory)."""
    from mockserver.app import get_context

    app = make_app(None)  # catalogue and app machinery first: not part of the tenant's cost
    store = get_context(app).store
    bench_fixture(10, args.source)  # warm the generator's module-level caches (Faker data): not the tenant's
    gc.collect()
    rss_base = _rss()
    if args.tracemalloc:  # from before the document exists: whatever the store keeps of it counts too
        import tracemalloc

        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    doc = bench_fixture(args.cis, args.source)
    gen_s = time.perf_counter() - t0
    n_records = record_count(doc)
    gc.collect()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    store.add_tenant(doc, "<bench>")
    load_s = time.perf_counter() - t0
    load_cpu_s = time.process_time() - cpu0
    del doc
    gc.collect()
    out: dict[str, Any] = {"cis": args.cis, "records": n_records, "generate_s": gen_s}
    if args.tracemalloc:
        out["traced_bytes"] = tracemalloc.get_traced_memory()[0] - base
        sources = getattr(store, "sources", None)  # the fixture documents the store keeps (for reset)
        if isinstance(sources, dict) and sources:
            sources.clear()
            gc.collect()
            out["kept_document_bytes"] = out["traced_bytes"] - (tracemalloc.get_traced_memory()[0] - base)
        tracemalloc.stop()
    else:
        out |= {"load_s": load_s, "load_cpu_s": load_cpu_s, "rss_bytes": _rss() - rss_base}
        t0 = time.perf_counter()
        gc.collect()  # what one full collection costs with the tenant in memory (a request-latency spike)
        out["gc_full_ms"] = (time.perf_counter() - t0) * 1000
    print(json.dumps(out))


def scale_in_subprocess(cis: int, source: str, use_tracemalloc: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH_DIR / "common.py"), "scale", "--cis", str(cis), "--source", source]
    if use_tracemalloc:
        cmd.append("--tracemalloc")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"scale run failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------- output


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    text = json.dumps(data, indent=2, default=str)
    path.write_text(text + "\n")
    (RESULTS_DIR / f"{name}-latest.json").write_text(text + "\n")
    return path


def fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False)))
            for r in rows]
    return "\n".join([line, sep, *body])


def iter_chunks(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


# ---------------------------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench/common.py")
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--target", choices=("mock", "ceiling"), required=True)
    s.add_argument("--server", choices=("waitress", "gunicorn"), default="waitress")
    s.add_argument("--cis", type=int, default=0)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--threads", type=int, default=8)
    s.add_argument("--source", default="synthetic")
    sub.add_parser("load")
    sc = sub.add_parser("scale")
    sc.add_argument("--cis", type=int, required=True)
    sc.add_argument("--source", default="synthetic")
    sc.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        _serve_main(args)
    elif args.cmd == "load":
        spec = json.loads(sys.stdin.read())
        result = run_load(spec["port"], spec["requests"], spec["clients"], spec["duration"], spec["headers"],
                          spec.get("warmup", 0.3), server_pid=spec.get("server_pid"))
        print(json.dumps(result))
    elif args.cmd == "scale":
        _scale_main(args)


if __name__ == "__main__":
    main()


def wsgi_get_caller(app: Any, wl: Workload) -> Callable[[int], None]:
    """GET of CI ``i`` as one bare WSGI call with a prepared environ: the app's own cost, without a test client
    or a socket (bench_mock's WSGI rows, bench_console's with/without comparison)."""
    from werkzeug.test import EnvironBuilder

    env0 = EnvironBuilder(path=wl.get_path(0), headers=bench_headers(), base_url="http://127.0.0.1").get_environ()

    def call(i: int) -> None:
        env = dict(env0)
        env["PATH_INFO"] = wl.get_path(i)
        env["wsgi.input"] = io.BytesIO(b"")
        status: list[str] = []
        body = app(env, lambda s, h, exc=None: status.append(s))
        try:
            data = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        if not status[0].startswith("200"):
            raise RuntimeError(status[0])
        json.loads(data)

    return call
