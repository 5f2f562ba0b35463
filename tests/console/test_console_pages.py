"""The web console (issue 18) through Flask's test client: every page, access rules and bad input.

Fast and browser-free; tests/console/test_console_browser.py drives the same pages in headless Chromium.
"""

from __future__ import annotations

import json
import re

import pytest

from mockserver.app import get_context
from mockserver.journal import get_journal
from tests.mockserver.conftest import BASIC_HEADERS, Api, make_app

UI = "/_mock/ui"
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(app) -> Api:
    return Api(app.test_client(), BASIC_HEADERS)


def csrf(client) -> str:
    page = client.get(f"{UI}/faults").get_data(as_text=True)
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def text(resp) -> str:
    return resp.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------- every page
@pytest.mark.parametrize("path, marker", [
    ("/", "Tenants"),
    ("", "Tenants"),
    ("/tenants/basic/data", "Data of basic"),
    ("/tenants/basic/data/Companies", "Acme Corp"),
    ("/tenants/basic/data/companies", "Acme Corp"),  # entity names are case-insensitive, as in the API
    ("/tenants/basic/data/Companies/1", "Acme Corp"),
    ("/tenants/basic/reset", "Reset tenant basic?"),
    ("/tenants/basic/export", "Export tenant basic?"),
    ("/journal", "Request journal"),
    ("/journal/rows", ""),
    ("/faults", "Add a rule"),
    ("/webhooks", "Deliveries"),
])
def test_every_page_renders(client, path, marker):
    resp = client.get(UI + path)
    assert resp.status_code == 200, text(resp)
    assert resp.content_type.startswith("text/html")
    assert marker in text(resp)
    assert resp.headers["Cache-Control"] == "no-store"


def test_static_assets_ship_in_the_package(client):
    css = client.get(f"{UI}/static/console.css")
    js = client.get(f"{UI}/static/console.js")
    assert css.status_code == 200 and b"--fg" in css.data
    assert js.status_code == 200 and b"X-Last-Seq" in js.data
    page = text(client.get(UI + "/"))
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page  # nothing from a CDN


def test_tenants_page_shows_counts_clock_gauge_and_thread_use(client, api):
    for _ in range(3):
        api.get("Companies/1")
    page = text(client.get(UI + "/"))
    card = page[page.index('id="card-basic"'):page.index('id="card-other"')]
    assert "2026-01-01T00:00:00" in card and "(frozen)" in card
    assert re.search(r">Companies</a></td><td class=\"num\">3<", card)
    assert '<meter id="gauge-basic"' in card and 'value="3"' in card
    assert "3 of 10000 requests (0 %): below the latency tiers" in card
    assert "<td>testcode</td><td>companies</td><td>0 / 3</td><td>0</td><td>1</td>" in card  # thread use: peak 1
    assert "Reset…" in card and "Export…" in card


def test_gauge_reports_the_latency_tier_reached():
    app = make_app(request_threshold=4, latency_tiers=[[50, 0.5], [75, 1.0]])
    from mockserver.throttle import set_sleep

    set_sleep(app, lambda s: None)
    api = Api(app.test_client(), BASIC_HEADERS)
    for _ in range(3):
        api.get("Companies/1")
    page = text(app.test_client().get(UI + "/"))
    assert "3 of 4 requests (75 %): latency tier 75 % reached, +1 s per call" in page
    api.get("Companies/1")
    assert "4 of 4 requests (100 %): at the limit, calls get 429" in text(app.test_client().get(UI + "/"))


# ---------------------------------------------------------------------------------------------- not API surface
def test_console_is_never_journaled_counted_or_in_the_openapi(app, client, api):
    api.get("Companies/1")
    tenant = get_context(app).store.tenant("basic")
    before_journal, before_count = get_journal(app).last_seq, tenant.threshold_count()
    for path in ("/", "/journal", "/tenants/basic/data/Companies", "/faults", "/webhooks", "/nope"):
        client.get(UI + path)
    assert get_journal(app).last_seq == before_journal
    assert tenant.threshold_count() == before_count
    spec = client.get("/ATServicesRest/swagger/docs/v1").get_json()
    assert not [p for p in spec["paths"] if "_mock" in p or "/ui" in p.lower()]
    admin = client.get("/_mock/openapi.json").get_json()
    assert not [p for p in admin["paths"] if p.startswith("/_mock/ui")]


