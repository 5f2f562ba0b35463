"""Testing an Autotask integration against autotask-mock (copy this file into your own tests/).

`pip install autotask-mock` registers the pytest plugin: the `autotask_mock` and `autotask_server`
fixtures need no import. The code under test is written for the real service and runs unchanged.
"""

import httpx
import pytest
import requests

from mockserver import mock_autotask

AUTOTASK = "https://webservices.autotask.net/ATServicesRest"


# ---- the code under test: hard-codes the real Autotask host, knows nothing about the mock ------------
def customer_names(user, secret, integration_code):
    zone = requests.get(f"{AUTOTASK}/V1.0/zoneInformation", params={"user": user}, timeout=30)
    zone.raise_for_status()
    base = zone.json()["url"]  # e.g. https://webservices2.autotask.net/ATServicesRest/
    headers = {"UserName": user, "Secret": secret, "ApiIntegrationCode": integration_code}
    query = {"filter": [{"op": "eq", "field": "companyType", "value": 1}], "includeFields": ["companyName"]}
    names, url = [], base + "V1.0/Companies/query"
    while url:  # follow nextPageUrl to the end
        page = requests.post(url, json=query, headers=headers, timeout=30)
        page.raise_for_status()
        names += [c["companyName"] for c in page.json()["items"]]
        url = page.json()["pageDetails"]["nextPageUrl"]
    return names


# ---- tests --------------------------------------------------------------------------------------------
def test_lists_customers(autotask_mock):
    # a fresh copy of the "demo" tenant for this test only; add what the test needs
    autotask_mock.create("Companies", companyName="Initech", companyType=1,
                         ownerResourceID=29682884, phone="555-0100")
    c = autotask_mock.credentials

    names = customer_names(c.user_name, c.secret, c.integration_code)

    assert "Initech" in names
    autotask_mock.assert_called("GET", "zoneInformation", times=1)
    autotask_mock.assert_called("POST", "Companies/query", times=1)
    autotask_mock.assert_not_called("PATCH")


@pytest.mark.autotask_mock("minimal")  # another fixture: a scenario name or a file path
def test_a_failing_api_call_is_reported(autotask_mock):
    c = autotask_mock.credentials
    with pytest.raises(requests.HTTPError):
        customer_names(c.user_name, "wrong secret", c.integration_code)
    [call] = autotask_mock.calls("POST", "Companies/query")
    assert call["status"] == 401


def test_the_clock_can_move(autotask_mock):
    autotask_mock.set_clock("2026-03-01T09:00:00Z")
    autotask_mock.advance(days=30)
    company_id = autotask_mock.create("Companies", companyName="Late Corp", companyType=1,
                                      ownerResourceID=29682884, phone="555-0199")
    item = requests.get(autotask_mock.url(f"Companies/{company_id}"), headers=autotask_mock.headers).json()["item"]
    assert item["createDate"].startswith("2026-03-31T09:00:00")


def test_without_pytest_fixtures():
    with mock_autotask("minimal") as at:  # also works as a decorator: @mock_autotask("minimal")
        at.create("Companies", companyName="Initech", companyType=1, ownerResourceID=29682884, phone="555-0100")
        names = customer_names(at.credentials.user_name, at.credentials.secret, at.credentials.integration_code)
        assert "Initech" in names


def test_a_client_that_is_not_requests(autotask_server):
    # a real HTTP server on 127.0.0.1 (one per session, one tenant per test)
    with httpx.Client(base_url=autotask_server.base_url, headers=autotask_server.headers) as client:
        count = client.post("V1.0/Companies/query/count",
                            json={"filter": [{"op": "gte", "field": "id", "value": 0}]}).json()
    assert count["queryCount"] > 0
    autotask_server.assert_called("POST", "Companies/query/count", times=1)
