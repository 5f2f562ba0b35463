"""A small client of the /_mock/ admin API, and the per-tenant handle tests use.

``AdminClient`` talks to a running server over HTTP (urllib, deliberately not ``requests``: admin calls
must keep working while ``responses`` — or ``mock_autotask`` — is intercepting requests) or to an app in
the same process through Flask's test client. ``TenantHandle`` wraps one tenant: its credentials, seed
helpers, clock, journal and the verification helpers (``assert_called`` and friends). The in-process
handle (mockserver.intercept) and the live-server handle (mockserver.pytest_plugin) both build on it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mockserver import journal as J

TOKEN_HEADER = "X-Mock-Admin-Token"


class AdminApiError(RuntimeError):
    def __init__(self, status: int, body: Any, method: str, path: str) -> None:
        self.status = status
        self.body = body
        message = body.get("error") if isinstance(body, Mapping) else body
        super().__init__(f"{method} {path} -> {status}: {message}")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=_json_default, ensure_ascii=False).encode("utf-8")


class AdminClient:
    """``AdminClient("http://127.0.0.1:5000", token=...)`` or ``AdminClient(app=flask_app)``."""

    def __init__(self, base_url: str | None = None, *, token: str | None = None, app: Any = None,
                 timeout: float = 60.0) -> None:
        if (base_url is None) == (app is None):
            raise ValueError("give exactly one of base_url or app")
        self.base_url = base_url.rstrip("/") if base_url else None
        self.app = app
        self.timeout = timeout
        if token is None and app is not None:
            from mockserver.context import get_context

            token = get_context(app).config.admin_token
        self.token = token
        self._client = app.test_client() if app is not None else None

    # ------------------------------------------------------------------ transport
    def request(self, method: str, path: str, *, body: Any = None, params: Mapping[str, Any] | None = None,
                raw: bool = False) -> tuple[int, Any]:
        path = "/_mock/" + path.lstrip("/") if not path.startswith("/_mock") else path
        query = {k: ("true" if v is True else "false" if v is False else v) for k, v in (params or {}).items()
                 if v is not None}
        if query:
            path += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        if self.token:
            headers[TOKEN_HEADER] = self.token
        data = None
        if body is not None:
            data = dumps(body)
            headers["Content-Type"] = "application/json"
        if self._client is not None:
            resp = self._client.open(path, method=method, data=data, headers=headers)
            status, payload = resp.status_code, resp.get_data()
        else:
            assert self.base_url is not None  # the constructor takes exactly one of base_url and app
            req = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - our own server
                    status, payload = resp.status, resp.read()
            except urllib.error.HTTPError as err:
                status, payload = err.code, err.read()
        if raw:
            return status, payload
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode("utf-8", errors="replace")
        return status, parsed

    def call(self, method: str, path: str, **kw: Any) -> Any:
        status, body = self.request(method, path, **kw)
        if status >= 400:
            raise AdminApiError(status, body, method, path)
        return body

    def call_object(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        """:meth:`call` for the endpoints that answer a JSON object (every documented one does)."""
        body = self.call(method, path, **kw)
        if not isinstance(body, dict):
            raise AdminApiError(200, f"expected a JSON object, got {type(body).__name__}", method, path)
        return body

    # ------------------------------------------------------------------ endpoints
    def index(self) -> dict[str, Any]:
        return self.call_object("GET", "/_mock/")

    def tenants(self) -> list[dict[str, Any]]:
        return list(self.call_object("GET", "tenants")["tenants"])

    def tenant(self, name: str) -> dict[str, Any]:
        return self.call_object("GET", f"tenants/{_q(name)}")

    def create_tenant(self, fixture: Any = "demo", *, name: str | None = None, isolate: bool | str = False,
                      replace: bool = False) -> dict[str, Any]:
        """Create a tenant from a fixture name/path (resolved by the server) or a document."""
        body = {"fixture": fixture, "isolate": isolate, "replace": replace}
        if name:
            body["name"] = name
        return self.call_object("POST", "tenants", body=body)

    def remove_tenant(self, name: str) -> None:
        self.call("DELETE", f"tenants/{_q(name)}")

    def reset_tenant(self, name: str) -> dict[str, Any]:
        return self.call_object("POST", f"tenants/{_q(name)}/reset")

    def reset_all(self, *, remove_added: bool = False) -> dict[str, Any]:
        return self.call_object("POST", "reset", body={"removeAdded": remove_added})

    def export(self, name: str) -> dict[str, Any]:
        return self.call_object("GET", f"tenants/{_q(name)}/export")

    def seed(self, name: str, records: Mapping[str, Any]) -> dict[str, list[int]]:
        return dict(self.call_object("POST", f"tenants/{_q(name)}/records", body=dict(records))["created"])

    def clock(self, name: str) -> dict[str, Any]:
        return self.call_object("GET", f"tenants/{_q(name)}/clock")

    def set_clock(self, name: str, now: datetime | str | None = None, *, frozen: bool | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if now is not None:
            body["now"] = now
        if frozen is not None:
            body["frozen"] = frozen
        return self.call_object("PUT", f"tenants/{_q(name)}/clock", body=body)

    def advance_clock(self, name: str, *, seconds: float = 0, minutes: float = 0, hours: float = 0,
                      days: float = 0) -> dict[str, Any]:
        body = {"seconds": seconds, "minutes": minutes, "hours": hours, "days": days}
        return self.call_object("POST", f"tenants/{_q(name)}/clock/advance", body=body)

    def journal(self, name: str | None = None, **filters: Any) -> dict[str, Any]:
        params = {("sinceSeq" if k == "since_seq" else k): v for k, v in filters.items() if v is not None}
        if name is None:
            return self.call_object("GET", "journal", params=params)
        return self.call_object("GET", f"tenants/{_q(name)}/journal", params=params)

    def unattributed_journal(self, **filters: Any) -> dict[str, Any]:
        params = {("sinceSeq" if k == "since_seq" else k): v for k, v in filters.items() if v is not None}
        params["tenant"] = ""
        return self.call_object("GET", "journal", params=params)

    def clear_journal(self, name: str | None = None) -> int:
        if name is None:
            return int(self.call_object("DELETE", "journal")["cleared"])
        return int(self.call_object("DELETE", f"tenants/{_q(name)}/journal")["cleared"])


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


@dataclass(frozen=True)
class Credentials:
    user_name: str
    secret: str
    integration_code: str
    resource_id: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The three Autotask authentication headers."""
        return {"UserName": self.user_name, "Secret": self.secret, "ApiIntegrationCode": self.integration_code}


