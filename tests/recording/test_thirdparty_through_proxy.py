"""Issue 17: real third-party clients work through the recording proxy, paging past 500 records.

py-autotask and atrest (PyPI) and @apigrate/autotask-restapi (npm, run by the thirdparty acceptance script)
talk to `autotask-mock record`, which forwards to a second mock process holding 1,200 bulk companies.
A client that is not installed is skipped, never failed (as in tests/thirdparty). The capture they leave
must load as a fixture, and its paging requests must all point at the proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import yaml
from recording_processes import BULK, CODE, ROOT, SECRET, USER, recorder, upstream

NODE_SCRIPT = ROOT / "tests" / "thirdparty" / "node" / "apigrate_acceptance.js"
BULK_FIRST, BULK_PREFIX = 1001, "Bulk Company"


def _py_autotask(proxy: str) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from py_autotask.client import AutotaskClient

        with AutotaskClient.create(username=USER, integration_code=CODE, secret=SECRET,
                                   api_url=f"{proxy}/ATServicesRest") as client:
            created = client.companies.create({"companyName": "Through Proxy Co", "companyType": 1,
                                               "ownerResourceID": 101, "phone": "555-0400"}).item_id
            got = client.companies.get(created)
            ids, last = [], 0
            for _ in range(10):
                page = client.companies.query([{"op": "beginsWith", "field": "companyName", "value": BULK_PREFIX},
                                               {"op": "gt", "field": "id", "value": last}])
                ids += [i["id"] for i in page.items]
                if len(page.items) < 500:
                    break
                last = page.items[-1]["id"]
    return {"created": created, "got": got, "ids": ids}


def _atrest(proxy: str) -> dict:
    from atrest import Client

    client = Client(f"{proxy}/atservicesrest/v1.0", CODE, USER, SECRET)
    ticket = client.create_ticket("through the proxy", "recorded", 1, 2, 1, 8)
    return {"ticket": ticket, "query": client.query_tickets(ticket).json()}


def _node_dir() -> Path | None:
    target = Path(os.environ.get("AUTOTASK_MOCK_NODE_DIR") or ROOT / "tests" / "thirdparty" / ".node")
    if not shutil.which("node") or not (target / "node_modules" / "@apigrate" / "autotask-restapi").is_dir():
        return None
    return target


def _apigrate(proxy: str, module_dir: Path) -> dict:
    env = {**os.environ, "APIGRATE_MODULE_DIR": str(module_dir), "AT_BASE_URL": f"{proxy}/atservicesrest/",
           "AT_USER": USER, "AT_SECRET": SECRET, "AT_CODE": CODE, "AT_BULK_PREFIX": BULK_PREFIX,
           "AT_OWNER_RESOURCE_ID": "101"}
    env.pop("DEBUG", None)
    proc = subprocess.run(["node", str(NODE_SCRIPT)], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else {"fatal": proc.stderr}


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("thirdparty-proxy")
    results: dict = {}
    with upstream(tmp, []) as up, recorder(up.url, tmp / "capture", tmp / "record.log") as proxy:
        results["proxy"] = proxy.url
        for name, run in (("py_autotask", _py_autotask), ("atrest", _atrest)):
            try:
                results[name] = run(proxy.url)
            except ImportError as exc:
                results[name] = {"skipped": str(exc)}
        module_dir = _node_dir()
        results["apigrate"] = _apigrate(proxy.url, module_dir) if module_dir else {"skipped": "not installed"}
    results["folder"] = tmp / "capture"
    return results


def _need(results: dict, name: str) -> dict:
    if "skipped" in results[name]:
        pytest.skip(f"{name}: {results[name]['skipped']}")
    return results[name]


def test_py_autotask_creates_reads_and_pages_past_500_through_the_proxy(session):
    run = _need(session, "py_autotask")
    assert run["got"]["companyName"] == "Through Proxy Co"
    assert run["ids"] == list(range(BULK_FIRST, BULK_FIRST + BULK))


def test_atrest_creates_and_queries_a_ticket_through_the_proxy(session):
    run = _need(session, "atrest")
    assert [t["id"] for t in run["query"]["items"]] == [run["ticket"]]


def test_apigrate_zone_lookup_and_paging_past_500_through_the_proxy(session):
    report = _need(session, "apigrate")
    assert "fatal" not in report, report
    steps = report["steps"]
    failed = {k: v["error"] for k, v in steps.items() if not v["ok"] and k not in ("wrong_secret", "unknown_user")}
    assert not failed, failed
    assert steps["zone"]["data"]["zoneInfo"]["url"] == f"{session['proxy']}/ATServicesRest/"
    paging = steps["paging"]["data"]
    assert (paging["total"], paging["unique"], paging["ascending"]) == (BULK, BULK, True)
    assert [p["count"] for p in paging["pages"]] == [500, 500, 200]
    assert paging["pages"][0]["nextPageUrl"].startswith(f"{session['proxy']}/ATServicesRest/V1.0/Companies/query/next?")


def test_the_clients_capture_loads_as_a_fixture(session):
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    folder = session["folder"]
    har = json.loads((folder / "traffic.har").read_text())
    assert len(har["log"]["entries"]) > 5
    fixture = yaml.load((folder / "tenant.yaml").read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert len(fixture["records"]["Companies"]) >= BULK
    assert create_app(MockConfig(fixtures=[fixture], snapshot_cache=False)) is not None
