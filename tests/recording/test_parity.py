"""Issue 17, parity: `autotask-mock parity` against a second mock process started with non-default settings
must report each of them, with the matching --set line; against default settings it reports no difference.
--write creates prefixed records and deletes them at the end, also when a probe fails."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
from recording_processes import (
    CODE,
    HEADERS,
    LIMITED_SECRET,
    LIMITED_USER,
    ROOT,
    SECRET,
    USER,
    _env,
    upstream,
)

from mockserver.parity import probes
from mockserver.parity.runner import run_parity

NON_DEFAULT = {
    "missing_item_status": 404,
    "unauthorized_body": "empty",
    "unknown_operator": "ignore",
    "post_next_page_includes_search": True,
    "include_fields_udfs": "named",
    "permission_error_status": 500,
    "unknown_fields": "error",
    "item_url_writes": False,
    "case_insensitive_strings": False,
    "max_page_size": 200,
    "request_threshold": 5000,
}


def _cli_args(url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mockserver.cli", "parity", "--url", url, "--user", USER, "--secret", SECRET,
            "--code", CODE, *extra]


def _probe_types(url: str) -> list[str]:
    body = {"filter": [{"op": "beginsWith", "field": "name", "value": probes.PREFIX}]}
    answer = requests.post(f"{url}/ATServicesRest/V1.0/ConfigurationItemTypes/query", json=body, headers=HEADERS,
                           timeout=30).json()
    return [i["name"] for i in answer["items"]]


@pytest.fixture(scope="module")
def odd_upstream(tmp_path_factory):
    settings = [f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in NON_DEFAULT.items()]
    with upstream(tmp_path_factory.mktemp("parity"), settings, bulk=20) as up:
        yield up


def test_parity_detects_every_non_default_setting_and_prints_the_set_line(odd_upstream):
    proc = subprocess.run(_cli_args(odd_upstream.url, "--write", "--limited-user", LIMITED_USER,
                                    "--limited-secret", LIMITED_SECRET),
                          capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    set_line = out.strip().splitlines()[-1]
    assert set_line.startswith("autotask-mock serve --set ")
    expected = {f"--set {k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in NON_DEFAULT.items()}
    found = {f"--set {part}" for part in set_line.split("--set ")[1:]}
    assert {p.strip() for p in found} == expected
    assert f"{len(NON_DEFAULT)} setting(s) differ" in out
    assert _probe_types(odd_upstream.url) == []  # everything --write created is gone
    assert "cleanup: deleted ConfigurationItemTypes" in out


def test_the_set_line_makes_a_mock_behave_like_the_tenant(odd_upstream, tmp_path):
    report = run_parity(odd_upstream.url, USER, SECRET, CODE, write=True, limited=(LIMITED_USER, LIMITED_SECRET))
    observed = {f.setting: f.observed for f in report.differences}
    assert observed == NON_DEFAULT
    with upstream(tmp_path, [part.strip() for part in report.set_line().split("--set ")[1:]], bulk=20) as twin:
        again = run_parity(twin.url, USER, SECRET, CODE, write=True, limited=(LIMITED_USER, LIMITED_SECRET))
    assert {f.setting: f.observed for f in again.differences} == NON_DEFAULT


def test_read_only_parity_never_writes(odd_upstream):
    before = requests.post(f"{odd_upstream.url}/ATServicesRest/V1.0/ConfigurationItemTypes/query/count",
                           json={"filter": [{"op": "gte", "field": "id", "value": 0}]}, headers=HEADERS,
                           timeout=30).json()
    report = run_parity(odd_upstream.url, USER, SECRET, CODE)
    after = requests.post(f"{odd_upstream.url}/ATServicesRest/V1.0/ConfigurationItemTypes/query/count",
                          json={"filter": [{"op": "gte", "field": "id", "value": 0}]}, headers=HEADERS,
                          timeout=30).json()
    assert before == after and report.cleanup == []
    undecided = {f.setting for f in report.findings if not f.decided}
    assert set(probes.WRITE_SETTINGS) <= undecided
    assert {f.setting for f in report.differences} == set(NON_DEFAULT) - set(probes.WRITE_SETTINGS)


def test_write_probes_clean_up_even_when_a_probe_fails(odd_upstream, monkeypatch):
    def exploding(api):
        probes._create_type(api)  # creates a prefixed record first ...
        raise RuntimeError("probe failed")  # ... then fails

    monkeypatch.setattr(probes, "WRITE_PROBES", (probes.probe_unknown_fields, exploding))
    with pytest.raises(RuntimeError, match="probe failed"):
        run_parity(odd_upstream.url, USER, SECRET, CODE, write=True)
    assert _probe_types(odd_upstream.url) == []


def test_parity_errors_are_one_line(odd_upstream):
    proc = subprocess.run([*_cli_args(odd_upstream.url)[:-2], "--code", "WRONG"], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "refused" in proc.stderr
    proc = subprocess.run(_cli_args("http://127.0.0.1:9"), capture_output=True, text=True, env=_env(), cwd=ROOT,
                          timeout=120, check=False)
    assert proc.returncode == 2 and "cannot reach" in proc.stderr and "Traceback" not in proc.stderr


def test_default_mock_shows_no_difference(tmp_path):
    with upstream(tmp_path, [], bulk=20) as plain:
        report = run_parity(plain.url, USER, SECRET, CODE, write=True, limited=(LIMITED_USER, LIMITED_SECRET))
    assert report.differences == []
    assert report.set_line() == "autotask-mock serve"
    decided = {f.setting for f in report.findings if f.decided}
    assert set(NON_DEFAULT) <= decided
