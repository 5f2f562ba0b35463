"""Compare two benchmark result files (e.g. two commits): ``python bench/compare.py [OLD.json [NEW.json]]``.

Without arguments it compares the two most recent bench/results/bench_mock-<time>.json files; with one,
that file against the most recent. Accepts bench_mock and run_all files (and any JSON of figures).
Prints every shared figure with its relative change; changes beyond ``--threshold`` (default 10 %) are
marked ``better``/``WORSE`` according to the figure's direction (req/s and ratios: higher is better;
milliseconds, seconds and bytes: lower is better). Differences in machine or bench tenant are flagged,
since figures from different machines are not comparable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

SKIP_KEYS = {"raw", "machine", "settings", "notes", "targets", "runs", "n", "errors", "requests", "elapsed_s",
             "load_before", "load_after", "servers", "started", "stdout", "stderr", "returncode"}
HIGHER_IS_BETTER = ("rps", "records_per_s", "ratio", "_vs_")
LOWER_IS_BETTER = ("_ms", "_s", "bytes", "mib", "us_per")
# ratios that measure a cost (incremental / full pass, calls over the minimum, growth per 10x step)
COST_RATIOS = ("calls_ratio", "time_ratio", "overhead", "cpu_ratio", "memory_ratio")
NEUTRAL = ("size_ratio",)  # how many records a step adds: a fact of the run, not a result


def flatten(data: Any, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if key in SKIP_KEYS:
                continue
            out |= flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, int | float) and not isinstance(data, bool):
        out[prefix] = float(data)
    return out


def direction(key: str) -> int:
    leaf = key.rsplit(".", 1)[-1].lower()
    if leaf.endswith(NEUTRAL):
        return 0
    if leaf.endswith(COST_RATIOS):
        return -1
    if any(tag in leaf for tag in HIGHER_IS_BETTER) or "ratios." in key:
        return 1
    if any(leaf.endswith(tag) or tag in leaf for tag in LOWER_IS_BETTER):
        return -1
    return 0


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    return data.get("mock", data) if data.get("benchmark") == "run_all" else data


def default_files() -> list[Path]:
    files = sorted(p for p in c.RESULTS_DIR.glob("bench_mock-*.json") if not p.name.endswith("-latest.json"))
    return files[-2:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="OLD.json [NEW.json]")
    parser.add_argument("--threshold", type=float, default=10.0, help="percent change worth flagging")
    parser.add_argument("--all", action="store_true", help="also list figures that changed less than the threshold")
    args = parser.parse_args(argv)
    files = list(args.files)
    if len(files) == 1:
        latest = default_files()
        files = [files[0], latest[-1]] if latest else files
    elif not files:
        files = default_files()
    if len(files) != 2:
        print("need two result files (run bench/run_all.py twice, or name them)", file=sys.stderr)
        return 2
    old, new = load(files[0]), load(files[1])
    print(f"old: {files[0]}  ({old.get('started', '?')}, commit {old.get('machine', {}).get('commit')})")
    print(f"new: {files[1]}  ({new.get('started', '?')}, commit {new.get('machine', {}).get('commit')})")
    mo, mn = old.get("machine", {}), new.get("machine", {})
    for key in ("cpu", "nproc", "python"):
        if mo.get(key) != mn.get(key):
            print(f"WARNING: different {key}: {mo.get(key)} vs {mn.get(key)} — figures are not comparable")
    so, sn = old.get("settings", {}), new.get("settings", {})
    for key in ("cis", "source_used", "quick", "duration"):
        if so.get(key) != sn.get(key):
            print(f"WARNING: different setting {key}: {so.get(key)} vs {sn.get(key)}")
    fo, fn = flatten(old), flatten(new)
    rows = []
    worse = 0
    for key in sorted(set(fo) & set(fn)):
        a, b = fo[key], fn[key]
        if a == 0:
            continue
        change = (b - a) / abs(a) * 100
        d = direction(key)
        verdict = ""
        if abs(change) >= args.threshold and d:
            verdict = "better" if change * d > 0 else "WORSE"
            worse += verdict == "WORSE"
        if verdict or args.all:
            rows.append([key, f"{a:,.3f}", f"{b:,.3f}", f"{change:+.1f}%", verdict])
    if rows:
        print(c.table(rows, ["figure", "old", "new", "change", ""]))
    else:
        print(f"no figure changed by {args.threshold:g}% or more")
    print(f"\n{len(set(fo) & set(fn))} figures compared, {worse} worse by {args.threshold:g}% or more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
