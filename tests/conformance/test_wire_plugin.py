"""``pytest --pyargs conformance --sync-adapter=http://...`` selects a remote adapter (always live), ``--live``
selects live mode for a Python adapter, and a broken adapter stops the run with one line naming the operation."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conformance.served import served_adapter

REPO = Path(__file__).resolve().parents[2]
M03 = "test_M03_contacts_match_first_and_last_name_within_the_org"


def _plugin() -> list[str]:
    """``-p conformance.plugin`` only for a checkout: an installed package registers it (twice would be refused)."""
    from importlib.metadata import entry_points

    return [] if any(ep.name == "conformance" for ep in entry_points(group="pytest11")) else ["-p",
                                                                                              "conformance.plugin"]


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "CI": "true"}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run([sys.executable, "-m", "pytest", *_plugin(), "--pyargs", "conformance",
                           "-p", "no:cacheprovider", "-p", "no:benchmark", "-n", "0", "-rs", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600, env=env)


def test_sync_adapter_url_runs_the_suites_against_the_served_adapter_live() -> None:
    with served_adapter("conformance.adapter:reference_factory") as url:
        proc = _pytest(f"--sync-adapter={url}", "-k", M03, "--co")
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert f"conformance: sync adapter {url} (live mock over HTTP)" in proc.stdout
        proc = _pytest(f"--sync-adapter={url}", "-k", M03)
        assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_live_flag_selects_live_mode_for_a_python_adapter() -> None:
    proc = _pytest("--sync-adapter=conformance.adapter:reference_urllib_factory", "--live", "-k", M03)
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "(live mock over HTTP)" in proc.stdout


def test_an_unreachable_adapter_stops_the_run_with_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _pytest(f"--sync-adapter=http://127.0.0.1:{port}", "-k", "test_M0")
    out = proc.stdout
    assert proc.returncode == 2, out[-2000:] + proc.stderr[-2000:]  # interrupted: not judged (not "does not conform")
    line = f"adapter protocol error in 'capabilities': not answering at http://127.0.0.1:{port}/capabilities"
    assert line in out and "1 failed" in out, out[-3000:]  # stopped after the first: no second failure
