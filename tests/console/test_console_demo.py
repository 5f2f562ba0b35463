"""Issue 18's "done means": ``autotask-mock demo`` prints the console URL, and the console shows the demo
tenant's data and every call the reference sync just made."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def test_demo_prints_the_console_url_which_shows_the_data_and_the_syncs_calls():
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from mockserver.cli import main; main()", "demo", "--port", "0"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            match = re.search(r"Open the web console.*?(http://127\.0\.0\.1:\d+/_mock/ui/)", line)
            if match:
                url.append(match.group(1))
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert found.wait(120), "".join(lines)
        console = url[0]
        assert any("web console : " + console in line for line in lines)  # the banner says it too
        tenants = requests.get(console, timeout=10).text
        assert 'id="card-demo"' in tenants and ">Companies</a>" in tenants
        journal = requests.get(console + "journal", params={"tenant": "demo"}, timeout=10).text
        calls = int(re.search(r"(\d+) requests?", journal[journal.index('id="live-status"'):]).group(1))
        assert calls >= 10  # the sync's zone lookup, entityInformation reads and queries
        assert "/ATServicesRest/V1.0/Companies/query" in journal
        assert "/ATServicesRest/V1.0/ConfigurationItems/query" in journal
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        time.sleep(0.1)
