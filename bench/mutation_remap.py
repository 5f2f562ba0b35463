"""Carry the mutant ids of the bench/mutation_*.yaml files over a refactoring of the reference sync.

    python bench/mutation_remap.py --old-ref kit-surv            # report what maps, change nothing
    python bench/mutation_remap.py --old-ref kit-surv --write    # rewrite the yaml files with the new ids

Why: a mutant id is ``module:line:operator:occurrence`` (see bench/mutation.py), so moving code between modules or
lines gives the *same* mutation a new id, and the hand-written classifications (equivalent, unspecified, survivor)
would silently stop applying. This script finds, for every id in the three yaml files, the new id of the same
mutation: it regenerates the old mutant from ``git show <old-ref>:reference_impl/sync/<module>.py`` and the
candidates from the working tree, and matches them by a **signature**: the operator, the mutated line's text before
and after the mutation (stripped of indentation) and the name of the innermost enclosing function, plus an ordinal
among old mutants with that same signature (in source order), so that two identical mutations in one function
keep their order. A module's code is looked for in its *family*: the modules the refactoring split it into
(:data:`FAMILIES`). Every reason is kept; ids that do not map are listed, to be classified again by hand.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
YAMLS = ("mutation_equivalent.yaml", "mutation_unspecified.yaml", "mutation_survivors.yaml")
# old module -> the modules its code may live in now (the split of pull.py and service.py)
FAMILIES = {"pull": ("pull", "pull_fetch", "pass_result"),
            "service": ("service", "service_controls", "service_push", "service_base")}
RETURN_HINT = re.compile(r"\)\s*->.*:$")
KEY_RE = re.compile(r'^"([^"]+)":')
ID_RE = re.compile(r"\b([a-z_]+):(\d+):([A-Za-z_]+):(\d+)\b")


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_mutation", ROOT / "bench" / "mutation.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_mutation"] = mod
    spec.loader.exec_module(mod)
    return mod


M = _bench()


@dataclass(frozen=True)
class Signature:
    operator: str
    before: str
    after: str
    function: str


def _functions(source: str) -> dict[int, str]:
    """line -> name of the innermost function holding it ('<module>' outside any function)."""
    out: dict[int, str] = {}
    spans = sorted(((n.lineno, n.end_lineno or n.lineno, n.name) for n in ast.walk(ast.parse(source))
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), key=lambda s: s[1] - s[0],
                   reverse=True)
    for a, b, name in spans:  # widest first, so the innermost writes last
        for ln in range(a, b + 1):
            out[ln] = name
    return out


def signature(m: Any, source: str, funcs: dict[int, str]) -> Signature | None:
    """The mutation's signature, or None when cosmic-ray finds no such occurrence in ``source``."""
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    code = mutate_code(source, get_operator("core/" + m.operator)(), m.occurrence)
    if code is None:
        return None
    before, after = source.splitlines(), code.splitlines()
    line = m.line
    return Signature(m.operator, _norm(before[line - 1]),
                     _norm(after[line - 1]) if line <= len(after) else "", funcs.get(line, "<module>"))


def _norm(text: str) -> str:
    """A line's text for matching: no indentation, and a ``def`` line without its return annotation (the split
    gave some methods a precise return type, ``-> Any`` became ``-> PushOutcome``: not a different mutation)."""
    text = text.strip()
    return RETURN_HINT.sub("):", text) if text.startswith("def ") else text


