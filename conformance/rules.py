"""The spec's rule catalogue (``data/rules.json``, built by ``scripts/build_rules.py``) and the rule ids of a test.

A property names its rules twice: in its test name (``test_FMO3_parent_...`` → FM-O3, ``test_O08_C11_...`` →
O-08, C-11) and, more completely, in the ``rules`` attribute the suites' ``@prop(rules=[...])`` sets. The runner
uses the attribute when present and the name otherwise. Failure messages cite the rule they check
(``"M-08: company 1002 should link ..."``), which lets the report blame the broken rule rather than every rule a
failing property covers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

RULES_JSON = Path(__file__).resolve().parent / "data" / "rules.json"
COVERED_TAGS = ("S", "S/I")  # the kit's coverage counts the rules a source states (§0.1)
CONTRAST_FAMILIES = ("X",)  # §13: other platforms, "not for the IT Glue reference"

_NAME_TOKEN = re.compile(r"^(?P<fam>FM)(?P<sub>[A-Z])(?P<num>\d+)$|^(?P<fam2>[A-Z]{1,2})(?P<num2>\d{2})$")
_RULE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9-])([A-Z]{1,2}-[A-Z]?\d{1,2})(?![A-Za-z0-9])")


@dataclass(frozen=True)
class Rule:
    id: str
    tag: str
    title: str
    section: str
    family: str


@lru_cache(maxsize=1)
def catalogue() -> tuple[Rule, ...]:
    data = json.loads(RULES_JSON.read_text(encoding="utf-8"))
    return tuple(Rule(**r) for r in data["rules"])


def rule_ids() -> frozenset[str]:
    return frozenset(r.id for r in catalogue())


def rules_from_name(test_name: str) -> tuple[str, ...]:
    """``test_M05_T01_T03_...`` → (M-05, T-01, T-03); ``test_FMO3_...`` → (FM-O3,); ``test_P03_Q11_...`` → (P-03,);
    stops at the first word."""
    out: list[str] = []
    for token in test_name.removeprefix("test_").split("_"):
        if re.fullmatch(r"Q\d+", token):  # §15 open questions (Q11, Q21) are notes, not rules: skip, keep reading
            continue
        m = _NAME_TOKEN.match(token)
        if not m:
            break
        if m.group("fam"):
            out.append(f"FM-{m.group('sub')}{m.group('num')}")
        else:
            out.append(f"{m.group('fam2')}-{m.group('num2')}")
    return tuple(out)


def rules_of(test: Any, name: str | None = None) -> tuple[str, ...]:
    """Catalogue rule ids a test covers: its ``rules`` attribute (the override) or else its name.

    Entries that are not rules of the spec (open questions ``Q16``, edge cases ``§16.4``) are dropped here; see
    :func:`notes_of`.
    """
    known = rule_ids()
    declared = getattr(test, "rules", None)
    ids = tuple(declared) if declared else rules_from_name(name or str(getattr(test, "__name__", "")))
    return tuple(dict.fromkeys(r for r in ids if r in known))


def notes_of(test: Any) -> tuple[str, ...]:
    """The open questions (§15) and edge cases (§16) a test's ``rules`` attribute cites."""
    known = rule_ids()
    return tuple(r for r in getattr(test, "rules", ()) or () if r not in known)


def cited(text: str, among: Iterable[str] | None = None) -> tuple[str, ...]:
    """Rule ids cited in ``text`` (e.g. a failure message), in order, restricted to ``among`` when given."""
    pool = set(among) if among is not None else rule_ids()
    return tuple(dict.fromkeys(r for r in _RULE_IN_TEXT.findall(text) if r in pool))


def counted(rule: Rule) -> bool:
    """Whether the rule is in the kit's coverage denominator: [S] and [S/I], the §13 contrast rules excepted."""
    return rule.tag in COVERED_TAGS and rule.family not in CONTRAST_FAMILIES
