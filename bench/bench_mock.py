"""Mock throughput, latency, start-up and scale, with the comparisons measured side by side in one run.

    python bench/bench_mock.py [--quick] [--only inprocess,http,startup,scale] [--reps N] [--duration S]

Figures are medians over ``--reps`` repetitions; ratios are medians of per-repetition ratios of runs
interleaved in the same session (mock, ceiling, mock, ceiling …), so machine drift cancels out.
Results are printed and written to bench/results/bench_mock-<time>.json (and bench_mock-latest.json).
Not part of the test run. Everything talks to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

OPS = ("get_by_id", "eq_indexed", "paging")
CLIENTS = (1, 8)
PRISM_VERSION = "5"
PRISM_DIR = c.CACHE_DIR / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"


# ---------------------------------------------------------------------------------------------- settings


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    return {
        "quick": quick,
        "reps": args.reps or (3 if quick else 5),
        "duration": args.duration or (0.5 if quick else 2.0),
        "cis": args.cis or (10_000 if quick else 100_000),
        "scale_sizes": [1_000, 10_000] if quick else [1_000, 10_000, 100_000],
        "scale_reps": 2 if quick else 3,
        "startup_reps": 3 if quick else 5,
        "walks": 2 if quick else 3,
        "gunicorn": not args.no_gunicorn,
        "prism": not args.no_prism,
        "source": args.source,
    }


def resolve_source(requested: str, notes: list[str]) -> str:
    if requested != "auto":
        return requested
    ok, note = c.probe_generator()
    if ok:
        return "generator"
    notes.append(f"tenants: synthetic bench fixture (companies + configuration items, the shape of "
                 f"tests/fixtures/basic.yaml) because {note}")
    return "synthetic"


# ---------------------------------------------------------------------------------------------- in-process


def _json_headers() -> dict[str, str]:
    return {**c.bench_headers(), "Content-Type": "application/json"}


def inprocess(cfg: dict[str, Any], doc: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Flask test client against the mock; the trivial-app ceiling and a `responses` stub beside it."""
    import requests
    import responses

    wl = c.Workload(doc)
    app = c.make_app(doc)
    headers, jheaders = c.bench_headers(), _json_headers()
    item = app.test_client().get(wl.get_path(0), headers=headers).get_json()["item"]
    ceiling = c.ceiling_app(item)
    local = threading.local()

    def client(flask_app):
        key = f"client_{id(flask_app)}"
        cl = getattr(local, key, None)
        if cl is None:
            cl = flask_app.test_client()
            setattr(local, key, cl)
        return cl

    def get_by_id(i: int) -> None:
        resp = client(app).get(wl.get_path(i), headers=headers)
        if resp.status_code != 200 or resp.get_json()["item"] is None:
            raise RuntimeError(resp.status_code)

    def eq_indexed(i: int) -> None:
        resp = client(app).post(f"{c.V1}/ConfigurationItems/query", data=wl.eq_body(i), headers=jheaders)
        if resp.status_code != 200 or not resp.get_json()["items"]:
            raise RuntimeError(resp.status_code)

    def paging(i: int) -> None:
        nxt = getattr(local, "next_url", None)
        cl = client(app)
        if nxt:  # a POST query's nextPageUrl is followed with POST and the same body
            parts = urlsplit(nxt)
            resp = cl.post(f"{parts.path}?{parts.query}", data=c.all_query(), headers=jheaders)
        else:
            resp = cl.post(f"{c.V1}/ConfigurationItems/query", data=c.all_query(), headers=jheaders)
        if resp.status_code != 200:
            raise RuntimeError(resp.status_code)
        local.next_url = resp.get_json()["pageDetails"]["nextPageUrl"]

    def ceiling_get(i: int) -> None:
        resp = client(ceiling).get(wl.get_path(i), headers=headers)
        resp.get_json()

    # (c) a hand-written `responses` stub: what a unit test would register instead of running the mock
    stub_base = "https://webservices5.autotask.net"
    rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
    rsps.add(responses.GET, re.compile(re.escape(stub_base) + r"/ATServicesRest/V1\.0/ConfigurationItems/\d+"),
             json={"item": item})

    def responses_get(i: int) -> None:
        sess = getattr(local, "session", None)
        if sess is None:
            sess = local.session = requests.Session()
        sess.get(stub_base + wl.get_path(i), headers=headers).json()

    calls = {"get_by_id": get_by_id, "eq_indexed": eq_indexed, "paging": paging,
             "ceiling_get_by_id": ceiling_get, "responses_get_by_id": responses_get,
             "wsgi_get_by_id": c.wsgi_get_caller(app, wl), "wsgi_ceiling_get_by_id": c.wsgi_get_caller(ceiling, wl)}
    # the mock in-process through `requests` (mockserver.intercept), like the `responses` stub is reached
    intercept = None
    try:
        from mockserver.intercept import mock_autotask

        intercept = mock_autotask(app=app, tenant=c.BENCH_TENANT)
        calls["intercept_get_by_id"] = responses_get
    except ImportError:
        notes.append("mockserver.intercept not available: no requests-level in-process figure")
    raw: dict[str, dict[int, list[dict[str, Any]]]] = {name: {n: [] for n in CLIENTS} for name in calls}
    for rep in range(cfg["reps"]):
        for n in CLIENTS:
            for name, fn in calls.items():
                if name.startswith("responses"):
                    rsps.start()
                elif name.startswith("intercept"):
                    intercept.start()
                try:
                    raw[name][n].append(c.run_inprocess(fn, n, cfg["duration"]))
                finally:
                    if name.startswith("responses"):
                        rsps.stop(allow_assert=False)  # keeps the registry for the next repetition
                    elif name.startswith("intercept"):
                        intercept.stop()
                local.next_url = None
        c.log(f"  in-process rep {rep + 1}/{cfg['reps']}: get_by_id {raw['get_by_id'][1][-1]['rps']:,.0f} req/s")
    out: dict[str, Any] = {name: {f"c{n}": c.combine_runs(runs) for n, runs in per.items()} for name, per in raw.items()}
    out["ratios"] = {
        f"mock_vs_ceiling_c{n}": c.paired_ratio(raw["get_by_id"][n], raw["ceiling_get_by_id"][n]) for n in CLIENTS
    } | {
        f"mock_vs_responses_c{n}": c.paired_ratio(raw["get_by_id"][n], raw["responses_get_by_id"][n]) for n in CLIENTS
    } | {
        f"wsgi_mock_vs_wsgi_ceiling_c{n}": c.paired_ratio(raw["wsgi_get_by_id"][n], raw["wsgi_ceiling_get_by_id"][n])
        for n in CLIENTS
    }
    if "intercept_get_by_id" in raw:
        out["ratios"] |= {f"intercept_mock_vs_responses_c{n}": c.paired_ratio(raw["intercept_get_by_id"][n],
                                                                              raw["responses_get_by_id"][n])
                          for n in CLIENTS}
    # paging through every record: whole walks, one client
    walks = []
    for _ in range(cfg["walks"]):
        cl = app.test_client()
        t0 = time.perf_counter()
        page_lat: list[float] = []
        records = 0
        t = time.perf_counter()
        resp = cl.post(f"{c.V1}/ConfigurationItems/query", data=c.all_query(), headers=jheaders)
        while True:
            body = resp.get_json()
            page_lat.append(time.perf_counter() - t)
            records += len(body["items"])
            nxt = body["pageDetails"]["nextPageUrl"]
            if not nxt:
                break
            parts = urlsplit(nxt)
            t = time.perf_counter()
            resp = cl.post(f"{parts.path}?{parts.query}", data=c.all_query(), headers=jheaders)
        walks.append({"walk_s": time.perf_counter() - t0, "records": records, "pages": len(page_lat),
                      **c.latency_summary(page_lat)})
    out["paging_walk"] = c.combine_runs(walks)
    if out["paging_walk"]["records"] != wl.count:
        notes.append(f"paging walk returned {out['paging_walk']['records']} records, tenant has {wl.count}")
    return out


