"""@apigrate/autotask-restapi 2.0.1 (npm) against the live mock, driven by node/apigrate_acceptance.js.

The client is given only a base URL (used for the zone lookup: ``{base_url}v1.0/zoneInformation?user=``,
sent without auth headers) and the credentials; every later call goes to ``zoneInfo.url + "V1.0/..."``.
It has no automatic paging: the script loops with ``id > last id`` as the maintainer recommends.

Skipped, never failed, when node/npm are missing or the package cannot be installed (registry unreachable);
once installed, any misbehaviour of the mock fails the matching test. The package is installed once into
tests/thirdparty/.node (override with AUTOTASK_MOCK_NODE_DIR) and reused while its version matches.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
SCRIPT = NODE_DIR / "apigrate_acceptance.js"
PACKAGE = "@apigrate/autotask-restapi"
VERSION = json.loads((NODE_DIR / "package.json").read_text())["dependencies"][PACKAGE]
COMPANY_NAME = "Apigrate Acceptance Co"


def _installed_version(module_dir: Path) -> str | None:
    manifest = module_dir / "node_modules" / "@apigrate" / "autotask-restapi" / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


@contextlib.contextmanager
def _locked(path: Path):
    """Serialise npm installs between pytest-xdist workers sharing the cache directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def apigrate_dir() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node/npm not installed: @apigrate/autotask-restapi acceptance skipped")
    major = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if not major.startswith("v") or int(major[1:].split(".")[0]) < 18:
        pytest.skip(f"@apigrate/autotask-restapi needs node >= 18 (global fetch); found {major or 'unknown'}")
    target = Path(os.environ.get("AUTOTASK_MOCK_NODE_DIR") or HERE / ".node")
    with _locked(target / ".install.lock"):
        if _installed_version(target) != VERSION:
            shutil.copyfile(NODE_DIR / "package.json", target / "package.json")
            try:
                proc = subprocess.run(
                    [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock",
                     "--fetch-retries=1", "--fetch-timeout=60000"],
                    cwd=target, capture_output=True, text=True, timeout=300, check=False,
                )
            except subprocess.TimeoutExpired:
                pytest.skip(f"npm install of {PACKAGE}@{VERSION} timed out (registry unreachable?)")
            if proc.returncode != 0 or _installed_version(target) != VERSION:
                lines = (proc.stderr or proc.stdout).strip().splitlines()
                head = [line for line in lines if not line.startswith("npm warn")][:3]
                pytest.skip(f"could not npm install {PACKAGE}@{VERSION} (exit {proc.returncode}): {' | '.join(head)}")
    return target