def test_console_can_be_left_out():
    app = make_app(console=False)
    resp = app.test_client().get(UI + "/")
    assert resp.status_code == 404 and resp.is_json  # the admin API's "no admin endpoint" answer


# ---------------------------------------------------------------------------------------------- data browser
def test_filter_bar_takes_the_query_grammar_and_pages(client, api):
    for i in range(30):
        assert api.post("Companies", {"companyName": f"Paged {i:02d}", "companyType": 1, "ownerResourceID": 101, "phone": "555"}).status_code == 200
    query = json.dumps({"filter": [{"op": "beginsWith", "field": "companyName", "value": "Paged"}]})
    first = text(client.get(f"{UI}/tenants/basic/data/Companies", query_string={"filter": query}))
    assert "30 matching records · page 1" in first and "Paged 00" in first and "Paged 24" in first
    assert "Paged 25" not in first and 'id="next-page"' in first and 'id="prev-page"' not in first
    second = text(client.get(f"{UI}/tenants/basic/data/Companies", query_string={"filter": query, "page": 2}))
    assert "Paged 25" in second and "Paged 29" in second and "Paged 00" not in second
    assert 'id="prev-page"' in second and 'id="next-page"' not in second
    bare_list = text(client.get(f"{UI}/tenants/basic/data/Companies",
                                query_string={"filter": json.dumps([{"op": "eq", "field": "id", "value": 1}])}))
    assert "1 matching record · page 1" in bare_list and "Acme Corp" in bare_list


def test_simple_form_builds_the_same_filter(client):
    resp = client.get(f"{UI}/tenants/basic/data/Companies", query_string={"field": "companyName", "op": "contains", "value": "acme"})
    page = text(resp)
    assert resp.status_code == 200 and "Acme Corp" in page and "acme corp" in page and "2 matching records" in page
    assert "&#34;op&#34;:&#34;contains&#34;" in page  # the bar shows the JSON the form built
    ids = text(client.get(f"{UI}/tenants/basic/data/Companies", query_string={"field": "id", "op": "in", "value": "1, 999"}))
    assert "1 matching record" in ids


@pytest.mark.parametrize("body", [
    '{"filter":[{"op":"eq"',  # malformed JSON
    '{"filter":[{"op":"like","field":"companyName","value":"x"}]}',  # unknown operator
    '{"filter":[{"op":"eq","field":"noSuchField","value":1}]}',  # unknown field
    '{"filter":[]}',  # empty filter
    '{"filter":[{"op":"eq","field":"id","value":"abc"}]}',  # value of the wrong type
])
def test_malformed_filter_shows_the_apis_own_error_inline(client, api, body):
    api_errors = api.post("Companies/query", body).get_json()["errors"]
    resp = client.get(f"{UI}/tenants/basic/data/Companies", query_string={"filter": body})
    assert resp.status_code == 400
    page = text(resp)
    assert 'role="alert" id="filter-error"' in page and 'aria-invalid="true"' in page
    shown = re.search(r'<pre>(.*?)</pre>', page[page.index('id="filter-error"'):], re.S).group(1)
    import html

    assert json.loads(html.unescape(shown)) == {"errors": api_errors}


def test_record_shows_fields_udfs_and_links_to_what_it_references(client):
    page = text(client.get(f"{UI}/tenants/basic/data/ConfigurationItems/40"))
    assert "ConfigurationItem 40: ACME-WS-01" in page
    assert f'href="{UI}/tenants/basic/data/Companies/1"' in page and "Companies 1 (Acme Corp)" in page
    assert f'href="{UI}/tenants/basic/data/Products/30"' in page and "Products 30 (OptiPlex 7090)" in page
    assert "MAC Address" in page and "00:1A:2B:3C:4D:5E" in page  # UDFs
    company = text(client.get(f"{UI}/tenants/basic/data/Companies/1"))
    assert "Referenced by" in company
    assert re.search(r"\d+ Contacts</a> through companyID", company)
    assert "2 ConfigurationItems</a> through companyID" in company


