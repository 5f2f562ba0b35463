"""Shared-server mode: many tests (and pytest-xdist workers) on one live mock server never interfere.

Every test gets its own tenant, built from the same fixture, on the same server. Each test writes,
moves its clock and counts its requests, then checks it sees exactly its own effects. Run normally, the
plugin starts a server for the session; with ``AUTOTASK_MOCK_URL`` set (test_pytest_plugin runs this
module with ``-n 2`` against one server that way) all workers share that server.
"""

from __future__ import annotations

import json

import httpx
import pytest
import requests

from tests.mockserver.conftest import BASIC

pytestmark = pytest.mark.autotask_mock(str(BASIC))

FIXTURE_COMPANIES = 3  # in basic.yaml
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


@pytest.mark.parametrize("n", range(1, 9))
def test_isolated_tenant_with_httpx(autotask_server, n):
    at = autotask_server
    assert at.tenant_name != "basic"
    with httpx.Client(timeout=30) as client:
        zone = client.get(at.zone_lookup_url).json()
        assert zone["url"] == at.base_url == f"{at.server_url}/ATServicesRest/"
        headers = at.headers
        for i in range(n):
            body = {"companyName": f"Test {n}.{i}", "companyType": 1, "ownerResourceID": 101, "phone": "555"}
            resp = client.post(f"{zone['url']}V1.0/Companies", json=body, headers=headers)
            assert resp.status_code == 200, resp.text
        page = client.post(f"{zone['url']}V1.0/Companies/query", json=ALL, headers=headers).json()
        names = sorted(c["companyName"] for c in page["items"])
        assert len(names) == FIXTURE_COMPANIES + n
        assert [x for x in names if x.startswith("Test ")] == sorted(f"Test {n}.{i}" for i in range(n))
        threshold = client.get(f"{zone['url']}V1.0/ThresholdInformation", headers=headers).json()
        # the tenant clock is this test's own
        at.advance(hours=n)
        assert at.now() == f"2026-01-01T{n:02d}:00:00Z"
    # exactly this test's requests: zone lookup (not counted), n creates, 1 query, 1 threshold read
    assert threshold["currentTimeframeRequestCount"] == n + 2
    at.assert_called("POST", "Companies", times=n)
    at.assert_called("GET", "zoneInformation", times=1)
    assert len(at.calls()) == n + 3


@pytest.mark.parametrize("n", range(4))
def test_isolated_tenant_with_requests(autotask_server, n):
    at = autotask_server
    s = requests.Session()
    s.headers.update(at.headers)
    ids = at.seed({"Companies": [{"companyName": f"Seeded {n}.{i}", "companyType": 1, "ownerResourceID": 101,
                                  "phone": "555"} for i in range(n)]}).get("Companies", [])
    count = s.post(at.url("Companies/query/count"), data=json.dumps(ALL)).json()["queryCount"]
    assert count == FIXTURE_COMPANIES + n
    for company_id in ids:
        resp = s.patch(at.url("Companies"), data=json.dumps({"id": company_id, "companyName": f"Renamed {n}"}))
        assert resp.status_code == 200, resp.text
    at.assert_called("POST", "Companies/query/count", times=1)
    at.assert_called("PATCH", "Companies", times=n)
    exported = at.export()
    names = sorted(c["companyName"] for c in exported["records"]["Companies"])
    assert names == sorted(["Acme Corp", "Globex", "acme corp"] + [f"Renamed {n}"] * n)
