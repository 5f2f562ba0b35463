"""The run's verdict as data, and its renderings: Markdown, self-contained HTML and JUnit XML.

Pure: the pytest plugin (``conformance.reporting``) fills a :class:`Run`; nothing here touches pytest, files or the
adapter. One row per rule of the spec (``rules.json``):

* **fail**: a failing property blames the rule. A failure message cites the rules it checks (``"M-08: ..."``); a
  failure that cites none of its property's rules blames them all.
* **pass**: at least one property covering the rule passed and none blames it.
* **skipped**: every property covering it was skipped (the reason, e.g. "adapter does not support push") or failed on
  another rule before it could decide this one.
* **not covered**: no property of the run covers it (not in the kit, or left out by ``--only``).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.rules import Rule, catalogue, counted

PASS, FAIL, SKIP, NOT_COVERED = "pass", "fail", "skipped", "not covered"
VERDICTS = {0: "CONFORMS", 1: "DOES NOT CONFORM", 2: "RUN FAILED"}


@dataclass
class PropertyResult:
    """One property (pytest test) of the run."""

    name: str
    rules: tuple[str, ...]
    notes: tuple[str, ...] = ()  # §15 open questions and §16 edge cases the property also cites
    outcome: str = "passed"  # passed | failed | skipped | error (the adapter broke the protocol: not judged)
    skip_reason: str = ""
    message: str = ""  # the assertion's message (first lines)
    counterexample: str = ""  # hypothesis' "Falsifying example" block (shrunk)
    blamed: tuple[str, ...] = ()
    examples: int = 0
    duration: float = 0.0
    replay: str = ""  # command that replays the failure
    scenario: list[str] = field(default_factory=list)  # files of the replayable scenario
    suite: str = "conformance"  # the module holding the property (JUnit classname)


@dataclass
class Run:
    adapter: str
    profile: str
    started: str  # ISO 8601 UTC
    properties: list[PropertyResult]
    kit_rules: dict[str, list[str]]  # rule id → every property of the kit covering it (coverage, ignores --only)
    only: tuple[str, ...] = ()
    duration: float = 0.0
    exit_code: int = 0
    error: str = ""  # the one line of a failed run (exit 2)


@dataclass(frozen=True)
class RuleRow:
    rule: Rule
    status: str
    properties: tuple[str, ...]
    detail: str


# ---------------------------------------------------------------------------------------------------- the verdict
def exit_code(props: Iterable[PropertyResult], error: str = "") -> int:
    """2 when the run itself failed, 1 when a property failed, else 0 (skips do not fail a run)."""
    if error:
        return 2
    return 1 if any(p.outcome == "failed" for p in props) else 0


def rule_rows(run: Run) -> list[RuleRow]:
    by_rule: dict[str, list[PropertyResult]] = {}
    for p in run.properties:
        for r in p.rules:
            by_rule.setdefault(r, []).append(p)
    rows = []
    for rule in catalogue():
        props = by_rule.get(rule.id, [])
        names = tuple(p.name for p in props)
        blaming = [p for p in props if p.outcome == "failed" and rule.id in p.blamed]
        passed = [p for p in props if p.outcome == "passed"]
        if not props:
            in_kit = bool(run.kit_rules.get(rule.id))
            rows.append(RuleRow(rule, NOT_COVERED, (), "not selected (--only)" if in_kit else "no property in the kit"))
        elif blaming:
            rows.append(RuleRow(rule, FAIL, names, "; ".join(_first_line(p.message) for p in blaming)))
        elif passed:
            rows.append(RuleRow(rule, PASS, names, ""))
        else:
            reasons = [p.skip_reason if p.outcome == "skipped" else
                       f"not judged: {_first_line(p.message)}" if p.outcome == "error" else
                       f"{p.name} failed on {', '.join(p.blamed)} first" for p in props]
            rows.append(RuleRow(rule, SKIP, names, "; ".join(dict.fromkeys(reasons))))
    return rows


def family_scores(rows: list[RuleRow]) -> list[dict[str, Any]]:
    """Per family (M, P, FM...): counts per status and the score = passed / decided (pass + fail)."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        f = out.setdefault(row.rule.family, {"family": row.rule.family, PASS: 0, FAIL: 0, SKIP: 0, NOT_COVERED: 0,
                                             "rules": 0})
        f[row.status] += 1
        f["rules"] += 1
    for f in out.values():
        decided = f[PASS] + f[FAIL]
        f["score"] = f"{f[PASS]}/{decided}" if decided else "—"
        f["percent"] = round(100 * f[PASS] / decided) if decided else None
    return list(out.values())


def coverage(kit_rules: dict[str, list[str]]) -> tuple[int, int]:
    """(rules with a property, [S] and [S/I] rules), §13's contrast rules excepted (``rules.counted``)."""
    pool = [r for r in catalogue() if counted(r)]
    return sum(1 for r in pool if kit_rules.get(r.id)), len(pool)


