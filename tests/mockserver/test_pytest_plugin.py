"""The pytest plugin: autotask_mock (in-process), autotask_server (live server), shared-server mode + xdist."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
import requests

from mockserver.admin.client import AdminClient
from mockserver.pytest_plugin import LiveServer, start_server
from tests.mockserver.conftest import BASIC

ROOT = Path(__file__).resolve().parents[2]
GENERIC = "https://webservices.autotask.net/ATServicesRest/V1.0"
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def run_pytest(args: list[str], env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTEST_XDIST_WORKER", None)
    full_env.pop("PYTEST_ADDOPTS", None)
    # unrelated plugins are switched off: they only slow the child sessions (and each xdist worker) down
    quiet = [flag for name in ("randomly", "cacheprovider", "schemathesis", "benchmark", "faker", "anyio")
             for flag in ("-p", f"no:{name}")]
    return subprocess.run([sys.executable, "-m", "pytest", *quiet, "-o", "addopts=", *args],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------------------------------------- autotask_mock
def test_autotask_mock_default_fixture_is_demo_and_isolated(autotask_mock):
    c = autotask_mock.credentials
    assert autotask_mock.tenant_name.startswith("demo-")
    assert c.user_name.startswith("demo.") and c.user_name.endswith("@DEMO1234.APIUSER.com")
    assert c.integration_code.startswith("DEMO0INTEGRATION0CODE0")
    zone = requests.get(f"{GENERIC}/zoneInformation", params={"user": c.user_name}).json()
    resp = requests.post(zone["url"] + "V1.0/Companies/query/count", json=ALL, headers=c.headers)
    assert resp.json()["queryCount"] == len(autotask_mock.tenant.table("Companies"))
    autotask_mock.assert_called("POST", "Companies/query/count", times=1)


@pytest.mark.autotask_mock(str(BASIC))
def test_marker_chooses_the_fixture(autotask_mock):
    assert autotask_mock.tenant_name.startswith("basic-")
    assert requests.get(f"{GENERIC}/Companies/2", headers=autotask_mock.headers).json()["item"]["companyName"] == "Globex"


@pytest.mark.autotask_mock(str(BASIC), isolate=False)
def test_marker_can_keep_the_fixture_credentials(autotask_mock):
    assert autotask_mock.tenant_name == "basic"
    assert autotask_mock.credentials.user_name == "sync@BASIC.APIUSER.com"


@pytest.mark.autotask_mock(str(BASIC), settings={"missing_item_status": 404})
def test_marker_settings_build_a_dedicated_app(autotask_mock, autotask_mock_app):
    assert autotask_mock.app is not autotask_mock_app
    assert requests.get(f"{GENERIC}/Companies/999", headers=autotask_mock.headers).status_code == 404


@pytest.mark.autotask_mock(str(BASIC), passthrough=True)
def test_marker_passthrough(autotask_mock, autotask_live_server):
    # a live server on 127.0.0.1 is reachable only because the marker lets other URLs through
    assert requests.get(f"{autotask_live_server.url}/_mock/").status_code == 200


class TestOverridingTheFixtureFixture:
    @pytest.fixture
    def autotask_mock_fixture(self):
        return "minimal"

    def test_override(self, autotask_mock):
        assert autotask_mock.tenant_name.startswith("minimal-")
        assert requests.get(f"{GENERIC}/Companies/1001", headers=autotask_mock.headers).json()["item"]["id"] == 1001


# ---------------------------------------------------------------------------------------------- autotask_server
@pytest.mark.autotask_mock(str(BASIC))
def test_autotask_server_with_httpx_and_paging(autotask_server):
    at = autotask_server
    assert at.server_url.startswith("http://127.0.0.1:")
    with httpx.Client(timeout=30) as client:
        zone = client.get(at.zone_lookup_url).json()
        assert zone["url"] == at.base_url
        items, url = [], f"{zone['url']}V1.0/Companies/query"
        while url:
            page = client.post(url, json={**ALL, "maxRecords": 1}, headers=at.headers).json()
            items += page["items"]
            url = page["pageDetails"]["nextPageUrl"]
        assert url is None and [i["id"] for i in items] == [1, 2, 3]
        assert all(n.startswith(at.server_url) for n in [zone["url"]])
    at.assert_called("POST", "Companies/query", times=1)
    at.assert_called("POST", "Companies/query/next", times=2)
    with pytest.raises(AssertionError, match="method differs: expected GET, got POST"):
        at.assert_called("GET", "Companies/query/next")


def test_autotask_server_tenants_are_removed_after_each_test(autotask_live_server):
    # no test leaves a tenant behind on the session server (each fixture use removes its own)
    if not autotask_live_server.started_here:
        pytest.skip("a shared server may hold other workers' tenants right now")
    leftovers = [t["name"] for t in autotask_live_server.admin.tenants()]
    assert leftovers == []


def test_live_server_with_a_token():
    server = start_server(token="tok-123")
    try:
        assert server.started_here
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{server.url}/_mock/tenants", timeout=10)
        assert info.value.code == 401
        summary = server.admin.create_tenant(_basic_doc(), isolate="tok")
        assert summary["name"] == "basic-tok"
        assert AdminClient(server.url, token="wrong").request("GET", "tenants")[0] == 401
    finally:
        server.close()


def _basic_doc():
    from mockserver.fixtures_loader import read_fixture

    return read_fixture(str(BASIC))[0]


# ---------------------------------------------------------------------------------------------- in a child pytest
PLUGIN_TESTS = textwrap.dedent(
    """
    import requests
    import pytest

    SEEN = []

    @pytest.mark.parametrize("i", range(3))
    def test_fresh_tenant_each_time(autotask_mock, i):
        at = autotask_mock
        assert at.tenant_name not in SEEN
        SEEN.append(at.tenant_name)
        # earlier tests wrote to their tenants; this one starts from the fixture
        url = "https://webservices.autotask.net/ATServicesRest/V1.0/Companies/query/count"
        body = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
        assert requests.post(url, json=body, headers=at.headers).json()["queryCount"] == 1
        at.create("Companies", companyName=f"C{i}", companyType=1, ownerResourceID=29682884, phone="5")
        assert len(at.calls()) == 1

    def test_previous_tenants_were_removed(autotask_mock, autotask_mock_app):
        from mockserver.app import get_context
        assert sorted(get_context(autotask_mock_app).store.tenants) == [autotask_mock.tenant_name]

    def test_server(autotask_server):
        assert autotask_server.tenant_name.startswith("minimal-")
    """
)


def test_plugin_in_a_child_session(tmp_path):
    (tmp_path / "test_child.py").write_text(PLUGIN_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nautotask_mock_fixture = minimal\n")
    result = run_pytest(["-q", "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), str(tmp_path)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout


def test_xdist_workers_share_one_server_without_interference():
    """Two xdist workers run the shared-server module against ONE server started here."""
    server = start_server(token="xdist-token")
    created: list[str] = []
    from mockserver.app import get_context

    store = get_context(server.app).store
    original = store.add_tenant

    def spy(doc, source="<fixture>", *, replace=False):
        state = original(doc, source, replace=replace)
        created.append(state.name)
        return state

    store.add_tenant = spy
    try:
        result = run_pytest(
            ["-q", "-n", "2", str(ROOT / "tests" / "mockserver" / "test_shared_server.py")],
            env={"AUTOTASK_MOCK_URL": server.url, "AUTOTASK_MOCK_ADMIN_TOKEN": "xdist-token"},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "12 passed" in result.stdout
        # every test had its own tenant on this one server, made by both workers, all removed afterwards
        assert len(created) == 12 and len(set(created)) == 12
        assert {name.split("-")[1] for name in created} == {"gw0", "gw1"}
        assert store.tenants == {}
    finally:
        store.add_tenant = original
        server.close()


def test_live_server_class_on_an_existing_url():
    server = start_server()
    try:
        shared = LiveServer(server.url)
        assert not shared.started_here
        assert shared.admin.index()["service"] == "autotask-mock admin API"
        shared.close()  # closing a borrowed server does nothing
        assert shared.admin.tenants() == []
    finally:
        server.close()


def test_the_docs_carry_the_example_file_verbatim():
    fragment = (ROOT / "docs" / "testing.md").read_text()
    example = (ROOT / "tests" / "mockserver" / "test_readme_example.py").read_text()
    assert f"```python\n{example}```" in fragment
