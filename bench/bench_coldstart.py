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


def _first_answer(fixture: Path, cache: Path, user: str, code: str, secret: str, extra: list[str]) -> float:
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
        return time.perf_counter() - t0
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
        cold, warm, nocache = [], [], []
        for rep in range(reps):
            cache = work / f"cache-{rep}"
            c.log(f"run {rep + 1}/{reps}: cold …")
            cold.append(_first_answer(fixture, cache, *args, []))
            c.log(f"run {rep + 1}/{reps}: warm …")
            warm.append(_first_answer(fixture, cache, *args, []))
            c.log(f"run {rep + 1}/{reps}: no cache …")
            nocache.append(_first_answer(fixture, cache, *args, ["--set", "snapshot_cache=false"]))
            snapshot_bytes = sum(p.stat().st_size for p in cache.glob("*.pickle"))
        return {
            "benchmark": "coldstart", "cis": cis, "records": records, "fixture_bytes": fixture.stat().st_size,
            "snapshot_bytes": snapshot_bytes, "reps": reps,
            "cold_s": round(c.median(cold), 3), "warm_s": round(c.median(warm), 3),
            "no_cache_s": round(c.median(nocache), 3),
            "all": {"cold": [round(x, 3) for x in cold], "warm": [round(x, 3) for x in warm],
                    "no_cache": [round(x, 3) for x in nocache]},
            "target": {"warm_under_s": TARGET_S, "met": c.median(warm) < TARGET_S},
            "machine": c.machine_info(),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(res: dict[str, Any]) -> str:
    rows = [
        ["cold: empty cache (build + write snapshot)", f"{res['cold_s']:.2f} s"],
        ["warm: snapshot restored", f"{res['warm_s']:.2f} s"],
        ["no cache (snapshot_cache=false)", f"{res['no_cache_s']:.2f} s"],
    ]
    head = (f"serve --fixture of a generated tenant with {res['cis']:,} CIs ({res['records']:,} records, "
            f"{res['fixture_bytes'] / 1e6:.0f} MB JSON, snapshot {res['snapshot_bytes'] / 1e6:.0f} MB) "
            f"to the first answered request, median of {res['reps']}:")
    met = "met" if res["target"]["met"] else "MISSED"
    return "\n".join([head, c.table(rows, ["start", "time"]), f"target warm < {TARGET_S:.0f} s: {met}"])


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
