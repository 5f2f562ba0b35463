"""Start `autotask-mock serve` (the upstream) and `autotask-mock record` (the proxy) as separate processes.

Not a test module. Every process listens on 127.0.0.1 with port 0; its URL is read from its banner.
Processes are stopped by their own pid (the proxy with SIGTERM, which is how it writes the capture).
"""

from __future__ import annotations

import copy
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BASIC = ROOT / "tests" / "fixtures" / "basic.yaml"
USER, SECRET, CODE = "sync@BASIC.APIUSER.com", "s3cret", "TESTCODE"
HEADERS = {"UserName": USER, "Secret": SECRET, "ApiIntegrationCode": CODE}
LIMITED_USER, LIMITED_SECRET = "reader@BASIC.APIUSER.com", "readonly-secret"
BULK = 1200

# Distinctive personal values seeded into the upstream: none may survive a sanitized capture.
SEEDED = {
    "companyName": "Zebulon Quartermaine Holdings",
    "phone": "+1-555-867-5309",
    "address1": "742 Evergreen Terrace",
    "city": "Shelbyvillezz",
    "contact_first": "Philomena",
    "contact_last": "Cunegonde",
    "email": "philomena.cunegonde@privatecorp.example",
    "mobile": "+44 7700 900123",
    "serial": "SN-ULTRA-SECRET-9",
    "ci_title": "ZQ-LAPTOP-PRIVATE",
    "mac": "DE:AD:BE:EF:00:01",
    "note": "confidential note about xyzzy plugh",
    "udf": "udf-secret-value-qwerty",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def upstream_fixture(bulk: int = BULK) -> dict:
    """basic.yaml plus ``bulk`` companies (paging past 500), the seeded personal values and a read-only user."""
    doc = copy.deepcopy(yaml.safe_load(BASIC.read_text(encoding="utf-8")))
    s = SEEDED
    doc["records"]["Companies"].append(
        {"id": 900, "companyName": s["companyName"], "companyType": 1, "ownerResourceID": 101, "phone": s["phone"],
         "address1": s["address1"], "city": s["city"], "userDefinedFields": [{"name": "Number of Employees",
                                                                               "value": "17"}]})
    doc["records"]["Contacts"].append(
        {"id": 901, "companyID": 900, "firstName": s["contact_first"], "lastName": s["contact_last"],
         "emailAddress": s["email"], "mobilePhone": s["mobile"], "isActive": 1, "note": s["note"]})
    doc["records"]["ConfigurationItems"].append(
        {"id": 902, "companyID": 900, "productID": 30, "configurationItemType": 1, "referenceTitle": s["ci_title"],
         "serialNumber": s["serial"], "isActive": True, "notes": s["note"],
         "userDefinedFields": [{"name": "MAC Address", "value": s["mac"]},
                               {"name": "Local Admin Password", "value": s["udf"]}]})
    doc["records"]["Companies"].extend(
        {"id": 1000 + n, "companyName": f"Bulk Company {n:04d}", "companyType": 1 if n % 2 else 3,
         "ownerResourceID": 101, "phone": f"555-{n:04d}", "city": "Bulkville"} for n in range(1, bulk + 1))
    doc["records"]["Resources"].append({"id": 102, "firstName": "Rita", "lastName": "Reader",
                                        "userName": LIMITED_USER, "licenseType": 7, "isActive": True})
    doc["apiUsers"].append({"userName": LIMITED_USER, "secret": LIMITED_SECRET, "resourceID": 102,
                            "securityLevel": "Read-only API"})
    return doc


@dataclass
class Running:
    proc: subprocess.Popen
    url: str
    log: Path

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _wait_for_url(proc: subprocess.Popen, log: Path, pattern: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        match = re.search(pattern, text)
        if match:
            return match.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}:\n{text}")
        time.sleep(0.1)
    raise RuntimeError(f"no URL after {timeout} s:\n{log.read_text(errors='replace') if log.exists() else ''}")


@contextmanager
def process(args: list[str], log: Path, pattern: str) -> Iterator[Running]:
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mockserver.cli", *args], stdout=out, stderr=subprocess.STDOUT,
                                env=_env(), cwd=ROOT)
    running = Running(proc, "", log)
    try:
        running.url = _wait_for_url(proc, log, pattern)
        yield running
    finally:
        running.stop()


@contextmanager
def upstream(tmp: Path, settings: list[str] = (), bulk: int = BULK) -> Iterator[Running]:
    """A second mock process serving upstream_fixture() with ``settings`` (KEY=VALUE)."""
    fixture = tmp / "upstream.yaml"
    fixture.write_text(yaml.safe_dump(upstream_fixture(bulk), sort_keys=False), encoding="utf-8")
    args = ["serve", "--port", "0", "--fixture", str(fixture)]
    for item in settings:
        args += ["--set", item]
    with process(args, tmp / "upstream.log", r"listening on (http://127\.0\.0\.1:\d+)") as running:
        yield running


@contextmanager
def recorder(upstream_url: str, output: Path, log: Path, extra: list[str] = ()) -> Iterator[Running]:
    """`autotask-mock record` in front of ``upstream_url``; leaving the block sends SIGTERM (writes the capture)."""
    args = ["record", "--upstream", upstream_url, "--port", "0", "-o", str(output), *extra]
    with process(args, log, r"recording proxy on (http://127\.0\.0\.1:\d+)") as running:
        yield running
