"""The command conformance/README.md and README.md tell users to run works as written (installed package)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not any(ep.name == "conformance" for ep in entry_points(group="pytest11")),
                    reason="the conformance package is not installed (its pytest11 entry point is missing)")
def test_pytest_pyargs_conformance_collects_the_suites():
    proc = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "--sync-adapter=conformance.adapter:reference_factory"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    collected = [line for line in proc.stdout.splitlines() if "::test_" in line]
    assert any("test_M01_M06_M08_M09_M15" in line for line in collected) and len(collected) >= 20, proc.stdout[-2000:]
