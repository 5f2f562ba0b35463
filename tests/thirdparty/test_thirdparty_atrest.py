"""atrest 1.0.2 (PyPI, 2020) against the live mock.

Configured only with ``Client(<mock>/atservicesrest/v1.0, integration code, user name, secret)``. The library
has exactly three calls, all on Tickets: query one ticket by id (GET ``/Tickets/query?search=<raw JSON>``),
create a ticket (POST ``/Tickets`` with PascalCase property names) and add an attachment
(POST ``/Tickets/{id}/Attachments``). It has no zone lookup, paging, update, count, child-contact or
metadata call, so only create / get-by-query / a child create / the auth error can be exercised.
"""

from __future__ import annotations

import base64

import pytest
import requests

pytest.importorskip("atrest", reason="atrest not installed (pip install atrest==1.0.2)")

from atrest import Client  # noqa: E402

TITLE = "atrest acceptance ticket"


def make_client(live_mock, credentials, **overrides) -> Client:
    creds = {**credentials, **overrides}
    return Client(f"{live_mock.base_url}/atservicesrest/v1.0", creds["integration_code"], creds["username"], creds["secret"])


@pytest.fixture(scope="module")
def client(live_mock, credentials) -> Client:
    return make_client(live_mock, credentials)


@pytest.fixture(scope="module")
def ticket_id(client) -> int:
    # status 1 New, priority 2 Medium, company 1 Acme Corp, queue 8 Service Desk (basic.yaml picklists)
    return client.create_ticket(TITLE, "created by atrest", 1, 2, 1, 8)


def test_create_ticket(ticket_id):
    assert isinstance(ticket_id, int) and ticket_id > 50


def test_query_ticket_by_id(client, ticket_id, live_mock):
    mark = live_mock.mark()
    response = client.query_tickets(ticket_id)
    method, path = live_mock.since(mark)[0]
    assert method == "GET" and path.startswith("/atservicesrest/v1.0/Tickets/query?search=")
    body = response.json()
    assert [t["id"] for t in body["items"]] == [ticket_id]
    ticket = body["items"][0]
    assert (ticket["title"], ticket["description"], ticket["status"], ticket["priority"]) == (TITLE, "created by atrest", 1, 2)
    assert (ticket["companyID"], ticket["queueID"]) == (1, 8)
    assert body["pageDetails"]["count"] == 1


def test_add_ticket_attachment(client, ticket_id, live_mock):
    mark = live_mock.mark()
    response = client.add_ticket_attachment(ticket_id, "notes", "notes.txt", base64.b64encode(b"hello from atrest"))
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["itemId"], int)
    assert live_mock.since(mark) == [("POST", f"/atservicesrest/v1.0/Tickets/{ticket_id}/Attachments")]


def test_wrong_secret_gives_auth_error(live_mock, credentials):
    bad = make_client(live_mock, credentials, secret="not-the-secret")
    with pytest.raises(requests.exceptions.HTTPError, match="Invalid Autotask credentials"):
        bad.query_tickets(50)


def test_bad_integration_code_error(live_mock, credentials):
    bad = make_client(live_mock, credentials, integration_code="NOT-A-CODE")
    with pytest.raises(requests.exceptions.HTTPError, match="Invalid Autotask integration code"):
        bad.query_tickets(50)