@pytest.fixture(scope="module")
def run(live_mock, apigrate_dir, credentials, facts) -> dict[str, Any]:
    mark = live_mock.mark()
    env = {
        **os.environ,
        "APIGRATE_MODULE_DIR": str(apigrate_dir),
        # Lower-case root on purpose: the calls after the zone lookup must use zoneInfo.url (…/ATServicesRest/).
        "AT_BASE_URL": f"{live_mock.base_url}/atservicesrest/",
        "AT_USER": credentials["username"],
        "AT_SECRET": credentials["secret"],
        "AT_CODE": credentials["integration_code"],
        "AT_BULK_PREFIX": facts.bulk_prefix,
        "AT_OWNER_RESOURCE_ID": str(facts.owner_resource_id),
    }
    env.pop("DEBUG", None)  # the library logs through `debug`; keep stdout to the script's JSON
    proc = subprocess.run(["node", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    try:
        report = json.loads(lines[-1])
    except (IndexError, ValueError):
        pytest.fail(f"node script produced no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    if "fatal" in report:
        pytest.fail(f"node script crashed: {report['fatal']}\n{proc.stderr}")
    return {"steps": report["steps"], "requests": live_mock.since(mark), "stderr": proc.stderr}


def data(run: dict[str, Any], name: str) -> Any:
    outcome = run["steps"].get(name)
    assert outcome is not None, f"step {name} did not run"
    assert outcome["ok"], f"step {name} failed in the client: {json.dumps(outcome['error'], indent=2)}"
    return outcome["data"]


def test_zone_lookup_then_zone_url(run, live_mock):
    zone = data(run, "zone")
    assert zone["before"] is None
    info = zone["zoneInfo"]
    assert info["url"] == live_mock.root  # …/ATServicesRest/ with the trailing slash the client appends to
    assert info["zoneName"] == "Test Zone"
    assert info["ci"] == 4242
    assert info["webUrl"].startswith("https://")
    assert zone["first"]["item"]["companyName"] == "Acme Corp"
    requests = run["requests"]
    assert requests[0] == ("GET", "/atservicesrest/v1.0/zoneInformation?user=sync%40BASIC.APIUSER.com")
    assert requests[1] == ("GET", "/ATServicesRest/V1.0/Companies/1"), "the client did not switch to zoneInfo.url"


def test_create(run, facts):
    created = data(run, "create")
    assert isinstance(created["itemId"], int) and created["itemId"] > facts.bulk_last_id


def test_get(run, facts):
    item = data(run, "get")["item"]
    assert item["id"] == data(run, "create")["itemId"]
    assert item["companyName"] == COMPANY_NAME
    assert item["companyType"] == 1
    assert item["ownerResourceID"] == facts.owner_resource_id
    assert item["city"] == "Nodeville"
    assert item["userDefinedFields"] == [{"name": "Number of Employees", "value": None}]


def test_get_missing_id(run):
    # Default mock setting missing_item_status=200: {"item": null}; with 404 the client would return null.
    assert data(run, "get_missing") == {"item": None}


def test_query_with_filters(run, facts):
    q = data(run, "query")
    page = q["and_filters_include_fields"]
    # Bulk Company 0001..0099, odd numbers only (companyType 1): 50 records, only the included fields + UDFs.
    assert [i["companyName"] for i in page["items"]] == [f"{facts.bulk_prefix} {n:04d}" for n in range(1, 100, 2)]
    assert set(page["items"][0]) == {"id", "companyName", "companyType", "userDefinedFields"}
    assert page["pageDetails"] == {"count": 50, "requestCount": 500, "prevPageUrl": None, "nextPageUrl": None}
    assert {i["id"] for i in q["or_group"]["items"]} == {2, data(run, "create")["itemId"]}
    assert [i["id"] for i in q["in_list"]["items"]] == [1, 2, 3]
    assert [i["id"] for i in q["udf"]["items"]] == [1]
    assert [i["id"] for i in q["not_exist_case_insensitive"]["items"]] == [1]
    limited = q["contains_max_records"]
    assert limited["pageDetails"]["count"] == 10 and limited["pageDetails"]["requestCount"] == 10
    assert limited["pageDetails"]["nextPageUrl"]  # 100 matches (0100..0199), 10 per page


def test_paging_past_1000_records(run, live_mock, facts):
    paging = data(run, "paging")
    assert paging["total"] == facts.bulk_count
    assert paging["unique"] == facts.bulk_count and paging["ascending"]
    assert (paging["firstId"], paging["lastId"]) == (facts.bulk_first_id, facts.bulk_last_id)
    assert [p["count"] for p in paging["pages"]] == [500, 500, 200]
    first, _, last = paging["pages"]
    assert first["nextPageUrl"].startswith(f"{live_mock.root}V1.0/Companies/query/next?paging=")
    assert first["prevPageUrl"] is None and last["nextPageUrl"] is None


def test_update_patch(run):
    update = data(run, "update")
    assert update["result"] == {"itemId": data(run, "create")["itemId"]}
    after = update["after"]["item"]
    assert after["phone"] == "555-0199"
    assert after["companyName"] == COMPANY_NAME and after["city"] == "Nodeville"  # sparse update
    assert ("PATCH", "/ATServicesRest/V1.0/Companies") in run["requests"]


def test_count(run, facts):
    counts = data(run, "count")
    assert counts["all"] == {"queryCount": facts.bulk_count}
    assert counts["customers"] == {"queryCount": facts.bulk_count // 2}


def test_contact_created_under_company(run):
    company_id = data(run, "create")["itemId"]
    child = data(run, "child")
    contact_id = child["created"]["itemId"]
    assert isinstance(contact_id, int)
    got = child["got"]["item"]
    assert (got["companyID"], got["firstName"], got["lastName"], got["isActive"]) == (company_id, "Ada", "Apigrate", 1)
    assert [c["id"] for c in child["byCompany"]["items"]] == [contact_id]
    assert child["updated"] == {"itemId": contact_id}
    assert child["afterUpdate"]["item"]["title"] == "CTO"
    assert child["afterUpdate"]["item"]["emailAddress"] == "ada@apigrate.example"
    assert child["deleted"] == {"itemId": contact_id}
    assert child["afterDelete"] == {"item": None}
    requests = run["requests"]
    assert ("POST", f"/ATServicesRest/V1.0/Companies/{company_id}/Contacts") in requests
    assert ("PATCH", f"/ATServicesRest/V1.0/Companies/{company_id}/Contacts") in requests
    assert ("DELETE", f"/ATServicesRest/V1.0/Companies/{company_id}/Contacts/{contact_id}") in requests


def test_entity_field_metadata(run):
    meta = data(run, "metadata")
    info = meta["info"]["info"]
    assert info["canCreate"] and info["canQuery"] and info["canUpdate"] and not info["canDelete"]
    assert info["hasUserDefinedFields"] is True
    fields = {f["name"]: f for f in meta["fields"]["fields"]}
    assert {"id", "companyName", "companyType", "ownerResourceID", "phone", "isActive"} <= set(fields)
    company_type = fields["companyType"]
    assert company_type["isPickList"] is True
    assert {(v["value"], v["label"]) for v in company_type["picklistValues"]} >= {("1", "Customer"), ("3", "Prospect")}
    assert fields["companyName"]["isRequired"] is True and fields["companyName"]["picklistValues"] is None
    assert [u["name"] for u in meta["udfs"]["fields"]] == ["Number of Employees"]
    contact_info = meta["contactInfo"]["info"]
    assert contact_info["canQuery"] and contact_info["canCreate"]  # created through the parent URL
    contact_fields = {f["name"]: f for f in meta["contactFields"]["fields"]}
    assert contact_fields["isActive"]["dataType"] == "integer" and "zipCode" in contact_fields
    # The client's CompanyContacts.info() asks for /CompanyContacts/entityInformation, which the real API does
    # not have: the mock answers 404 and the client turns that into null.
    assert meta["companyContactsInfo"] is None


def test_wrong_secret_gives_auth_error(run):
    outcome = data(run, "wrong_secret")
    assert outcome["zoneInfo"] is not None  # the user name is valid: the zone lookup works without the secret
    assert outcome["threw"], f"no error for a wrong secret: {outcome}"
    error = outcome["error"]
    assert error["isAutotaskApiError"] and error["status"] == 401
    assert error["message"] == "Authorization error."


def test_unknown_user_gives_zone_error(run):
    outcome = data(run, "unknown_user")
    assert outcome["zoneInfo"] is None  # zone lookup failed (HTTP 500); the client falls back to base_url
    assert outcome["threw"]
    error = outcome["error"]
    assert error["isAutotaskApiError"] and error["status"] == 500
    assert error["details"] == {"errors": ["Zone information could not be determined"]}
