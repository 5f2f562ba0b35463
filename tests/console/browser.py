"""Headless Chromium for the console's browser tests: Debian's ``chromium`` + ``chromium-driver`` via selenium.

:func:`browser_missing` says why the browser tests must skip (no selenium, no chromium, no driver), so a
machine without a browser reports a clear reason instead of failing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_chromium() -> tuple[str | None, str | None]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if driver is None and Path("/usr/bin/chromedriver").exists():
        driver = "/usr/bin/chromedriver"
    return binary, driver


def browser_missing() -> str | None:
    """None when the browser tests can run, else the reason they skip."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    binary, driver = find_chromium()
    if binary is None:
        return "no Chromium browser on this machine (apt-get install -y chromium chromium-driver)"
    if driver is None:
        return "no chromedriver on this machine (apt-get install -y chromium-driver)"
    return None


def make_driver(width: int = 1280, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = find_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve ``app`` with waitress on 127.0.0.1 (a free port); yields the base URL."""
    from mockserver.cli import build_server, stop_server

    server = build_server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, name="console-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_server(server, thread)
