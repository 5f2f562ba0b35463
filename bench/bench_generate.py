"""Tenant generator speed: ``python bench/bench_generate.py [--quick] [--runs N]``.

For 1,000 / 10,000 / 100,000 configuration items (500 companies at the largest size, 1 company per
100 CIs below it, tickets left at the default of 5 per company) this measures, as the median of a
few runs in this process:

* generate  -- ``generate_tenant(...)`` (the first, warm-up call that creates the Faker instances is
  not counted);
* validate  -- ``validate_fixture(doc)``;
* dump      -- ``dumps_fixture(doc, "json")`` (JSON text, not written to disk);

and prints a table, then writes bench/results/generate.json. Not part of the test suite; nothing
here asserts a time. ``--quick`` skips the 100k size.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
if str(REPO) not in sys.path:  # `python bench/bench_generate.py` without an install
    sys.path.insert(0, str(REPO))

from mockserver.fixtures.format import dumps_fixture, validate_fixture  # noqa: E402
from mockserver.fixtures.generator import generate_tenant  # noqa: E402

SIZES = (1_000, 10_000, 100_000)


def options_for(cis: int) -> dict[str, Any]:
    return {"seed": 42, "companies": 500 if cis >= 100_000 else max(10, cis // 100), "cis": cis, "name": "bench-generate"}


def timed(fn, *args, **kwargs) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def measure(cis: int, runs: int) -> dict[str, Any]:
    opts = options_for(cis)
    gen_s, val_s, dump_s = [], [], []
    size = records = 0
    for _ in range(runs):
        t, doc = timed(generate_tenant, **opts)
        gen_s.append(t)
        t, _ = timed(validate_fixture, doc, "bench")
        val_s.append(t)
        t, text = timed(dumps_fixture, doc, "json")
        dump_s.append(t)
        size = len(text.encode("utf-8"))
        records = sum(len(v) for v in doc["records"].values())
        del doc, text
    return {
        "cis": cis,
        "options": opts,
        "runs": runs,
        "records": records,
        "json_bytes": size,
        "generate_s": round(statistics.median(gen_s), 4),
        "validate_s": round(statistics.median(val_s), 4),
        "dump_json_s": round(statistics.median(dump_s), 4),
        "generate_all_s": [round(x, 4) for x in gen_s],
        "dump_all_s": [round(x, 4) for x in dump_s],
        "cis_per_s": round(cis / statistics.median(gen_s)) if cis else None,
    }


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        import faker

        info["faker"] = faker.VERSION
    except ImportError:  # pragma: no cover
        info["faker"] = None
    try:
        sys.path.insert(0, str(BENCH_DIR))
        import common

        info.update(common.machine_info())
    except Exception:  # noqa: BLE001 - machine facts are best-effort
        import os

        info["nproc"] = os.cpu_count()
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 100,000 CI size")
    ap.add_argument("--runs", type=int, default=3, help="runs per size (median reported; default 3)")
    ap.add_argument("--output", default=str(BENCH_DIR / "results" / "generate.json"))
    args = ap.parse_args(argv)

    sizes = [s for s in SIZES if not (args.quick and s >= 100_000)]
    print("warming up (Faker start-up is not counted) ...", file=sys.stderr, flush=True)
    warm, _ = timed(generate_tenant, seed=1, companies=2, cis=1, tickets=1)
    results = []
    for cis in sizes:
        runs = max(1, args.runs if cis < 100_000 else min(args.runs, 3))
        print(f"{cis:>7,} CIs x {runs} run(s) ...", file=sys.stderr, flush=True)
        results.append(measure(cis, runs))

    header = f"{'CIs':>8}  {'records':>8}  {'generate s':>10}  {'validate s':>10}  {'dump JSON s':>11}  {'JSON MB':>8}  {'CIs/s':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['cis']:>8,}  {r['records']:>8,}  {r['generate_s']:>10.3f}  {r['validate_s']:>10.3f}  "
            f"{r['dump_json_s']:>11.3f}  {r['json_bytes'] / 1e6:>8.1f}  {r['cis_per_s']:>8,}"
        )
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "generate",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "first_call_s": round(warm, 4),
        "machine": machine(),
        "results": results,
    }
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
