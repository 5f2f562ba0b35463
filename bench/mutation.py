"""Measure the conformance kit's strength with machine-made mutants of the reference sync (issue 13).

    python bench/mutation.py --sample 150                   # CI profile, seed 13, 2 workers
    python bench/mutation.py --sample 150 --profile deep --survivors-of ci   # deep, on the CI survivors
    python bench/mutation.py --list                         # every mutation point, one id a line

Why a script and not ``cosmic-ray exec``: cosmic-ray mutates the file *in place* and runs a shell command per
mutant; our runs must be isolated (two at a time) and must reuse the kit's ``conformance.kill.first_failure``.
So this script uses cosmic-ray only for what it is good at, its operators over the parso tree
(``cosmic_ray.plugins.get_operator``, ``cosmic_ray.mutating.mutate_code``), and runs every mutant itself:

* **Mutation points**: every core cosmic-ray operator (binary/comparison/unary operator replacement, boolean
  replacers, break/continue, exception replacer, number replacer, zero-iteration for loop) over the sync's decision
  modules (:data:`MODULES`; in the ``service*.py`` modules only the lifecycle/status methods of
  :data:`SERVICE_METHODS`).
  Points inside type annotations, docstrings and log/warning/notification calls are left out (the spec cannot see
  them), and so is a mutation that does not compile. Decorator removal and variable replacement/insertion are not
  used (structure, not decisions; and the latter need arguments).
* **Ids** ``module:line:operator:occurrence`` (occurrence = cosmic-ray's per-file index of that operator), stable
  as long as the module is unchanged. The sample is ``random.Random(seed).sample`` over the sorted ids.
* **Isolation**: a temporary copy of ``reference_impl/`` with the one mutated file, first on ``PYTHONPATH`` of a
  fresh ``python bench/mutation.py --worker`` subprocess that runs ``first_failure(reference_factory)`` under the
  chosen hypothesis profile (``conformance-ci`` or ``conformance-deep``), with a per-mutant timeout.
* **Timed out** mutants are reported separately and counted as *killed*: the timeout is many times the reference's
  whole-suite time, so a mutant that reaches it has made a pass loop or crawl, which any user of the sync observes.
* **Cache** ``bench/results/mutation-cache.json``: a result is reused only while the mutant id, the profile and the
  hash of the ``conformance/`` and ``reference_impl/`` sources are unchanged. After the kit changes every mutant is
  run again, but the test that killed it last time runs first, so killed mutants die again in a second or so and
  only the survivors cost a whole suite run.
* **Reach**: one coverage run of every suite test against the unmutated reference (:func:`baseline`) tells which
  statements each test executes. The kit's run is derandomized, so a test that never executes the mutated
  statement behaves exactly as against the reference: a mutant runs only the tests that reach it, and a mutant no
  test reaches is reported as survived ("not executed") without a run.
* **Order**: the previous killer of this mutant, then the suite tests that killed most mutants of the same module,
  then the ones that killed most overall (learned from the cache), then the rest.
* **Equivalent** mutants are listed with a one-line reason in ``bench/mutation_equivalent.yaml``; they are not
  run and are left out of the kill rate.
* **Unspecified** mutants (``bench/mutation_unspecified.yaml``) change something a user *can* see — a log line's
  text or statistics, progress numbers, an error message's wording, the name of an unsynced location — where the
  spec states no behaviour, so no property can be written without inventing an oracle. Each names the spec passage
  that leaves it open. They are not run, are reported separately, and are left out of the kill rate; the report also
  prints the rate counting them as survivors, so nothing is hidden.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CACHE = RESULTS / "mutation-cache.json"
EQUIVALENT = ROOT / "bench" / "mutation_equivalent.yaml"
UNSPECIFIED = ROOT / "bench" / "mutation_unspecified.yaml"

# The sync's decision modules (issue 13: matching, pull, push, lifecycle, status).
# pull.py was split into pull.py (apply), pull_fetch.py (fetch) and pass_result.py (the pass's statistics), and
# service.py into service.py (passes, status), service_controls.py (per-record controls, pause, disconnect) and
# service_push.py (save, push, push-all): the same decision code, in its new homes.
MODULES = ("matching", "pull", "pull_fetch", "pass_result", "plan", "scope", "push", "push_rules", "mapping", "macs",
           "service", "service_controls", "service_push")
# The service modules: only the lifecycle and status decisions an adapter can reach (not connection, options, logs,
# URLs), wherever the split put them.
METHOD_FILTERED = frozenset({"service", "service_controls", "service_push"})
SERVICE_METHODS = frozenset({"run_pass", "summary", "records", "disable_sync", "enable_sync", "sync_now",
                             "delete_record", "ui_save", "push_record", "_push", "_push_failed", "push_all", "paused",
                             "pause", "resume", "disconnect"})
SKIPPED_OPERATORS = ("core/RemoveDecorator", "core/VariableReplacer", "core/VariableInserter", "core/NoOp")
# calls whose arguments are messages for humans, not decisions: the sync log, pass warnings, notifications
MESSAGE_CALLS = frozenset({"log", "append_warning", "notify", "info", "warning", "error", "debug"})
PROFILES = {"ci": "conformance-ci", "deep": "conformance-deep"}
GENERATOR_VERSION = 2  # part of the key of the cached list of mutation points
DEFAULT_TIMEOUT = {"ci": 900.0, "deep": 5400.0}  # generous: the machine is shared; the reference takes ~16 s CPU


@dataclass(frozen=True)
class Mutant:
    module: str  # "matching", "service", ...
    line: int
    operator: str  # cosmic-ray name without the "core/" provider prefix
    occurrence: int  # cosmic-ray's per-file occurrence index of this operator

    @property
    def id(self) -> str:
        return f"{self.module}:{self.line}:{self.operator}:{self.occurrence}"

    @property
    def path(self) -> Path:
        return Path("reference_impl") / "sync" / f"{self.module}.py"

    @staticmethod
    def parse(mid: str) -> Mutant:
        module, line, op, occ = mid.split(":")
        return Mutant(module, int(line), op, int(occ))


# ------------------------------------------------------------------------------------------------ generation
def _excluded_spans(source: str, module: str) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]],
                                                       list[tuple[int, int]] | None]:
    """(spans to leave out: annotations, docstrings, message calls; line ranges to keep, or None for all)."""
    tree = ast.parse(source)
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def add(n: ast.AST | None) -> None:
        if n is not None:
            spans.append(((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)))  # type: ignore[attr-defined]

    keep: list[tuple[int, int]] | None = [] if module in METHOD_FILTERED else None
    for n in ast.walk(tree):
        if isinstance(n, ast.arg):
            add(n.annotation)
        elif isinstance(n, ast.AnnAssign):
            add(n.annotation)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            add(n.returns)
            if keep is not None and n.name in SERVICE_METHODS:
                keep.append((n.lineno, n.end_lineno or n.lineno))
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body \
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant) \
                and isinstance(n.body[0].value.value, str):
            add(n.body[0])
        if isinstance(n, ast.Call):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            chain = ast.unparse(f)
            if name in MESSAGE_CALLS or chain.endswith("warnings.append"):
                add(n)
    return spans, keep


def _inside(pos: tuple[int, int], spans: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def operator_names() -> list[str]:
    from cosmic_ray.plugins import operator_names as names

    return sorted(n for n in names() if n.startswith("core/") and n not in SKIPPED_OPERATORS)


def module_mutants(module: str, source: str) -> list[Mutant]:
    """Every mutation point of one module, in cosmic-ray's occurrence order, minus the excluded ones."""
    from cosmic_ray.ast import ast_nodes, get_ast
    from cosmic_ray.plugins import get_operator

    spans, keep = _excluded_spans(source, module)
    nodes = list(ast_nodes(get_ast(source)))  # listing positions does not change the tree: parse once
    out: list[Mutant] = []
    for name in operator_names():
        op = get_operator(name)()
        occurrence = 0
        for node in nodes:
            for start, _end in op.mutation_positions(node):
                m = Mutant(module, start[0], name.split("/", 1)[1], occurrence)
                occurrence += 1
                if _inside(start, spans):
                    continue
                if keep is not None and not any(a <= start[0] <= b for a, b in keep):
                    continue
                out.append(m)
    return out


