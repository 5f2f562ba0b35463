"""The conformance pytest plugin (entry point ``pytest11: conformance``) is silent and free in unrelated test runs.

Installing the package registers the plugin for every pytest run on the machine. In a project that never asks
for the kit it must print nothing, import nothing heavy (the kit, an adapter, the reference sync) and leave the
hypothesis profile alone; asking for it (``--sync-adapter``) switches it on. Each run is a fresh pytest process
in a temporary project, as a user's would be.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = '''
import sys

HEAVY = ("conformance.adapter", "conformance.kill", "conformance.machine", "conformance.world", "reference_impl")


def test_nothing_of_the_kit_is_loaded():
    loaded = sorted(m for m in sys.modules if m.startswith(HEAVY))
    assert loaded == [], loaded
    if "hypothesis" in sys.modules:
        from hypothesis import settings

        assert "conformance" not in settings._current_profile
'''


def _plugin() -> list[str]:
    """``-p conformance.plugin`` only for a checkout: an installed package registers it (twice would be refused)."""
    from importlib.metadata import entry_points

    installed = any(ep.name == "conformance" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "conformance.plugin"]


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "CI": "true"}
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "SYNC_ADAPTER", "CONFORMANCE_LIVE", "HYPOTHESIS_PROFILE"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "pytest", *_plugin(), "-p", "no:cacheprovider", "-p", "no:randomly",
                           *args], cwd=project, capture_output=True, text=True, timeout=300, env=env)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "test_unrelated.py").write_text(PROBE, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return tmp_path


def test_an_unrelated_run_shows_and_loads_nothing_of_the_kit(tmp_path: Path) -> None:
    proc = _pytest(_project(tmp_path), "-v")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conformance" not in (proc.stdout + proc.stderr).lower()
    assert "1 passed" in proc.stdout


def test_the_kit_options_are_still_declared(tmp_path: Path) -> None:
    proc = _pytest(_project(tmp_path), "--help")
    assert proc.returncode == 0 and "--sync-adapter" in proc.stdout


def test_asking_for_the_kit_switches_it_on(tmp_path: Path) -> None:
    """The control: the same probe fails, and the header shows, once a conformance option is given."""
    proc = _pytest(_project(tmp_path), "--sync-adapter=conformance.adapter:reference_factory")
    assert "conformance: sync adapter conformance.adapter:reference_factory" in proc.stdout
    assert proc.returncode == 1 and "1 failed" in proc.stdout, proc.stdout