@pytest.mark.parametrize("path, words", [
    ("/tenants/nobody", "The console has no page"),
    ("/tenants/nobody/data", "No tenant named 'nobody'"),
    ("/tenants/nobody/data/Companies", "No tenant named 'nobody'"),
    ("/tenants/basic/data/NoSuchEntity", "No entity named 'NoSuchEntity'"),
    ("/tenants/basic/data/Companies/999999", "Companies has no record with id '999999'"),
    ("/tenants/basic/data/Companies/abc", "Companies has no record with id 'abc'"),
    ("/tenants/nobody/reset", "No tenant named 'nobody'"),
    ("/journal?tenant=nobody", "No tenant named 'nobody'"),
    ("/no/such/page", "The console has no page at /_mock/ui/no/such/page"),
])
def test_unknown_tenant_entity_or_page_is_a_404_page(client, path, words):
    resp = client.get(UI + path)
    assert resp.status_code == 404 and resp.content_type.startswith("text/html")
    assert words in resp.get_data(as_text=True).replace("&#39;", "'")


# ---------------------------------------------------------------------------------------------- journal
def test_journal_shows_request_and_response_and_filters(client, api):
    api.get("Companies/1")
    api.post("Companies/query", {"filter": [{"op": "eq", "field": "companyName", "value": "Needle Inc"}]})
    api.get("Contacts/999999")
    page = text(client.get(f"{UI}/journal", query_string={"tenant": "basic"}))
    assert page.count('class="entry"') == 3
    assert "Needle Inc" in page  # the request body
    assert "Acme Corp" in page  # the response body of GET Companies/1
    only_posts = text(client.get(f"{UI}/journal", query_string={"method": "POST"}))
    assert only_posts.count('class="entry"') == 1
    by_text = text(client.get(f"{UI}/journal", query_string={"text": "needle"}))
    assert by_text.count('class="entry"') == 1
    by_entity = text(client.get(f"{UI}/journal", query_string={"entity": "contacts"}))
    assert by_entity.count('class="entry"') == 1
    by_status = text(client.get(f"{UI}/journal", query_string={"status": "200"}))
    assert by_status.count('class="entry"') == 3
    bad = client.get(f"{UI}/journal", query_string={"status": "abc"})
    assert bad.status_code == 200 and "status must be a number" in text(bad) and 'class="entry"' not in text(bad)


def test_journal_rows_since_feed_the_live_view(client, api):
    api.get("Companies/1")
    first = client.get(f"{UI}/journal/rows", query_string={"since": 0})
    last = int(first.headers["X-Last-Seq"])
    assert first.headers["X-Rows"] == "1"
    assert text(client.get(f"{UI}/journal/rows", query_string={"since": last})).strip() == ""
    api.get("Companies/1")
    newer = client.get(f"{UI}/journal/rows", query_string={"since": last})
    assert newer.headers["X-Rows"] == "1" and f'data-seq="{last + 1}"' in text(newer)


def test_why_didnt_this_match_panel_uses_the_near_miss_explanation(client, api):
    api.get("Companies/1")
    api.post("Companies/query", {"filter": [{"op": "gte", "field": "id", "value": 0}]})
    page = text(client.get(f"{UI}/journal", query_string={"x_method": "PATCH", "x_path": "Companies"}))
    explanation = re.search(r'<pre id="explanation"[^>]*>(.*?)</pre>', page, re.S).group(1)
    assert "but no request matched" in explanation and "Closest of the 2 request(s)" in explanation
    assert "method differs: expected PATCH, got GET" in explanation
    found = text(client.get(f"{UI}/journal", query_string={"x_method": "GET", "x_path": "Companies/1"}))
    assert "1 request(s) matched GET Companies/1" in found


# ---------------------------------------------------------------------------------------------- actions
def test_reset_asks_first_then_rebuilds_the_tenant(client, api):
    assert api.post("Companies", {"companyName": "Temporary", "companyType": 1, "ownerResourceID": 101, "phone": "555"}).status_code == 200
    assert "Temporary" in text(client.get(f"{UI}/tenants/basic/data/Companies"))
    confirm = text(client.get(f"{UI}/tenants/basic/reset"))
    assert "Yes, reset basic" in confirm and "Temporary" not in confirm
    resp = client.post(f"{UI}/tenants/basic/reset", data={"csrf": csrf(client)})
    assert resp.status_code == 303
    assert "Tenant basic was reset." in text(client.get(resp.headers["Location"]))
    assert "Temporary" not in text(client.get(f"{UI}/tenants/basic/data/Companies"))
    assert get_journal(client.application).stats("basic")["kept"] == 0  # as the admin API's reset


