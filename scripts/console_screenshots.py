"""Save a PNG of every web-console page to docs/img/console-*.png (issue 18).

    python scripts/console_screenshots.py [--out docs/img] [--width 1280]

Starts the mock with the demo tenant on 127.0.0.1 (a free port), runs the reference sync against it
(the ``autotask_mock.demo_sync`` entry point, as ``autotask-mock demo`` does) so the journal holds real
traffic, adds a fault rule and lets one call hit it, then opens each console page in headless Chromium
(Debian's ``chromium`` + ``chromium-driver``, driven by selenium) and saves a full-page screenshot.
Needs the browser; exits with one clear line when it is missing.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import threading
from contextlib import redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = [  # (file stem, path under the console, what the page should show before the shot)
    ("tenants", "/", "Tenants"),
    ("data", "/tenants/demo/data/Companies?filter=%5B%7B%22op%22%3A%22gte%22%2C%22field%22%3A%22id%22%2C%22value%22%3A0%7D%5D", "Companies"),
    ("record", "/tenants/demo/data/ConfigurationItems/{ci}", "References"),
    ("filter-error", "/tenants/demo/data/Companies?filter=%7B%22filter%22%3A%5B%7B%22op%22%3A%22like%22%7D%5D%7D", "The API would answer"),
    ("journal", "/journal?tenant=demo", "Request journal"),
    ("journal-why", "/journal?tenant=demo&x_method=DELETE&x_path=Companies/1040", "Why didn't this match?"),
    ("faults", "/faults", "Injected faults"),
    ("webhooks", "/webhooks", "Deliveries"),
]


def find_browser() -> tuple[str, str] | None:
    """(chromium binary, chromedriver) when both are installed, else None."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    return (binary, driver) if binary and driver else None


def make_driver(binary: str, driver: str, width: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},900",
                "--force-device-scale-factor=1", "--hide-scrollbars"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def seed_traffic(base: str, app) -> int:
    """Run the demo sync, add a fault rule and hit it once; returns a configuration item id to show."""
    import requests

    from mockserver.app import get_context
    from mockserver.cli import _demo_sync

    tenant = get_context(app).store.tenant("demo")
    user = next(iter(tenant.api_users.values()))
    code = sorted(tenant.integration_codes)[0]
    run_demo = _demo_sync()
    if run_demo is not None:
        from rich.console import Console

        with redirect_stdout(io.StringIO()):
            run_demo(f"{base}/ATServicesRest/", user.user_name, user.secret, code,
                     console=Console(file=io.StringIO()), db_path=":memory:")
    headers = {"UserName": user.user_name, "Secret": user.secret, "ApiIntegrationCode": code}
    api = f"{base}/ATServicesRest/V1.0"
    webhook_traffic(api, headers, app)
    requests.post(f"{base}/_mock/faults", json={"entity": "Companies", "kind": "query", "status": 503, "times": 1,
                                                "description": "one outage"}, timeout=10)
    requests.post(f"{api}/Companies/query", json={"filter": [{"op": "gte", "field": "id", "value": 0}]},
                  headers=headers, timeout=10)
    requests.post(f"{api}/Companies/query", json={"filter": [{"op": "like", "field": "companyName", "value": "x"}]},
                  headers=headers, timeout=10)
    requests.get(f"{api}/Companies/0", headers=headers, timeout=10)
    cis = sorted(tenant.tables["ConfigurationItems"].ids_from()) if "ConfigurationItems" in tenant.tables else []
    return cis[0] if cis else 1


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver on 127.0.0.1 that accepts every callout."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def webhook_traffic(api: str, headers: dict[str, str], app) -> None:
    """One webhook whose callouts are delivered, one whose receiver is gone (then deactivated)."""
    import requests

    from mockserver.webhooks import get_dispatcher

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    fields = requests.get(f"{api}/CompanyWebhookFields/entityInformation/fields", headers=headers, timeout=10).json()
    picklist = next(f for f in fields["fields"] if f["name"] == "fieldID")["picklistValues"]
    name_field = next(int(p["value"]) for p in picklist if p["label"] == "companyName")
    port = receiver.server_address[1]
    for name, url in (("docs sync", f"http://127.0.0.1:{port}/hook"), ("old receiver", "http://127.0.0.1:9/gone")):
        body = {"name": name, "webhookUrl": url, "deactivationUrl": f"http://127.0.0.1:{port}/deactivated",
                "secretKey": "screenshot-secret", "isActive": True, "isSubscribedToCreateEvents": True,
                "isSubscribedToUpdateEvents": True, "isSubscribedToDeleteEvents": True}
        webhook_id = requests.post(f"{api}/CompanyWebhooks", json=body, headers=headers, timeout=10).json()["itemId"]
        requests.post(f"{api}/CompanyWebhooks/{webhook_id}/Fields", headers=headers, timeout=10,
                      json={"fieldID": name_field, "isSubscribedField": True, "isDisplayAlwaysField": False})
    requests.patch(f"{api}/Companies", json={"id": 1040, "companyName": "Mccarthy Inc (renamed)"}, headers=headers,
                   timeout=10)
    get_dispatcher(app).wait_idle(timeout=20)
    requests.patch(f"{api}/CompanyWebhooks", json={"id": webhook_id, "isActive": False}, headers=headers, timeout=10)
    get_dispatcher(app).wait_idle(timeout=20)
    receiver.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "img"))
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    found = find_browser()
    if found is None:
        print("console_screenshots: no headless browser: install Debian's chromium and chromium-driver "
              "(apt-get install -y chromium chromium-driver)", file=sys.stderr)
        return 2
    from mockserver.app import create_app
    from mockserver.cli import build_server, stop_server
    from mockserver.config import MockConfig

    app = create_app(MockConfig(fixtures=["demo"], webhook_retry_delays=[0.1], webhook_timeout_seconds=2.0))
    server = build_server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    driver = make_driver(*found, args.width)
    try:
        ci = seed_traffic(base, app)
        for stem, path, marker in PAGES:
            driver.set_window_size(args.width, 900)
            driver.get(base + "/_mock/ui" + path.format(ci=ci))
            try:
                from selenium.webdriver.support.ui import WebDriverWait

                WebDriverWait(driver, 10).until(lambda d, m=marker: m in d.page_source)
            except Exception:  # noqa: BLE001 - reported below as one line
                pass
            if marker not in driver.page_source:
                print(f"console_screenshots: {stem}: the page does not show {marker!r}: {driver.title!r}", file=sys.stderr)
                return 1
            if stem == "journal":  # open the newest row, as a reader would
                driver.execute_script("var d=document.querySelector('#journal details'); if (d) d.open = true;")
            if stem == "webhooks":  # open the failed delivery: payload, signature, attempts
                driver.execute_script("for (const d of document.querySelectorAll('#deliveries details'))"
                                      " if (d.querySelector('.outcome.failed')) { d.open = true; break; }")
            height = driver.execute_script(
                "return Math.min(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight), 3200)")
            chrome = driver.execute_script("return window.outerHeight - window.innerHeight") or 0
            driver.set_window_size(args.width, max(600, int(height)) + int(chrome))
            target = out / f"console-{stem}.png"
            driver.save_screenshot(str(target))
            print(f"wrote {target.relative_to(REPO) if target.is_relative_to(REPO) else target}")
    finally:
        driver.quit()
        stop_server(server, thread)
    return 0


if __name__ == "__main__":
    sys.exit(main())