# ---------------------------------------------------------------------------------------------- Prism


def ensure_prism(notes: list[str]) -> Path | None:
    if PRISM_BIN.exists():
        return PRISM_BIN
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        notes.append("Prism comparison skipped: npm/node is not available on this machine")
        return None
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    c.log(f"  installing @stoplight/prism-cli@{PRISM_VERSION} into {PRISM_DIR} (once) …")
    proc = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(PRISM_DIR),
                           f"@stoplight/prism-cli@{PRISM_VERSION}"], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not PRISM_BIN.exists():
        notes.append(f"Prism comparison skipped: npm install failed: {proc.stderr.strip()[-300:]}")
        return None
    return PRISM_BIN


class PrismProcess:
    """Prism serving the real spec, paths prefixed with /ATServicesRest (a transformed copy in a temp dir)."""

    def __init__(self, prism: Path, tmp: Path) -> None:
        spec = json.loads(c.SPEC_PATH.read_text(encoding="utf-8"))
        spec["paths"] = {"/ATServicesRest" + p: v for p, v in spec["paths"].items()}
        spec.pop("basePath", None)
        spec.pop("host", None)
        spec_file = tmp / "autotask-openapi.prism.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        self.port = c.free_port()
        self.proc = subprocess.Popen([str(prism), "mock", "-h", c.HOST, "-p", str(self.port), "--verboseLevel", "error",
                                      str(spec_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=tmp, start_new_session=True)
        t0 = time.perf_counter()
        try:
            c.wait_http(self.port, f"{c.V1}/ConfigurationItems/1", c.bench_headers(), timeout=180, proc=self.proc,
                        interval=0.1)
        except Exception:
            self.close()
            raise
        self.ready_s = time.perf_counter() - t0

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)  # prism's npm shim starts node as a child: end its whole group
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=15)