def mutated_source(m: Mutant, root: Path = ROOT) -> str | None:
    """The module's source with mutant ``m`` applied (None when cosmic-ray finds no such occurrence)."""
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    source = (root / m.path).read_text(encoding="utf-8")
    return mutate_code(source, get_operator("core/" + m.operator)(), m.occurrence)


def competent(m: Mutant, source: str, root: Path = ROOT) -> bool:
    """The mutation applies, changes the source, and compiles without a SyntaxWarning (``kind is "ticket"``: the
    compiler itself flags that as a bug, and whether it behaves like ``==`` depends on string interning)."""
    import warnings

    code = mutated_source(m, root)
    if code is None or code == source:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            compile(code, str(m.path), "exec")
        except SyntaxError:  # SyntaxWarning is raised as SyntaxError under "error"
            return False
    return True


def points_key(sources: dict[str, str]) -> str:
    import cosmic_ray

    h = hashlib.sha256(repr((GENERATOR_VERSION, MODULES, sorted(METHOD_FILTERED), sorted(SERVICE_METHODS), SKIPPED_OPERATORS,
                             sorted(MESSAGE_CALLS), getattr(cosmic_ray, "__version__", ""))).encode())
    for mod in MODULES:
        h.update(sources[mod].encode())
    return h.hexdigest()[:16]


