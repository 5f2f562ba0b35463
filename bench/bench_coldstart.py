"""Cold start of a large fixture: ``python bench/bench_coldstart.py [--cis N] [--reps N] [--no-write]``.

Generates a tenant (seed 42, 500 companies, 100,000 configuration items: about 106,000 records, 61 MB
of JSON) into a temporary file, then times, in a fresh process each run, ``autotask-mock serve --fixture
FILE --port P`` from spawning to the first answered API request (a ConfigurationItems query):

* **cold** — empty snapshot cache: the fixture is parsed and built, and the snapshot is written
  (mockserver.snapshot), so later starts are warm;
* **warm** — the snapshot cache holds this fixture's snapshot;
* **no cache** — ``--set snapshot_cache=false``: what every start cost before the cache.

The snapshot cache is a temporary directory (AUTOTASK_MOCK_CACHE_DIR), removed afterwards. Prints a
table and writes bench/results/coldstart-<time>.json (and coldstart-latest.json). Nothing here asserts
a time; the README's target (under 3 s for 100,000 records, warm) is reported as met or missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

TARGET_S = 3.0
SERVE = "from mockserver.cli import main; main()"


def _cpu_seconds(pid: int) -> float | None:
    """user + system CPU seconds of a live process (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _first_answer(fixture: Path, cache: Path, user: str, code: str, secret: str,
                  extra: list[str]) -> tuple[float, float | None]:
    """(wall seconds from spawn to the first answer, the server's CPU seconds by then)."""
    port = c.free_port()
    env = {**os.environ, "PYTHONPATH": str(c.REPO), "AUTOTASK_MOCK_CACHE_DIR": str(cache)}
    search = quote(json.dumps({"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 1}))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, "serve", "--fixture", str(fixture), "--port", str(port),
                             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=c.REPO, env=env)
    try:
        c.wait_http(port, f"{c.V1}/ConfigurationItems/query?search={search}",
                    headers={"UserName": user, "Secret": secret, "ApiIntegrationCode": code},
                    timeout=600, proc=proc, interval=0.01)
        return time.perf_counter() - t0, _cpu_seconds(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def run(cis: int, reps: int) -> dict[str, Any]:
    from mockserver.fixtures.format import dump_fixture
    from mockserver.fixtures.generator import generate_tenant

    work = Path(tempfile.mkdtemp(prefix="bench-coldstart-"))
    try:
        c.log(f"generating a {cis:,}-CI tenant …")
        doc = generate_tenant(seed=42, companies=500 if cis >= 100_000 else max(10, cis // 100), cis=cis,
                              name="coldstart")
        records = c.record_count(doc)
        user, secret = doc["apiUsers"][0]["userName"], doc["apiUsers"][0]["secret"]
        code = doc["integrationCodes"][0]
        fixture = work / "coldstart.json"
        dump_fixture(doc, fixture)
        del doc
        args = (user, code, secret)
        runs: dict[str, list[tuple[float, float | None]]] = {"cold": [], "warm": [], "no_cache": []}
        for rep in range(reps):
            cache = work / f"cache-{rep}"
            c.log(f"run {rep + 1}/{reps}: cold …")
            runs["cold"].append(_first_answer(fixture, cache, *args, []))
            c.log(f"run {rep + 1}/{reps}: warm …")
            runs["warm"].append(_first_answer(fixture, cache, *args, []))
            c.log(f"run {rep + 1}/{reps}: no cache …")
            runs["no_cache"].append(_first_answer(fixture, cache, *args, ["--set", "snapshot_cache=false"]))
            snapshot_bytes = sum(p.stat().st_size for p in cache.glob("*.pickle"))
        out: dict[str, Any] = {
            "benchmark": "coldstart", "cis": cis, "records": records, "fixture_bytes": fixture.stat().st_size,
            "snapshot_bytes": snapshot_bytes, "reps": reps, "all": {}, "load_average": os.getloadavg(),
        }
        for kind, pairs in runs.items():
            walls = [w for w, _ in pairs]
            cpus = [u for _, u in pairs if u is not None]
            out[f"{kind}_s"] = round(c.median(walls), 3)
            out[f"{kind}_cpu_s"] = round(c.median(cpus), 3) if cpus else None
            out["all"][kind] = [[round(w, 3), None if u is None else round(u, 3)] for w, u in pairs]
        out["target"] = {"warm_under_s": TARGET_S, "met": out["warm_s"] < TARGET_S}
        out["machine"] = c.machine_info()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(res: dict[str, Any]) -> str:
    def cpu(kind: str) -> str:
        value = res.get(f"{kind}_cpu_s")
        return "-" if value is None else f"{value:.2f} s"

    rows = [
        ["cold: empty cache (build + write snapshot)", f"{res['cold_s']:.2f} s", cpu("cold")],
        ["warm: snapshot restored", f"{res['warm_s']:.2f} s", cpu("warm")],
        ["no cache (snapshot_cache=false)", f"{res['no_cache_s']:.2f} s", cpu("no_cache")],
    ]
    head = (f"serve --fixture of a generated tenant with {res['cis']:,} CIs ({res['records']:,} records, "
            f"{res['fixture_bytes'] / 1e6:.0f} MB JSON, snapshot {res['snapshot_bytes'] / 1e6:.0f} MB) "
            f"to the first answered request, median of {res['reps']}:")
    met = "met" if res["target"]["met"] else "MISSED"
    load = ", ".join(f"{x:.1f}" for x in res["load_average"])
    return "\n".join([head, c.table(rows, ["start", "wall time", "server CPU time"]),
                      f"target warm < {TARGET_S:.0f} s: {met} (load average at the end: {load}; on a busy "
                      "machine the server's CPU time is the steadier figure)"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cis", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    res = run(args.cis, args.reps)
    print(report(res))
    if not args.no_write:
        path = c.write_result("coldstart", res)
        print(f"written {path.relative_to(c.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
