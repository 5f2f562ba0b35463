"""scripts/build_catalog.py and scripts/build_rules.py: the committed data is what they make, and without their
sources (outside the repository, in ../shared) they say so in one line and write nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_build_catalog_without_the_sources_exits_2_in_one_line(tmp_path: Path):
    out = tmp_path / "catalog.json"
    proc = _run("scripts/build_catalog.py", "--shared", str(tmp_path / "nowhere"), "--out", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "autotask-openapi.json" in proc.stderr and "stays in use" in proc.stderr
    assert not out.exists()


def test_build_rules_without_the_spec_exits_2_in_one_line(tmp_path: Path):
    out = tmp_path / "rules.json"
    proc = _run("scripts/build_rules.py", str(tmp_path / "sync-behaviour.md"), "-o", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not out.exists()


@pytest.mark.skipif(not (SHARED / "reference" / "autotask-openapi.json").is_file(),
                    reason="../shared/reference is not next to this checkout")
def test_build_catalog_reproduces_the_committed_catalogue(tmp_path: Path):
    out = tmp_path / "catalog.json"
    proc = _run("scripts/build_catalog.py", "--shared", str(SHARED), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (REPO / "mockserver" / "catalog" / "data" / "catalog.json").read_bytes()


@pytest.mark.skipif(not (SHARED / "spec" / "sync-behaviour.md").is_file(),
                    reason="../shared/spec is not next to this checkout")
def test_build_rules_reproduces_the_committed_rules(tmp_path: Path):
    out = tmp_path / "rules.json"
    proc = _run("scripts/build_rules.py", str(SHARED / "spec" / "sync-behaviour.md"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (REPO / "conformance" / "data" / "rules.json").read_bytes()
