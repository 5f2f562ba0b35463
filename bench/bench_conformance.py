"""How long the conformance kit takes under the CI hypothesis profile (issue 8's "conformance CI profile's run time").

    python bench/bench_conformance.py [--reps N] [--workers 2]

Runs, each in a fresh process with CI=true (derandomized, bounded examples, as CI runs them):

* ``sync suites``: ``pytest --pyargs conformance`` — the behaviour suites and the
  stateful machine against the reference sync's adapter, the command a third party runs against theirs;
  three times side by side: ``in-process`` (the mock in the test process, ``requests`` intercepted), ``live``
  (``--live``: the mock served over loopback HTTP, the adapter in the test process) and ``remote`` (the reference
  adapter served by ``python -m conformance.serve`` in its own process, ``--sync-adapter=http://127.0.0.1:PORT``:
  every adapter call and every Autotask call goes over HTTP, as for an adapter in another language);
* ``mock contract``: tests/conformance/test_api_contract.py and test_real_spec_responses.py — schemathesis and
  the real-spec response checks against the mock;
* ``mutation kill run``: ``python -m conformance.kill`` — every mutant of the reference sync must be caught.

Prints wall and CPU seconds (median of ``--reps``) and writes bench/results/bench_conformance.json.
Not part of the test run; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

REMOTE_URL = "{adapter_url}"  # replaced by the URL of the adapter server started for that run


def _plugin() -> list[str]:
    """``-p conformance.plugin`` when the package is not installed (a checkout on PYTHONPATH)."""
    from importlib.metadata import entry_points

    return [] if any(ep.name == "conformance" for ep in entry_points(group="pytest11")) else ["-p",
                                                                                              "conformance.plugin"]


def commands(workers: int) -> dict[str, list[str]]:
    xdist = ["-n", str(workers)] if workers > 1 else ["-p", "no:xdist"]
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *xdist]
    suites = [*pytest, *_plugin(), "--pyargs", "conformance"]
    return {
        "sync suites, in-process": suites,
        "sync suites, live (--live)": [*suites, "--live"],
        "sync suites, remote adapter": [*suites, f"--sync-adapter={REMOTE_URL}"],
        "mock contract": [*pytest, "tests/conformance/test_api_contract.py",
                          "tests/conformance/test_real_spec_responses.py"],
        "mutation kill run": [sys.executable, "-m", "conformance.kill"],
    }


def _adapter_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """The reference adapter behind ``python -m conformance.serve`` (its own process, port 0)."""
    import re

    proc = subprocess.Popen([sys.executable, "-m", "conformance.serve", "conformance.adapter:reference_factory",
                             "--port", "0", "--concurrent"], cwd=c.REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    found = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline() if proc.stdout else "")
    if not found:
        proc.kill()
        raise RuntimeError("the adapter server did not print its URL")
    return proc, found.group(0)


def run_once(cmd: list[str]) -> dict[str, Any]:
    env = {**os.environ, "CI": "true", "HYPOTHESIS_PROFILE": "ci"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(c.REPO), env.get("PYTHONPATH")]))
    server = None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    if any(REMOTE_URL in x for x in cmd):
        server, url = _adapter_server(env)  # its start-up counts: it is part of running the kit remotely
        cmd = [x.replace(REMOTE_URL, url) for x in cmd]
    try:
        proc = subprocess.run(cmd, cwd=c.REPO, env=env, capture_output=True, text=True, timeout=3600)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
            if server.stdout:
                server.stdout.close()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    return {"wall_s": wall, "cpu_s": cpu, "returncode": proc.returncode, "last_line": tail,
            **({"stderr": proc.stderr[-2000:]} if proc.returncode else {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1, help="repetitions per command (median reported)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (1: no xdist)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    failed = False
    for name, cmd in commands(args.workers).items():
        runs = []
        for rep in range(args.reps):
            c.log(f"conformance: {name} (rep {rep + 1}/{args.reps}) …")
            runs.append(run_once(cmd))
        ok = all(r["returncode"] == 0 for r in runs)
        failed |= not ok
        results[name] = {"command": " ".join(Path(x).name if x == sys.executable else x for x in cmd),
                         "wall_s": c.median([r["wall_s"] for r in runs]), "cpu_s": c.median([r["cpu_s"] for r in runs]),
                         "ok": ok, "last_line": runs[-1]["last_line"], "runs": runs}
    rows = [[name, f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}", "ok" if r["ok"] else "FAILED", r["last_line"][:60]]
            for name, r in results.items()]
    print(f"Conformance kit under the CI profile (CI=true, {args.workers} worker(s), median of {args.reps}):")
    print(c.table(rows, ["run", "wall s", "CPU s", "", "last line"]))
    out = {"benchmark": "bench_conformance", "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "machine": c.machine_info(), "load_before": load_before, "workers": args.workers, "reps": args.reps,
           "results": results}
    if not args.no_write:
        path = c.write_result("bench_conformance", out)
        print(f"written {path.relative_to(c.REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
