"""Every CLI mistake a user can make ends in ONE line on stderr and a non-zero exit, never a traceback.

Each case runs the console script's module in a fresh process, as a user would (issue 16, "First contact").
"""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASIC = REPO / "tests" / "fixtures" / "basic.yaml"
SCRIPTS = {"autotask-mock": "mockserver.cli", "autotask-sync": "reference_impl.cli",
           "autotask-conformance": "conformance.cli"}


def run(script: str, *args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "COLUMNS": "300", "AUTOTASK_MOCK_CACHE_DIR": str(cwd or REPO / ".pytest-cache-none")}
    return subprocess.run([sys.executable, "-m", SCRIPTS[script], *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd or REPO)


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (asserting there is exactly one and no traceback)."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


# ------------------------------------------------------------------------------------------ autotask-mock
@pytest.mark.parametrize("command", [["serve"], ["demo", "--exit"], ["serve", "--zones", "1"]])
def test_port_in_use_names_the_port_and_suggests_port_0(command: list[str], busy_port: int) -> None:
    line = one_error_line(run("autotask-mock", *command, "--port", str(busy_port), "--fixture", str(BASIC)))
    assert f"port {busy_port}" in line and "already in use" in line and "--port 0" in line


def test_bad_fixture_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    line = one_error_line(run("autotask-mock", "serve", "--port", "0", "--fixture", str(missing)))
    assert str(missing) in line


def test_invalid_fixture_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: autotask-mock/tenant@1\ntenant: {name: basic}\nrecords: {}\n", encoding="utf-8")
    line = one_error_line(run("autotask-mock", "serve", "--port", "0", "--fixture", str(bad), timeout=30))
    assert "integrationCodes" in line


def test_bad_set_value_lists_the_allowed_values() -> None:
    line = one_error_line(run("autotask-mock", "serve", "--port", "0", "--fixture", str(BASIC),
                              "--set", "missing_item_status=abc"))
    assert "missing_item_status='abc'" in line and "200, 404" in line


def test_every_bad_set_value_is_reported_at_once() -> None:
    line = one_error_line(run("autotask-mock", "demo", "--exit", "--port", "0", "--set", "unknown_fields=maybe",
                              "--set", "max_page_size=0", "--set", "no_such_setting=1", "--set", "novalue"))
    assert "unknown_fields='maybe'" in line and "'ignore', 'error'" in line
    assert "max_page_size=0" in line and "> 0" in line
    assert "unknown setting 'no_such_setting'" in line and "'novalue' is not KEY=VALUE" in line


def test_demo_db_in_a_missing_directory(tmp_path: Path) -> None:
    line = one_error_line(run("autotask-mock", "demo", "--exit", "--port", "0", "--db", str(tmp_path / "no" / "x.db")))
    assert "--db" in line and "does not exist" in line


# ------------------------------------------------------------------------------------------ autotask-sync
def test_sync_db_in_a_missing_directory(tmp_path: Path) -> None:
    line = one_error_line(run("autotask-sync", "--db", str(tmp_path / "no" / "x.db"), "status"))
    assert "--db" in line and "does not exist" in line


def test_sync_db_that_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    line = one_error_line(run("autotask-sync", "--db", str(junk), "status"))
    assert "not a usable SQLite database" in line


def _make_read_only(path: Path) -> None:
    """Read-only for this process: chmod for a normal user; root ignores modes, so use the immutable flag."""
    if os.geteuid() != 0:
        path.chmod(stat.S_IRUSR)
        path.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without the immutable flag: no read-only file possible")


def _undo_read_only(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    else:
        path.parent.chmod(stat.S_IRWXU)


def test_sync_db_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "store.db"
    db.touch()  # an empty file: the store must create its tables, which a read-only file refuses
    _make_read_only(db)
    try:
        line = one_error_line(run("autotask-sync", "--db", str(db), "status"))
    finally:
        _undo_read_only(db)
    assert "read-only" in line and str(db) in line


def test_sync_db_locked_by_another_process(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        line = one_error_line(run("autotask-sync", "--db", str(db), "status"))
    finally:
        holder.close()
    assert "locked by another process" in line


def test_sync_edit_bad_set_value(tmp_path: Path) -> None:
    line = one_error_line(run("autotask-sync", "--db", str(tmp_path / "s.db"), "edit", "contact", "1",
                              "--set", "organization_id=abc", "--set", "nofield"))
    assert "organization_id='abc'" in line and "expected FIELD=VALUE, got 'nofield'" in line


# ------------------------------------------------------------------------------------ autotask-conformance
def test_conformance_unknown_adapter() -> None:
    line = one_error_line(run("autotask-conformance", "run", "--adapter", "no_such_module_xyz:factory"))
    assert "no_such_module_xyz" in line


def test_conformance_report_with_a_wrong_suffix(tmp_path: Path) -> None:
    line = one_error_line(run("autotask-conformance", "run", "--adapter", "conformance.adapter:reference_factory",
                              "--report", str(tmp_path / "r.txt")))
    assert "--report" in line and ".md" in line and "--help" in line


def test_conformance_missing_option() -> None:
    line = one_error_line(run("autotask-conformance", "run"))
    assert "--adapter" in line and "run --help" in line


# ---------------------------------------------------------------------------------------------- --version
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_version_on_every_console_script(script: str) -> None:
    from mockserver import __version__

    proc = run(script, "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"{script}, version {__version__}"
