"""What a zone answers about a user it does not hold: it asks the main port's zone lookup, as zones do.

Autotask's zones know of each other: the zone lookup works on any zone host (clients hard-code
webservices2 or the generic host, shared/spec/autotask-api.md §1), and a call with a user of another zone
is refused as unauthorised rather than with "unknown user". A zone worker holds only its own tenants, so
when its app answers the 500 ``Zone information could not be determined`` this WSGI middleware asks the
main port's zone lookup about that user (one loopback call, only on that error path, never on a
successful request):

* a zone lookup for a user of another zone is answered with what the main port answers (that zone's URL);
* any other API call of a user of another zone becomes **401** ``Authorization has been denied for this
  request.`` with ``X-Mock-Zone-Url`` naming the right zone, the same answer the main port gives.

A user no zone holds keeps the 500. Requests the main port itself sends carry ``X-Mock-Zone-Directory``
and are never looked up again (no loops, even while the zone table is stale).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from mockserver.errors import ZONE_NOT_DETERMINED

MARK_HEADER = "X-Mock-Zone-Directory"
_MARK_ENVIRON = "HTTP_X_MOCK_ZONE_DIRECTORY"
_ZONE_BODY = {"errors": [ZONE_NOT_DETERMINED]}
DENIED = "Authorization has been denied for this request."


def is_zone_lookup(path: str) -> bool:
    parts = [p.lower() for p in path.split("/") if p]
    return parts == ["atservicesrest", "v1.0", "zoneinformation"]


class ZoneDirectory:
    """WSGI middleware of a zone worker (see the module docstring); ``main_url`` is http://HOST:MAIN_PORT."""

    def __init__(self, app: Callable, main_url: str, *, empty_401: bool = False, timeout: float = 10.0) -> None:
        self.app = app
        parts = urlsplit(main_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.empty_401 = empty_401
        self.timeout = timeout

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get(_MARK_ENVIRON) or (environ.get("PATH_INFO") or "").startswith("/_mock"):
            return self.app(environ, start_response)
        held: dict[str, Any] = {}

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            if held.get("late") or not status.startswith("500"):  # late: an app that answers lazily
                held["passed"] = True
                return start_response(status, headers, exc_info)
            held["status"], held["headers"] = status, headers
            return lambda data: held.setdefault("written", []).append(data)

        result = self.app(environ, hold)
        held["late"] = True
        if held.get("passed") or "status" not in held:
            return result
        try:
            body = b"".join([*held.get("written", ()), *result])
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        answer = self._elsewhere(environ, body)
        if answer is None:
            start_response(held["status"], held["headers"])
            return [body]
        status, headers, payload = answer
        start_response(status, headers)
        return [payload]

    def _elsewhere(self, environ: dict[str, Any], body: bytes) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The answer for a user another zone holds, or None (keep this zone's 500)."""
        try:
            if json.loads(body) != _ZONE_BODY:
                return None
        except ValueError:
            return None
        path = environ.get("PATH_INFO") or ""
        host = environ.get("HTTP_HOST") or ""
        if is_zone_lookup(path):
            query = environ.get("QUERY_STRING") or ""
            found = self._lookup(f"{path}?{query}" if query else path, host)
            if found is None:
                return None
            return "200 OK", [("Content-Type", "application/json; charset=utf-8")], found
        user = (environ.get("HTTP_USERNAME") or "").strip()
        if not user:
            return None
        found = self._lookup(f"/ATServicesRest/V1.0/zoneInformation?user={quote(user, safe='')}", host)
        if found is None:
            return None
        payload = b"" if self.empty_401 else json.dumps({"errors": [DENIED]}).encode()
        headers = [("Content-Type", "application/json; charset=utf-8")]
        try:
            headers.append(("X-Mock-Zone-Url", str(json.loads(found)["url"])))
        except (ValueError, KeyError, TypeError):
            pass
        return "401 Unauthorized", headers, payload

    def _lookup(self, path_qs: str, host: str) -> bytes | None:
        """The main port's zone lookup answer (200 body) or None."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("GET", path_qs, headers={MARK_HEADER: "1", "Host": host or f"{self.host}:{self.port}",
                                                  "Connection": "close"})
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()
        return data if resp.status == 200 else None
