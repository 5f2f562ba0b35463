"""Webhook callouts: subscriptions, payloads, signatures, retries, error logs, deactivation (issue 7)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from mockserver.app import create_app, get_context
from mockserver.config import MockConfig
from mockserver.webhooks import dotnet_json, get_dispatcher
from tests.mockserver.conftest import BASIC, BASIC_HEADERS, OTHER, Api, make_app

SECRET = "s3cr3t-k3y"


class Receiver:
    """A callout target on 127.0.0.1 (port 0): records raw bodies, answers scripted statuses per path."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses: dict[str, list[int]] = {}
        self.on_request = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.on_request is not None:
                    receiver.on_request()
                with receiver.lock:
                    receiver.requests.append((self.path, dict(self.headers), body))
                    script = receiver.statuses.get(self.path) or []
                    status = script.pop(0) if len(script) > 1 else (script[0] if script else 200)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def bodies(self, path: str = "/hook") -> list[dict]:
        with self.lock:
            return [json.loads(body) for p, _, body in self.requests if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def documented_signature(secret: str, raw_body: bytes) -> str:
    """The algorithm of Autotask's "Secret key and payload verification" page, written out independently."""
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha1).digest()).decode()


def setup(**settings):
    settings.setdefault("webhook_retry_delays", [0.0, 0.0])
    app = make_app(**settings)
    return app, Api(app.test_client(), BASIC_HEADERS), get_dispatcher(app)


def field_ids(api: Api, entity: str = "CompanyWebhookFields") -> dict[str, int]:
    fields = api.get(f"{entity}/entityInformation/fields").get_json()["fields"]
    (field_id,) = [f for f in fields if f["name"] in ("fieldID", "udfFieldID")]
    assert field_id["isPickList"] is True
    return {p["label"]: int(p["value"]) for p in field_id["picklistValues"]}


def make_webhook(api: Api, receiver: Receiver, entity: str = "CompanyWebhooks", *, subscribed=("companyName",),
                 always=(), field_entity: str = "CompanyWebhookFields", **overrides) -> int:
    body = {
        "name": "docs sync", "webhookUrl": f"{receiver.url}/hook", "deactivationUrl": f"{receiver.url}/deactivated",
        "secretKey": SECRET, "isActive": True, "isSubscribedToCreateEvents": True,
        "isSubscribedToUpdateEvents": True, "isSubscribedToDeleteEvents": True, **overrides,
    }
    resp = api.post(entity, body)
    assert resp.status_code == 200, resp.get_json()
    webhook_id = resp.get_json()["itemId"]
    ids = field_ids(api, field_entity)
    for name in subscribed:
        api.post(f"{entity}/{webhook_id}/Fields", {"fieldID": ids[name], "isSubscribedField": True, "isDisplayAlwaysField": False})
    for name in always:
        api.post(f"{entity}/{webhook_id}/Fields", {"fieldID": ids[name], "isSubscribedField": False, "isDisplayAlwaysField": True})
    return webhook_id


COMPANY = {"companyName": "Initech & Sons <NY> 'Ltd' + Café 😀", "companyType": 1, "ownerResourceID": 101, "phone": "555-0300"}


def test_receiver_verifies_the_signature_over_the_exact_bytes(receiver):
    app, api, dispatcher = setup()
    make_webhook(api, receiver)
    api.post("Companies", COMPANY)
    (delivery,) = dispatcher.wait_for_deliveries(1)
    (path, headers, raw) = receiver.requests[0]
    assert path == "/hook" and headers["Content-Type"].startswith("application/json")
    assert headers["X-Hook-Signature"] == documented_signature(SECRET, raw)
    assert headers["X-Hook-Signature"] != documented_signature("wrong key", raw)
    # .NET-style escaping: the HTML-sensitive characters and non-ASCII travel as \uXXXX
    text = raw.decode("ascii")
    for escaped in (r"\u0026", r"\u003C", r"\u003E", r"\u0027", r"\u002B", r"\u00E9", r"\uD83D\uDE00"):
        assert escaped in text
    assert json.loads(raw)["Fields"]["companyName"] == COMPANY["companyName"]
    assert delivery.outcome == "delivered" and delivery.attempts == [{"status": 200, "error": None}]