def old_source(ref: str, module: str) -> str:
    return subprocess.run(["git", "show", f"{ref}:reference_impl/sync/{module}.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def yaml_ids() -> dict[str, list[str]]:
    """file -> every mutant id it names (keys and the ids quoted in comments)."""
    return {name: sorted(set(":".join(g) for g in ID_RE.findall((ROOT / "bench" / name).read_text(encoding="utf-8"))))
            for name in YAMLS}


def _old_targets(ref: str, module: str, wanted: set[str]) -> dict[str, tuple[Signature, int]]:
    """old id -> (signature, ordinal) for the ids of ``wanted`` that are mutation points of ``ref``'s module."""
    src = old_source(ref, module)
    funcs = _functions(src)
    lines = src.splitlines()
    texts = {_norm(lines[int(i.split(":")[1]) - 1]) for i in wanted if int(i.split(":")[1]) <= len(lines)}
    seen: dict[Signature, int] = defaultdict(int)
    out: dict[str, tuple[Signature, int]] = {}
    # ordinal: rank among the old module's mutants with the same signature, in (line, occurrence) order
    for m in sorted(M.module_mutants(module, src), key=lambda m: (m.line, m.occurrence)):
        if _norm(lines[m.line - 1]) not in texts:
            continue
        sig = signature(m, src, funcs)
        if sig is None:
            continue
        k = seen[sig]
        seen[sig] += 1
        if m.id in wanted:
            out[m.id] = (sig, k)
    return out


def remap(refs: list[str], ids: set[str]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(old id -> new id, old id -> why it did not map, old id -> the ref it was found in).

    The ids are looked up in ``refs`` in order: an id that is not a mutation point of the first (a stale entry
    written against an older version of its module) is looked up in the next."""
    by_module: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        by_module[i.split(":", 1)[0]].append(i)
    mapped: dict[str, str] = {}
    failed: dict[str, str] = {}
    found_in: dict[str, str] = {}
    for module, wanted in sorted(by_module.items()):
        targets: dict[str, tuple[Signature, int]] = {}
        for ref in refs:
            rest = set(wanted) - set(targets)
            if not rest:
                break
            hits = _old_targets(ref, module, rest)
            targets.update(hits)
            found_in.update({i: ref for i in hits})
        for i in wanted:
            if i not in targets:
                failed[i] = f"not a mutation point of {module}.py at {', '.join(refs)}"
        # candidates in the family, in family then source order
        cands: dict[tuple[Signature, int], list[str]] = defaultdict(list)
        want_sigs = {s for s, _ in targets.values()}
        want_texts = {(s.operator, s.before) for s in want_sigs}
        counts: dict[Signature, int] = defaultdict(int)
        for new_mod in FAMILIES.get(module, (module,)):
            path = ROOT / "reference_impl" / "sync" / f"{new_mod}.py"
            if not path.exists():
                continue
            nsrc = path.read_text(encoding="utf-8")
            nfuncs = _functions(nsrc)
            nlines = nsrc.splitlines()
            for m in sorted(M.module_mutants(new_mod, nsrc), key=lambda m: (m.line, m.occurrence)):
                if (m.operator, _norm(nlines[m.line - 1])) not in want_texts:
                    continue
                sig = signature(m, nsrc, nfuncs)
                if sig is None or sig not in want_sigs:
                    continue
                cands[(sig, counts[sig])].append(m.id)
                counts[sig] += 1
        for old_id, (sig, k) in targets.items():
            hit = cands.get((sig, k))
            if hit:
                mapped[old_id] = hit[0]
            else:
                failed[old_id] = (f"no mutation with the same signature in {', '.join(FAMILIES.get(module, (module,)))}"
                                  f" ({sig.function}: {sig.before!r} -> {sig.after!r}; {counts[sig]} now, old ordinal {k})")
    return mapped, failed, found_in


def rewrite(mapping: dict[str, str]) -> list[str]:
    """Replace every mapped id in the yaml files (keys and comments), keeping every reason and comment.

    Two old keys that name the same mutation (a stale id and its current one) would become one key twice: the
    first entry is kept, the later one dropped and returned, so that YAML never silently picks one."""
    dropped: list[str] = []
    for name in YAMLS:
        path = ROOT / "bench" / name
        keys: set[str] = set()
        out: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            line = ID_RE.sub(lambda mo: mapping.get(mo.group(0), mo.group(0)), line)
            key = KEY_RE.match(line)
            if key and key.group(1) in keys:
                dropped.append(f"{name}: {line.strip()}")
                continue
            if key:
                keys.add(key.group(1))
            out.append(line)
        path.write_text("".join(out), encoding="utf-8")
    return dropped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old-ref", required=True, action="append",
                    help="the git revision the yaml ids were written against; repeat it to look ids that are no "
                         "mutation point there up in older revisions, in the order given")
    ap.add_argument("--write", action="store_true", help="rewrite the yaml files with the new ids")
    a = ap.parse_args(argv)
    per_file = yaml_ids()
    every = {i for ids in per_file.values() for i in ids}
    try:
        mapping, failed, found_in = remap(a.old_ref, every)
    except subprocess.CalledProcessError as e:
        print(f"cannot read the old sources at {a.old_ref}: {e.stderr.strip()}", file=sys.stderr)
        return 2
    for name, ids in per_file.items():
        print(f"{name}: {sum(i in mapping for i in ids)}/{len(ids)} mapped")
    for old, new in sorted(mapping.items()):
        print(f"  {old:55s} -> {new}" + ("" if old != new else "  (unchanged)")
              + ("" if found_in.get(old) == a.old_ref[0] else f"  (stale: an id of {found_in.get(old)})"))
    for old, why in sorted(failed.items()):
        print(f"  UNMAPPED {old}: {why}")
    print(f"{len(mapping)}/{len(every)} ids mapped, {len(failed)} not")
    if a.write:
        for d in rewrite(mapping):
            print(f"  dropped a duplicate of an entry kept above: {d}")
        print("rewrote " + ", ".join(YAMLS))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
