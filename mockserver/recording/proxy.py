"""The recording proxy: a WSGI app that forwards to the upstream with ``requests`` and keeps every exchange.

Clients point at it as they would at the mock. Why it rewrites URLs: Autotask answers with absolute
URLs (zoneInformation ``url``, ``nextPageUrl``/``prevPageUrl``); left alone they would send the client
straight to the upstream and the capture would miss the rest. After a zone lookup the calls go to the
zone the upstream named (real Autotask: webservicesN), not to the lookup host.

The client's credential headers are forwarded and never stored: an exchange keeps the user name only
in memory (the sanitizer replaces it before anything is written) and no header value is logged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import requests
from werkzeug.wrappers import Request, Response

from mockserver.recording.har import Exchange, classify_credentials
from mockserver.recording.sanitize import credential_free

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                        "transfer-encoding", "upgrade", "host", "content-length", "content-encoding",
                        "accept-encoding"})
_CREDENTIAL_NAMES = ("secret", "username", "apiintegrationcode")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def rewrite_urls(data: Any, origins: Iterable[str], proxy_origin: str) -> Any:
    """Every string that is a URL on one of the upstream ``origins`` now points at the proxy (pure)."""
    lowered = tuple(o.lower() for o in origins)
    if isinstance(data, dict):
        return {k: rewrite_urls(v, lowered, proxy_origin) for k, v in data.items()}
    if isinstance(data, list):
        return [rewrite_urls(v, lowered, proxy_origin) for v in data]
    if isinstance(data, str) and data.lower().startswith(("http://", "https://")):
        origin = _origin(data)
        if origin in lowered:
            return proxy_origin + data[len(origin):]
    return data


def failure_body(message: str) -> bytes:
    return json.dumps({"errors": [message]}).encode()


class RecordingProxy:
    """WSGI app; ``exchanges`` grows as clients talk through it (thread-safe)."""

    def __init__(self, upstream: str, *, timeout: float = 60.0, session: requests.Session | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        if self.upstream.lower().endswith("/atservicesrest"):
            self.upstream = self.upstream[: -len("/atservicesrest")]
        self.timeout = timeout
        self.session = session or requests.Session()
        self.zone_origin: str | None = None
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        req = Request(environ)
        response = self.handle(req)
        return response(environ, start_response)

    def handle(self, req: Request) -> Response:
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        path = req.path
        raw_query = req.query_string.decode("latin-1")
        is_zone = path.lower().rstrip("/").endswith("/zoneinformation")
        base = self.upstream if is_zone or self.zone_origin is None else self.zone_origin
        target = base + path + (f"?{raw_query}" if raw_query else "")
        body = req.get_data()
        headers = {k: v for k, v in req.headers.items() if k.lower() not in HOP_BY_HOP}
        sent_credentials = any(k.lower() in _CREDENTIAL_NAMES for k in headers)
        user = next((v for k, v in headers.items() if k.lower() == "username"), None)
        if is_zone and user is None:
            user = next((v for k, v in parse_qsl(raw_query) if k.lower() == "user"), None)
        proxy_origin = req.host_url.rstrip("/")
        error: str | None = None
        try:
            upstream = self.session.request(req.method, target, headers=headers, data=body or None,
                                            timeout=self.timeout, allow_redirects=False)
            status, content = upstream.status_code, upstream.content
            out_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP]
            content_type = upstream.headers.get("Content-Type", "")
            data = _json_or_none(content) if content and "html" not in content_type.lower() else None
            if content and data is None:
                error = (f"the upstream {base} answered {status} with {content_type or 'no content type'} "
                         "instead of JSON")
        except requests.Timeout:
            error = f"the upstream {base} did not answer within {self.timeout:g} s"
        except requests.RequestException as exc:
            error = f"the upstream {base} cannot be reached: {type(exc).__name__}"
        if error is not None:
            status, content = 502, failure_body(error)
            out_headers = [("Content-Type", "application/json; charset=utf-8")]
        elif isinstance(data, dict):
            origins = [self.upstream] + ([self.zone_origin] if self.zone_origin else [])
            if is_zone and status == 200 and isinstance(data.get("url"), str):
                self.zone_origin = _origin(data["url"])
                origins.append(self.zone_origin)
            if _rewrite_answer(data, [_origin(o) for o in origins], proxy_origin):
                content = orjson.dumps(data)
        text = content.decode("utf-8", errors="replace")
        exchange = Exchange(
            method=req.method, url=req.url if not raw_query else f"{proxy_origin}{path}?{raw_query}",
            request_headers=credential_free(req.headers.items()), request_body=body.decode("utf-8", "replace"),
            status=status, response_headers=credential_free(out_headers), response_body=text, started=started,
            elapsed_ms=(time.perf_counter() - t0) * 1000.0,
            credentials=classify_credentials(sent_credentials, status, text) if error is None else (
                "accepted" if sent_credentials else "none"),
            user=user, upstream_error=error,
        )
        with self._lock:
            self.exchanges.append(exchange)
        return Response(content, status=status, headers=out_headers)

    def snapshot(self) -> list[Exchange]:
        with self._lock:
            return list(self.exchanges)


def _json_or_none(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def _rewrite_answer(data: dict[str, Any], origins: list[str], proxy_origin: str) -> bool:
    """Point the zone ``url`` and the paging URLs at the proxy, in place; True when something changed.

    Only these keys hold URLs clients follow; walking every record of a 500-item page would cost more
    than the upstream took to answer.
    """
    changed = False
    targets: list[tuple[dict[str, Any], str]] = [(data, "url")]
    details = data.get("pageDetails")
    if isinstance(details, dict):
        targets += [(details, "nextPageUrl"), (details, "prevPageUrl")]
    for holder, key in targets:
        value = holder.get(key)
        new = rewrite_urls(value, origins, proxy_origin) if isinstance(value, str) else value
        if new != value:
            holder[key] = new
            changed = True
    return changed
