"""Fixtures for the mock's own tests: an app with two small tenants and an authenticated client helper."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.config import MockConfig

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BASIC = FIXTURES / "basic.yaml"
OTHER = FIXTURES / "other.yaml"

BASIC_HEADERS = {"UserName": "sync@BASIC.APIUSER.com", "Secret": "s3cret", "ApiIntegrationCode": "TESTCODE"}
OTHER_HEADERS = {"UserName": "sync@OTHER.APIUSER.com", "Secret": "s3cret", "ApiIntegrationCode": "OTHERCODE"}
V1 = "/ATServicesRest/V1.0"


class Api:
    """A tiny authenticated client over Flask's test client."""

    def __init__(self, client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = dict(headers)

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw):
        url = path if path.startswith("/") or path.startswith("http") else f"{V1}/{path}"
        data = None if body is None else (body if isinstance(body, str | bytes) else json.dumps(body))
        return self.client.open(url, method=method, data=data, headers={**self.headers, **(headers or {})},
                                content_type="application/json", **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def query(self, entity: str, *filters: dict, **extra) -> dict:
        body = {"filter": list(filters) or [{"op": "gte", "field": "id", "value": 0}], **extra}
        resp = self.post(f"{entity}/query", body)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()


def make_app(**settings):
    config = MockConfig(fixtures=[str(BASIC), str(OTHER)]).with_overrides(**settings)
    return create_app(config)


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def api(app) -> Api:
    return Api(app.test_client(), BASIC_HEADERS)


@pytest.fixture
def other_api(app) -> Api:
    return Api(app.test_client(), OTHER_HEADERS)


@pytest.fixture
def tenant(app):
    from mockserver.app import get_context

    return get_context(app).store.tenant("basic")
