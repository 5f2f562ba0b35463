"""The checks ``scripts/wheel_smoke.py`` runs INSIDE the fresh venv, against the installed wheel only.

Run with ``python -I`` (isolated: neither the checkout nor PYTHONPATH is importable), from an empty directory,
so that a file missing from the wheel - fixtures, catalogue data, rules.json, the adapter protocol JSON, a
module - fails here as it would for a user. Standard library plus what the wheel itself depends on; nothing
but 127.0.0.1 is contacted. Prints one line per check; exits non-zero on the first failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from importlib import resources
from pathlib import Path

BIN = Path(sys.executable).parent
SCRIPTS = ("autotask-mock", "autotask-sync", "autotask-conformance")
# Data files the package reads at run time (a wheel built without them imports fine and fails later).
DATA = {
    "mockserver": ["catalog/data/catalog.json", "catalog/overrides.yaml", "_fixtures/tenants/demo.json",
                   "_fixtures/scenarios/minimal.yaml"],
    "conformance": ["data/rules.json", "protocol/adapter-protocol.json"],
}
ONE_PROPERTY = "test_M01_M06_*"  # the conformance run: the property of M-01's exact-name matching, nothing more


def check(name: str) -> None:
    print(f"  ok  {name}", flush=True)


def script(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise SystemExit(f"FAIL: console script {name} is not installed in {BIN}")
    return str(path)


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def check_not_the_checkout() -> None:
    import mockserver

    location = Path(mockserver.__file__).resolve()
    if "site-packages" not in location.parts:
        raise SystemExit(f"FAIL: mockserver imported from {location}, not from the installed wheel")
    check(f"mockserver {mockserver.__version__} imported from the wheel ({location.parent})")


def check_data_files() -> None:
    for package, names in DATA.items():
        for name in names:
            if not resources.files(package).joinpath(name).is_file():
                raise SystemExit(f"FAIL: {package}/{name} is missing from the wheel")
    check(f"data files present: {sum(len(v) for v in DATA.values())}")


def check_versions() -> None:
    from mockserver import __version__

    for name in SCRIPTS:
        out = run(script(name), "--version").stdout.strip()
        if out != f"{name}, version {__version__}":
            raise SystemExit(f"FAIL: {name} --version printed {out!r}")
    check(f"--version of {', '.join(SCRIPTS)}: {__version__}")


def check_scenarios() -> None:
    out = run(script("autotask-mock"), "scenarios").stdout
    if "minimal" not in out:
        raise SystemExit(f"FAIL: autotask-mock scenarios does not list the packaged scenarios:\n{out}")
    check(f"autotask-mock scenarios: {len(out.splitlines())} scenarios")


def check_serve() -> None:
    """``autotask-mock serve --port 0``, then the zone lookup and one query over HTTP with the printed credentials."""
    proc = subprocess.Popen([script("autotask-mock"), "serve", "--port", "0", "--fixture", "demo"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "300"})
    try:
        banner: list[str] = []
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("FAIL: autotask-mock serve ended:\n" + "".join(banner))
            banner.append(line)
            if "UserName=" in line:
                break
        text = "".join(banner)
        base = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
        creds = re.search(r"UserName=(\S+)\s+Secret=(\S+)\s+ApiIntegrationCode=([^,\s]+)", text)
        if not base or not creds:
            raise SystemExit(f"FAIL: no address or credentials in the banner:\n{text}")
        url, (user, secret, code) = base.group(1), creds.groups()
        with urllib.request.urlopen(f"{url}/ATServicesRest/V1.0/zoneInformation?user={user}", timeout=30) as r:
            zone = json.load(r)
        body = json.dumps({"filter": [{"op": "gte", "field": "id", "value": 0}], "MaxRecords": 5}).encode()
        request = urllib.request.Request(f"{url}/ATServicesRest/V1.0/Companies/query", data=body, method="POST",
                                         headers={"UserName": user, "Secret": secret, "ApiIntegrationCode": code,
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            items = json.load(r)["items"]
        if not items:
            raise SystemExit("FAIL: the demo tenant answered no companies")
        check(f"autotask-mock serve --port 0: zone {zone.get('url')!r}, {len(items)} companies over HTTP")
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def check_in_process() -> None:
    """``mock_autotask`` intercepting ``requests`` to the real Autotask host names."""
    import requests

    from mockserver import mock_autotask

    with mock_autotask("minimal") as at:
        headers = {"UserName": at.credentials.user_name, "Secret": at.credentials.secret,
                   "ApiIntegrationCode": at.credentials.integration_code}
        zone = requests.get("https://webservices.autotask.net/ATServicesRest/V1.0/zoneInformation",
                            params={"user": at.credentials.user_name}, timeout=10).json()
        answer = requests.post(f"{zone['url']}V1.0/Companies/query", headers=headers, timeout=10,
                               json={"filter": [{"op": "gte", "field": "id", "value": 0}]})
        answer.raise_for_status()
        at.assert_called("POST", "Companies/query")
    check(f"mock_autotask in-process: {len(answer.json()['items'])} companies from {zone['url']}")


def check_conformance(workdir: Path) -> None:
    """A one-property conformance run against the reference sync, with a report (rules.json, templates)."""
    report = workdir / "report.md"
    out = run(script("autotask-conformance"), "run", "--adapter", "conformance.adapter:reference_factory",
              "--only", ONE_PROPERTY, "--report", str(report), timeout=600).stdout
    if "CONFORMS" not in out or "1 passed" not in out or not report.is_file():
        raise SystemExit(f"FAIL: the conformance run did not pass exactly one property:\n{out}")
    check(f"autotask-conformance run --only {ONE_PROPERTY}: 1 property passed, report written")


def main() -> int:
    workdir = Path.cwd()
    started = time.monotonic()
    check_not_the_checkout()
    check_data_files()
    check_versions()
    check_scenarios()
    check_serve()
    check_in_process()
    check_conformance(workdir)
    print(f"wheel smoke checks passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