def test_export_asks_first_then_downloads_the_fixture(client):
    assert "Yes, export basic" in text(client.get(f"{UI}/tenants/basic/export"))
    resp = client.post(f"{UI}/tenants/basic/export", data={"csrf": csrf(client), "format": "json"})
    assert resp.status_code == 200 and 'filename="basic.json"' in resp.headers["Content-Disposition"]
    doc = json.loads(resp.data)
    assert doc["tenant"]["name"] == "basic" and any(c["companyName"] == "Acme Corp" for c in doc["records"]["Companies"])
    yaml_resp = client.post(f"{UI}/tenants/basic/export", data={"csrf": csrf(client), "format": "yaml"})
    assert yaml_resp.content_type.startswith("application/yaml") and b"Acme Corp" in yaml_resp.data


def test_posts_without_the_csrf_value_are_refused(client, api):
    assert api.post("Companies", {"companyName": "Keep me", "companyType": 1, "ownerResourceID": 101, "phone": "555"}).status_code == 200
    resp = client.post(f"{UI}/tenants/basic/reset", data={})
    assert resp.status_code == 400 and "out of date" in text(resp)
    assert client.post(f"{UI}/faults", data={"csrf": "forged", "status": "500"}).status_code == 400
    assert "Keep me" in text(client.get(f"{UI}/tenants/basic/data/Companies"))


def test_fault_added_in_the_console_fails_the_next_call_and_is_listed(client, api):
    token = csrf(client)
    resp = client.post(f"{UI}/faults", data={"csrf": token, "tenant": "basic", "entity": "Companies", "method": "GET",
                                             "status": "503", "times": "1"})
    assert resp.status_code == 303
    listed = text(client.get(resp.headers["Location"]))
    assert "Fault rule f1 added." in listed and 'id="rule-f1"' in listed and "status 503" in listed
    assert api.get("Companies/1").status_code == 503
    assert api.get("Companies/1").status_code == 200  # times: 1
    page = text(client.get(f"{UI}/faults"))
    history = page[page.index('id="fault-history"'):]
    assert "/ATServicesRest/V1.0/Companies/1" in history and "f1: status 503 (1/1)" in history
    assert "exhausted (0 left)" in page
    removed = client.post(f"{UI}/faults/f1/delete", data={"csrf": token})
    assert removed.status_code == 303 and 'id="rule-f1"' not in text(client.get(f"{UI}/faults"))
    assert client.post(f"{UI}/faults/f1/delete", data={"csrf": token}).status_code == 404


def test_fault_rule_text_and_its_problems(client, api):
    token = csrf(client)
    ok = client.post(f"{UI}/faults", data={"csrf": token, "rule": "entity: Contacts\nstatus: 500\n"})
    assert ok.status_code == 303
    assert api.get("Contacts/20").status_code == 500
    bad = client.post(f"{UI}/faults", data={"csrf": token, "rule": '{"status": "soon", "bogus": 1}'})
    assert bad.status_code == 400 and 'id="fault-error"' in text(bad)
    assert "bogus" in text(bad)
    empty = client.post(f"{UI}/faults", data={"csrf": token})
    assert empty.status_code == 400 and "give a rule" in text(empty)
    unknown = client.post(f"{UI}/faults", data={"csrf": token, "tenant": "nobody", "status": "500"})
    assert unknown.status_code == 400 and "no tenant named" in text(unknown)


def test_webhooks_page_shows_deliveries_and_deactivated_webhooks():
    app = make_app(webhook_retry_delays=[], webhook_timeout_seconds=1.0)
    api = Api(app.test_client(), BASIC_HEADERS)
    from mockserver.webhooks import get_dispatcher

    body = {"name": "docs sync", "webhookUrl": "http://127.0.0.1:9/hook", "deactivationUrl": "http://127.0.0.1:9/off",
            "secretKey": "k", "isActive": True, "isSubscribedToCreateEvents": True,
            "isSubscribedToUpdateEvents": True, "isSubscribedToDeleteEvents": True}
    webhook_id = api.post("CompanyWebhooks", body).get_json()["itemId"]
    fields = api.get("CompanyWebhookFields/entityInformation/fields").get_json()["fields"]
    (fid,) = [f for f in fields if f["name"] == "fieldID"]
    name_id = next(int(p["value"]) for p in fid["picklistValues"] if p["label"] == "companyName")
    api.post(f"CompanyWebhooks/{webhook_id}/Fields", {"fieldID": name_id, "isSubscribedField": True, "isDisplayAlwaysField": False})
    api.post("Companies", {"companyName": "Hooked", "companyType": 1, "ownerResourceID": 101, "phone": "555"})
    get_dispatcher(app).wait_for_deliveries(1, timeout=10)
    page = text(app.test_client().get(f"{UI}/webhooks"))
    assert f"CompanyWebhooks {webhook_id}" in page and "Create #" in page
    assert "failed" in page and "X-Hook-Signature" in page and "sha1=" in page and "Hooked" in page
    assert "no answer" in page  # the receiver's answer: nothing listens on port 9
    api.patch("CompanyWebhooks", {"id": webhook_id, "isActive": False})
    assert "<strong>deactivated</strong>" in text(app.test_client().get(f"{UI}/webhooks"))


