"""bench/mutation.py's generator: stable ids, a seeded sample that does not move, mutations that apply.

Not the mutation run itself (that is ``python bench/mutation.py --sample 150``, minutes to hours)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("cosmic_ray", reason="the mutation extra (pip install -e '.[mutation]') is not installed")

ROOT = Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location("bench_mutation", ROOT / "bench" / "mutation.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_mutation"] = mod
    spec.loader.exec_module(mod)
    return mod


M = _load()
MACS = (ROOT / "reference_impl" / "sync" / "macs.py").read_text(encoding="utf-8")


def test_ids_are_stable_and_round_trip() -> None:
    a = [m.id for m in M.module_mutants("macs", MACS)]
    b = [m.id for m in M.module_mutants("macs", MACS)]
    assert a and a == b
    assert len(set(a)) == len(a), "two mutation points share an id"
    for mid in a:
        assert M.Mutant.parse(mid).id == mid
        module, line, op, occ = mid.split(":")
        assert module == "macs" and int(line) > 0 and op and int(occ) >= 0


def test_seeded_sample_is_fixed_and_order_independent() -> None:
    pool = [M.Mutant("pull", i, "AddNot", i) for i in range(1, 400)]
    one = M.sample(pool, 150, 13)
    assert [m.id for m in one] == [m.id for m in M.sample(list(reversed(pool)), 150, 13)]
    assert len({m.id for m in one}) == 150
    assert [m.id for m in one] != [m.id for m in M.sample(pool, 150, 14)]
    assert len(M.sample(pool[:5], 150, 13)) == 5


def test_a_mutant_applies_and_changes_only_its_line() -> None:
    m = next(x for x in M.module_mutants("macs", MACS) if x.operator == "ReplaceOrWithAnd")
    code = M.mutated_source(m)
    assert code is not None and code != MACS
    before, after = MACS.splitlines(), code.splitlines()
    changed = [i + 1 for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
    assert changed == [m.line]
    assert " and " in after[m.line - 1]


def test_annotations_docstrings_and_log_calls_are_not_mutated() -> None:
    src = ('"""doc: a or b"""\nfrom __future__ import annotations\n\n'
           'def f(x: int | None = None) -> int | None:\n    """x or y"""\n'
           '    store.log(1, "info", f"{x + 1}")\n    return x or 1\n')
    ids = [m.id for m in M.module_mutants("t", src)]
    lines = {int(i.split(":")[1]) for i in ids}
    assert lines == {7}, ids  # only the return: not the docstrings, the hints (line 4) or the log call (line 6)
    assert not any(":4:ReplaceBinaryOperator_BitOr" in i for i in ids), "a type hint was mutated"


def test_reach_maps_continuation_lines_to_their_statement() -> None:
    lines = M.statement_lines("x = f(1,\n      2)\nif (a and\n        b):\n    y = 3\n")
    assert lines[2] == 1 and lines[4] == 3 and lines[5] == 5


def test_equivalents_and_survivors_files_name_well_formed_distinct_mutants() -> None:
    import yaml

    eq = yaml.safe_load((ROOT / "bench" / "mutation_equivalent.yaml").read_text(encoding="utf-8")) or {}
    surv = yaml.safe_load((ROOT / "bench" / "mutation_survivors.yaml").read_text(encoding="utf-8")) or {}  # empty once every survivor is killed
    for mid, reason in {**eq, **surv}.items():
        assert M.Mutant.parse(mid).id == mid and M.Mutant.parse(mid).module in M.MODULES, mid
        assert isinstance(reason, str) and reason.strip(), f"{mid} has no reason"
    unspec = yaml.safe_load((ROOT / "bench" / "mutation_unspecified.yaml").read_text(encoding="utf-8")) or {}
    for mid, reason in unspec.items():
        assert M.Mutant.parse(mid).id == mid and M.Mutant.parse(mid).module in M.MODULES, mid
        assert isinstance(reason, str) and reason.strip(), f"{mid} has no reason"
    assert not set(eq) & set(surv), "a mutant cannot be both equivalent and a survivor"
    assert not set(unspec) & (set(eq) | set(surv)), "an unspecified mutant is neither equivalent nor a survivor"
    assert M.load_equivalent() == {k: str(v) for k, v in eq.items()}
    assert M.load_unspecified() == {k: str(v) for k, v in unspec.items()}


def test_unspecified_mutants_are_reported_apart_and_left_out_of_the_rate() -> None:
    rows = [{"outcome": o} for o in ("killed", "killed", "killed", "survived", "equivalent", "unspecified")]
    s = M.summarize(rows)
    assert (s["killed"], s["survived"], s["equivalent"], s["unspecified"], s["non_equivalent"]) == (3, 1, 1, 1, 4)
    assert s["kill_rate"] == 0.75 and s["kill_rate_unspecified_as_survived"] == 0.6


def test_every_classified_id_is_a_mutation_point_of_the_current_code() -> None:
    """An id is ``module:line:operator:occurrence``: after code moves (the split of pull.py and service.py) a stale id
    silently stops classifying anything. ``python bench/mutation_remap.py --old-ref REV`` carries them over."""
    import re

    points: dict[str, set[str]] = {}
    for name in ("mutation_equivalent.yaml", "mutation_unspecified.yaml", "mutation_survivors.yaml"):
        text = (ROOT / "bench" / name).read_text(encoding="utf-8")
        for mid in re.findall(r'^"([^"]+)":', text, flags=re.M):
            module = M.Mutant.parse(mid).module
            if module not in points:
                src = (ROOT / "reference_impl" / "sync" / f"{module}.py").read_text(encoding="utf-8")
                points[module] = {m.id for m in M.module_mutants(module, src)}
            assert mid in points[module], f"{name}: {mid} is not a mutation point of {module}.py (stale id)"
