"""The web console in a real headless Chromium (issue 18), against the mock served on 127.0.0.1.

Skips with the reason when selenium, Chromium or chromedriver is missing (tests/console/browser.py).
"""

from __future__ import annotations

import json

import pytest
import requests

from mockserver.app import get_context
from tests.console.browser import browser_missing, live_server, make_driver
from tests.mockserver.conftest import BASIC_HEADERS, make_app

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
UI = "/_mock/ui"
WAIT = 10


@pytest.fixture(scope="module")
def driver():
    d = make_driver()
    d.set_page_load_timeout(30)
    yield d
    d.quit()


@pytest.fixture
def mock():
    app = make_app()
    with live_server(app) as base:
        yield app, base


def api_url(base: str, path: str) -> str:
    return f"{base}/ATServicesRest/V1.0/{path}"


def wait_for(driver, predicate, timeout: float = WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: predicate(d))


def by(css: str):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def severe_console_errors(driver) -> list[str]:
    try:
        logs = driver.get_log("browser")
    except Exception:  # noqa: BLE001 - not every driver keeps the log
        return []
    return [e["message"] for e in logs if e.get("level") == "SEVERE" and "favicon" not in e["message"]]


@pytest.mark.parametrize("path, heading", [
    ("/", "Tenants"),
    ("/tenants/basic/data", "Data of basic"),
    ("/tenants/basic/data/Companies", "Companies"),
    ("/tenants/basic/data/ConfigurationItems/40", "ConfigurationItem 40: ACME-WS-01"),
    ("/journal", "Request journal"),
    ("/faults", "Faults"),
    ("/webhooks", "Webhooks"),
])
def test_each_page_opens(driver, mock, path, heading):
    _, base = mock
    driver.get(base + UI + path)
    assert driver.find_element(*by("h1")).text == heading
    css = driver.execute_script("return getComputedStyle(document.querySelector('header.top')).backgroundColor")
    assert css == "rgb(21, 32, 43)"  # the packaged stylesheet loaded
    assert severe_console_errors(driver) == []


def test_filter_the_data_browser(driver, mock):
    _, base = mock
    driver.get(f"{base}{UI}/tenants/basic/data/Companies")
    assert "3 matching records" in driver.find_element(*by("#result-count")).text
    box = driver.find_element(*by("#filter"))
    box.clear()
    box.send_keys(json.dumps({"filter": [{"op": "eq", "field": "companyName", "value": "Globex"}]}))
    driver.find_element(*by("#apply-filter")).click()
    wait_for(driver, lambda d: "1 matching record" in d.find_element(*by("#result-count")).text)
    rows = driver.find_elements(*by("table.records tbody tr"))
    assert len(rows) == 1 and "Globex" in rows[0].text
    rows[0].find_element(*by("a")).click()  # the record's detail
    wait_for(driver, lambda d: d.find_element(*by("h1")).text == "Company 2: Globex")
    # malformed filter: the API's own message, inline
    driver.get(f"{base}{UI}/tenants/basic/data/Companies")
    box = driver.find_element(*by("#filter"))
    box.clear()
    box.send_keys('{"filter":[{"op":"like","field":"companyName","value":"x"}]}')
    driver.find_element(*by("#apply-filter")).click()
    error = wait_for(driver, lambda d: d.find_elements(*by("#filter-error")))[0]
    assert "Unknown filter operator 'like'" in error.text
    # the simple field/op/value form
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(*by("#f-field"))).select_by_value("city")
    Select(driver.find_element(*by("#f-op"))).select_by_value("eq")
    driver.find_element(*by("#f-value")).send_keys("Springfield")
    driver.find_element(*by("#apply-simple")).click()
    wait_for(driver, lambda d: d.find_elements(*by("#result-count")))
    assert "1 matching record" in driver.find_element(*by("#result-count")).text
    assert "Acme Corp" in driver.find_element(*by("table.records")).text