# ---------------------------------------------------------------------------------------------- access
def test_with_a_token_no_data_without_it():
    app = make_app(admin_token="t0ken")
    client = app.test_client()
    for path in ("/", "/tenants/basic/data/Companies/1", "/journal", "/faults", "/webhooks", "/nope", "/tenants/nobody/data"):
        resp = client.get(UI + path)
        page = text(resp)
        assert resp.status_code == 401 and 'id="login-form"' in page, path
        assert "Acme" not in page and "TESTCODE" not in page and "sync@" not in page and "Records" not in page
        assert 'id="card-basic"' not in page and "Tenants:" not in page
    assert client.post(f"{UI}/tenants/basic/reset").status_code == 401
    assert client.get(f"{UI}/static/console.css").status_code == 200  # the form is styled
    missing_asset = client.get(f"{UI}/static/nope.css")
    assert missing_asset.status_code == 401 and "basic" not in text(missing_asset)
    with_header = client.get(UI + "/", headers={"X-Mock-Admin-Token": "t0ken"})
    assert with_header.status_code == 200 and "basic" in text(with_header)
    assert client.get(UI + "/", headers={"Authorization": "Bearer t0ken"}).status_code == 200
    assert client.get(UI + "/", headers={"X-Mock-Admin-Token": "wrong"}).status_code == 401


def test_token_form_keeps_the_token_for_the_session():
    app = make_app(admin_token="t0ken")
    client = app.test_client()
    wrong = client.post(f"{UI}/login", data={"token": "nope", "next": f"{UI}/faults"})
    assert wrong.status_code == 401 and "not the admin token" in text(wrong)
    assert client.get_cookie("autotask_mock_console", path=UI) is None
    right = client.post(f"{UI}/login", data={"token": "t0ken", "next": f"{UI}/faults"})
    assert right.status_code == 303 and right.headers["Location"].endswith(f"{UI}/faults")
    cookie = client.get_cookie("autotask_mock_console", path=UI)
    assert cookie is not None and "t0ken" not in cookie.value and cookie.expires is None  # a session cookie
    assert cookie.http_only and cookie.same_site == "Strict"
    assert client.get(UI + "/").status_code == 200
    assert client.post(f"{UI}/logout", data={"csrf": csrf(client)}).status_code == 303
    assert client.get(UI + "/").status_code == 401
    evil = client.post(f"{UI}/login", data={"token": "t0ken", "next": "//evil.example/"})
    assert evil.headers["Location"].endswith(f"{UI}/")  # no open redirect


def test_wrong_tokens_share_the_admin_apis_back_off():
    app = make_app(admin_token="t0ken", admin_token_max_failures=2)
    client = app.test_client()
    for _ in range(3):
        client.post(f"{UI}/login", data={"token": "guess"})
    blocked = client.post(f"{UI}/login", data={"token": "t0ken"})
    assert blocked.status_code == 401 and "Too many wrong admin tokens" in text(blocked)
    assert client.get("/_mock/tenants", headers={"X-Mock-Admin-Token": "t0ken"}).status_code == 429


def test_without_a_token_only_loopback_clients():
    app = make_app()
    remote = app.test_client().get(UI + "/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 401 and "loopback clients only" in text(remote) and "basic" not in text(remote)
    assert app.test_client().get(UI + "/", environ_base=LOOPBACK).status_code == 200


def test_console_leaves_the_api_fast_lane_alone():
    """The console registers only blueprint-scoped hooks: API requests still skip Flask entirely."""
    with_console, without = make_app(), make_app(console=False)
    for app in (with_console, without):
        assert app.wsgi_app._flask_needed() is False
    def names(hooks):
        return [f.__qualname__ for f in hooks.get(None, [])]

    assert names(with_console.before_request_funcs) == names(without.before_request_funcs)
    assert names(with_console.after_request_funcs) == names(without.after_request_funcs)
    assert "autotask_mock_console" in with_console.before_request_funcs
