"""GET-by-id throughput with the web console registered vs. not (issue 18: no cost on the API hot path).

    python bench/bench_console.py [--cis N] [--reps N] [--duration S] [--no-write]

Three apps over the same synthetic tenant, called straight through WSGI (``app(environ, start_response)``,
the path a real server takes) by one thread, interleaved rep by rep so machine drift cancels:

* ``console``: the default app (console at /_mock/ui registered);
* ``no_console``: ``MockConfig.console = False``;
* ``no_response_head``: console registered, and the journal keeps no head of each response body (the
  part of issue 18 that does run per API request: the console's journal shows responses).

Prints req/s medians and the paired ratios; writes bench/results/bench_console-<time>.json unless
``--no-write``. Not part of the test run; everything stays in-process (no sockets).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402


@contextmanager
def no_response_head():
    """The journal as before issue 18: no response body kept."""
    import mockserver.journal as journal

    original = journal._response_head
    journal._response_head = lambda response, keep: b""
    try:
        yield
    finally:
        journal._response_head = original


def run(call, duration: float) -> float:
    for i in range(200):  # warm-up
        call(i)
    n, start = 0, time.perf_counter()
    deadline = start + duration
    while True:
        for _ in range(100):
            call(n)
            n += 1
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cis", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    doc = c.synthetic_fixture(args.cis)
    wl = c.Workload(doc)
    with_console = c.make_app(doc)
    without = c.make_app(doc, {**c.BENCH_SETTINGS, "console": False})
    assert with_console.test_client().get("/_mock/ui/").status_code == 200
    assert without.test_client().get("/_mock/ui/").status_code == 404
    calls = {"console": c.wsgi_get_caller(with_console, wl), "no_console": c.wsgi_get_caller(without, wl)}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in ("console", "no_console", "no_response_head")}
    order = ["console", "no_console", "no_response_head"]
    for rep in range(args.reps):
        for name in order if rep % 2 == 0 else order[::-1]:  # alternate the order: drift hits every side
            if name == "no_response_head":
                with no_response_head():
                    runs[name].append({"rps": run(calls["console"], args.duration)})
            else:
                runs[name].append({"rps": run(calls[name], args.duration)})
        c.log(f"  rep {rep + 1}/{args.reps}: " + ", ".join(f"{k} {v[-1]['rps']:,.0f} req/s" for k, v in runs.items()))
    result = {
        "machine": c.machine_info(),
        "settings": vars(args),
        "rps": {k: c.median([r["rps"] for r in v]) for k, v in runs.items()},
        "ratios": {
            "console_vs_no_console": c.paired_ratio(runs["console"], runs["no_console"]),
            "response_head_vs_none": c.paired_ratio(runs["console"], runs["no_response_head"]),
        },
        "raw": runs,
    }
    print(f"GET by id over WSGI, {args.cis:,} CIs, median of {args.reps} x {args.duration:g} s, one thread:")
    for name, rps in result["rps"].items():
        print(f"  {name:<18} {rps:>10,.0f} req/s")
    for name, ratio in result["ratios"].items():
        print(f"  {name:<24} {ratio:.3f}")
    if not args.no_write:
        c.RESULTS_DIR.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for target in (c.RESULTS_DIR / f"bench_console-{stamp}.json", c.RESULTS_DIR / "bench_console-latest.json"):
            target.write_text(json.dumps(result, indent=2))
        print(f"wrote bench/results/bench_console-{stamp}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
