"""The main port of ``serve --zones N``: the zone lookup, and the admin API routed to the zones.

A small WSGI app; the zones (worker processes) hold every tenant, this app holds only the zone table.

API paths (shared/spec/autotask-api.md §1, §2):

* ``GET …/V1.0/zoneInformation?user=U`` is forwarded to U's zone, with the Host header rewritten to that
  zone's port, so the zone answers with its own ``url`` (``http://HOST:ZONE_PORT/ATServicesRest/``) exactly
  as a single mock would, ``--external-url`` included. An unknown or blank user gets the 500
  ``Zone information could not be determined``, as from Autotask.
* ``GET /ATServicesRest/VersionInformation`` is answered here; other calls without a ``UserName`` (the
  OpenAPI document, unknown paths) are answered by zone 1, as every zone would answer them.
* Any other API call reached the wrong zone: the main port holds no tenant. A known user gets what a real
  client gets from a zone that does not hold its database: **401** (django-autotask re-reads the zone
  and retries once on a 401; sync-behaviour Q24 "re-detect on 401"), with ``X-Mock-Zone-Url`` naming the
  right zone for people reading logs. An unknown user gets the 500 zone error, as on any zone. The zones
  give the same answers about users they do not hold by asking this port (mockserver.zones.directory).

Admin paths (``/_mock/…``, same token / loopback rule as a single mock):

* calls about one tenant (``/_mock/tenants/{name}/…``, ``/_mock/webhooks/{name}/…``, any ``?tenant=NAME``)
  are forwarded to its zone; the answer comes back unchanged plus ``X-Mock-Zone: K``;
* ``POST /_mock/tenants`` creates the tenant in zone ``?zone=K``, or else in the zone with the fewest
  tenants (mockserver.zones.table), and remembers it so a restart of that zone re-creates it;
* calls about every tenant are sent to every zone and the answers merged: ``GET /_mock/tenants``,
  ``POST /_mock/reset``, ``GET /_mock/clock``, ``POST /_mock/clock/advance``, ``DELETE /_mock/journal``,
  ``DELETE /_mock/faults``, ``DELETE /_mock/webhooks/deliveries``; ``/_mock/settings`` and
  ``/_mock/openapi.json`` come from zone 1 (every zone runs the same settings);
* ``GET /_mock/zones[?tenant=NAME|user=NAME]`` tells which zone holds what, with each zone's URLs;
* what is kept per zone and cannot be merged (the journal's sequence numbers, fault rule ids, webhook
  deliveries, fault rules for every tenant) answers **409** naming the zones: add ``?tenant=NAME`` or ask
  the zone's own admin API (its URL is in the answer).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from werkzeug.wrappers import Request, Response

from mockserver.admin.auth import is_loopback_peer
from mockserver.errors import ZONE_NOT_DETERMINED
from mockserver.zones.table import pick_zone, tenant_entries

if TYPE_CHECKING:
    from mockserver.zones.cluster import ZoneCluster

ZONE_LOOKUP = re.compile(r"^/+atservicesrest/+v1\.0/+zoneinformation/*$", re.IGNORECASE)
VERSION = re.compile(r"^/+atservicesrest/+versioninformation/*$", re.IGNORECASE)
DENIED = "Authorization has been denied for this request."
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                         "trailers", "transfer-encoding", "upgrade", "host", "content-length"})
_JSON = "application/json; charset=utf-8"


def json_answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    from werkzeug.http import HTTP_STATUS_CODES

    payload = b"" if body is None else json.dumps(body, default=str).encode()
    resp = Response(payload, status=status, content_type=_JSON)
    resp.status = f"{status} {HTTP_STATUS_CODES.get(status, 'Unknown')}"
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp




def host_part(host: str) -> str:
    """The host part of a Host header (``[::1]:5000`` -> ``[::1]``, ``127.0.0.1:5000`` -> ``127.0.0.1``)."""
    if host.startswith("["):
        return host[: host.index("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class ZoneUnavailable(Exception):
    def __init__(self, zone: int, reason: str) -> None:
        super().__init__(reason)
        self.zone = zone


class Forwarded:
    """A zone's answer: status, headers (hop-by-hop ones dropped) and body."""

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def json(self) -> Any:
        """The body as JSON; None when empty or not JSON (a YAML export, a proxy's error page)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def response(self, zone: int) -> Response:
        resp = Response(self.body, status=self.status)
        resp.status = f"{self.status} {self.reason}"
        resp.headers.clear()
        for key, value in self.headers:
            resp.headers.add(key, value)
        resp.headers["X-Mock-Zone"] = str(zone)
        return resp


class ZoneRouter:
    """WSGI app of the main port (see the module docstring)."""

    def __init__(self, cluster: ZoneCluster, *, timeout: float = 120.0) -> None:
        self.cluster = cluster
        self.table = cluster.table
        self.timeout = timeout
        self._last_refresh = 0.0
        self._refresh_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        req = Request(environ)
        try:
            if req.path == "/_mock" or req.path.startswith("/_mock/"):
                resp = self.admin(req)
            else:
                resp = self.api(req)
        except ZoneUnavailable as exc:
            shape = {"error": str(exc), "zone": exc.zone} if req.path.startswith("/_mock") else {"errors": [str(exc)]}
            resp = json_answer(shape, 503, {"Retry-After": "1"})
        return resp(environ, start_response)

    # ------------------------------------------------------------------------------------------ forwarding
    def forward(self, zone: int, method: str, path: str, *, headers: Iterable[tuple[str, str]] = (),
                body: bytes = b"", host_header: str | None = None, admin: bool = False,
                when_down: bool = False) -> Forwarded:
        """One request to zone ``zone``; ``admin`` adds the admin token (the router's own calls);
        ``when_down`` sends it even while the zone is not marked up (re-creating tenants after a restart)."""
        supervisor = self.cluster.supervisor
        if not when_down and not supervisor.is_up(zone):
            raise ZoneUnavailable(zone, f"zone {zone} is restarting; try again in a moment")
        host, port = supervisor.address(zone)
        out = {k: v for k, v in headers if k.lower() not in _HOP_BY_HOP}
        if admin and self.cluster.admin_token:
            out["X-Mock-Admin-Token"] = self.cluster.admin_token
        out["Host"] = host_header or f"{host}:{port}"
        out["Connection"] = "close"
        conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body or None, headers=out)
            raw = conn.getresponse()
            data = raw.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ZoneUnavailable(zone, f"zone {zone} did not answer ({exc}); it may be restarting") from None
        finally:
            conn.close()
        kept = [(k, v) for k, v in raw.getheaders() if k.lower() not in _HOP_BY_HOP]
        return Forwarded(raw.status, raw.reason, kept, data)

    def forward_request(self, zone: int, req: Request, *, host_header: str | None = None) -> Response:
        path = _target(req)
        body = req.get_data()
        return self.forward(zone, req.method, path, headers=req.headers.items(), body=body,
                            host_header=host_header).response(zone)

    def refresh(self) -> None:
        """Re-read every zone's tenants (tenants created on a zone's own admin API, or removed there).

        Misses arriving together share one refresh: a caller skips it when a refresh started after it arrived.
        """
        arrived = time.monotonic()
        with self._refresh_lock:
            if self._last_refresh >= arrived:
                return
            self._last_refresh = time.monotonic()
            for zone in range(1, self.table.zones + 1):
                try:
                    answer = self.forward(zone, "GET", "/_mock/tenants", admin=True)
                except ZoneUnavailable:
                    continue
                if answer.status == 200:
                    self.table.replace_zone(zone, tenant_entries(zone, (answer.json() or {}).get("tenants") or ()))

    def zone_of_user(self, user: str | None) -> int | None:
        zone = self.table.zone_of_user(user)
        if zone is None and user and user.strip():
            self.refresh()
            zone = self.table.zone_of_user(user)
        return zone

    def zone_of_tenant(self, name: str) -> int | None:
        zone = self.table.zone_of_tenant(name)
        if zone is None:
            self.refresh()
            zone = self.table.zone_of_tenant(name)
        return zone

    # ------------------------------------------------------------------------------------------ API paths
    def api(self, req: Request) -> Response:
        path = req.path
        if ZONE_LOOKUP.match(path):
            args = {k.lower(): v for k, v in req.args.items()}
            zone = self.zone_of_user(args.get("user"))
            if zone is None:
                return json_answer({"errors": [ZONE_NOT_DETERMINED]}, 500)
            _, port = self.cluster.supervisor.address(zone)
            return self.forward_request(zone, req, host_header=f"{host_part(req.host)}:{port}")
        if VERSION.match(path):
            return json_answer({"apiVersions": ["1.0"]})
        user = req.headers.get("UserName")
        if not (user or "").strip():
            # No credentials: every zone answers alike (the OpenAPI document, a routing 404, the zone error).
            return self.forward_request(1, req, host_header=req.host)
        zone = self.zone_of_user(user)
        if zone is None:
            return json_answer({"errors": [ZONE_NOT_DETERMINED]}, 500)
        # The wrong zone: this port holds no tenant (module docstring).
        body = None if self.cluster.settings.get("unauthorized_body") == "empty" else {"errors": [DENIED]}
        return json_answer(body, 401, {"X-Mock-Zone-Url": f"{self.cluster.zone_base_url(zone, req.host)}/ATServicesRest/"})

    # ------------------------------------------------------------------------------------------ admin paths
    def _check_admin(self, req: Request) -> Response | None:
        token = self.cluster.admin_token
        if token:
            from mockserver.admin.auth import admin_token_ok

            if not admin_token_ok(self.cluster, req):
                return json_answer({"error": "The admin API needs the admin token: send X-Mock-Admin-Token: "
                                             "<token> or Authorization: Bearer <token>."}, 401,
                                   {"WWW-Authenticate": 'Bearer realm="autotask-mock admin"'})
            return None
        if not is_loopback_peer(req.remote_addr):
            return json_answer({"error": "The admin API is open to loopback clients only unless the server is "
                                         "started with an admin token (--admin-token)."}, 401)
        return None

    def admin(self, req: Request) -> Response:
        denied = self._check_admin(req)
        if denied is not None:
            return denied
        parts = [unquote(p) for p in req.path[len("/_mock"):].split("/") if p]
        method = req.method.upper()
        tenant_arg = req.args.get("tenant") or None
        if not parts:
            return self.index(req)
        head = parts[0]
        if head == "zones" and len(parts) == 1 and method == "GET":
            return self.zones(req)
        if head == "tenants" and len(parts) >= 2:
            return self.tenant_call(parts[1], req, removes=(method == "DELETE" and len(parts) == 2))
        if head == "webhooks" and len(parts) >= 2 and parts[1] != "deliveries":
            return self.tenant_call(parts[1], req)
        if tenant_arg is not None:
            return self.tenant_call(tenant_arg, req)
        key = (method, "/".join(parts))
        if key == ("GET", "tenants"):
            return self.list_tenants(req)
        if key == ("POST", "tenants"):
            return self.create_tenant(req)
        if key == ("POST", "reset"):
            return self.reset_all(req)
        if key in (("GET", "clock"), ("POST", "clock/advance")):
            return self.merge(req, lambda out, body: out.setdefault("tenants", {}).update(body.get("tenants") or {}))
        if key == ("DELETE", "journal"):
            return self.merge(req, lambda out, body: out.update(cleared=out.get("cleared", 0) + body.get("cleared", 0)))
        if key == ("DELETE", "faults"):
            return self.merge(req, lambda out, body: out.update(removed=out.get("removed", 0) + _count(body.get("removed"))))
        if key == ("DELETE", "webhooks/deliveries"):
            return self.merge(req, lambda out, body: out.update(cleared=True))
        if key in (("GET", "settings"), ("GET", "openapi.json")):
            return self.forward_request(1, req)
        if head in ("journal", "faults") or parts == ["webhooks", "deliveries"]:
            return json_answer({
                "error": f"{method} {req.path} is kept per zone in zones mode: add ?tenant=NAME to reach the "
                         "zone of that tenant, or call the zone's own admin API (adminUrl below).",
                "zones": self.zone_views(host=req.host)}, 409)
        return json_answer({"error": f"No admin endpoint {method} {req.path}.",
                            "endpoints": [f"{m} {p}" for m, p in self.endpoints()]}, 404)

    def endpoints(self) -> list[tuple[str, str]]:
        from mockserver.admin.endpoints import all_endpoints

        return [("GET", "/_mock/zones")] + [(m, p) for m, p, _ in all_endpoints()]

    def zone_views(self, zones: Iterable[int] | None = None, host: str | None = None) -> list[dict[str, Any]]:
        out = []
        for zone in zones or range(1, self.table.zones + 1):
            zp = self.cluster.supervisor.zone(zone)
            base = self.cluster.zone_base_url(zone, host)
            out.append({"zone": zone, "url": f"{base}/ATServicesRest/", "adminUrl": f"{base}/_mock/",
                        "port": zp.spec.port, "pid": zp.pid, "up": zp.up, "restarts": zp.restarts,
                        "fixtures": [f if isinstance(f, str) else "<document>" for f in zp.spec.fixtures],
                        "tenants": self.table.tenants(zone)})
        return out

    def index(self, req: Request) -> Response:
        return json_answer({"service": "autotask-mock admin API (zones mode: main port)",
                            "zones": self.zone_views(host=req.host), "tenants": self.table.tenants(),
                            "endpoints": [{"method": m, "path": p} for m, p in self.endpoints()]})

    def zones(self, req: Request) -> Response:
        name, user = req.args.get("tenant"), req.args.get("user")
        if name or user:
            zone = self.zone_of_tenant(name) if name else self.zone_of_user(user)
            if zone is None:
                what = f"tenant {name!r}" if name else f"API user {user!r}"
                return json_answer({"error": f"No zone holds {what}.", "tenants": self.table.tenants()}, 404)
            return json_answer(self.zone_views([zone], req.host)[0])
        return json_answer({"zones": self.zone_views(host=req.host)})

    def tenant_call(self, name: str, req: Request, *, removes: bool = False) -> Response:
        zone = self.zone_of_tenant(name)
        if zone is None:
            return json_answer({"error": f"No tenant named {name!r}.", "tenants": self.table.tenants()}, 404)
        resp = self.forward_request(zone, req)
        if removes and resp.status_code == 200:
            self.table.remove(name)
            self.cluster.forget_added(name)
        return resp

    def _each_zone(self, req: Request) -> list[tuple[int, Forwarded]]:
        path = _target(req)
        body = req.get_data()
        return [(zone, self.forward(zone, req.method, path, headers=req.headers.items(), body=body))
                for zone in range(1, self.table.zones + 1)]

    def merge(self, req: Request, fold: Callable[[dict[str, Any], dict[str, Any]], None]) -> Response:
        out: dict[str, Any] = {}
        for zone, answer in self._each_zone(req):
            if answer.status >= 400:
                return answer.response(zone)
            fold(out, answer.json() or {})
        return json_answer(out)

    def list_tenants(self, req: Request) -> Response:
        tenants: list[dict[str, Any]] = []
        for zone, answer in self._each_zone(req):
            if answer.status != 200:
                return answer.response(zone)
            rows = (answer.json() or {}).get("tenants") or []
            self.table.replace_zone(zone, tenant_entries(zone, rows))
            tenants.extend({**row, "mockZone": zone} for row in rows)
        return json_answer({"tenants": sorted(tenants, key=lambda t: t["name"])})

    def create_tenant(self, req: Request) -> Response:
        raw = req.args.get("zone")
        if raw is not None:
            try:
                zone = int(raw)
            except ValueError:
                zone = 0
            if not 1 <= zone <= self.table.zones:
                return json_answer({"error": f"zone must be a number from 1 to {self.table.zones}, got {raw!r}."}, 400)
        else:
            zone = pick_zone(self.table.counts())
        answer = self.forward(zone, "POST", _target(req),
                              headers=req.headers.items(), body=req.get_data())
        if answer.status != 201:
            return answer.response(zone)
        summary = answer.json() or {}
        entry = tenant_entries(zone, [summary])[0]
        clashes = self.table.conflicts(entry)
        if clashes and _replace_requested(req) and all(c.name == entry.name for c in clashes):
            for clash in clashes:  # "replace": the new tenant takes the place of the one in the other zone
                self.forward(clash.zone, "DELETE", f"/_mock/tenants/{quote(clash.name, safe='')}", admin=True)
                self.table.remove(clash.name)
                self.cluster.forget_added(clash.name)
        elif clashes:
            self.forward(zone, "DELETE", f"/_mock/tenants/{quote(entry.name, safe='')}", admin=True)
            held = ", ".join(f"{c.name!r} in zone {c.zone}" for c in clashes)
            return json_answer({"error": f"Tenant {entry.name!r} clashes with {held}: a tenant name and an API "
                                         "user name must be unique across zones (send \"replace\": true to "
                                         "rebuild a tenant of the same name)."}, 409)
        self.table.add(entry)
        self.cluster.remember_added(entry, self._export(zone, entry.name))
        return json_answer({**summary, "mockZone": zone}, 201, {"X-Mock-Zone": str(zone)})

    def _export(self, zone: int, name: str) -> dict[str, Any] | None:
        """The tenant as created: what a restart of its zone re-creates it from."""
        try:
            answer = self.forward(zone, "GET", f"/_mock/tenants/{quote(name, safe='')}/export", admin=True)
        except ZoneUnavailable:
            return None
        return answer.json() if answer.status == 200 else None

    def reset_all(self, req: Request) -> Response:
        reset: list[str] = []
        removed: list[str] = []
        for zone, answer in self._each_zone(req):
            if answer.status != 200:
                return answer.response(zone)
            body = answer.json() or {}
            reset.extend(body.get("reset") or ())
            for name in body.get("removed") or ():
                removed.append(name)
                self.table.remove(name)
                self.cluster.forget_added(name)
        return json_answer({"reset": sorted(reset), "removed": sorted(removed)})


def _target(req: Request) -> str:
    """The request's path and query as sent on to a zone (the path re-quoted, the query as it came)."""
    path = quote(req.path, safe="/:@!$&'()*+,;=-._~")
    query = req.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def _replace_requested(req: Request) -> bool:
    """The admin API's ``replace`` flag, from the query or a JSON ``{"fixture": …, "replace": true}`` body."""
    flag: Any = req.args.get("replace", "")
    if not flag:
        try:
            body = json.loads(req.get_data() or b"null")
        except ValueError:
            body = None
        if isinstance(body, dict) and "fixture" in body:
            flag = body.get("replace", "")
    if isinstance(flag, str):
        return flag.strip().lower() in ("1", "true", "yes", "on")
    return bool(flag)


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        return len(value)
    return 0

