"""Acceptance against REAL third-party Autotask clients: the mock served over HTTP on 127.0.0.1.

Each client is configured only with the mock's URL and an API user's credentials (tests/fixtures/basic.yaml)
and exercises what it supports of the bar: zone lookup, create, get, filtered query, paging past 1,000
records, update, count, a contact created under a company, entity field metadata and its auth error for a
wrong secret. A client that is not installed is skipped (pytest.importorskip / npm unavailable), never failed.

The tenant is basic.yaml plus BULK_COMPANIES generated companies named "Bulk Company NNNN", so paging has
more than 1,000 matching records. The server is session-scoped and shared by every client module, so each
module creates its own records under a distinctive name and never asserts on global totals that another
client could change (the bulk companies are never modified).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from werkzeug.wrappers import Request

from mockserver.app import ApiFastLane, create_app
from mockserver.cli import build_server, stop_server
from mockserver.config import MockConfig

BASIC = Path(__file__).resolve().parent.parent / "fixtures" / "basic.yaml"

USERNAME = "sync@BASIC.APIUSER.com"
SECRET = "s3cret"
INTEGRATION_CODE = "TESTCODE"
OWNER_RESOURCE_ID = 101  # an active Resource of basic.yaml

BULK_COMPANIES = 1200
BULK_FIRST_ID = 1001
BULK_PREFIX = "Bulk Company"


def bulk_companies() -> list[dict]:
    """Companies 1001..2200; odd numbers are customers (type 1), even ones prospects (type 3)."""
    return [
        {
            "id": BULK_FIRST_ID + n - 1,
            "companyName": f"{BULK_PREFIX} {n:04d}",
            "companyType": 1 if n % 2 else 3,
            "ownerResourceID": OWNER_RESOURCE_ID,
            "phone": f"555-{n:04d}",
            "city": "Bulkville",
        }
        for n in range(1, BULK_COMPANIES + 1)
    ]


def thirdparty_fixture() -> dict:
    doc = copy.deepcopy(yaml.safe_load(BASIC.read_text(encoding="utf-8")))
    doc["records"]["Companies"] = [*doc["records"]["Companies"], *bulk_companies()]
    return doc


@dataclass
class LiveMock:
    """A running mock: ``base_url`` is http://127.0.0.1:PORT, ``root`` the .../ATServicesRest/ zone root."""

    base_url: str
    app: object
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query) of every request

    @property
    def root(self) -> str:
        return f"{self.base_url}/ATServicesRest/"

    def mark(self) -> int:
        return len(self.requests)

    def since(self, mark: int) -> list[tuple[str, str]]:
        return list(self.requests[mark:])


@pytest.fixture(scope="session")
def live_mock():
    app = create_app(MockConfig(fixtures=[thirdparty_fixture()]))
    seen: list[tuple[str, str]] = []

    inner = app.wsgi_app

    def recording(environ, start_response):
        # Every request, the unauthenticated zone lookup included. WSGI middleware rather than a Flask
        # request hook: a hook would send API requests through Flask instead of the fast lane users get.
        req = Request(environ, populate_request=False)
        seen.append((req.method, req.full_path.rstrip("?")))
        return inner(environ, start_response)

    app.wsgi_app = recording
    assert isinstance(inner, ApiFastLane) and not inner._flask_needed()  # the clients meet the lane users get

    server = build_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, name="autotask-mock-thirdparty", daemon=True)
    thread.start()
    yield LiveMock(f"http://127.0.0.1:{server.effective_port}", app, seen)
    stop_server(server, thread, timeout=10)


@pytest.fixture(scope="session")
def credentials() -> dict[str, str]:
    return {"username": USERNAME, "secret": SECRET, "integration_code": INTEGRATION_CODE}


@dataclass(frozen=True)
class Facts:
    """What the tests may rely on in the served tenant (test modules cannot import conftest)."""

    bulk_count: int = BULK_COMPANIES
    bulk_first_id: int = BULK_FIRST_ID
    bulk_last_id: int = BULK_FIRST_ID + BULK_COMPANIES - 1
    bulk_prefix: str = BULK_PREFIX
    owner_resource_id: int = OWNER_RESOURCE_ID


@pytest.fixture(scope="session")
def facts() -> Facts:
    return Facts()