class TenantHandle:
    """One tenant of a mock (in-process or a live server), seen through the admin API.

    ``root_url`` is the host clients reach (``https://webservices.autotask.net`` in-process, the server's
    ``http://127.0.0.1:PORT`` otherwise).
    """

    def __init__(self, admin: AdminClient, tenant: str, root_url: str) -> None:
        self.admin = admin
        self.tenant_name = tenant
        self.root_url = root_url.rstrip("/")
        self._summary: dict[str, Any] | None = None
        self.start_seq = int(admin.journal(tenant, limit=0).get("lastSeq") or 0)

    # ------------------------------------------------------------------ tenant facts
    def summary(self, refresh: bool = True) -> dict[str, Any]:
        if refresh or self._summary is None:
            self._summary = self.admin.tenant(self.tenant_name)
        return self._summary

    @property
    def credentials(self) -> Credentials:
        c = self.summary(refresh=self._summary is None)["credentials"]
        return Credentials(c["userName"], c["secret"], c["integrationCode"], c.get("resourceID"))

    @property
    def headers(self) -> dict[str, str]:
        """Authentication headers plus ``Content-Type: application/json``."""
        return {**self.credentials.headers, "Content-Type": "application/json"}

    @property
    def zone_lookup_url(self) -> str:
        user = urllib.parse.quote(self.credentials.user_name, safe="")
        return f"{self.root_url}/ATServicesRest/V1.0/zoneInformation?user={user}"

    @property
    def base_url(self) -> str:
        """The REST root clients use (…/ATServicesRest/, trailing slash, as zoneInformation.url)."""
        return f"{self.root_url}/ATServicesRest/"

    def url(self, path: str) -> str:
        """``url("Companies/query")`` -> ``…/ATServicesRest/V1.0/Companies/query``."""
        return f"{self.base_url}V1.0/{path.lstrip('/')}"

    # ------------------------------------------------------------------ state
    def create(self, entity: str, record: Mapping[str, Any] | None = None, **fields: Any) -> int:
        """Create one record through the API's business rules (not journaled, not counted); return its id."""
        body = {**dict(record or {}), **fields}
        return self.seed({entity: [body]})[entity][0]

    def seed(self, records: Mapping[str, Any]) -> dict[str, list[int]]:
        """Create records, in order: ``{"Companies": [{...}, ...], "Contacts": [...]}`` -> ids per entity."""
        return self.admin.seed(self.tenant_name, records)

    def load_fixture(self, fixture: Any, *, isolate: bool = True) -> dict[str, Any]:
        """Replace this tenant's content with a fixture (name, path or document), keeping the tenant name.

        With ``isolate`` the fixture's user names and integration codes get a fresh suffix, so read the
        credentials from the handle afterwards.
        """
        self._summary = self.admin.create_tenant(fixture, name=self.tenant_name, isolate=isolate, replace=True)
        return self._summary

    def reset(self) -> None:
        """Back to the fixture this tenant was created from (also clears its journal)."""
        self._summary = self.admin.reset_tenant(self.tenant_name)

    def export(self) -> dict[str, Any]:
        return self.admin.export(self.tenant_name)

    # ------------------------------------------------------------------ clock
    def now(self) -> str:
        return str(self.admin.clock(self.tenant_name)["now"])

    def set_clock(self, now: datetime | str, *, frozen: bool = True) -> dict[str, Any]:
        return self.admin.set_clock(self.tenant_name, now, frozen=frozen)

    def advance(self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> dict[str, Any]:
        return self.admin.advance_clock(self.tenant_name, seconds=seconds, minutes=minutes, hours=hours, days=days)

    # ------------------------------------------------------------------ journal and verification
    def journal(self, method: str | None = None, path: str | None = None, *, entity: str | None = None,
                status: int | None = None, query: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """This tenant's journal entries, newest first, filtered like the admin API."""
        return list(self.admin.journal(self.tenant_name, method=method, path=path, entity=entity, status=status,
                                       query=query, limit=limit)["entries"])

    def calls(self, method: str | None = None, path: str | None = None, *, entity: str | None = None,
              status: int | None = None, query: str | None = None) -> list[dict[str, Any]]:
        """Matching requests in the order they arrived (oldest first)."""
        return list(reversed(self.journal(method, path, entity=entity, status=status, query=query)))

    def clear_journal(self) -> None:
        self.admin.clear_journal(self.tenant_name)

    def assert_called(self, method: str | None = None, path: str | None = None, *, times: int | None = None,
                      entity: str | None = None, status: int | None = None, query: str | None = None) -> list[dict[str, Any]]:
        """Assert matching requests arrived (``times`` None: at least once); return them, oldest first.

        Paths compare case-insensitively and may be a trailing part (``"Companies/query"``) or a ``*`` glob.
        On failure the message lists the closest requests that did arrive and why each did not match.
        """
        entries = self.journal()
        message = J.check_called(entries, method, path, times=times, entity=entity, status=status, query=query)
        if message is not None:
            raise AssertionError(message + self._unattributed_note())
        return list(reversed(J.find_calls(entries, method, path, entity=entity, status=status, query=query)))

    def assert_called_once(self, method: str | None = None, path: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.assert_called(method, path, times=1, **kw)[0]

    def assert_not_called(self, method: str | None = None, path: str | None = None, *, entity: str | None = None,
                          status: int | None = None, query: str | None = None) -> None:
        message = J.check_not_called(self.journal(), method, path, entity=entity, status=status, query=query)
        if message is not None:
            raise AssertionError(message)

    def explain(self, method: str | None = None, path: str | None = None, **kw: Any) -> str:
        """How the journal relates to an expectation: the matches, or the near misses and why."""
        return J.explain(self.journal(), method, path, **kw)

    def _unattributed_note(self) -> str:
        try:
            stray = self.admin.unattributed_journal(since_seq=self.start_seq, limit=5)["entries"]
        except Exception:  # noqa: BLE001 - the note is a hint only
            return ""
        if not stray:
            return ""
        lines = ["", "Requests that named no known API user (not counted above):"]
        lines.extend(f"  {J.describe_entry(e)} user={e.get('user')!r}" for e in stray)
        return "\n".join(lines)


class LiveTenantHandle(TenantHandle):
    """One tenant on a server reached over HTTP (what the ``autotask_server`` fixture yields).

    ``server_url`` is the server root (``http://127.0.0.1:PORT``); ``base_url`` its REST root
    (…/ATServicesRest/, as zoneInformation.url returns it); ``zone_lookup_url`` the zone lookup on it.
    """

    @property
    def server_url(self) -> str:
        return self.root_url

    def __repr__(self) -> str:
        return f"<autotask_server {self.root_url} tenant={self.tenant_name!r}>"