def all_mutants(root: Path = ROOT) -> list[Mutant]:
    """Every competent mutant of the decision modules, sorted by id.

    Checking competence applies each mutation (about 0.1 s each, a few minutes in all), so the list is cached in
    ``bench/results/mutation-points.json`` under a hash of the modules, of the selection rules and of
    :data:`GENERATOR_VERSION` (bump it when the selection code changes)."""
    sources = {mod: (root / "reference_impl" / "sync" / f"{mod}.py").read_text(encoding="utf-8") for mod in MODULES}
    key = points_key(sources)
    cache = RESULTS / "mutation-points.json" if root == ROOT else None
    if cache is not None and cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("hash") == key:
            return [Mutant.parse(i) for i in data["ids"]]
    out = sorted((m for mod in MODULES for m in module_mutants(mod, sources[mod]) if competent(m, sources[mod], root)),
                 key=lambda m: m.id)
    if cache is not None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"hash": key, "ids": [m.id for m in out]}), encoding="utf-8")
    return out


def sample(mutants: list[Mutant], n: int, seed: int) -> list[Mutant]:
    """A fixed, seeded sample: the same ids for the same source and seed, whatever order they came in."""
    pool = sorted(mutants, key=lambda m: m.id)
    return sorted(random.Random(seed).sample(pool, min(n, len(pool))), key=lambda m: m.id)


# ------------------------------------------------------------------------------------------------ bookkeeping
def sources_hash(root: Path = ROOT) -> str:
    """Hash of the kit and of the reference sync: a cached result is valid only while both are unchanged."""
    h = hashlib.sha256()
    for d in ("conformance", "reference_impl"):
        for p in sorted((root / d).rglob("*.py")):
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    import yaml

    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def load_unspecified(path: Path = UNSPECIFIED) -> dict[str, str]:
    """Mutants whose change a user can observe but the spec leaves open (see the module docstring)."""
    return load_equivalent(path)


def load_cache() -> dict[str, Any]:
    try:
        return json.loads(CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def test_order(m: Mutant, cache: dict[str, Any], profile: str) -> list[str]:
    """Previous killer of this mutant, then the best killers of its module, then the best killers overall."""
    same: Counter[str] = Counter()
    overall: Counter[str] = Counter()
    first: list[str] = []
    for key, r in cache.items():
        killer = r.get("killer")
        if not killer:
            continue
        overall[killer] += 1
        if key.split("|", 1)[1].split(":", 1)[0] == m.module:
            same[killer] += 1
        if key == f"{profile}|{m.id}" or key.endswith("|" + m.id):
            first.append(killer)
    ranked = [t for t, _ in same.most_common()] + [t for t, _ in overall.most_common()]
    return list(dict.fromkeys(first + ranked))


# ------------------------------------------------------------------------------------------------ running
def run_mutant(m: Mutant, profile: str, timeout: float, first: list[str], tests: list[str]) -> dict[str, Any]:
    """Run the kit against one mutant in its own tree copy and process; return its outcome row."""
    code = mutated_source(m)
    if code is None:
        return {"outcome": "error", "error": "mutation does not apply"}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        shutil.copytree(ROOT / "reference_impl", Path(tmp) / "reference_impl",
                        ignore=shutil.ignore_patterns("__pycache__"))
        (Path(tmp) / m.path).write_text(code, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([tmp, str(ROOT)]), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("CI", None)
        env.pop("HYPOTHESIS_PROFILE", None)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--profile", profile,
               "--first", ",".join(first), "--expect-root", tmp, "--tests", ",".join(tests)]
        try:
            p = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"outcome": "timeout", "killer": None, "error": f"no verdict after {timeout:.0f} s",
                    "seconds": round(time.monotonic() - t0, 1)}
    secs = round(time.monotonic() - t0, 1)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"outcome": "error", "killer": None, "error": (p.stderr or p.stdout)[-500:], "seconds": secs}
    verdict = json.loads(lines[-1])
    if verdict["killer"]:
        return {"outcome": "killed", "killer": verdict["killer"], "error": verdict["error"][:300], "seconds": secs}
    return {"outcome": "survived", "killer": None, "error": None, "seconds": secs}