def test_dotnet_json_escaping():
    assert dotnet_json({"a": "x\"y\\z\n\u0001`"}) == '{"a":"x\\u0022y\\\\z\\n\\u0001\\u0060"}'
    assert dotnet_json([1, 2.5, True, None, "é"]) == '[1,2.5,true,null,"\\u00E9"]'


def test_is_ready_only_with_a_subscribed_field_and_no_callouts_before(receiver):
    app, api, dispatcher = setup()
    webhook_id = make_webhook(api, receiver, subscribed=(), always=("phone",))
    item = api.get(f"CompanyWebhooks/{webhook_id}").get_json()["item"]
    assert item["isReady"] is False and item["webhookGUID"]
    api.patch("Companies", {"id": 1, "companyName": "Not yet"})
    ids = field_ids(api)
    api.post(f"CompanyWebhooks/{webhook_id}/Fields", {"fieldID": ids["companyName"], "isSubscribedField": True, "isDisplayAlwaysField": False})
    assert api.get(f"CompanyWebhooks/{webhook_id}").get_json()["item"]["isReady"] is True
    api.patch("Companies", {"id": 1, "companyName": "Now"})
    dispatcher.wait_for_deliveries(1)
    dispatcher.wait_idle()
    (payload,) = receiver.bodies()
    assert payload["Fields"] == {"companyName": "Now", "phone": "555-0100"}
    assert payload["SequenceNumber"] == 1


def test_create_update_payloads(receiver):
    app, api, dispatcher = setup()
    webhook_id = make_webhook(api, receiver, subscribed=("companyName", "city"), always=("phone",))
    guid = api.get(f"CompanyWebhooks/{webhook_id}").get_json()["item"]["webhookGUID"]
    new_id = api.post("Companies", COMPANY).get_json()["itemId"]
    api.patch("Companies", {"id": new_id, "phone": "555-9999"})  # display-always only: no callout
    api.patch("Companies", {"id": new_id, "city": "Austin"}, headers={"ImpersonationResourceId": "101"})
    dispatcher.wait_for_deliveries(2)
    dispatcher.wait_idle()
    create, update = receiver.bodies()
    assert list(create) == ["Action", "Guid", "EntityType", "Id", "Fields", "EventTime", "SequenceNumber", "PersonID"]
    assert create["Action"] == "Create" and create["Guid"] == guid and create["EntityType"] == "Company"
    assert create["Id"] == new_id and create["PersonID"] == 100 and create["SequenceNumber"] == 1
    assert create["Fields"] == {"companyName": COMPANY["companyName"], "city": None, "phone": "555-0300"}
    assert create["EventTime"] == "2026-01-01T00:00:00.000Z"  # the tenant clock
    assert update["Action"] == "Update" and update["SequenceNumber"] == 2 and update["PersonID"] == 101
    assert update["Fields"] == {"city": "Austin", "phone": "555-9999"}