def coverage_all(kit_rules: dict[str, list[str]]) -> tuple[int, int]:
    """(rules with a property, rules of the spec), every tag."""
    return sum(1 for r in catalogue() if kit_rules.get(r.id)), len(catalogue())


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _counts(run: Run) -> dict[str, int]:
    c = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for p in run.properties:
        c[p.outcome] = c.get(p.outcome, 0) + 1
    return c


def summary_line(run: Run) -> str:
    c = _counts(run)
    cov, total = coverage(run.kit_rules)
    return (f"{VERDICTS[run.exit_code]} (exit {run.exit_code}): {c['passed']} passed, {c['failed']} failed, "
            f"{c['skipped']} skipped" + (f", {c['error']} not judged" if c["error"] else "")
            + f" of {len(run.properties)} properties; kit coverage {cov}/{total} [S] and [S/I] "
            "rules")


# ---------------------------------------------------------------------------------------------------- Markdown
def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


STATUS_MARK = {PASS: "✅ pass", FAIL: "❌ fail", SKIP: "⏭ skipped", NOT_COVERED: "· not covered"}


def render_markdown(run: Run) -> str:
    rows = rule_rows(run)
    cov, total = coverage(run.kit_rules)
    lines = [f"# Conformance report: `{run.adapter}`", "",
             f"**{VERDICTS[run.exit_code]}** (exit {run.exit_code}) · profile `{run.profile}` · {run.started} · "
             f"{run.duration:.1f} s" + (f" · only `{','.join(run.only)}`" if run.only else ""), ""]
    if run.error:
        lines += [f"> {run.error}", ""]
    c = _counts(run)
    lines += [f"Properties: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped "
              f"({sum(p.examples for p in run.properties)} examples).", "",
              f"Kit coverage: **{cov} of {total}** [S] and [S/I] rules have a property "
              f"({round(100 * cov / total) if total else 0}%; §13's contrast rules X-* are not counted; "
              "all tags: {} of {}).".format(*coverage_all(run.kit_rules)), "",
              "## Score per rule family", "", "| family | score (pass/decided) | pass | fail | skipped | not covered |",
              "|---|---|---|---|---|---|"]
    for f in family_scores(rows):
        lines.append(f"| {f['family']} | {f['score']} | {f[PASS]} | {f[FAIL]} | {f[SKIP]} | {f[NOT_COVERED]} |")
    failed = [p for p in run.properties if p.outcome == "failed"]
    if failed:
        lines += ["", "## Failures"]
        for p in failed:
            lines += ["", f"### `{p.name}`: {', '.join(p.blamed) or '?'}", "",
                      f"Rules of the property: {', '.join(p.rules + p.notes)}", "", "```text", p.message.strip()]
            if p.counterexample:
                lines += ["", p.counterexample.strip()]
            lines += ["```", ""]
            if p.replay:
                lines += [f"Replay: `{p.replay}`", ""]
            if p.scenario:
                lines += ["Scenario: " + ", ".join(f"`{s}`" for s in p.scenario), ""]
    lines += ["", "## Rules", "", "One row per rule of the spec. **fail**: a failing property blames it (its message cites "
              "the rule or its name carries it); **pass**: a property covering it passed and none blames it; "
              "**skipped**: its properties were skipped or stopped at another rule's failure; **not covered**: no "
              "property of this run covers it.", "",
              "| rule | tag | status | properties | detail | rule text (first words) |",
              "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row.rule.id} | [{row.rule.tag}] | {STATUS_MARK[row.status]} | "
                     f"{_md_cell(', '.join(row.properties))} | {_md_cell(row.detail)} | {_md_cell(row.rule.title)} |")
    lines += ["", "## Properties", "", "| property | rules | outcome | examples | seconds |", "|---|---|---|---|---|"]
    for p in run.properties:
        out = p.outcome + (f": {p.skip_reason}" if p.outcome == "skipped" and p.skip_reason else "")
        lines.append(f"| `{p.name}` | {', '.join(p.rules)} | {_md_cell(out)} | {p.examples} | {p.duration:.1f} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------- HTML
_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;
font-size:.9em;text-align:left}th{background:#f3f3f3}.pass{background:#e6f4ea}.fail{background:#fce8e6}
.skipped{background:#fff8e1}.notcovered{color:#888}pre{background:#f6f6f6;padding:1em;overflow-x:auto;
white-space:pre-wrap}.verdict{font-size:1.3em;font-weight:bold}.v0{color:#1e7e34}.v1,.v2{color:#c5221f}code{font-size:.95em}"""


def render_html(run: Run) -> str:
    """A self-contained page (inline CSS, no scripts, no external assets)."""
    e = html.escape
    rows = rule_rows(run)
    cov, total = coverage(run.kit_rules)
    c = _counts(run)
    out = ["<!doctype html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           f"<title>Conformance report: {e(run.adapter)}</title><style>{_CSS}</style></head><body>",
           f"<h1>Conformance report: <code>{e(run.adapter)}</code></h1>",
           f"<p class=\"verdict v{run.exit_code}\">{VERDICTS[run.exit_code]} (exit {run.exit_code})</p>",
           f"<p>profile <code>{e(run.profile)}</code> · {e(run.started)} · {run.duration:.1f} s"
           + (f" · only <code>{e(','.join(run.only))}</code>" if run.only else "") + "</p>"]
    if run.error:
        out.append(f"<p><strong>{e(run.error)}</strong></p>")
    out += [f"<p>Properties: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped "
            f"({sum(p.examples for p in run.properties)} examples).</p>",
            f"<p>Kit coverage: <strong>{cov} of {total}</strong> [S] and [S/I] rules have a property "
            f"({round(100 * cov / total) if total else 0}%; §13's contrast rules X-* are not counted; "
            "all tags: {} of {}).</p>".format(*coverage_all(run.kit_rules)),
            "<h2>Score per rule family</h2><table><tr><th>family</th><th>score (pass/decided)</th><th>pass</th>"
            "<th>fail</th><th>skipped</th><th>not covered</th></tr>"]
    for f in family_scores(rows):
        out.append(f"<tr><td>{e(f['family'])}</td><td>{f['score']}</td><td>{f[PASS]}</td><td>{f[FAIL]}</td>"
                   f"<td>{f[SKIP]}</td><td>{f[NOT_COVERED]}</td></tr>")
    out.append("</table>")
    failed = [p for p in run.properties if p.outcome == "failed"]
    if failed:
        out.append("<h2>Failures</h2>")
        for p in failed:
            body = p.message.strip() + ("\n\n" + p.counterexample.strip() if p.counterexample else "")
            out += [f"<h3 id=\"{e(p.name)}\"><code>{e(p.name)}</code>: {e(', '.join(p.blamed) or '?')}</h3>",
                    f"<p>Rules of the property: {e(', '.join(p.rules + p.notes))}</p>", f"<pre>{e(body)}</pre>"]
            if p.replay:
                out.append(f"<p>Replay: <code>{e(p.replay)}</code></p>")
            if p.scenario:
                out.append("<p>Scenario: " + ", ".join(f"<code>{e(s)}</code>" for s in p.scenario) + "</p>")
    out.append("<h2>Rules</h2><table><tr><th>rule</th><th>tag</th><th>status</th><th>properties</th><th>detail</th>"
               "<th>rule text (first words)</th></tr>")
    for row in rows:
        cls = row.status.replace(" ", "")
        out.append(f"<tr class=\"{cls}\"><td>{e(row.rule.id)}</td><td>[{e(row.rule.tag)}]</td><td>{e(row.status)}</td>"
                   f"<td>{e(', '.join(row.properties))}</td><td>{e(row.detail)}</td><td>{e(row.rule.title)}</td></tr>")
    out.append("</table><h2>Properties</h2><table><tr><th>property</th><th>rules</th><th>outcome</th>"
               "<th>examples</th><th>seconds</th></tr>")
    for p in run.properties:
        cls = {"passed": PASS, "failed": FAIL}.get(p.outcome, SKIP)
        outcome = p.outcome + (f": {p.skip_reason}" if p.skip_reason else "")
        out.append(f"<tr class=\"{cls}\"><td><code>{e(p.name)}</code></td><td>{e(', '.join(p.rules))}</td>"
                   f"<td>{e(outcome)}</td><td>{p.examples}</td><td>{p.duration:.1f}</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------- JUnit XML
def render_junit(run: Run) -> str:
    """One ``testcase`` per property with its rule ids as ``properties``; failures carry the counterexample."""
    c = _counts(run)
    suite = ET.Element("testsuite", name="autotask-conformance", tests=str(len(run.properties)),
                       failures=str(c["failed"]), errors="1" if run.error else "0", skipped=str(c["skipped"]),
                       time=f"{run.duration:.3f}", timestamp=run.started)
    props = ET.SubElement(suite, "properties")
    for k, v in (("adapter", run.adapter), ("profile", run.profile), ("only", ",".join(run.only))):
        ET.SubElement(props, "property", name=k, value=v)
    for p in run.properties:
        case = ET.SubElement(suite, "testcase", classname=p.suite, name=p.name, time=f"{p.duration:.3f}")
        cp = ET.SubElement(case, "properties")
        ET.SubElement(cp, "property", name="rules", value=" ".join(p.rules))
        if p.notes:
            ET.SubElement(cp, "property", name="notes", value=" ".join(p.notes))
        ET.SubElement(cp, "property", name="examples", value=str(p.examples))
        if p.outcome == "failed":
            f = ET.SubElement(case, "failure", message=_first_line(p.message), type=", ".join(p.blamed))
            f.text = "\n\n".join(x for x in (p.message.strip(), p.counterexample.strip(),
                                             p.replay and f"replay: {p.replay}",
                                             p.scenario and "scenario: " + " ".join(p.scenario)) if x)
        elif p.outcome == "skipped":
            ET.SubElement(case, "skipped", message=p.skip_reason)
    if run.error:
        err = ET.SubElement(suite, "testcase", classname="conformance", name="adapter")
        ET.SubElement(err, "error", message=run.error)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
