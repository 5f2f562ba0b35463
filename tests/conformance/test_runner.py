"""`autotask-conformance run`: exit codes 0/1/2, the reports, the replay scenario, and the report rendering.

The end-to-end tests run the CLI in a subprocess (the run loads hypothesis profiles and pytest plugins of its own)
restricted with ``--only`` to a few fast properties.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from conformance.report import (
    FAIL,
    NOT_COVERED,
    PASS,
    SKIP,
    PropertyResult,
    Run,
    coverage,
    exit_code,
    family_scores,
    render_html,
    render_junit,
    render_markdown,
    rule_rows,
)
from conformance.reporting import blame, failure_text, selected
from conformance.scenarios import replay_scenario

REPO = Path(__file__).resolve().parents[2]
REFERENCE = "conformance.adapter:reference_factory"
MUTANT = "conformance.mutants:CaseInsensitiveNames"  # breaks M-06 (names compared without case)


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(Path(__file__).parent)])}
    return subprocess.run([sys.executable, "-m", "conformance.cli", "run", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)


# ------------------------------------------------------------------------------------------------ end to end
def test_reference_conforms_exit_0_with_junit_and_report(tmp_path: Path):
    proc = cli(tmp_path, "--adapter", REFERENCE, "--only", "M-03,SC-08", "--junit-xml", "out/junit.xml",
               "--report", "out/report.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "▶ test_M03_contacts_match_first_and_last_name_within_the_org [M-03" in proc.stderr  # progress
    assert "examples" in proc.stderr
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    # --only selects every property that covers M-03 or SC-08 (other suites' properties cite them too)
    assert {"test_M03_contacts_match_first_and_last_name_within_the_org",
            "test_SC08_an_api_only_default_account_manager_is_refused"} <= set(cases)
    from conformance.kill import suite_tests
    from conformance.rules import rules_of
    tests = suite_tests()
    assert all({"M-03", "SC-08"} & set(rules_of(tests[n], n)) for n in cases), sorted(cases)
    assert suite.get("failures") == "0" and suite.get("tests") == str(len(cases))
    assert cases["test_SC08_an_api_only_default_account_manager_is_refused"].get("classname") == \
        "conformance.suites.two_way_push"
    rules = {c.get("name"): next(p.get("value") for p in c.iter("property") if p.get("name") == "rules")
             for c in cases.values()}
    assert rules["test_SC08_an_api_only_default_account_manager_is_refused"].split() == ["SC-08", "P-09"]
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "**CONFORMS** (exit 0)" in md
    assert "| M-03 | [S] | ✅ pass |" in md and "| SC-08 | [S/I] | ✅ pass |" in md
    assert "| D-02 | [S] | · not covered |  | not selected (--only) |" in md
    assert "| C-01 | [S] | · not covered |  | no property in the kit |" in md
    assert "Kit coverage: **" in md and "## Score per rule family" in md
    assert not (tmp_path / "out" / "scenarios").exists()


def test_mutant_fails_exit_1_naming_the_rule_with_a_loadable_scenario(tmp_path: Path):
    proc = cli(tmp_path, "--adapter", MUTANT, "--only", "M-06", "--report", "out/report.html",
               "--junit-xml", "out/junit.xml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    test = "test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first"
    assert f"FAILED {test}" in proc.stdout
    replay = f"autotask-conformance run --adapter {MUTANT} --profile ci --only {test}"
    assert f"replay:   {replay}" in proc.stdout
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "DOES NOT CONFORM (exit 1)" in page
    assert '<tr class="fail"><td>M-06</td>' in page  # the broken rule
    # hypothesis says "Falsifying example" (older) or "Failing explicit example"/"Failing test case" (newer); either
    # way the counterexample's values are there (schemathesis' blank printer is undone while properties run)
    assert re.search(r"(Falsifying|Failing) [a-z ]*(example|case)", page) and replay in page
    assert "spec={&#x27;companies&#x27;" in page or "spec={'companies'" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page  # self-contained
    failure = next(c for c in ET.parse(tmp_path / "out" / "junit.xml").getroot().iter("testcase")
                   if c.get("name") == test).find("failure")
    assert failure is not None and "M-06" in failure.get("type", "")

    fixture = tmp_path / "out" / "scenarios" / f"{test}.yaml"
    docs = tmp_path / "out" / "scenarios" / f"{test}.documentation.json"
    assert fixture.is_file() and docs.is_file()
    doc = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    assert "M-06" in doc["rules"] and doc["x-documentation"]["property"] == test
    org_names = {d["fields"]["name"] for d in doc["x-documentation"]["records"] if d["kind"] == "organization"}
    company_names = {c["companyName"] for c in doc["records"]["Companies"]}
    assert {n.lower() for n in org_names} & {n.lower() for n in company_names}  # the colliding names are there

    from mockserver.cli import export_fixture  # the loader behind `autotask-mock serve --fixture FILE`

    loaded = export_fixture(str(fixture))
    assert sorted(c["companyName"] for c in loaded["records"]["Companies"]) == sorted(
        c["companyName"] for c in doc["records"]["Companies"])

    # both sides together reproduce the failure: the mutant links a company to an organization whose name differs
    # by case (M-06), the reference does not
    def wrong_links(factory) -> set[int]:
        with replay_scenario(fixture, factory) as w:
            assert w.adapter.run_pass()["ok"]
            names = {w.doc_ids[d["ref"]]: d["fields"]["name"] for d in doc["x-documentation"]["records"]
                     if d["kind"] == "organization"}
            companies = {c["id"]: c["companyName"] for c in doc["records"]["Companies"]}
            return {int(r["link"]["psa_id"]) for r in w.records("organization")
                    if r["link"] and r["id"] in names and names[r["id"]] != companies[int(r["link"]["psa_id"])]}

    from conformance.adapter import reference_factory
    from conformance.mutants import CaseInsensitiveNames

    assert wrong_links(CaseInsensitiveNames) and not wrong_links(reference_factory)


def test_unloadable_adapter_exit_2_with_one_line(tmp_path: Path):
    proc = cli(tmp_path, "--adapter", "no_such_module_xyz:factory", "--only", "M-03")
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines == ["cannot load adapter 'no_such_module_xyz:factory': ModuleNotFoundError: "
                     "No module named 'no_such_module_xyz'"], proc.stderr


def test_url_where_nothing_listens_exit_2(tmp_path: Path):
    with socket.socket() as s:  # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        proc = cli(tmp_path, "--adapter", f"http://127.0.0.1:{port}", "--report", "r.md")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"adapter protocol error in 'connect': nothing answers at http://127.0.0.1:{port} (connection refused)"]
    assert "**RUN FAILED** (exit 2)" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_protocol_error_at_the_probe_exit_2(tmp_path: Path):
    proc = cli(tmp_path, "--adapter", "broken_adapters:unreachable")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "adapter protocol error in 'capabilities': no answer within 5 s"


def test_protocol_error_during_a_property_stops_the_run_exit_2(tmp_path: Path):
    proc = cli(tmp_path, "--adapter", "broken_adapters:non_json_pass", "--only", "M-03,SC-08",
               "--report", "r.md")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ("adapter protocol error in 'run_pass': the answer is not JSON: '<html>Bad Gateway</html>'"
            in proc.stderr.splitlines())
    assert "1 examples" in proc.stderr  # stopped at once, not shrunk
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "| M-03 | [S] | ❌ fail" not in md and "not judged" in md


def test_only_that_selects_nothing_exit_2(tmp_path: Path):
    proc = cli(tmp_path, "--adapter", REFERENCE, "--only", "ZZ-99")
    assert proc.returncode == 2 and "--only ZZ-99 selects no property" in proc.stderr


# ------------------------------------------------------------------------------------------------ units
def test_only_globs_match_rules_and_names_case_insensitively():
    assert selected("test_M04_locations", ("M-04", "M-06"), ("M-0*",))
    assert selected("test_P11_R05_x", ("P-11",), ("p-11",))
    assert selected("test_stateful_sync_machine", ("M-09",), ("test_stateful*",))
    assert not selected("test_M04_locations", ("M-04",), ("P-*", "SC-08"))
    assert selected("anything", (), ())


def test_blame_names_cited_and_named_rules():
    assert blame("M-08: should link o1", "test_M01_M06_x", ("M-01", "M-06", "M-07", "M-08")) == (
        "M-08", "M-01", "M-06")
    assert blame("boom", "test_stateful_sync_machine", ("M-09", "ST-05")) == ("M-09", "ST-05")


def test_failure_text_keeps_messages_and_falsifying_example_not_blobs():
    a = AssertionError("M-09: linked twice")
    a.add_note("Falsifying example: test_x(\n    spec={},\n)")
    a.add_note("You can reproduce this example by temporarily adding @reproduce_failure('6', b'AA')")
    a.add_note("    These lines were always and only run by failing examples:\n        machine.py:89")
    message, example = failure_text(ExceptionGroup("two bugs", [a, KeyError("kind")]))
    assert message == "M-09: linked twice\n\nKeyError: 'kind'"
    assert example == "Falsifying example: test_x(\n    spec={},\n)"


def _run(*props: PropertyResult, error: str = "", only: tuple[str, ...] = ()) -> Run:
    kit = {"M-01": ["a"], "M-06": ["a"], "M-07": ["a"], "P-02": ["b"], "M-02": ["c"], "M-09": ["a"]}
    run = Run(adapter="pkg:factory", profile="ci", started="2026-01-01T00:00:00Z", properties=list(props),
              kit_rules=kit, only=only, duration=1.5, error=error)
    run.exit_code = exit_code(run.properties, run.error)
    return run


FAILED = PropertyResult(name="test_M01_M06_x", rules=("M-01", "M-06", "M-07", "M-09"), outcome="failed",
                        message="M-06: 'contoso' matched 'Contoso'", counterexample="Falsifying example: x(spec={})",
                        blamed=("M-06", "M-01"), examples=3, replay="autotask-conformance run --only test_M01_M06_x",
                        scenario=["scenarios/test_M01_M06_x.yaml"])
SKIPPED = PropertyResult(name="test_P02_x", rules=("P-02",), outcome="skipped",
                         skip_reason="adapter does not support push")
PASSED = PropertyResult(name="test_M09_y", rules=("M-09",), examples=15)


def test_rule_rows_statuses():
    rows = {r.rule.id: r for r in rule_rows(_run(FAILED, SKIPPED, PASSED))}
    assert rows["M-06"].status == FAIL and "contoso" in rows["M-06"].detail
    assert rows["M-01"].status == FAIL
    assert rows["M-07"].status == SKIP and "failed on M-06, M-01 first" in rows["M-07"].detail
    assert rows["M-09"].status == PASS  # another property passed and the failure does not blame it
    assert rows["P-02"].status == SKIP and rows["P-02"].detail == "adapter does not support push"
    assert rows["M-02"].status == NOT_COVERED and rows["M-02"].detail == "not selected (--only)"
    assert rows["C-01"].status == NOT_COVERED and rows["C-01"].detail == "no property in the kit"
    assert len(rows) > 100  # one row per rule of the spec


def test_family_scores_and_coverage():
    scores = {f["family"]: f for f in family_scores(rule_rows(_run(FAILED, SKIPPED, PASSED)))}
    assert scores["M"][PASS] == 1 and scores["M"][FAIL] == 2 and scores["M"]["score"] == "1/3"
    assert scores["P"]["score"] == "—" and scores["P"][SKIP] == 1
    covered, total = coverage({"M-01": ["a"], "M-09": ["a"], "X-01": ["z"]})
    assert covered == 1 and total > 100  # M-09 is [I] and X-01 a contrast rule: neither counts


def test_exit_codes():
    assert exit_code([PASSED, SKIPPED]) == 0
    assert exit_code([PASSED, FAILED]) == 1
    assert exit_code([PASSED], error="adapter protocol error in 'run_pass': x") == 2


def test_markdown_report():
    md = render_markdown(_run(FAILED, SKIPPED, PASSED, only=("M-*",)))
    assert md.startswith("# Conformance report: `pkg:factory`")
    assert "**DOES NOT CONFORM** (exit 1)" in md and "only `M-*`" in md
    assert "### `test_M01_M06_x`: M-06, M-01" in md
    assert "Falsifying example: x(spec={})" in md
    assert "Replay: `autotask-conformance run --only test_M01_M06_x`" in md
    assert "Scenario: `scenarios/test_M01_M06_x.yaml`" in md
    assert "| M | 1/3 | 1 | 2 | " in md
    assert "| `test_P02_x` | P-02 | skipped: adapter does not support push | 0 | 0.0 |" in md


def test_html_report_escapes_and_is_self_contained():
    evil = PropertyResult(name="test_M01_z", rules=("M-01",), outcome="failed", message="M-01: <b>&</b>",
                          blamed=("M-01",))
    page = render_html(_run(evil))
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in page and "<b>&</b>" not in page
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert "http" not in page.split("<body>")[0].replace("http-equiv", "")


def test_junit_report():
    root = ET.fromstring(render_junit(_run(FAILED, SKIPPED, PASSED)).split("\n", 1)[1])
    assert root.get("tests") == "3" and root.get("failures") == "1" and root.get("skipped") == "1"
    case = next(c for c in root.iter("testcase") if c.get("name") == "test_M01_M06_x")
    assert case.find("failure").get("type") == "M-06, M-01"
    assert "Falsifying example" in case.find("failure").text and "replay:" in case.find("failure").text
    props = {p.get("name"): p.get("value") for p in case.find("properties")}
    assert props["rules"] == "M-01 M-06 M-07 M-09" and props["examples"] == "3"
    broken = ET.fromstring(render_junit(_run(error="adapter protocol error in 'x': y")).split("\n", 1)[1])
    assert broken.get("errors") == "1" and broken.find("testcase/error").get("message").startswith("adapter")


@pytest.mark.parametrize("name", ["report.txt", "report"])
def test_report_needs_md_or_html(tmp_path: Path, name: str):
    proc = cli(tmp_path, "--adapter", REFERENCE, "--report", name)
    assert proc.returncode == 2 and "FILE.md" in proc.stderr
