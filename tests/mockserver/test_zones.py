"""Zones mode: ``serve --zones N`` = one worker process per zone behind the zone lookup on the main port.

Spec: shared/spec/autotask-api.md §1 (zone lookup: ``url`` is the zone's REST root; unknown user -> 500),
§2 (auth matrix); sync-behaviour C-02 (find the zone with the lookup, then use its URL) and Q24 (re-detect
the zone on a 401). Every server here binds 127.0.0.1 on free ports; every worker is stopped by the
fixture that started it (and would exit by itself once its supervisor's pipe closed).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mockserver.zones.cluster import ZoneCluster, check_external_url
from mockserver.zones.table import TenantEntry, ZoneTable, assign_fixtures, pick_zone
from tests.mockserver.conftest import BASIC, BASIC_HEADERS, OTHER, OTHER_HEADERS

REPO = Path(__file__).resolve().parents[2]
ZONE_ERROR = {"errors": ["Zone information could not be determined"]}
NEW_COMPANY = {"companyName": "Zone Co", "companyType": 1, "ownerResourceID": 101, "phone": "555-0100"}


# ---------------------------------------------------------------------------------------------- helpers
def call(base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], Any]:
    """One HTTP request to ``base`` (http://127.0.0.1:PORT); returns status, headers, decoded JSON body."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(raw) if raw else None
    finally:
        conn.close()


def root_of(url: str) -> str:
    """http://127.0.0.1:PORT/ATServicesRest/ -> http://127.0.0.1:PORT"""
    return url.split("/ATServicesRest/")[0]


def zone_lookup(cluster: ZoneCluster, user: str) -> tuple[int, Any]:
    status, _, body = call(cluster.base_url, "GET", f"/ATServicesRest/V1.0/zoneInformation?user={user}")
    return status, body


def wait_for(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def reports() -> list[str]:
    return []


@pytest.fixture(scope="module")
def cluster(reports):
    with ZoneCluster(2, [str(BASIC), str(OTHER)], report=reports.append) as running:
        yield running
    for zp in running.supervisor.zones:
        assert zp.pid is not None and not alive(zp.pid), f"zone {zp.spec.zone} worker outlived stop()"


# ---------------------------------------------------------------------------------------------- pure table
def test_fixtures_go_to_zones_round_robin_in_command_line_order():
    assert assign_fixtures(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert assign_fixtures(["a"], 3) == [["a"], [], []]
    with pytest.raises(ValueError):
        assign_fixtures(["a"], 0)


def test_new_tenants_go_to_the_zone_with_fewest_tenants_first_on_a_tie():
    assert pick_zone([2, 1, 1]) == 2
    assert pick_zone([0, 0]) == 1
    assert pick_zone([3, 4, 0, 0]) == 3


def test_zone_table_tracks_tenants_and_case_insensitive_users():
    table = ZoneTable(2)
    table.add(TenantEntry("a", 1, ("sync@a.apiuser.com",)))
    table.add(TenantEntry("b", 2, ("sync@b.apiuser.com",)))
    assert table.zone_of_user("SYNC@A.APIUSER.COM ") == 1
    assert table.zone_of_tenant("b") == 2 and table.counts() == [1, 1]
    table.replace_zone(2, [TenantEntry("c", 2, ("c@x.com",))])
    assert table.zone_of_tenant("b") is None and table.zone_of_user("sync@b.apiuser.com") is None
    assert table.tenants() == ["a", "c"]
    assert table.remove("a") is not None and table.zone_of_user("sync@a.apiuser.com") is None
    with pytest.raises(ValueError):
        table.add(TenantEntry("d", 3))


def test_external_url_in_zones_mode_must_be_a_per_zone_template():
    check_external_url("http://mock.example:{port}", 2)
    check_external_url("https://zone{zone}.mock.example", 2)
    with pytest.raises(ValueError, match="template"):
        check_external_url("http://mock.example:8080", 2)
    with pytest.raises(ValueError, match="only"):
        check_external_url("http://{host}:{port}", 2)


# ---------------------------------------------------------------------------------------------- zone lookup
def test_zone_lookup_answers_each_user_with_its_own_zone_url_C02(cluster):
    s1, basic = zone_lookup(cluster, "sync@BASIC.APIUSER.com")
    s2, other = zone_lookup(cluster, "sync@OTHER.APIUSER.com")
    assert (s1, s2) == (200, 200)
    assert basic["url"] == f"{cluster.zone_base_url(1)}/ATServicesRest/"
    assert other["url"] == f"{cluster.zone_base_url(2)}/ATServicesRest/"
    ports = {root_of(basic["url"]).rsplit(":", 1)[1], root_of(other["url"]).rsplit(":", 1)[1]}
    assert len(ports) == 2 and str(cluster.main_port) not in ports
    assert set(basic) == {"zoneName", "url", "webUrl", "ci"}


def test_two_tenants_are_served_from_two_processes(cluster):
    _, basic = zone_lookup(cluster, "sync@BASIC.APIUSER.com")
    _, other = zone_lookup(cluster, "sync@OTHER.APIUSER.com")
    s1, _, b1 = call(root_of(basic["url"]), "GET", "/ATServicesRest/V1.0/Companies/1", headers=BASIC_HEADERS)
    s2, _, b2 = call(root_of(other["url"]), "GET", "/ATServicesRest/V1.0/Companies/1", headers=OTHER_HEADERS)
    assert (s1, s2) == (200, 200) and b1["item"]["id"] == b2["item"]["id"] == 1
    _, _, zones = call(cluster.base_url, "GET", "/_mock/zones")
    pids = {z["pid"] for z in zones["zones"]}
    assert len(pids) == 2 and os.getpid() not in pids
    assert [z["tenants"] for z in zones["zones"]] == [["basic"], ["other"]]


def test_unknown_or_blank_user_gets_the_500_zone_error_on_the_main_port(cluster):
    for user in ("nobody@NOWHERE.APIUSER.com", ""):
        assert zone_lookup(cluster, user) == (500, ZONE_ERROR)


def test_api_call_on_the_main_port_is_the_wrong_zone_401_Q24(cluster):
    status, headers, body = call(cluster.base_url, "GET", "/ATServicesRest/V1.0/Companies/1", headers=OTHER_HEADERS)
    assert status == 401 and body == {"errors": ["Authorization has been denied for this request."]}
    assert headers["x-mock-zone-url"] == f"{cluster.zone_base_url(2)}/ATServicesRest/"
    ghost = {**OTHER_HEADERS, "UserName": "ghost@NOWHERE.APIUSER.com"}
    assert call(cluster.base_url, "GET", "/ATServicesRest/V1.0/Companies/1", headers=ghost)[::2] == (500, ZONE_ERROR)
    status, _, body = call(cluster.base_url, "GET", "/ATServicesRest/VersionInformation")
    assert (status, body) == (200, {"apiVersions": ["1.0"]})
    status, _, doc = call(cluster.base_url, "GET", "/ATServicesRest/swagger/docs/v1")  # no credentials needed
    assert status == 200 and str(cluster.main_port) in json.dumps(doc)
    status, _, body = call(cluster.base_url, "GET", "/ATServicesRest/V1.0/NoSuchThing/1")
    assert status == 404 and body["Message"].endswith(f"'{cluster.base_url}/ATServicesRest/V1.0/NoSuchThing/1'.")


def test_a_zone_refuses_another_zones_user_with_the_wrong_zone_401(cluster):
    status, headers, body = call(cluster.zone_base_url(1), "GET", "/ATServicesRest/V1.0/Companies/1",
                                 headers=OTHER_HEADERS)
    assert status == 401 and body == {"errors": ["Authorization has been denied for this request."]}
    assert headers["x-mock-zone-url"] == f"{cluster.zone_base_url(2)}/ATServicesRest/"
    ghost = {**OTHER_HEADERS, "UserName": "ghost@NOWHERE.APIUSER.com"}
    status, _, body = call(cluster.zone_base_url(1), "GET", "/ATServicesRest/V1.0/Companies/1", headers=ghost)
    assert (status, body) == (500, ZONE_ERROR)


def test_the_zone_lookup_works_on_every_zone_port(cluster):
    """Clients hard-code one zone host for the lookup (KTPS: webservices2); any zone answers for any user."""
    for zone in (1, 2):
        for user, home in (("sync@BASIC.APIUSER.com", 1), ("sync@OTHER.APIUSER.com", 2)):
            status, _, body = call(cluster.zone_base_url(zone), "GET",
                                   f"/ATServicesRest/V1.0/zoneInformation?user={user}")
            assert status == 200 and body["url"] == f"{cluster.zone_base_url(home)}/ATServicesRest/"
        status, _, body = call(cluster.zone_base_url(zone), "GET",
                               "/ATServicesRest/V1.0/zoneInformation?user=ghost@NOWHERE.APIUSER.com")
        assert (status, body) == (500, ZONE_ERROR)


# ---------------------------------------------------------------------------------------------- admin routing
def test_admin_calls_about_a_tenant_are_routed_to_its_zone(cluster):
    status, headers, body = call(cluster.base_url, "POST", "/_mock/tenants/other/records",
                                 {"Companies": [{**NEW_COMPANY, "companyName": "Routed Co"}]})
    assert status == 201 and headers["x-mock-zone"] == "2"
    new_id = body["created"]["Companies"][0]
    status, _, got = call(cluster.zone_base_url(2), "GET", f"/ATServicesRest/V1.0/Companies/{new_id}",
                          headers=OTHER_HEADERS)
    assert status == 200 and got["item"]["companyName"] == "Routed Co"
    status, headers, summary = call(cluster.base_url, "GET", "/_mock/tenants/basic")
    assert status == 200 and headers["x-mock-zone"] == "1" and summary["name"] == "basic"
    status, headers, journal = call(cluster.base_url, "GET", "/_mock/journal?tenant=other")
    assert status == 200 and headers["x-mock-zone"] == "2"
    assert any(e.get("path", "").endswith(f"/Companies/{new_id}") for e in journal["entries"])


def test_admin_lists_merge_every_zone_and_name_the_zone(cluster):
    status, _, body = call(cluster.base_url, "GET", "/_mock/tenants")
    zones = {t["name"]: t["mockZone"] for t in body["tenants"]}
    assert status == 200 and zones["basic"] == 1 and zones["other"] == 2
    status, _, clocks = call(cluster.base_url, "GET", "/_mock/clock")
    assert status == 200 and {"basic", "other"} <= set(clocks["tenants"])


def test_admin_tells_which_zone_holds_a_tenant_or_user(cluster):
    status, _, zone = call(cluster.base_url, "GET", "/_mock/zones?tenant=other")
    assert status == 200 and zone["zone"] == 2 and zone["url"] == f"{cluster.zone_base_url(2)}/ATServicesRest/"
    status, _, zone = call(cluster.base_url, "GET", "/_mock/zones?user=SYNC@basic.apiuser.com")
    assert status == 200 and zone["zone"] == 1
    status, _, missing = call(cluster.base_url, "GET", "/_mock/zones?tenant=nope")
    assert status == 404 and "nope" in missing["error"]
    status, _, body = call(cluster.base_url, "GET", "/_mock/tenants/nope/clock")
    assert status == 404 and body["error"] == "No tenant named 'nope'."


def test_per_zone_admin_state_without_a_tenant_answers_409_naming_the_zones(cluster):
    status, _, body = call(cluster.base_url, "GET", "/_mock/journal")
    assert status == 409 and "?tenant=NAME" in body["error"]
    assert [z["adminUrl"] for z in body["zones"]] == [f"{cluster.zone_base_url(k)}/_mock/" for k in (1, 2)]


def test_tenant_created_on_the_main_port_gets_a_zone_and_the_zone_lookup_finds_it(cluster):
    status, headers, body = call(cluster.base_url, "POST", "/_mock/tenants?zone=2",
                                 {"fixture": str(BASIC), "name": "late", "isolate": "late"})
    assert status == 201 and body["mockZone"] == 2 and headers["x-mock-zone"] == "2"
    user = body["credentials"]["userName"]
    status, zone = zone_lookup(cluster, user)
    assert status == 200 and zone["url"] == f"{cluster.zone_base_url(2)}/ATServicesRest/"
    status, _, body = call(cluster.base_url, "POST", "/_mock/tenants?zone=7", {"fixture": str(BASIC)})
    assert status == 400 and "1 to 2" in body["error"]


def test_tenant_created_directly_on_a_zone_is_found_by_the_zone_lookup(cluster):
    status, _, body = call(cluster.zone_base_url(1), "POST", "/_mock/tenants",
                           {"fixture": str(OTHER), "isolate": "direct"})
    assert status == 201
    status, zone = zone_lookup(cluster, body["credentials"]["userName"])
    assert status == 200 and zone["url"] == f"{cluster.zone_base_url(1)}/ATServicesRest/"
    assert call(cluster.base_url, "DELETE", f"/_mock/tenants/{body['name']}")[0] == 200
    assert zone_lookup(cluster, body["credentials"]["userName"]) == (500, ZONE_ERROR)


# ---------------------------------------------------------------------------------------------- restarts
def test_a_killed_zone_is_reported_restarted_on_its_port_and_back_at_its_fixtures(cluster, reports):
    # State in both zones first: a company in each fixture tenant, and a tenant added at run time to zone 2.
    status, _, made = call(cluster.base_url, "POST", "/_mock/tenants?zone=2",
                           {"fixture": str(OTHER), "isolate": "added"})
    assert status == 201
    added_user = made["credentials"]["userName"]
    ids = {}
    for name in ("basic", "other", made["name"]):
        status, _, body = call(cluster.base_url, "POST", f"/_mock/tenants/{name}/records", {"Companies": [NEW_COMPANY]})
        assert status == 201
        ids[name] = body["created"]["Companies"][0]
    zone1, zone2 = cluster.supervisor.zone(1), cluster.supervisor.zone(2)
    pid1, pid2, port2, restarts = zone1.pid, zone2.pid, zone2.spec.port, zone2.restarts
    seen = len(reports)

    os.kill(pid2, signal.SIGKILL)
    wait_for(lambda: zone2.restarts == restarts + 1 and zone2.up, what="zone 2 to restart")

    lines = reports[seen:]
    assert any(f"zone 2 (pid {pid2}, port {port2}) died: killed by SIGKILL" in line for line in lines), lines
    assert any("zone 2 is back on port" in line for line in lines), lines
    assert zone2.spec.port == port2 and zone2.pid != pid2 and not alive(pid2)
    other_root = cluster.zone_base_url(2)
    status, _, body = call(other_root, "GET", f"/ATServicesRest/V1.0/Companies/{ids['other']}", headers=OTHER_HEADERS)
    assert status == 200 and body["item"] is None  # back to its fixture
    status, zone = zone_lookup(cluster, added_user)  # the run-time tenant is back too, at its creation state
    assert status == 200 and root_of(zone["url"]) == other_root
    added_headers = {"UserName": added_user, "Secret": "s3cret", "ApiIntegrationCode": made["credentials"]["integrationCode"]}
    status, _, body = call(other_root, "GET", f"/ATServicesRest/V1.0/Companies/{ids[made['name']]}", headers=added_headers)
    assert status == 200 and body["item"] is None
    # The other zone was not touched: same process, its new company still there.
    assert zone1.pid == pid1 and zone1.restarts == 0
    status, _, body = call(cluster.zone_base_url(1), "GET", f"/ATServicesRest/V1.0/Companies/{ids['basic']}",
                           headers=BASIC_HEADERS)
    assert status == 200 and body["item"]["companyName"] == "Zone Co"


def test_a_hung_zone_fails_its_health_checks_and_is_replaced():
    lines: list[str] = []
    with ZoneCluster(1, [str(BASIC)], report=lines.append, health_interval=0.1, health_timeout=0.5) as small:
        zp = small.supervisor.zone(1)
        pid = zp.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            wait_for(lambda: zp.restarts == 1 and zp.up, timeout=30, what="the hung zone to be replaced")
        finally:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        assert any("failed 3 health checks in a row; killing it" in line for line in lines), lines
        status, zone = zone_lookup(small, "sync@BASIC.APIUSER.com")
        assert status == 200 and zone["url"] == f"{small.zone_base_url(1)}/ATServicesRest/"


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_serve_zones_prints_the_main_url_and_sigterm_stops_every_worker():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "mockserver.cli", "serve", "--zones", "2", "--port", "0",
                             "--fixture", str(BASIC), "--fixture", str(OTHER)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
        reader.start()
        wait_for(lambda: any("tenant other" in line for line in lines), what="the zones banner")
        first = next(line for line in lines if "listening on" in line)
        base = first.split("listening on ")[1].split()[0]
        status, _, zone = call(base, "GET", "/ATServicesRest/V1.0/zoneInformation?user=sync@OTHER.APIUSER.com")
        assert status == 200 and zone["url"] != f"{base}/ATServicesRest/"
        _, _, zones = call(base, "GET", "/_mock/zones")
        pids = [z["pid"] for z in zones["zones"]]
        assert all(alive(pid) for pid in pids)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        wait_for(lambda: not any(alive(pid) for pid in pids), timeout=10, what="the workers to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_workers_exit_by_themselves_when_the_main_process_is_killed():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "mockserver.cli", "serve", "--zones", "2", "--port", "0",
                             "--fixture", str(BASIC)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    pids: list[int] = []
    try:
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
        wait_for(lambda: sum("(pid " in line for line in lines) == 2, what="the zones banner")
        pids = [int(line.split("(pid ")[1].split(")")[0]) for line in lines if "(pid " in line]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
        proc.kill()  # SIGKILL: no chance to stop the workers
        proc.wait(10)
        wait_for(lambda: not any(alive(pid) for pid in pids), timeout=10, what="the orphaned workers to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_cli_serve_zones_refuses_an_external_url_without_a_placeholder():
    from click.testing import CliRunner

    from mockserver.cli import main

    result = CliRunner().invoke(main, ["serve", "--zones", "2", "--external-url", "http://mock.example:8080"])
    assert result.exit_code == 2 and "{port}" in result.output


# ---------------------------------------------------------------------------------------------- third party
def test_django_autotask_finds_its_zone_through_the_main_port_C02(cluster):
    """django-autotask (PyPI) is given only the main port; it finds zone 2 with the zone lookup and reads there."""
    pytest.importorskip("django", reason="django-autotask not installed (pip install django-autotask==1.16.0 pytz)")
    pytest.importorskip("pytz", reason="pytz not installed")
    pytest.importorskip("retrying", reason="django-autotask not installed")
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_TZ=True, CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
                           AUTOTASK_SERVER_URL="http://127.0.0.1:9/atservicesrest/", AUTOTASK_CREDENTIALS={})
    djapi = pytest.importorskip("djautotask.api")
    from django.core.cache import cache

    saved = (settings.AUTOTASK_SERVER_URL, settings.AUTOTASK_CREDENTIALS)
    settings.AUTOTASK_SERVER_URL = f"{cluster.base_url}/atservicesrest/"
    settings.AUTOTASK_CREDENTIALS = {"username": OTHER_HEADERS["UserName"], "password": OTHER_HEADERS["Secret"],
                                     "integration_code": OTHER_HEADERS["ApiIntegrationCode"], "rest_api_version": "1.0"}
    cache.clear()
    try:
        client = djapi.AccountsAPIClient()
        assert client.server_url == f"{cluster.zone_base_url(2)}/ATServicesRest/"
        item = client.get_single(1)["item"]
        assert item["id"] == 1
        # A client holding a stale zone (the main port) gets the wrong-zone 401, looks the zone up again,
        # sees it changed and raises the error it retries on (its MAX_401_ATTEMPTS logic; Q24). One attempt
        # here, so the test does not sit through the library's back-off.
        settings.DJAUTOTASK_CONF_CALLABLE = lambda: {"max_attempts": 1}
        cache.set("zone_url", f"{cluster.base_url}/ATServicesRest/")
        stale = djapi.AccountsAPIClient()
        assert stale.server_url == f"{cluster.base_url}/ATServicesRest/"
        with pytest.raises(djapi.AutotaskAPIError) as raised:
            stale.get_single(1)
        assert type(raised.value) is djapi.AutotaskAPIError  # "zone changed: retry", not a client error
        assert djapi.get_cached_url("url") == f"{cluster.zone_base_url(2)}/ATServicesRest/"
        assert djapi.AccountsAPIClient().get_single(1)["item"]["id"] == 1
    finally:
        settings.AUTOTASK_SERVER_URL, settings.AUTOTASK_CREDENTIALS = saved
        if hasattr(settings, "DJAUTOTASK_CONF_CALLABLE"):
            del settings.DJAUTOTASK_CONF_CALLABLE
        cache.clear()


def test_the_admin_token_guards_the_main_port_and_reaches_the_zones():
    with ZoneCluster(1, [str(OTHER)], admin_token="t0ken") as guarded:
        status, headers, _ = call(guarded.base_url, "GET", "/_mock/tenants")
        assert status == 401 and "Bearer" in headers["www-authenticate"]
        status, _, body = call(guarded.base_url, "GET", "/_mock/tenants", headers={"X-Mock-Admin-Token": "t0ken"})
        assert status == 200 and [t["name"] for t in body["tenants"]] == ["other"]
        assert call(guarded.zone_base_url(1), "GET", "/_mock/tenants")[0] == 401  # the zone checks it too
        # The main port's own calls to the zones carry the token: a tenant made on the zone is found.
        status, _, made = call(guarded.zone_base_url(1), "POST", "/_mock/tenants",
                               {"fixture": str(BASIC), "isolate": "tok"}, headers={"Authorization": "Bearer t0ken"})
        assert status == 201
        assert zone_lookup(guarded, made["credentials"]["userName"])[0] == 200


def test_a_tenant_name_or_user_taken_in_another_zone_is_a_409_unless_replaced(cluster):
    # "basic" lives in zone 1; zone 2 does not know it, the main port does.
    status, _, body = call(cluster.base_url, "POST", "/_mock/tenants?zone=2", {"fixture": str(BASIC)})
    assert status == 409 and "'basic' in zone 1" in body["error"]
    assert call(cluster.zone_base_url(2), "GET", "/_mock/tenants/basic")[0] == 404  # the clash was undone
    status, _, body = call(cluster.base_url, "POST", "/_mock/tenants?zone=2", {"fixture": str(BASIC), "name": "copy"})
    assert status == 409 and "'basic' in zone 1" in body["error"]  # same API user name
    status, _, body = call(cluster.base_url, "POST", "/_mock/tenants?zone=2",
                           {"fixture": str(BASIC), "isolate": "moved", "name": "movable"})
    assert status == 201
    status, _, body = call(cluster.base_url, "POST", "/_mock/tenants?zone=1",
                           {"fixture": str(BASIC), "isolate": "moved", "name": "movable", "replace": True})
    assert status == 201 and body["mockZone"] == 1
    assert call(cluster.zone_base_url(2), "GET", "/_mock/tenants/movable")[0] == 404
    assert zone_lookup(cluster, body["credentials"]["userName"])[1]["url"] == f"{cluster.zone_base_url(1)}/ATServicesRest/"


def test_reset_and_clock_advance_on_the_main_port_reach_every_zone(cluster):
    made = {}
    for name in ("basic", "other"):
        status, _, body = call(cluster.base_url, "POST", f"/_mock/tenants/{name}/records", {"Companies": [NEW_COMPANY]})
        assert status == 201
        made[name] = body["created"]["Companies"][0]
    status, _, clocks = call(cluster.base_url, "POST", "/_mock/clock/advance", {"days": 1})
    assert status == 200
    assert clocks["tenants"]["basic"]["now"] == clocks["tenants"]["other"]["now"] == "2026-01-02T00:00:00Z"
    status, _, body = call(cluster.base_url, "POST", "/_mock/reset", {"removeAdded": True})
    assert status == 200 and {"basic", "other"} <= set(body["reset"])
    for name, headers, zone in (("basic", BASIC_HEADERS, 1), ("other", OTHER_HEADERS, 2)):
        status, _, got = call(cluster.zone_base_url(zone), "GET", f"/ATServicesRest/V1.0/Companies/{made[name]}",
                              headers=headers)
        assert status == 200 and got["item"] is None
    _, _, tenants = call(cluster.base_url, "GET", "/_mock/tenants")
    assert sorted(t["name"] for t in tenants["tenants"]) == ["basic", "other"]  # run-time tenants removed
    assert cluster.table.tenants() == ["basic", "other"]