def test_a_clients_request_appears_in_the_live_journal(driver, mock):
    _, base = mock
    driver.get(f"{base}{UI}/journal")
    driver.execute_script("window.__sameDocument = true;")
    assert driver.find_elements(*by("#journal li.entry")) == []
    resp = requests.post(api_url(base, "Companies/query"), headers=BASIC_HEADERS, timeout=10,
                         json={"filter": [{"op": "eq", "field": "companyName", "value": "Watched Co"}]})
    assert resp.status_code == 200
    entry = wait_for(driver, lambda d: d.find_elements(*by("#journal li.entry")))[0]
    assert driver.execute_script("return window.__sameDocument === true")  # arrived live, no reload
    assert "POST /ATServicesRest/V1.0/Companies/query" in entry.text and "200" in entry.text
    entry.find_element(*by("summary")).click()  # the row expands to the full request and response
    body = wait_for(driver, lambda d: [e for e in d.find_elements(*by("#journal .entry-body")) if e.is_displayed()])[0]
    assert "Watched Co" in body.text and '"items"' in body.text


def test_add_a_fault_rule_and_the_next_client_call_fails(driver, mock):
    _, base = mock
    driver.get(f"{base}{UI}/faults")
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(*by("#fa-tenant"))).select_by_visible_text("basic")
    Select(driver.find_element(*by("#fa-method"))).select_by_visible_text("GET")
    driver.find_element(*by("#fa-entity")).send_keys("Companies")
    driver.find_element(*by("#fa-status")).send_keys("503")
    driver.find_element(*by("#fa-times")).send_keys("1")
    driver.find_element(*by("#add-fault")).click()
    wait_for(driver, lambda d: d.find_elements(*by("#rule-f1")))
    assert "status 503" in driver.find_element(*by("#rule-f1")).text
    first = requests.get(api_url(base, "Companies/1"), headers=BASIC_HEADERS, timeout=10)
    assert first.status_code == 503
    assert requests.get(api_url(base, "Companies/1"), headers=BASIC_HEADERS, timeout=10).status_code == 200
    driver.refresh()
    history = driver.find_element(*by("#fault-history")).text
    assert "/ATServicesRest/V1.0/Companies/1" in history and "503" in history


def test_reset_a_tenant(driver, mock):
    app, base = mock
    created = requests.post(api_url(base, "Companies"), headers=BASIC_HEADERS, timeout=10,
                            json={"companyName": "Written Later", "companyType": 1, "ownerResourceID": 101, "phone": "1"})
    assert created.status_code == 200
    driver.get(f"{base}{UI}/")
    driver.find_element(*by("#reset-basic")).click()
    confirm = wait_for(driver, lambda d: d.find_elements(*by("#confirm")))[0]
    assert "reset basic" in confirm.text
    confirm.click()
    notice = wait_for(driver, lambda d: d.find_elements(*by("p.notice")))[0]
    assert notice.text == "Tenant basic was reset."
    assert get_context(app).store.tenant("basic").get("Companies", created.json()["itemId"]) is None


def test_keyboard_reaches_the_skip_link_and_the_pages(driver, mock):
    _, base = mock
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{base}{UI}/")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element.text == "Skip to content"
    ActionChains(driver).send_keys(Keys.TAB, Keys.TAB).perform()
    assert driver.switch_to.active_element.text == "Request journal"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_for(driver, lambda d: d.find_element(*by("h1")).text == "Request journal")
    labels = driver.execute_script(
        "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(e => !(e.labels && e.labels.length)).map(e => e.id || e.name)")
    assert labels == []  # every control has a label


def test_token_form_then_data():
    app = make_app(admin_token="t0ken")
    with live_server(app) as base:
        d = make_driver()
        try:
            d.get(f"{base}{UI}/tenants/basic/data/Companies")
            assert d.find_element(*by("h1")).text == "Admin token"
            assert "Acme" not in d.page_source
            d.find_element(*by("#token")).send_keys("t0ken")
            d.find_element(*by("#login-form button")).click()
            wait_for(d, lambda x: x.find_element(*by("h1")).text == "Companies")
            assert "Acme Corp" in d.page_source
            d.get(f"{base}{UI}/journal")  # kept for the session
            assert d.find_element(*by("h1")).text == "Request journal"
        finally:
            d.quit()
