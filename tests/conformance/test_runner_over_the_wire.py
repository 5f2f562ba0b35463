"""The runner judges a sync served in another process, as a new user would run it (issue 14, "Done means").

The reference sync behind ``autotask-conformance serve-adapter`` conforms (exit 0, JUnit XML, report); a mutant
served the same way does not (exit 1, the broken rule named, a replayable scenario). Both run only a few rules
(``--only``) to stay fast; the full remote run is timed by ``bench/bench_conformance.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from tests.conformance.served import served_by_cli

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance.cli", "run", *args], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=600)


def test_the_served_reference_conforms(tmp_path: Path) -> None:
    with served_by_cli("conformance.adapter:reference_factory") as url:
        proc = run(tmp_path, "--adapter", url, "--only", "M-06,P-11", "--junit-xml", "out/junit.xml",
                   "--report", "out/report.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert int(suite.get("tests")) >= 2 and suite.get("failures") == "0"
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "CONFORMS" in md and "| M-06 |" in md


def test_a_served_mutant_fails_naming_its_rule_with_a_replayable_scenario(tmp_path: Path) -> None:
    with served_by_cli("conformance.mutants:CaseInsensitiveNames") as url:
        proc = run(tmp_path, "--adapter", url, "--only", "M-06", "--report", "out/report.md")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"FAILED test_M01\w* \([^)]*M-06", proc.stdout), proc.stdout
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "DOES NOT CONFORM" in md and "| M-06 |" in md
    scenarios = sorted((tmp_path / "out" / "scenarios").glob("*.yaml"))
    assert scenarios, "no replay scenario written"
    doc = yaml.safe_load(scenarios[0].read_text(encoding="utf-8"))
    assert "M-06" in doc["rules"] and doc["x-documentation"]["records"], sorted(doc)

    from mockserver.cli import export_fixture  # the loader behind `autotask-mock serve --fixture FILE`

    loaded = export_fixture(str(scenarios[0]))
    assert sorted(c["companyName"] for c in loaded["records"]["Companies"]) == sorted(
        c["companyName"] for c in doc["records"]["Companies"])
