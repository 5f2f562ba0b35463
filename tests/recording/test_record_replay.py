"""Issue 17: record a client's traffic through `autotask-mock record` in front of a second mock process,
then replay the capture. The upstream runs with non-default settings (missing_item_status=404,
unauthorized_body=empty) so a replay on a default mock must report the difference, and a replay with the
matching --set must not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest
import requests
import yaml
from recording_processes import BULK, CODE, HEADERS, ROOT, SECRET, SEEDED, USER, _env, recorder, upstream

UPSTREAM_SETTINGS = ["missing_item_status=404", "unauthorized_body=empty"]
VOLATILE = ["createDate", "lastActivityDate", "lastModifiedDate", "lastTrackedModifiedDateTime"]
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def drive(base: str) -> dict:
    """A client session through the proxy: zone lookup, reads, filters, a 404, a 401, paging, a create, an update."""
    s = requests.Session()
    out: dict = {}
    zone = s.get(f"{base}/ATServicesRest/V1.0/zoneInformation", params={"user": USER}, timeout=30).json()
    out["zone"] = zone
    api = zone["url"]  # …/ATServicesRest/ of the proxy (rewritten)
    s.headers.update({**HEADERS, "Content-Type": "application/json"})
    out["company"] = s.get(f"{api}V1.0/Companies/900", timeout=30).json()
    search = json.dumps({"filter": [{"op": "eq", "field": "companyName", "value": SEEDED["companyName"]}]})
    out["by_name"] = s.get(f"{api}V1.0/Companies/query", params={"search": search}, timeout=30).json()
    out["contacts"] = s.post(f"{api}V1.0/Contacts/query", json={"filter": [
        {"op": "eq", "field": "companyID", "value": 900}]}, timeout=30).json()
    out["by_email"] = s.post(f"{api}V1.0/Contacts/query", json={"filter": [
        {"op": "eq", "field": "emailAddress", "value": SEEDED["email"]}]}, timeout=30).json()
    out["cis"] = s.post(f"{api}V1.0/ConfigurationItems/query", json={"filter": [
        {"op": "eq", "field": "id", "value": 902}]}, timeout=30).json()
    s.get(f"{api}V1.0/Companies/entityInformation/fields", timeout=30)
    s.get(f"{api}V1.0/ConfigurationItems/entityInformation/userDefinedFields", timeout=30)
    out["missing"] = s.get(f"{api}V1.0/Companies/123456", timeout=30).status_code
    wrong = s.get(f"{api}V1.0/Companies/1", headers={"Secret": "not-the-secret"}, timeout=30)
    out["wrong_secret"] = (wrong.status_code, wrong.content)
    pages, ids, url = [], [], f"{api}V1.0/Companies/query"
    while url:
        page = s.post(url, json=ALL, timeout=60).json()
        pages.append(page["pageDetails"])
        ids += [i["id"] for i in page["items"]]
        url = page["pageDetails"]["nextPageUrl"]
    out["pages"], out["ids"] = pages, ids
    created = s.post(f"{api}V1.0/Companies/900/Contacts", json={
        "companyID": 900, "firstName": "Newly", "lastName": "Created", "isActive": 1}, timeout=30).json()
    out["created"] = s.get(f"{api}V1.0/Contacts/{created['itemId']}", timeout=30).json()
    s.patch(f"{api}V1.0/Companies", json={"id": 1001, "city": "Renamedville"}, timeout=30)
    out["updated"] = s.get(f"{api}V1.0/Companies/1001", timeout=30).json()
    return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("record")
    with upstream(tmp, UPSTREAM_SETTINGS) as up:
        with recorder(up.url, tmp / "capture", tmp / "record.log") as proxy:
            seen = drive(proxy.url)
        assert proxy.proc.returncode == 0, proxy.output()
    return {"folder": tmp / "capture", "proxy": proxy.url, "upstream": up.url, "seen": seen, "tmp": tmp,
            "log": (tmp / "record.log").read_text()}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mockserver.cli", *args], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=300, check=False)


def read_fixture(folder: Path) -> dict:
    return yaml.load((folder / "tenant.yaml").read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def har(folder: Path) -> dict:
    return json.loads((folder / "traffic.har").read_text())


def test_capture_folder_has_version_har_and_fixture(recorded):
    folder = recorded["folder"]
    meta = json.loads((folder / "capture.json").read_text())
    assert meta["format"] == "autotask-mock/capture@1" and meta["sanitized"] is True
    log = har(folder)["log"]
    assert log["version"] == "1.2"
    assert len(log["entries"]) == meta["exchanges"] > 10
    for entry in log["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
        assert entry["_autotask"]["credentials"] in ("none", "accepted", "wrong-secret")
    assert "wrote" in recorded["log"] and "exchanges" in recorded["log"]


def test_proxy_rewrote_zone_and_paging_urls_to_itself(recorded):
    seen, proxy = recorded["seen"], recorded["proxy"]
    assert seen["zone"]["url"] == f"{proxy}/ATServicesRest/"
    nexts = [p["nextPageUrl"] for p in seen["pages"] if p["nextPageUrl"]]
    assert nexts and all(u.startswith(f"{proxy}/ATServicesRest/V1.0/Companies/query/next?") for u in nexts)


def test_client_paged_past_500_records_through_the_proxy(recorded):
    ids = recorded["seen"]["ids"]
    assert len(ids) == len(set(ids)) >= BULK + 4 and [p["count"] for p in recorded["seen"]["pages"]][:2] == [500, 500]


def test_upstream_settings_reached_the_client(recorded):
    assert recorded["seen"]["missing"] == 404
    assert recorded["seen"]["wrong_secret"] == (401, b"")


def _forms(value: str) -> set[str]:
    return {value, value.lower(), quote(value, safe=""), quote_plus(value), quote(value, safe="").lower(),
            json.dumps(value)[1:-1]}


def test_no_seeded_personal_value_or_credential_survives_anywhere(recorded):
    files = [p for p in recorded["folder"].rglob("*") if p.is_file()]
    assert {p.name for p in files} == {"capture.json", "traffic.har", "tenant.yaml"}
    blobs = {p.name: p.read_bytes().decode("utf-8", "replace") for p in files}
    blobs["record.log"] = recorded["log"]
    secrets = [*SEEDED.values(), USER, SECRET, CODE, "BASIC.APIUSER"]
    leaks = [(name, value) for name, text in blobs.items() for value in secrets
             for form in _forms(value) if form in text]
    assert not leaks, leaks
    # ... while the client did see them (the test would prove nothing otherwise)
    assert recorded["seen"]["company"]["item"]["companyName"] == SEEDED["companyName"]
    assert recorded["seen"]["by_email"]["items"][0]["id"] == 901


def test_mapping_is_stable_inside_filters_urls_and_bodies(recorded):
    entries = har(recorded["folder"])["log"]["entries"]
    by_id = next(e for e in entries if e["request"]["url"].endswith("/Companies/900"))
    fake_name = json.loads(by_id["response"]["content"]["text"])["item"]["companyName"]
    assert fake_name != SEEDED["companyName"]
    by_name = next(e for e in entries if "search=" in e["request"]["url"] and "/Companies/query" in e["request"]["url"])
    search = json.loads(dict(parse_qsl(urlsplit(by_name["request"]["url"]).query))["search"])
    assert search["filter"][0]["value"] == fake_name  # the same replacement in the URL's filter ...
    assert json.loads(by_name["response"]["content"]["text"])["items"][0]["companyName"] == fake_name  # ... and body
    fixture = read_fixture(recorded["folder"])
    company = next(c for c in fixture["records"]["Companies"] if c["id"] == 900)
    assert company["companyName"] == fake_name  # ids are kept
    ci = next(c for c in fixture["records"]["ConfigurationItems"] if c["id"] == 902)
    assert {u["name"] for u in ci["userDefinedFields"]} == {"MAC Address", "Local Admin Password"}


def test_fixture_is_the_state_before_the_capture(recorded):
    fixture = read_fixture(recorded["folder"])
    contacts = {c["id"] for c in fixture["records"]["Contacts"]}
    assert recorded["seen"]["created"]["item"]["id"] not in contacts  # created during the capture: left out
    bulk = next(c for c in fixture["records"]["Companies"] if c["id"] == 1001)
    assert bulk["city"] != recorded["seen"]["updated"]["item"]["city"]  # first-seen (pre-update) version


def test_serve_loads_the_captured_fixture(recorded):
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    app = create_app(MockConfig(fixtures=[str(recorded["folder"] / "tenant.yaml")], snapshot_cache=False))
    user = read_fixture(recorded["folder"])["apiUsers"][0]
    assert user["userName"] != USER and user["secret"] != SECRET
    assert app is not None


def test_replay_with_the_upstream_settings_shows_no_difference(recorded):
    args = ["replay", str(recorded["folder"])]
    for item in UPSTREAM_SETTINGS:
        args += ["--set", item]
    for name in VOLATILE:
        args += ["--ignore", name]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 differ" in proc.stdout


def test_replay_on_default_settings_catches_the_difference(recorded):
    args = ["replay", str(recorded["folder"])]
    for name in VOLATILE:
        args += ["--ignore", name]
    proc = run_cli(*args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "GET /ATServicesRest/V1.0/Companies/123456" in proc.stdout
    assert "status: recorded 404, replayed 200" in proc.stdout
    assert "status: recorded 401" not in proc.stdout  # the 401 differs in body only
    assert "2 differ" in proc.stdout.splitlines()[-1]
