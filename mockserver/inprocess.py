"""Calling the mock's WSGI app in-process, without a socket, at a cost close to the app's own.

werkzeug's EnvironBuilder and test Client are general (forms, files, cookies, redirects, context
preservation) and spend several times longer building a request than the mock needs to answer a GET
by id. Test suites make thousands of such calls, so both in-process entry points — the app's
``test_client()`` and the ``responses`` interception of the real hosts (mockserver.intercept) —
build plain requests here and fall back to werkzeug for anything else.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from io import BytesIO
from typing import Any
from urllib.parse import unquote, urlsplit

from flask.testing import FlaskClient
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_FAST_KWARGS = frozenset({"method", "headers", "data", "json", "query_string", "content_type"})
_BodyLike = bytes | bytearray | str | None


def _dance(value: str) -> str:
    """PEP 3333: a WSGI string carries the request's bytes as latin-1 code points."""
    return value.encode("utf-8").decode("latin-1")


def header_items(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Iterable[tuple[str, str]]:
    if headers is None:
        return ()
    if isinstance(headers, Headers | Mapping):
        return headers.items()
    return headers


def build_environ(
    method: str,
    path: str,
    query: str = "",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes = b"",
    *,
    scheme: str = "http",
    netloc: str = "localhost",
    content_type: str | None = None,
    base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The environ werkzeug's EnvironBuilder would build for a plain request (no forms, no files)."""
    host, sep, port = netloc.rpartition(":")
    if not (sep and port.isdigit()):  # no port (an IPv6 literal's colons are not one)
        host, port = netloc, ""
    raw_uri = path + ("?" + query if query else "")
    environ: dict[str, Any] = dict(base) if base else {}
    environ.update({
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        "PATH_INFO": _dance(unquote(path)) if ("%" in path or not path.isascii()) else path,
        "QUERY_STRING": _dance(query),
        "REQUEST_URI": _dance(raw_uri),
        "RAW_URI": _dance(raw_uri),
        "SERVER_NAME": host,
        "SERVER_PORT": port or _DEFAULT_PORTS.get(scheme, "80"),
        "HTTP_HOST": netloc,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    })
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    seen: set[str] = set()
    for key, value in header_items(headers):
        lower = key.lower()
        if lower == "content-type":
            environ.setdefault("CONTENT_TYPE", value)
            continue
        if lower == "content-length":
            continue
        name = "HTTP_" + key.upper().replace("-", "_")
        # a header replaces what the builder derived (Host), repeated headers are joined
        environ[name] = f"{environ[name]}, {value}" if name in seen else value
        seen.add(name)
    return environ


def call_wsgi(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run one request through a WSGI app; return (status line, headers, body)."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
        started[:] = [status, headers]
        return lambda data: None  # the legacy write() callable; the mock never uses it

    app_iter = app(environ, start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return started[0], started[1], body


def body_bytes(body: _BodyLike) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


class MockTestClient(FlaskClient):
    """``app.test_client()`` of the mock: FlaskClient, with a short path for plain requests.

    A request is plain when it is a path (optionally with a query string) plus headers and a bytes,
    str or JSON body, with no cookies held, no redirects to follow and no preserved contexts; anything
    else takes FlaskClient's own way, so the full werkzeug test-client API keeps working.
    """

    def open(self, *args: Any, buffered: bool = False, follow_redirects: bool = False, **kwargs: Any
             ) -> TestResponse:
        if (
            follow_redirects
            or len(args) != 1
            or not isinstance(args[0], str)
            or not _FAST_KWARGS.issuperset(kwargs)
            or self._cookies
            or self.preserve_context
            or not isinstance(kwargs.get("data"), _BodyLike)
            or not isinstance(kwargs.get("query_string"), str | None)
            or not self._plain_app_config()
        ):
            return super().open(*args, buffered=buffered, follow_redirects=follow_redirects, **kwargs)
        target = args[0]
        scheme, netloc = "http", "localhost"
        if "://" in target:  # FlaskClient accepts absolute URLs (a nextPageUrl, say)
            parts = urlsplit(target)
            scheme, netloc = parts.scheme or scheme, parts.netloc or netloc
            target = parts.path + ("?" + parts.query if parts.query else "")
        path, _, query = target.partition("?")
        if kwargs.get("query_string"):
            if query:
                raise ValueError("Query string is defined in the path and as an argument")
            query = kwargs["query_string"]
        content_type = kwargs.get("content_type")
        if kwargs.get("json") is not None:
            if kwargs.get("data") is not None:
                raise TypeError("can't provide both json and data")
            body = self.application.json.dumps(kwargs["json"]).encode("utf-8")
            content_type = content_type or "application/json"
        else:
            body = body_bytes(kwargs.get("data"))
        environ = build_environ(kwargs.get("method", "GET"), path or "/", query, kwargs.get("headers"), body,
                                scheme=scheme, netloc=netloc, content_type=content_type,
                                base=self._copy_environ({}))
        status, headers, payload = call_wsgi(self.application, environ)
        request = environ.get("werkzeug.request") or Request(environ)  # the one the app built, if any
        response = self.response_wrapper([payload], status, Headers(headers), request=request)
        if self._cookies is not None and "Set-Cookie" in response.headers:
            self._update_cookies_from_response(environ["SERVER_NAME"], path or "/",
                                               response.headers.getlist("Set-Cookie"))
        response.json_module = self.application.json  # type: ignore[assignment]
        return response

    def _plain_app_config(self) -> bool:
        """Whether Flask would send the request to http://localhost/ (what build_environ assumes)."""
        config = self.application.config
        return (not config.get("SERVER_NAME") and config.get("APPLICATION_ROOT", "/") == "/"
                and config.get("PREFERRED_URL_SCHEME", "http") == "http")


__all__ = ["MockTestClient", "body_bytes", "build_environ", "call_wsgi", "header_items"]
