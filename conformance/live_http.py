"""A tiny HTTP/1.1 client on the standard library (``http.client``), with keep-alive.

Why it exists: live mode must not depend on ``requests`` (or on ``responses`` interception) anywhere. The kit's
own Autotask-side calls in live mode go through :class:`StdlibSession`, and so does the reference client's
``urllib`` variant (``conformance.adapter:reference_urllib_factory``), which proves the kit judges a client that
never touches ``requests``.

The session offers the small part of ``requests.Session``'s surface those callers use:
``request(method, url, headers=, json=, params=, timeout=, allow_redirects=)`` plus ``get``/``post``, and a
response with ``status_code``, ``headers`` (case-insensitive ``get``), ``content``, ``text`` and ``json()``.
Failures raise :class:`TransportTimeout` or :class:`TransportConnectionError` (both ``OSError``).
"""

from __future__ import annotations

import http.client
import json as _json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit


class TransportConnectionError(OSError):
    """The server could not be reached, or closed the connection without a (complete) answer."""


class TransportTimeout(TransportConnectionError):
    """No answer within the timeout."""


class Headers(dict):
    """Response headers; ``get`` ignores case like the HTTP spec (and requests) does."""

    def get(self, key: str, default: Any = None) -> Any:
        low = key.lower()
        for k, v in self.items():
            if k.lower() == low:
                return v
        return default

    def __getitem__(self, key: str) -> Any:
        v = self.get(key, KeyError)
        if v is KeyError:
            raise KeyError(key)
        return v

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, KeyError) is not KeyError


class StdlibResponse:
    def __init__(self, status: int, reason: str, headers: Headers, content: bytes, url: str) -> None:
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.content = content
        self.url = url

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return _json.loads(self.content)

    def __repr__(self) -> str:
        return f"<StdlibResponse [{self.status_code}]>"


class StdlibSession:
    """Keep-alive connections per (scheme, host, port) and thread; default headers like ``requests.Session``."""

    def __init__(self, headers: Mapping[str, str] | None = None, timeout: float = 60.0) -> None:
        self.headers: dict[str, str] = dict(headers or {})
        self.timeout = timeout
        self._local = threading.local()

    # ------------------------------------------------------------------ connections
    def _pool(self) -> dict[tuple[str, str, int, float], http.client.HTTPConnection]:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _connection(self, scheme: str, host: str, port: int, timeout: float) -> http.client.HTTPConnection:
        key = (scheme, host, port, timeout)
        pool = self._pool()
        conn = pool.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            conn = pool[key] = cls(host, port, timeout=timeout)
        return conn

    def close(self) -> None:
        for conn in self._pool().values():
            conn.close()
        self._pool().clear()

    # ------------------------------------------------------------------ requests
    def request(self, method: str, url: str, *, headers: Mapping[str, str] | None = None, json: Any = None,
                data: bytes | str | None = None, params: Mapping[str, Any] | None = None,
                timeout: float | None = None, allow_redirects: bool = False) -> StdlibResponse:
        """One exchange. Redirects are never followed (the callers decide, as the reference client does)."""
        parts = urlsplit(url)
        scheme = parts.scheme or "http"
        host = parts.hostname or "localhost"
        port = parts.port or (443 if scheme == "https" else 80)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        if params:
            target += ("&" if parts.query else "?") + urlencode({k: v for k, v in params.items() if v is not None})
        hdrs = {**self.headers, **dict(headers or {})}
        body: bytes | None = None
        if json is not None:
            body = _json.dumps(json).encode("utf-8")
            if not any(k.lower() == "content-type" for k in hdrs):
                hdrs["Content-Type"] = "application/json"
        elif data is not None:
            body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        t = float(timeout if timeout is not None else self.timeout)
        for attempt in (1, 2):
            conn = self._connection(scheme, host, port, t)
            fresh = conn.sock is None
            try:
                conn.request(method.upper(), target, body=body, headers=hdrs)
                resp = conn.getresponse()
                content = resp.read()
            except TimeoutError as exc:
                conn.close()
                raise TransportTimeout(f"{method} {url}: no answer within {t:g}s") from exc
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()
                # A kept-alive connection the server had already closed: try once more on a fresh one.
                if attempt == 1 and not fresh:
                    continue
                raise TransportConnectionError(f"{method} {url}: connection closed ({exc.__class__.__name__})") \
                    from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise TransportConnectionError(f"{method} {url}: {exc.__class__.__name__}: {exc}") from exc
            if resp.will_close:
                conn.close()
            return StdlibResponse(resp.status, resp.reason, Headers(resp.getheaders()), content, url)
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, url: str, **kw: Any) -> StdlibResponse:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> StdlibResponse:
        return self.request("POST", url, **kw)

    def __enter__(self) -> StdlibSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["Headers", "StdlibResponse", "StdlibSession", "TransportConnectionError", "TransportTimeout"]