def test_delete_callout_and_excluded_resources(receiver):
    app, api, dispatcher = setup()
    ids = field_ids(api, "ContactWebhookFields")
    webhook_id = make_webhook(api, receiver, "ContactWebhooks", subscribed=("firstName",), always=("emailAddress",),
                              field_entity="ContactWebhookFields")
    assert api.post(f"ContactWebhooks/{webhook_id}/ExcludedResources", {"resourceID": 101}).status_code == 200
    assert ids["firstName"] != ids["emailAddress"]
    # a change made (by impersonation) as the excluded resource calls nobody
    api.patch("Companies/1/Contacts", {"id": 20, "firstName": "Janet"}, headers={"ImpersonationResourceId": "101"})
    api.delete("Companies/1/Contacts/21", headers={"ImpersonationResourceId": "101"})
    assert api.delete("Companies/1/Contacts/20").status_code == 200
    (delivery,) = dispatcher.wait_for_deliveries(1)
    dispatcher.wait_idle()
    (payload,) = receiver.bodies()
    assert payload["Action"] == "Delete" and payload["EntityType"] == "Contact" and payload["Id"] == 20
    assert payload["Fields"] == {"emailAddress": "jane@acme.example"}
    assert payload["PersonID"] == 100 and payload["SequenceNumber"] == 1


def test_udf_subscriptions(receiver):
    app, api, dispatcher = setup()
    webhook_id = make_webhook(api, receiver, subscribed=())
    udf_ids = field_ids(api, "CompanyWebhookUdfFields")
    assert list(udf_ids) == ["Number of Employees"]
    api.post(f"CompanyWebhooks/{webhook_id}/UdfFields",
             {"udfFieldID": udf_ids["Number of Employees"], "isSubscribedField": True, "isDisplayAlwaysField": False})
    api.patch("Companies", {"id": 1, "userDefinedFields": [{"name": "Number of Employees", "value": "43"}]})
    dispatcher.wait_for_deliveries(1)
    assert receiver.bodies()[0]["Fields"] == {"Number of Employees": "43"}


def test_unknown_field_ids_are_rejected(receiver):
    app, api, dispatcher = setup()
    webhook_id = make_webhook(api, receiver, subscribed=())
    resp = api.post(f"CompanyWebhooks/{webhook_id}/Fields", {"fieldID": 99999, "isSubscribedField": True, "isDisplayAlwaysField": False})
    assert resp.status_code == 500 and "fieldID" in resp.get_json()["errors"][0]
    assert api.get(f"CompanyWebhooks/{webhook_id}/Fields").get_json()["items"] == []


def test_failed_attempts_are_retried_with_the_configured_backoff(receiver):
    app, api, dispatcher = setup(webhook_retry_delays=[0.01, 0.02, 0.03])
    receiver.statuses["/hook"] = [500, 503, 200]
    make_webhook(api, receiver)
    api.patch("Companies", {"id": 1, "companyName": "Retry Me"})
    (delivery,) = dispatcher.wait_for_deliveries(1)
    assert delivery.outcome == "delivered"
    assert [a["status"] for a in delivery.attempts] == [500, 503, 200]
    assert len(receiver.bodies()) == 3 and len({json.dumps(b) for b in receiver.bodies()}) == 1  # same payload


def test_undeliverable_payloads_are_logged_and_repeated_failures_deactivate(receiver):
    app, api, dispatcher = setup(webhook_retry_delays=[0.0], webhook_deactivate_after=2)
    receiver.statuses["/hook"] = [500]
    webhook_id = make_webhook(api, receiver)
    api.patch("Companies", {"id": 1, "companyName": "One"})
    api.patch("Companies", {"id": 1, "companyName": "Two"})
    finished = dispatcher.wait_for_deliveries(3)  # two failed events, then the deactivation notice
    dispatcher.wait_idle()
    assert [d.outcome for d in finished[:2]] == ["failed", "failed"]
    assert all(len(d.attempts) == 2 for d in finished[:2])  # 1 retry

    logs = api.query("WebhookEventErrorLogs")["items"]
    assert [log["sequenceNumber"] for log in logs] == [1, 2]
    assert logs[0]["accountWebhookID"] == webhook_id
    assert json.loads(logs[0]["payload"])["Fields"] == {"companyName": "One"}
    assert "HTTP 500" in logs[0]["errorMessage"] and logs[0]["createDateTime"]

    assert api.get(f"CompanyWebhooks/{webhook_id}").get_json()["item"]["isActive"] is False
    (notice_path, notice_headers, notice_raw) = [r for r in receiver.requests if r[0] == "/deactivated"][0]
    notice = json.loads(notice_raw)
    assert notice["Action"] == "Deactivated" and notice["Id"] == webhook_id and notice["EntityType"] == "Company"
    assert notice_headers["X-Hook-Signature"] == documented_signature(SECRET, notice_raw)

    api.patch("Companies", {"id": 1, "companyName": "Three"})  # inactive: no more callouts
    api.post("Companies", COMPANY)
    dispatcher.wait_idle()
    assert len(receiver.bodies("/hook")) == 4


