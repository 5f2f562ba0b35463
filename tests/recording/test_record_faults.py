"""Issue 17, bad input and faults: an upstream that is down, answers HTML or times out gives the client a 502
with an Autotask-shaped body and is recorded; damaged, other-version and existing folders are refused with one
line and nothing is overwritten. The proxy runs in-process (WSGI) against small loopback servers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from recording_processes import ROOT, _env
from werkzeug.test import Client

from mockserver.recording.capture import CAPTURE_ID, CaptureError, read_capture, write_capture
from mockserver.recording.proxy import RecordingProxy

HEADERS = {"UserName": "someone@X.APIUSER.com", "Secret": "very-secret", "ApiIntegrationCode": "CODE123"}


class _Handler(BaseHTTPRequestHandler):
    mode = "html"

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.server.mode == "slow":
            time.sleep(2)
        body = b"<html><body>Service Unavailable</body></html>"
        self.send_response(503)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server():
    servers = []

    def start(mode: str) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.mode = mode
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _call(proxy: RecordingProxy):
    return Client(proxy).get("/ATServicesRest/V1.0/Companies/1", headers=HEADERS)


@pytest.mark.parametrize("kind", ["down", "html", "timeout"])
def test_upstream_failure_is_a_502_with_errors_and_is_recorded(kind, stub_server, tmp_path):
    if kind == "down":
        upstream = f"http://127.0.0.1:{_closed_port()}"
    else:
        upstream = stub_server("slow" if kind == "timeout" else "html")
    proxy = RecordingProxy(upstream, timeout=0.5)
    response = _call(proxy)
    assert response.status_code == 502
    body = json.loads(response.data)
    assert list(body) == ["errors"] and isinstance(body["errors"][0], str)
    expected = {"down": "cannot be reached", "html": "instead of JSON", "timeout": "did not answer"}[kind]
    assert expected in body["errors"][0]
    capture = write_capture(tmp_path / "cap", proxy.snapshot(), seed=1)
    entry = json.loads((tmp_path / "cap" / "traffic.har").read_text())["log"]["entries"][0]
    assert entry["response"]["status"] == 502 and expected in entry["_autotask"]["upstreamError"]
    assert capture.meta["upstreamFailures"] == 1
    text = "".join(p.read_text() for p in (tmp_path / "cap").iterdir())
    for secret in HEADERS.values():
        assert secret not in text


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mockserver.cli", *args], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=120, check=False)


def _one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture
def capture_folder(tmp_path):
    write_capture(tmp_path / "cap", [], seed=3)
    return tmp_path / "cap"


def test_record_refuses_an_existing_output_folder(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    line = _one_line_error(run_cli("record", "--upstream", "http://127.0.0.1:9", "--port", "0", "-o",
                                   str(tmp_path / "out")))
    assert "already exists" in line and "--force" in line
    line = _one_line_error(run_cli("record", "--upstream", "http://127.0.0.1:9", "--port", "0", "-o",
                                   str(tmp_path / "out"), "--force"))
    assert "holds no capture" in line
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_force_overwrites_only_a_capture_of_this_version(capture_folder):
    with pytest.raises(CaptureError, match="already exists"):
        write_capture(capture_folder, [], seed=4)
    write_capture(capture_folder, [], seed=4, force=True)  # a valid capture of this version: overwritten
    meta = capture_folder / "capture.json"
    meta.write_text(json.dumps({"format": "autotask-mock/capture@99"}))
    before = _snapshot(capture_folder)
    with pytest.raises(CaptureError, match="capture@99"):
        write_capture(capture_folder, [], seed=5, force=True)
    assert _snapshot(capture_folder) == before


def test_replay_of_another_format_version_is_one_line(capture_folder):
    (capture_folder / "capture.json").write_text(json.dumps({"format": "autotask-mock/capture@2"}))
    before = _snapshot(capture_folder)
    line = _one_line_error(run_cli("replay", str(capture_folder)))
    assert "autotask-mock/capture@2" in line and CAPTURE_ID in line
    assert _snapshot(capture_folder) == before


@pytest.mark.parametrize("damage", ["meta", "har", "fixture", "missing-har"])
def test_replay_of_a_damaged_capture_is_one_line(capture_folder, damage):
    if damage == "meta":
        (capture_folder / "capture.json").write_text("{not json")
    elif damage == "har":
        (capture_folder / "traffic.har").write_text(json.dumps({"log": {"entries": [{"request": {}}]}}))
    elif damage == "fixture":
        (capture_folder / "tenant.yaml").write_text("records: [unclosed")
    else:
        (capture_folder / "traffic.har").unlink()
    before = _snapshot(capture_folder)
    line = _one_line_error(run_cli("replay", str(capture_folder)))
    assert "damaged" in line or "missing" in line
    assert _snapshot(capture_folder) == before
    with pytest.raises(CaptureError):
        read_capture(capture_folder)


def test_bad_options_are_one_line(tmp_path):
    line = _one_line_error(run_cli("replay", str(tmp_path / "cap"), "--set", "no_such_setting=1"))
    assert "no_such_setting" in line
    line = _one_line_error(run_cli("record", "--upstream", "ftp://x", "-o", str(tmp_path / "o")))
    assert "--upstream" in line
    line = _one_line_error(run_cli("record", "--upstream", "http://127.0.0.1:9", "-o", str(tmp_path / "o"),
                                   "--keep-field", "companyName"))
    assert "ENTITY.FIELD" in line
    line = _one_line_error(run_cli("replay", str(tmp_path / "nothing-here")))
    assert "not a folder" in line


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_ctrl_c_and_sigterm_write_the_capture_with_the_failure(sig, tmp_path):
    import signal

    from recording_processes import recorder

    with recorder(f"http://127.0.0.1:{_closed_port()}", tmp_path / "cap", tmp_path / "rec.log") as proxy:
        import requests

        answer = requests.get(f"{proxy.url}/ATServicesRest/V1.0/Companies/1", headers=HEADERS, timeout=30)
        assert answer.status_code == 502 and "errors" in answer.json()
        assert proxy.stop(getattr(signal, sig)) == 0, proxy.output()
    meta = json.loads((tmp_path / "cap" / "capture.json").read_text())
    assert (meta["exchanges"], meta["upstreamFailures"]) == (1, 1)
    assert "very-secret" not in proxy.output() and "CODE123" not in proxy.output()
