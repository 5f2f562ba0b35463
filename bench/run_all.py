"""Run every benchmark and print a summary table: ``python bench/run_all.py [--quick]``.

* bench/bench_mock.py — mock throughput/latency (in-process and over HTTP), the ceiling, Prism and
  `responses` comparisons, start-up, and scale;
* bench/bench_conformance.py — the conformance kit's run time under the CI profile;
* bench/bench_coldstart.py — `serve --fixture` of a 100,000-CI fixture to the first answer, cold and
  with the snapshot cache warm;
* bench/bench_sync.py — the sync's cost, when that file exists (run as ``python bench/bench_sync.py
  [--quick]``; its own JSON in bench/results/ is picked up for the summary).
* bench/bench_shared.py — the mock as one shared server (its own JSON in bench/results/): reads during
  another client's scans, a second tenant's latency while the first floods a slow endpoint, memory and
  GC pauses of an in-process walk.

Writes bench/results/run_all-<time>.json (and run_all-latest.json); compare two runs with
``python bench/compare.py``. Not part of the test run (``tox -e bench`` calls this). Exit status is 0
even when a target is missed, unless ``--strict``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_mock  # noqa: E402
import common as c  # noqa: E402

SYNC_BENCH = c.BENCH_DIR / "bench_sync.py"


def run_conformance() -> dict[str, Any]:
    """The conformance kit's run time under the CI profile (bench/bench_conformance.py, its own process)."""
    c.log("conformance kit under the CI profile (bench/bench_conformance.py) …")
    proc = subprocess.run([sys.executable, str(c.BENCH_DIR / "bench_conformance.py"), "--no-write"],
                          capture_output=True, text=True, cwd=c.REPO, timeout=3600)
    return {"returncode": proc.returncode, "stdout": proc.stdout[-8000:],
            **({"stderr": proc.stderr[-4000:]} if proc.returncode else {})}


def run_coldstart(quick: bool) -> dict[str, Any] | None:
    """Cold start of a large fixture, cold and with the snapshot cache warm (bench/bench_coldstart.py)."""
    args = ["--cis", "10000", "--reps", "1"] if quick else []
    c.log(f"cold start (bench/bench_coldstart.py {' '.join(args)}) …")
    started = time.time()
    proc = subprocess.run([sys.executable, str(c.BENCH_DIR / "bench_coldstart.py"), *args],
                          capture_output=True, text=True, cwd=c.REPO, timeout=3600)
    out: dict[str, Any] = {"returncode": proc.returncode, "stdout": proc.stdout[-8000:],
                           **({"stderr": proc.stderr[-4000:]} if proc.returncode else {})}
    latest = c.RESULTS_DIR / "coldstart-latest.json"
    if latest.exists() and latest.stat().st_mtime >= started:
        out["results"] = json.loads(latest.read_text())
    return out


def run_sync(quick: bool) -> dict[str, Any] | None:
    if not SYNC_BENCH.exists():
        c.log("bench/bench_sync.py does not exist yet: sync benchmarks skipped")
        return None
    # --quick: 1,000 companies / 10,000 CIs; at that size bench_sync reports the pull budgets (defined for 10,000 /
    # 100,000) as information and exits 0 unless something broke, so a smoke run does not "fail" on them.
    extra: list[str] = ["--quick"] if quick else []
    c.log(f"sync (bench/bench_sync.py {' '.join(extra)}) …")
    started = time.time()
    cmd = [sys.executable, str(SYNC_BENCH), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=c.REPO, timeout=3600)
    out: dict[str, Any] = {"returncode": proc.returncode, "args": extra, "stdout": proc.stdout[-20000:]}
    if proc.returncode != 0:
        out["stderr"] = proc.stderr[-4000:]
    # its own JSON, if it wrote one during this run
    fresh = [p for p in c.RESULTS_DIR.glob("bench_sync*.json") if p.stat().st_mtime >= started]
    latest = sorted(fresh, key=lambda p: p.stat().st_mtime)[-1:] if fresh else []
    if latest:
        try:
            out["results"] = json.loads(latest[0].read_text())
            out["results_file"] = latest[0].name
        except ValueError:
            pass
    return out