# ---------------------------------------------------------------------------------------------- HTTP


def http(cfg: dict[str, Any], doc: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Over HTTP: the mock and the ceiling on waitress (and gunicorn), Prism beside them."""
    wl = c.Workload(doc)
    headers = c.bench_headers()
    servers: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench-prism-"))
    out: dict[str, Any] = {"servers": {}}
    try:
        wanted = [("waitress", "mock"), ("waitress", "ceiling")]
        if cfg["gunicorn"]:
            try:
                import gunicorn  # noqa: F401

                wanted += [("gunicorn", "mock"), ("gunicorn", "ceiling")]
            except ImportError:
                notes.append("gunicorn comparison skipped: gunicorn is not installed (pip install -e .[bench])")
        for server, target in wanted:
            c.log(f"  starting {target} on {server} …")
            proc = c.ServerProcess(target, server, cfg["cis"], source=cfg["source_used"])
            servers[(server, target)] = proc
            out["servers"][f"{server}/{target}"] = {"ready_s": proc.ready_s, "rss_mib": proc.rss_mib()}
        if cfg["prism"]:
            prism = ensure_prism(notes)
            if prism is not None:
                c.log("  starting Prism with the full spec …")
                try:
                    servers[("prism", "prism")] = PrismProcess(prism, tmp)
                    out["servers"]["prism"] = {"ready_s": servers[("prism", "prism")].ready_s}
                except Exception as exc:  # noqa: BLE001
                    notes.append(f"Prism comparison skipped: Prism did not start: {exc}")

        # what runs, interleaved per repetition: (key, server, target, op)
        plan: list[tuple[str, tuple[str, str], str]] = []
        for server in ("waitress", "gunicorn"):
            if (server, "mock") not in servers:
                continue
            for op in OPS:
                plan.append((f"{server}/mock/{op}", (server, "mock"), op))
            plan.append((f"{server}/ceiling/get_by_id", (server, "ceiling"), "get_by_id"))
        if ("prism", "prism") in servers:
            for op in ("get_by_id", "eq_indexed"):
                plan.append((f"prism/{op}", ("prism", "prism"), op))
        raw: dict[str, dict[int, list[dict[str, Any]]]] = {key: {n: [] for n in CLIENTS} for key, _, _ in plan}
        for rep in range(cfg["reps"]):
            for n in CLIENTS:
                for key, server_key, op in plan:
                    srv = servers[server_key]
                    result = c.load_in_subprocess(srv.port, wl.requests(op), n, cfg["duration"], headers,
                                                  server_pid=srv.proc.pid)
                    raw[key][n].append(result)
            c.log(f"  HTTP rep {rep + 1}/{cfg['reps']}: waitress get_by_id c8 "
                  f"{raw['waitress/mock/get_by_id'][8][-1]['rps']:,.0f} req/s")
        for key, per in raw.items():
            out[key] = {f"c{n}": c.combine_runs(runs) for n, runs in per.items()}
            if any(r["errors"] for runs in per.values() for r in runs):
                notes.append(f"HTTP {key}: {sum(r['errors'] for runs in per.values() for r in runs)} non-200 answers "
                             f"or connection errors")
        ratios: dict[str, float] = {}
        for server in ("waitress", "gunicorn"):
            if f"{server}/mock/get_by_id" not in raw:
                continue
            for n in CLIENTS:
                ratios[f"{server}_mock_vs_ceiling_c{n}"] = c.paired_ratio(raw[f"{server}/mock/get_by_id"][n],
                                                                         raw[f"{server}/ceiling/get_by_id"][n])
        if "prism/get_by_id" in raw:
            for op in ("get_by_id", "eq_indexed"):
                for n in CLIENTS:
                    ratios[f"mock_vs_prism_{op}_c{n}"] = c.paired_ratio(raw[f"waitress/mock/{op}"][n],
                                                                       raw[f"prism/{op}"][n])
        if "gunicorn/mock/get_by_id" in raw:
            for n in CLIENTS:
                ratios[f"waitress_vs_gunicorn_mock_c{n}"] = c.paired_ratio(raw["waitress/mock/get_by_id"][n],
                                                                          raw["gunicorn/mock/get_by_id"][n])
        out["ratios"] = ratios
        for (server, target), proc in servers.items():
            if hasattr(proc, "rss_mib") and proc.rss_mib() is not None:
                out["servers"][f"{server}/{target}"]["rss_after_mib"] = proc.rss_mib()
    finally:
        for proc in servers.values():
            proc.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


# ---------------------------------------------------------------------------------------------- start-up

_STARTUP_CODE = r"""
import sys, time
t_start = time.time()
from mockserver.app import create_app
from mockserver.cli import build_server
from mockserver.config import MockConfig
t_imported = time.time()
fixtures = sys.argv[2:] or None
app = create_app(MockConfig(fixtures=fixtures) if fixtures else MockConfig())
t_app = time.time()
server = build_server(app, "127.0.0.1", int(sys.argv[1]), 8)
print(f"STAGES {t_start} {t_imported} {t_app} {time.time()}", file=sys.stderr, flush=True)
server.run()
"""


def _demo_user(fixture: str | None) -> str | None:
    from mockserver.fixtures_loader import read_fixture

    doc, _ = read_fixture(fixture or "demo")
    users = doc.get("apiUsers") or []
    return users[0]["userName"] if users else None


def _startup_runs(reps: int, fixture_args: list[str], user: str, env: dict[str, str]) -> list[dict[str, float]]:
    runs = []
    for _ in range(reps):
        port = c.free_port()
        t_wall0 = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _STARTUP_CODE, str(port), *fixture_args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=c.REPO, env=env)
        try:
            c.wait_http(port, f"{c.V1}/zoneInformation?user={quote(user)}", timeout=60, proc=proc, interval=0.002)
            first = time.perf_counter() - t0
        finally:
            proc.terminate()
            try:
                _, err = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate(timeout=15)
        run = {"first_answer_s": first}
        m = re.search(r"STAGES ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", err or "")
        if m:
            s0, s1, s2, s3 = (float(x) for x in m.groups())
            run |= {"interpreter_s": s0 - t_wall0, "imports_s": s1 - s0, "create_app_s": s2 - s1, "bind_s": s3 - s2}
        runs.append(run)
    return runs


def startup(cfg: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """A fresh `python -c` that creates the app with the default demo fixture and serves it (waitress); time
    from spawning it to the first answered zoneInformation request.

    Measured twice: with Python's bytecode caches usable (a normal installation: the first, uncounted run
    writes the repository's gitignored __pycache__), and as the environment is configured when it sets
    PYTHONDONTWRITEBYTECODE (every repository module compiled from source on each start)."""
    fixture_args: list[str] = []
    used = "demo (MockConfig() default)"
    tmpdir = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        try:
            user = _demo_user(None)
            from mockserver.app import create_app
            from mockserver.config import MockConfig

            create_app(MockConfig())
        except Exception as exc:  # noqa: BLE001
            reason = str(exc).splitlines()[0]
            notes.append(f"start-up: the default demo fixture does not load ({type(exc).__name__}: {reason}); "
                         "measured with a synthetic stand-in of the demo's size (40 companies, 320 CIs) "
                         "given as a fixture file")
            doc = c.synthetic_fixture(320, companies=40)
            path = tmpdir / "demo-standin.json"
            path.write_text(json.dumps(doc))
            fixture_args = [str(path)]
            user = c.BENCH_USER
            used = "synthetic demo stand-in (fixture file)"
        env_pyc = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        _startup_runs(1, fixture_args, user or "", env_pyc)  # writes the bytecode caches; not counted
        out = c.combine_runs(_startup_runs(cfg["startup_reps"], fixture_args, user or "", env_pyc))
        out["fixture"] = used
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            no_pyc = c.combine_runs(_startup_runs(cfg["startup_reps"], fixture_args, user or "", dict(os.environ)))
            out["without_bytecode_cache"] = {k: v for k, v in no_pyc.items() if k != "raw"}
        return out
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- scale


def scale(cfg: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Load time and retained memory of 1k / 10k / 100k-CI tenants, each in a fresh process."""
    sizes = cfg["scale_sizes"]
    out: dict[str, Any] = {"sizes": {}}
    for n in sizes:
        res = c.combine_runs([c.scale_in_subprocess(n, cfg["source_used"]) for _ in range(cfg["scale_reps"])])
        traced = c.scale_in_subprocess(n, cfg["source_used"], use_tracemalloc=True)
        res["traced_bytes"] = traced["traced_bytes"]
        if "kept_document_bytes" in traced:
            res["kept_document_bytes"] = traced["kept_document_bytes"]
        res["bytes_per_record"] = res["traced_bytes"] / res["records"]
        res["bytes_per_record_rss"] = res["rss_bytes"] / res["records"]
        res["us_per_record_load"] = res["load_s"] / res["records"] * 1e6
        res["us_per_record_load_cpu"] = res["load_cpu_s"] / res["records"] * 1e6
        out["sizes"][str(n)] = res
        c.log(f"  scale {n:,} CIs: load {res['load_s']:.2f} s (CPU {res['load_cpu_s']:.2f} s), "
              f"{res['traced_bytes'] / 2**20:.1f} MiB")
    steps = {}
    for a, b in zip(sizes, sizes[1:], strict=False):
        ra, rb = out["sizes"][str(a)], out["sizes"][str(b)]
        steps[f"{a}->{b}"] = {
            "size_ratio": rb["records"] / ra["records"],
            "load_time_ratio": rb["load_s"] / ra["load_s"],
            "load_cpu_ratio": rb["load_cpu_s"] / ra["load_cpu_s"],
            "memory_ratio": rb["traced_bytes"] / ra["traced_bytes"],
        }
    out["steps"] = steps
    big = out["sizes"][str(max(sizes))]
    out["largest"] = max(sizes)
    out["memory_per_100k_records_mib"] = big["bytes_per_record"] * 100_000 / 2**20
    out["load_s_largest"] = big["load_s"]
    return out


# ---------------------------------------------------------------------------------------------- targets


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(name: str, value: float | None, op: str, bound: float, unit: str, cpu_capacity: float | None = None) -> None:
        """``cpu_capacity``: req/s the measured CPU cost per request allows with a core to itself."""
        met = None if value is None or value != value else (value >= bound if op == ">=" else value < bound)
        rows.append({"target": name, "value": value, "bound": f"{op} {bound:g}{unit}", "unit": unit, "met": met,
                     "cpu_capacity": cpu_capacity})

    def capacity(us: float | None) -> float | None:
        return 1e6 / us if us and us == us else None

    ip = res.get("inprocess")
    if ip:
        add("in-process GET by id (1 client)", ip["get_by_id"]["c1"]["rps"], ">=", 5000, " req/s",
            capacity(ip["get_by_id"]["c1"].get("cpu_us_per_req")))
        add("in-process eq on indexed field p50 (1 client)", ip["eq_indexed"]["c1"]["p50_ms"], "<", 2, " ms")
    ht = res.get("http")
    if ht and "waitress/mock/get_by_id" in ht:
        g = ht["waitress/mock/get_by_id"]
        best = max(g["c1"]["rps"], g["c8"]["rps"])
        add("HTTP GET by id, one waitress process (best of 1/8 clients)", best, ">=", 1000, " req/s",
            capacity(c.median([g["c1"].get("server_cpu_us_per_req"), g["c8"].get("server_cpu_us_per_req")])))
        for n in CLIENTS:
            add(f"mock / ceiling GET by id, waitress, {n} client(s)",
                ht["ratios"].get(f"waitress_mock_vs_ceiling_c{n}"), ">=", 0.5, "x")
        for n in CLIENTS:
            if f"mock_vs_prism_get_by_id_c{n}" in ht["ratios"]:
                add(f"mock / Prism GET by id, {n} client(s)", ht["ratios"][f"mock_vs_prism_get_by_id_c{n}"],
                    ">=", 10, "x")
    st = res.get("startup")
    if st:
        add(f"start-up to first answer ({st['fixture']}, .pyc cached)", st["first_answer_s"], "<", 1, " s")
        if "without_bytecode_cache" in st:
            add("start-up to first answer, no bytecode cache", st["without_bytecode_cache"]["first_answer_s"], "<", 1,
                " s")
    sc = res.get("scale")
    if sc:
        for step, s in sc["steps"].items():
            bound = round(1.25 * s["size_ratio"], 1)  # near-linear: at most 25 % worse than proportional
            add(f"load CPU time, x{s['size_ratio']:.1f} records ({step})", s["load_cpu_ratio"], "<", bound, "x")
            add(f"memory, x{s['size_ratio']:.1f} records ({step})", s["memory_ratio"], "<", bound, "x")
    return rows


# ---------------------------------------------------------------------------------------------- report


def report(res: dict[str, Any]) -> str:
    lines: list[str] = []
    ip = res.get("inprocess")
    if ip:
        rows = []
        for name in ("get_by_id", "eq_indexed", "paging", "ceiling_get_by_id", "wsgi_get_by_id",
                     "wsgi_ceiling_get_by_id", "intercept_get_by_id", "responses_get_by_id"):
            if name not in ip:
                continue
            for n in CLIENTS:
                r = ip[name][f"c{n}"]
                rows.append([name, n, c.fmt(r["rps"]), c.fmt(r["p50_ms"], 3), c.fmt(r["p99_ms"], 3),
                             c.fmt(r.get("cpu_us_per_req"))])
        lines += [f"In-process (Flask test client), {res['settings']['cis']:,} CIs:",
                  c.table(rows, ["operation", "clients", "req/s", "p50 ms", "p99 ms", "CPU us/req"])]
        w = ip["paging_walk"]
        lines.append(f"Paging through all {int(w['records']):,} CIs (500/page, 1 client): {w['walk_s']:.2f} s "
                     f"({w['records'] / w['walk_s']:,.0f} records/s), page p50 {w['p50_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms")
        lines.append("Ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in ip["ratios"].items()))
        lines.append("")
    ht = res.get("http")
    if ht:
        rows = []
        for key, val in ht.items():
            if key in ("servers", "ratios"):
                continue
            for n in CLIENTS:
                r = val[f"c{n}"]
                rows.append([key, n, c.fmt(r["rps"]), c.fmt(r["p50_ms"], 2), c.fmt(r["p99_ms"], 2),
                             c.fmt(r.get("records_per_s")), c.fmt(r.get("server_cpu_us_per_req")), int(r["errors"])])
        lines += ["Over HTTP (keep-alive connection per client thread, load generator in its own process):",
                  c.table(rows, ["server/target/operation", "clients", "req/s", "p50 ms", "p99 ms", "records/s",
                                 "srv CPU us/req", "errors"])]
        lines.append("Ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in ht["ratios"].items()))
        lines.append("Servers: " + ", ".join(f"{k} ready in {v['ready_s']:.1f} s" for k, v in ht["servers"].items()))
        lines.append("")
    st = res.get("startup")
    if st:
        parts = [f"{k.removesuffix('_s')} {st[k]:.3f} s" for k in ("interpreter_s", "imports_s", "create_app_s", "bind_s")
                 if k in st]
        lines.append(f"Start-up to first zoneInformation answer: {st['first_answer_s']:.3f} s ({st['fixture']}; "
                     + ", ".join(parts) + ")")
        if "without_bytecode_cache" in st:
            nb = st["without_bytecode_cache"]
            lines.append(f"  without bytecode caches (PYTHONDONTWRITEBYTECODE set here): {nb['first_answer_s']:.3f} s "
                         f"(imports {nb.get('imports_s', float('nan')):.3f} s, create_app {nb.get('create_app_s', float('nan')):.3f} s)")
        lines.append("")
    sc = res.get("scale")
    if sc:
        rows = []
        for n, r in sc["sizes"].items():
            rows.append([f"{int(n):,}", f"{int(r['records']):,}", c.fmt(r["load_s"], 2), c.fmt(r["load_cpu_s"], 2),
                         c.fmt(r["us_per_record_load_cpu"], 1), c.fmt(r["traced_bytes"] / 2**20, 1),
                         c.fmt(r["bytes_per_record"]), c.fmt(r["rss_bytes"] / 2**20, 1), c.fmt(r["gc_full_ms"], 1)])
        lines += ["Scale (fresh process per size; memory the load left allocated, by tracemalloc; RSS growth as an "
                  "upper bound):",
                  c.table(rows, ["CIs", "records", "load s", "load CPU s", "CPU us/record", "MiB", "bytes/record",
                                 "RSS MiB", "full GC ms"])]
        for step, s in sc["steps"].items():
            lines.append(f"  {step}: records x{s['size_ratio']:.2f}, load time x{s['load_time_ratio']:.2f} "
                         f"(CPU x{s['load_cpu_ratio']:.2f}), memory x{s['memory_ratio']:.2f}")
        big = sc["sizes"][str(sc["largest"])]
        kept = big.get("kept_document_bytes")
        lines.append(f"  memory per 100,000 records: {sc['memory_per_100k_records_mib']:.0f} MiB"
                     + (f" (of which the fixture document the store keeps for reset: "
                        f"{kept / big['records'] * 100_000 / 2**20:.0f} MiB)" if kept else ""))
        lines.append("")
    tg = res.get("targets")
    if tg:
        rows = [[t["target"], c.fmt(t["value"], 3 if t["unit"] in ("x", " s", " ms") else 0), t["bound"],
                 {True: "met", False: "MISSED", None: "-"}[t["met"]], c.fmt(t.get("cpu_capacity"))] for t in tg]
        lines += ["Targets (CPU-bound capacity: req/s the measured CPU time per request allows on an idle core):",
                  c.table(rows, ["target", "value", "bound", "", "CPU-bound capacity"])]
    if res.get("notes"):
        lines += ["", "Notes:"] + [f"  - {n}" for n in res["notes"]]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fast smoke: short runs, 10,000-CI tenant, fewer repetitions")
    p.add_argument("--only", default="inprocess,http,startup,scale", help="comma-separated parts to run")
    p.add_argument("--reps", type=int, default=None, help="repetitions per figure (median reported)")
    p.add_argument("--duration", type=float, default=None, help="seconds per load run")
    p.add_argument("--cis", type=int, default=None, help="configuration items in the throughput tenant")
    p.add_argument("--source", choices=("auto", "synthetic", "generator"), default="auto",
                   help="bench tenant: the fixture generator when it loads (auto), or the built-in synthetic one")
    p.add_argument("--no-gunicorn", action="store_true")
    p.add_argument("--no-prism", action="store_true")
    p.add_argument("--no-write", action="store_true", help="do not write bench/results/*.json")
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    cfg = settings_from(args)
    notes: list[str] = []
    parts = [x.strip() for x in args.only.split(",") if x.strip()]
    res: dict[str, Any] = {"benchmark": "bench_mock", "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                           "machine": c.machine_info(), "load_before": os.getloadavg(), "settings": cfg}
    cfg["source_used"] = resolve_source(cfg["source"], notes)
    doc = None
    if "inprocess" in parts or "http" in parts:
        t0 = time.perf_counter()
        doc = c.bench_fixture(cfg["cis"], cfg["source_used"])
        c.log(f"bench tenant: {c.record_count(doc):,} records ({cfg['source_used']}) built in "
              f"{time.perf_counter() - t0:.1f} s")
    if "inprocess" in parts:
        c.log("in-process …")
        res["inprocess"] = inprocess(cfg, doc, notes)
    if "http" in parts:
        c.log("HTTP …")
        res["http"] = http(cfg, doc, notes)
    if "startup" in parts:
        c.log("start-up …")
        res["startup"] = startup(cfg, notes)
    if "scale" in parts:
        c.log("scale …")
        res["scale"] = scale(cfg, notes)
    res["load_after"] = os.getloadavg()
    if max(res["load_before"][0], res["load_after"][0]) > 0.5 * (os.cpu_count() or 1):
        notes.append(f"the machine was busy with other work (load average {res['load_before'][0]:.1f} before, "
                     f"{res['load_after'][0]:.1f} after, on {os.cpu_count()} CPUs): absolute figures are pessimistic, "
                     "same-run ratios less affected")
    res["targets"] = targets(res)
    res["notes"] = notes
    return res


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    res = run(args)
    print(report(res))
    if not args.no_write:
        path = c.write_result("bench_mock", res)
        print(f"\nwritten {path.relative_to(c.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
