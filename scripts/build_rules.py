"""Build the conformance kit's rule catalogue from the behaviour spec.

    python scripts/build_rules.py [SPEC.md] [-o conformance/data/rules.json]

Reads every rule line of ``shared/spec/sync-behaviour.md`` (``- **M-02 [S]** text``) and writes one entry per rule
id: ``id``, ``tag`` ([S], [S/I] or [I], §0.1), ``title`` (the rule's first words), ``section`` (the ``##`` heading
it sits under) and ``family`` (the id's prefix: ``M``, ``FM``, ``PA``...). The runner's report has one row per entry;
the spec is the one source of rule ids, so the catalogue is generated data, rebuilt and compared by
``tests/conformance/test_rules_catalogue.py`` whenever the spec is next to the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = REPO.parent / "shared" / "spec" / "sync-behaviour.md"
DEFAULT_OUT = REPO / "conformance" / "data" / "rules.json"

RULE_LINE = re.compile(r"^- \*\*(?P<id>[A-Z]+-[A-Z]?\d+) \[(?P<tag>S|S/I|I)\]\*\*\s*(?P<text>.*)$")
SECTION = re.compile(r"^##\s+(?P<title>\d+\.\s+.*)$")
TITLE_WORDS = 16


def title_of(text: str) -> str:
    """The rule's first sentence without its source key, markdown emphasis removed, cut to ``TITLE_WORDS`` words."""
    text = re.sub(r"\*\*|`", "", text)
    text = re.split(r"\s+—\s+", text, maxsplit=1)[0]
    first = re.split(r"(?<=[.;:])\s", text, maxsplit=1)[0].rstrip(".;:")
    words = first.split()
    return " ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else "")


def build_rules(spec_text: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    section = ""
    seen: set[str] = set()
    for line in spec_text.splitlines():
        m = SECTION.match(line)
        if m:
            section = m.group("title").strip()
            continue
        m = RULE_LINE.match(line)
        if not m:
            continue
        rid = m.group("id")
        if rid in seen:
            raise ValueError(f"rule id {rid} appears twice in the spec")
        seen.add(rid)
        rules.append({"id": rid, "tag": m.group("tag"), "title": title_of(m.group("text")), "section": section,
                      "family": rid.split("-", 1)[0]})
    return rules


def render(rules: list[dict[str, Any]]) -> str:
    return json.dumps({"source": "shared/spec/sync-behaviour.md", "rules": rules}, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", nargs="?", type=Path, default=DEFAULT_SPEC)
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not args.spec.is_file():
        # The spec is not part of the repository: say so in one line instead of a traceback.
        print(f"build_rules: {args.spec} not found; pass the path of sync-behaviour.md. Nothing was written: the "
              f"committed {DEFAULT_OUT.relative_to(REPO)} stays in use.", file=sys.stderr)
        return 2
    rules = build_rules(args.spec.read_text(encoding="utf-8"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(rules), encoding="utf-8")
    print(f"wrote {args.output}: {len(rules)} rules", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