def test_deactivation_notice_on_patch_delete_and_admin(receiver):
    app, api, dispatcher = setup()
    first = make_webhook(api, receiver)
    second = make_webhook(api, receiver, name="second")
    third = make_webhook(api, receiver, name="third")
    api.patch("CompanyWebhooks", {"id": first, "isActive": False})
    api.delete(f"CompanyWebhooks/{second}")
    resp = app.test_client().post(f"/_mock/webhooks/basic/CompanyWebhooks/{third}/deactivate")
    assert resp.get_json() == {"deactivated": True}
    dispatcher.wait_for_deliveries(3)
    dispatcher.wait_idle()
    assert sorted(b["Id"] for b in receiver.bodies("/deactivated")) == [first, second, third]
    assert all(b["Action"] == "Deactivated" for b in receiver.bodies("/deactivated"))


def test_delivery_runs_outside_the_tenant_lock(receiver):
    app, api, dispatcher = setup()
    tenant = get_context(app).store.tenant("basic")
    seen = []

    def check_lock():
        got = tenant.lock.acquire(timeout=5)
        seen.append(got)
        if got:
            tenant.lock.release()

    receiver.on_request = check_lock
    make_webhook(api, receiver)
    with tenant.lock:  # while a request thread holds the lock, nothing is delivered…
        api.patch("Companies", {"id": 1, "companyName": "Locked"})
        assert dispatcher.pending() + len(dispatcher.finished) == 1
    dispatcher.wait_for_deliveries(1)  # …and the delivery thread never holds it
    assert seen == [True]


def test_fixture_webhooks_are_settled_at_start_and_admin_lists_deliveries(receiver):
    doc = copy.deepcopy(yaml.safe_load(BASIC.read_text()))
    doc["records"]["CompanyWebhooks"] = [{
        "id": 7, "name": "fixture hook", "webhookUrl": f"{receiver.url}/hook", "deactivationUrl": f"{receiver.url}/d",
        "secretKey": SECRET, "isActive": True, "isSubscribedToCreateEvents": True,
        "isSubscribedToUpdateEvents": True, "isSubscribedToDeleteEvents": False,
    }]
    app = create_app(MockConfig(fixtures=[doc, str(OTHER)], webhook_retry_delays=[]))
    api = Api(app.test_client(), BASIC_HEADERS)
    ids = field_ids(api)
    get_context(app).store.tenant("basic")  # loaded
    assert api.get("CompanyWebhooks/7").get_json()["item"]["isReady"] is False
    api.post("CompanyWebhooks/7/Fields", {"fieldID": ids["phone"], "isSubscribedField": True, "isDisplayAlwaysField": False})
    api.patch("Companies", {"id": 2, "phone": "555-0201"})
    listed = app.test_client().get("/_mock/webhooks/deliveries", query_string={"wait": 1, "timeout": 10}).get_json()
    (delivery,) = listed["deliveries"]
    assert delivery["outcome"] == "delivered" and delivery["webhookID"] == 7 and delivery["tenant"] == "basic"
    assert delivery["signature"] == documented_signature(SECRET, delivery["body"].encode())
    assert app.test_client().delete("/_mock/webhooks/deliveries").status_code == 200
    assert app.test_client().get("/_mock/webhooks/deliveries").get_json()["deliveries"] == []