def statement_lines(source: str) -> dict[int, int]:
    """line -> first line of the innermost statement holding it (coverage records a statement by its first line)."""
    out: dict[int, int] = {}
    spans = sorted(((n.lineno, n.end_lineno or n.lineno) for n in ast.walk(ast.parse(source))
                    if isinstance(n, ast.stmt)), key=lambda ab: ab[1] - ab[0], reverse=True)
    for a, b in spans:  # widest first, so the innermost statement writes last
        for ln in range(a, b + 1):
            out[ln] = a
    return out


def reached_by(m: Mutant, per_test: dict[str, dict[str, list[int]]],
               stmt_of: dict[str, dict[int, int]]) -> list[str]:
    """The suite tests that execute the mutated statement against the reference (the only ones that can kill)."""
    if m.module not in stmt_of:
        stmt_of[m.module] = statement_lines((ROOT / m.path).read_text(encoding="utf-8"))
    line = stmt_of[m.module].get(m.line, m.line)
    return [t for t, mods in per_test.items() if line in mods.get(m.module, ())]


def baseline(profile: str, digest: str) -> dict[str, dict[str, list[int]]]:
    """Per suite test, the lines of the decision modules it executes against the *unmutated* reference.

    The kit's run is derandomized, so each test is deterministic: a test that never executes the mutated statement
    runs exactly as against the reference and passes. So a mutant runs only the tests that reach its statement, and
    one no test reaches survives without a run. Measured once per source hash and profile in its own process (the
    reference must pass, or the run stops)."""
    path = RESULTS / f"mutation-baseline-{profile}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("hash") == digest:
            return data["lines"]
    except (OSError, ValueError):
        pass
    print(f"measuring which lines the kit executes against the reference ({profile} profile) ...", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CI", None)
    env.pop("HYPOTHESIS_PROFILE", None)
    with tempfile.TemporaryDirectory(prefix="mutant-baseline-") as tmp:
        out = Path(tmp) / "lines.json"
        p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--profile", profile,
                            "--expect-root", str(ROOT), "--coverage", str(out)], cwd=tmp, env=env,
                           capture_output=True, text=True)
        verdict = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
        if p.returncode != 0 or not verdict or json.loads(verdict[-1])["killer"]:
            raise SystemExit(f"the reference does not pass the kit: {(verdict or [p.stderr[-800:]])[-1]}")
        lines = json.loads(out.read_text(encoding="utf-8"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"hash": digest, "lines": lines}), encoding="utf-8")
    return lines


def _per_test_coverage(sync_dir: Path, out: Path) -> tuple[str, str] | None:
    """Run each suite test alone under coverage; write {test: {module: [lines]}}; return the first failure."""
    import coverage

    import conformance.kill as kill
    from conformance.adapter import reference_factory

    every = kill.suite_tests()
    lines: dict[str, dict[str, list[int]]] = {}
    for name in every:
        cov = coverage.Coverage(data_file=None, include=[str(sync_dir / "*.py")])
        kill.suite_tests = lambda name=name: {name: every[name]}  # type: ignore[assignment]
        cov.start()
        try:
            hit = kill.first_failure(reference_factory)
        finally:
            cov.stop()
        if hit:
            return hit
        data = cov.get_data()
        lines[name] = {Path(f).stem: sorted(data.lines(f) or []) for f in data.measured_files()}
    out.write_text(json.dumps(lines), encoding="utf-8")
    return None


