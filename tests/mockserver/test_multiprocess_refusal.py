"""A multi-process WSGI server is refused with one clear line pointing to the zones mode (issue 15, part 8).

Tenants live in one process's memory, so `gunicorn -w 2` used to answer 200 to everything while each
worker handed out the same ids and answered from its own copy.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from mockserver.app import MULTIPROCESS_REFUSAL
from tests.mockserver.conftest import BASIC_HEADERS, V1, make_app

ROOT = Path(__file__).resolve().parents[2]


def _assert_refused(resp_status: int, errors: list[str]) -> None:
    assert resp_status == 500
    assert errors == [MULTIPROCESS_REFUSAL]
    assert "autotask-mock serve --zones N" in errors[0] and "wsgi.multiprocess" in errors[0]


@pytest.mark.parametrize("path", [f"{V1}/Companies/1", "/_mock/tenants", f"{V1}/zoneInformation?user=sync@BASIC.APIUSER.com"])
def test_a_multiprocess_environ_is_refused_on_every_path(path):
    client = make_app().test_client()
    resp = client.get(path, headers=BASIC_HEADERS, multiprocess=True)
    _assert_refused(resp.status_code, resp.get_json()["errors"])
    # the same app under a single-process server answers normally
    assert client.get(path, headers=BASIC_HEADERS).status_code != 500


def test_a_multiprocess_write_changes_nothing():
    app = make_app()
    client = app.test_client()
    body = {"companyName": "Never", "companyType": 1, "ownerResourceID": 101, "phone": "1"}
    resp = client.post(f"{V1}/Companies", json=body, headers=BASIC_HEADERS, multiprocess=True)
    assert resp.status_code == 500
    search = '{"filter":[{"op":"eq","field":"companyName","value":"Never"}]}'
    found = client.get(f"{V1}/Companies/query", query_string={"search": search}, headers=BASIC_HEADERS)
    assert found.status_code == 200 and found.get_json()["items"] == []


@pytest.mark.skipif(importlib.util.find_spec("gunicorn") is None or sys.platform == "win32",
                    reason="gunicorn (the bench extra) is not installed")
def test_gunicorn_with_two_workers_is_refused():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"fd://{sock.fileno()}", "--log-level", "error",
         "mockserver.app:create_app()"],
        pass_fds=[sock.fileno()], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sock.close()
    try:
        deadline = time.monotonic() + 120
        resp = None
        while time.monotonic() < deadline:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}{V1}/Companies/1", timeout=30,
                                    headers={"UserName": "demo@DEMO1234.APIUSER.com", "Secret": "demo-secret",
                                             "ApiIntegrationCode": "DEMO0INTEGRATION0CODE0"})
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        assert resp is not None, "gunicorn did not answer"
        _assert_refused(resp.status_code, resp.json()["errors"])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate()
    # the line is also logged once per worker, for whoever reads the server's output
    assert b"autotask-mock serve --zones N" in err