def summary(mock: dict[str, Any] | None, sync: dict[str, Any] | None,
            coldstart: dict[str, Any] | None = None) -> str:
    rows: list[list[str]] = []
    cs = (coldstart or {}).get("results")
    if cs:
        for kind in ("cold", "warm", "no_cache"):
            cpu = cs.get(f"{kind}_cpu_s")
            rows.append([f"serve --fixture {cs['cis']:,} CIs to first answer, {kind.replace('_', ' ')}", "",
                         f"{cs[f'{kind}_s']:.2f} s" + (f" (CPU {cpu:.2f} s)" if cpu is not None else ""), "", ""])
    if mock:
        ip, ht = mock.get("inprocess"), mock.get("http")
        if ip:
            for op in ("get_by_id", "eq_indexed", "paging"):
                for n in bench_mock.CLIENTS:
                    r = ip[op][f"c{n}"]
                    rows.append([f"in-process {op}", str(n), c.fmt(r["rps"]), c.fmt(r["p50_ms"], 2), c.fmt(r["p99_ms"], 2)])
            w = ip["paging_walk"]
            rows.append([f"in-process walk of {int(w['records']):,} records", "1", f"{w['walk_s']:.2f} s", "", ""])
        if ht:
            for key in ht:
                if key in ("servers", "ratios"):
                    continue
                for n in bench_mock.CLIENTS:
                    r = ht[key][f"c{n}"]
                    rows.append([f"HTTP {key}", str(n), c.fmt(r["rps"]), c.fmt(r["p50_ms"], 2), c.fmt(r["p99_ms"], 2)])
        st = mock.get("startup")
        if st:
            rows.append(["start-up to first answer", "", f"{st['first_answer_s']:.3f} s", "", ""])
        sc = mock.get("scale")
        if sc:
            rows.append([f"load {sc['largest']:,}-CI tenant", "", f"{sc['load_s_largest']:.2f} s", "", ""])
            rows.append(["memory per 100,000 records", "", f"{sc['memory_per_100k_records_mib']:.0f} MiB", "", ""])
    parts = ["SUMMARY (medians; req/s unless stated)",
             c.table(rows, ["figure", "clients", "value", "p50 ms", "p99 ms"]) if rows else "(no mock figures)"]
    ratios = {}
    if mock and mock.get("inprocess"):
        ratios |= {f"in-process {k}": v for k, v in mock["inprocess"]["ratios"].items()}
    if mock and mock.get("http"):
        ratios |= {f"HTTP {k}": v for k, v in mock["http"]["ratios"].items()}
    if ratios:
        parts += ["", "RATIOS (same run, median of paired repetitions)",
                  c.table([[k, f"{v:.2f}x"] for k, v in ratios.items()], ["ratio", "value"])]
    if mock and mock.get("targets"):
        parts += ["", "TARGETS", c.table([[t["target"], c.fmt(t["value"], 3 if t["unit"] in ("x", " s", " ms") else 0),
                                            t["bound"], {True: "met", False: "MISSED", None: "-"}[t["met"]],
                                            c.fmt(t.get("cpu_capacity"))]
                                           for t in mock["targets"]],
                                          ["target", "value", "bound", "", "CPU-bound capacity req/s"])]
    if sync is None:
        parts += ["", "sync: bench/bench_sync.py not present yet (skipped)"]
    else:
        parts += ["", f"sync: bench/bench_sync.py exited {sync['returncode']}"
                  + (f"; results in bench/results/{sync['results_file']}" if sync.get("results_file") else "")]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = bench_mock.build_parser()
    parser.description = "Run every benchmark (mock, and sync when bench/bench_sync.py exists)."
    parser.add_argument("--no-sync", action="store_true", help="skip bench/bench_sync.py")
    parser.add_argument("--no-conformance", action="store_true", help="skip bench/bench_conformance.py")
    parser.add_argument("--no-coldstart", action="store_true", help="skip bench/bench_coldstart.py")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--no-shared", action="store_true", help="skip bench/bench_shared.py")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    mock = bench_mock.run(args)
    print(bench_mock.report(mock))
    shared = None if args.no_shared else run_shared(args.quick)
    _print_section("bench_shared.py", shared)
    sync = None if args.no_sync else run_sync(args.quick)
    _print_section("bench_sync.py", sync)
    conformance = None if args.no_conformance else run_conformance()
    _print_section("bench_conformance.py", conformance)
    coldstart = None if args.no_coldstart else run_coldstart(args.quick)
    _print_section("bench_coldstart.py", coldstart)
    print()
    print(summary(mock, sync, coldstart))
    elapsed = time.perf_counter() - t0
    print(f"\n(all benchmarks took {elapsed:.0f} s on {mock['machine']['nproc']} CPUs, {mock['machine']['cpu']}, "
          f"Python {mock['machine']['python']})")
    if not args.no_write:
        m = c.write_result("bench_mock", mock)
        path = c.write_result("run_all", {"benchmark": "run_all", "mock": mock, "sync": sync,
                                            "conformance": conformance, "coldstart": coldstart,
                                            "elapsed_s": elapsed})
        print(f"written {m.relative_to(c.REPO)} and {path.relative_to(c.REPO)}")
    missed = [t for t in mock.get("targets", []) if t["met"] is False]
    if sync is not None and sync["returncode"] != 0:
        print("bench/bench_sync.py failed", file=sys.stderr)
    return 1 if args.strict and (missed or (sync is not None and sync["returncode"] != 0)) else 0


def _print_section(script: str, result: dict[str, Any] | None) -> None:
    """A sub-benchmark's own printout under its name (stderr too when it failed); nothing when it was skipped."""
    if result is None:
        return
    print(f"\n--- bench/{script} ---")
    print(result["stdout"].rstrip())
    if result.get("stderr"):
        print(result["stderr"].rstrip(), file=sys.stderr)


def run_shared(quick: bool) -> dict[str, Any]:
    """The shared-server figures (bench/bench_shared.py, its own processes; it writes its own JSON)."""
    c.log("shared server (bench/bench_shared.py) …")
    cmd = [sys.executable, str(c.BENCH_DIR / "bench_shared.py"), *(["--quick"] if quick else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=c.REPO, timeout=3600)
    return {"returncode": proc.returncode, "stdout": proc.stdout[-8000:],
            **({"stderr": proc.stderr[-4000:]} if proc.returncode else {})}


if __name__ == "__main__":
    sys.exit(main())