def worker(profile: str, first: list[str], expect_root: str, coverage_out: str = "",
           only: set[str] | None = None) -> int:
    """Inside the mutant's process: run the suite tests until one fails; print one JSON verdict line."""
    import builtins

    from cosmic_ray.exceptions import CosmicRayTestingException

    # the exception replacer writes ``except CosmicRayTestingException:``: a handler that catches nothing
    builtins.CosmicRayTestingException = CosmicRayTestingException  # type: ignore[attr-defined]
    import reference_impl

    if not str(Path(reference_impl.__file__).resolve()).startswith(str(Path(expect_root).resolve())):
        print(f"not isolated: reference_impl from {reference_impl.__file__}", file=sys.stderr)
        return 3
    from hypothesis import settings

    # registers the conformance-ci / conformance-deep profiles on import (importing conformance.plugin does not)
    import conformance.profiles  # noqa: F401
    from conformance.adapter import reference_factory
    from conformance.kill import first_failure

    settings.load_profile(PROFILES[profile])
    if only is not None:  # the tests that reach the mutated statement (see reached_by)
        import conformance.kill as kill

        every = kill.suite_tests
        kill.suite_tests = lambda: {n: f for n, f in every().items() if n in only}  # type: ignore[assignment]
    if coverage_out:
        hit = _per_test_coverage(Path(reference_impl.__file__).resolve().parent / "sync", Path(coverage_out))
    else:
        hit = first_failure(reference_factory, tuple(t for t in first if t))
    print(json.dumps({"killer": hit[0] if hit else None, "error": hit[1] if hit else None}))
    return 0


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    c = Counter(r["outcome"] for r in rows)
    non_eq = len(rows) - c["equivalent"] - c["unspecified"]
    killed = c["killed"] + c["timeout"]  # timed out counts as killed (see the module docstring)
    non_eq -= c["not run"]
    strict = non_eq + c["unspecified"]  # the unspecified ones counted as survivors
    return {"sampled": len(rows), "killed": c["killed"], "survived": c["survived"], "timed_out": c["timeout"],
            "equivalent": c["equivalent"], "unspecified": c["unspecified"], "errors": c["error"],
            "not_run": c["not run"], "non_equivalent": non_eq,
            "kill_rate": round(killed / non_eq, 4) if non_eq else None,
            "kill_rate_unspecified_as_survived": round(killed / strict, 4) if strict else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=150, help="how many mutants to sample (default 150)")
    ap.add_argument("--seed", type=int, default=13, help="sampling seed (default 13)")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=None, help="seconds per mutant (default ci 900, deep 5400)")
    ap.add_argument("--survivors-of", choices=sorted(PROFILES), default=None,
                    help="run only the sampled mutants that survived (or timed out) in that profile's last results; "
                         "the others are carried over as killed there")
    ap.add_argument("--only", default="", help="comma-separated mutant ids to run (instead of a sample)")
    ap.add_argument("--list", action="store_true", help="print every mutation point and exit")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--cached-only", action="store_true",
                    help="run nothing: report from the cache (mutants without a cached result are 'not run')")
    ap.add_argument("--reach-from", choices=sorted(PROFILES), default=None,
                    help="use that profile's per-test reach instead of measuring this profile's (deep: saves one "
                         "whole deep run under coverage; deep reaches at least what CI reaches in practice)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--first", default="", help=argparse.SUPPRESS)
    ap.add_argument("--expect-root", default="", help=argparse.SUPPRESS)
    ap.add_argument("--coverage", default="", help=argparse.SUPPRESS)
    ap.add_argument("--tests", default="", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        return worker(a.profile, a.first.split(","), a.expect_root, a.coverage,
                      set(a.tests.split(",")) if a.tests else None)

    t0 = time.monotonic()
    everything = all_mutants()
    if a.list:
        for m in everything:
            print(m.id)
        print(f"{len(everything)} mutants", file=sys.stderr)
        return 0
    chosen = [Mutant.parse(i) for i in a.only.split(",") if i] if a.only else sample(everything, a.sample, a.seed)
    carried: dict[str, dict[str, Any]] = {}
    if a.survivors_of:
        prev = json.loads((RESULTS / f"mutation-{a.survivors_of}.json").read_text(encoding="utf-8"))
        outcome = {r["id"]: r for r in prev["mutants"]}
        for m in chosen:
            r = outcome.get(m.id)
            if r and r["outcome"] == "killed":
                carried[m.id] = {**r, "carried_from": a.survivors_of}
    equivalent = load_equivalent()
    unspecified = load_unspecified()
    timeout = a.timeout or DEFAULT_TIMEOUT[a.profile]
    cache = {} if a.no_cache else load_cache()
    digest = sources_hash()
    per_test = baseline(a.reach_from or a.profile, digest)
    stmt_of: dict[str, dict[int, int]] = {}
    reach = {m.id: reached_by(m, per_test, stmt_of) for m in chosen}
    rows: dict[str, dict[str, Any]] = {}
    todo: list[Mutant] = []
    for m in chosen:
        base = {"id": m.id, **asdict(m)}
        if m.id in equivalent:
            rows[m.id] = {**base, "outcome": "equivalent", "reason": equivalent[m.id]}
        elif m.id in unspecified:
            rows[m.id] = {**base, "outcome": "unspecified", "reason": unspecified[m.id]}
        elif not reach[m.id]:
            rows[m.id] = {**base, "outcome": "survived", "killer": None, "seconds": 0,
                          "error": "not executed by the kit (line never reached against the reference)"}
        elif m.id in carried:
            rows[m.id] = {**base, **{k: carried[m.id][k] for k in ("outcome", "killer", "error")},
                          "carried_from": a.survivors_of}
        elif (hit := cache.get(f"{a.profile}|{m.id}")) and hit.get("hash") == digest:
            rows[m.id] = {**base, **hit, "cached": True}
        elif a.cached_only:
            rows[m.id] = {**base, "outcome": "not run", "killer": None, "error": "no cached result"}
        else:
            todo.append(m)
    todo.sort(key=lambda m: len(reach[m.id]))  # the cheapest first, so a run cut short has settled the most
    print(f"{len(everything)} mutation points; sample {len(chosen)} (seed {a.seed}); profile {a.profile}; "
          f"{len(todo)} to run, {len(chosen) - len(todo)} cached/equivalent/carried; -j {a.jobs}", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = {pool.submit(run_mutant, m, a.profile, timeout, test_order(m, cache, a.profile), reach[m.id]): m
                for m in todo}
        for i, fut in enumerate(as_completed(futs), 1):
            m = futs[fut]
            r = fut.result()
            rows[m.id] = {"id": m.id, **asdict(m), **r}
            if r["outcome"] != "error":
                cache[f"{a.profile}|{m.id}"] = {**r, "hash": digest}
                RESULTS.mkdir(parents=True, exist_ok=True)
                CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
            print(f"[{i}/{len(todo)}] {m.id:60s} {r['outcome']:9s} {r.get('killer') or ''} ({r.get('seconds')} s)",
                  flush=True)
    ordered = [rows[m.id] for m in chosen]
    summary = summarize(ordered)
    summary["mutant_seconds"] = round(sum(float(r.get("seconds") or 0) for r in ordered), 1)
    wall = round(time.monotonic() - t0, 1)
    for r in ordered:
        if r["outcome"] in ("survived", "timeout", "error"):
            print(f"  {r['outcome'].upper():9s} {r['id']}  {r.get('error') or ''}".rstrip())
    print(f"profile {a.profile}: killed {summary['killed']}, survived {summary['survived']}, "
          f"timed out {summary['timed_out']} (counted as killed), equivalent {summary['equivalent']}, "
          f"unspecified {summary['unspecified']}, errors {summary['errors']}" + (f", not run {summary['not_run']}" if summary["not_run"] else ""))
    rate = summary["kill_rate"]
    print(f"kill rate: {summary['killed'] + summary['timed_out']}/{summary['non_equivalent']} non-equivalent = "
          f"{rate * 100 if rate is not None else float('nan'):.1f}%  (wall {wall} s, -j {a.jobs}, "
          f"{os.cpu_count()} cpus)")
    strict = summary["kill_rate_unspecified_as_survived"]
    if summary["unspecified"] and strict is not None:
        print(f"  ({summary['unspecified']} unspecified left out: observable, but the spec states no behaviour; "
              f"counted as survivors the rate would be {strict * 100:.1f}%)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"profile": a.profile, "seed": a.seed, "sample": a.sample, "points": len(everything),
           "survivors_of": a.survivors_of, "hash": digest, "wall_seconds": wall, "jobs": a.jobs,
           "timeout": timeout, "summary": summary, "mutants": ordered}
    (RESULTS / f"mutation-{a.profile}.json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
