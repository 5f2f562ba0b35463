"""One recorded request/answer pair and its HAR 1.2 form (pure: no I/O).

HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) is what browsers and many tools read. The
Autotask-specific facts a replay needs ride in the ``_autotask`` custom field HAR allows on entries:
which credentials the client sent (never the credentials themselves) and a proxy-side failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from werkzeug.http import HTTP_STATUS_CODES

HAR_VERSION = "1.2"

#: credential outcomes recorded per exchange; replay sends matching credentials
CREDENTIALS = ("none", "accepted", "wrong-secret", "unknown-user", "bad-code")


@dataclass
class Exchange:
    """What the client sent to the proxy and what it got back (URLs are the proxy's, as the client saw them)."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: str
    status: int
    response_headers: list[tuple[str, str]]
    response_body: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    elapsed_ms: float = 0.0
    credentials: str = "none"
    user: str | None = None  # the API user name (replaced by the sanitizer before anything is written)
    upstream_error: str | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def response_json(self) -> Any:
        return _loads(self.response_body)

    def request_json(self) -> Any:
        return _loads(self.request_body)


def _loads(text: str) -> Any:
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)  # what orjson refuses (NaN, lone surrogates) but Python reads
        except ValueError:
            return None


def classify_credentials(sent: bool, status: int, body: str) -> str:
    """Which credential case an answer shows (shared/spec/autotask-api.md §2's failure matrix)."""
    if not sent:
        return "none"
    if status == 401:
        return "wrong-secret"
    if status == 500 and "Zone information could not be determined" in body:
        return "unknown-user"
    if status == 500 and "IntegrationCode is invalid" in body:
        return "bad-code"
    return "accepted"


def _headers(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in pairs]


def _mime(headers: list[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "content-type"), "")


def to_har_entry(ex: Exchange) -> dict[str, Any]:
    query = [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(ex.url).query, keep_blank_values=True)]
    request: dict[str, Any] = {
        "method": ex.method, "url": ex.url, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": _headers(ex.request_headers), "queryString": query, "headersSize": -1,
        "bodySize": len(ex.request_body.encode()),
    }
    if ex.request_body:
        request["postData"] = {"mimeType": _mime(ex.request_headers) or "application/json", "text": ex.request_body}
    extra: dict[str, Any] = {"credentials": ex.credentials}
    if ex.user is not None:
        extra["user"] = ex.user
    if ex.upstream_error:
        extra["upstreamError"] = ex.upstream_error
    return {
        "startedDateTime": ex.started.isoformat().replace("+00:00", "Z"),
        "time": round(ex.elapsed_ms, 3),
        "request": request,
        "response": {
            "status": ex.status, "statusText": HTTP_STATUS_CODES.get(ex.status, ""), "httpVersion": "HTTP/1.1",
            "cookies": [], "headers": _headers(ex.response_headers),
            "content": {"size": len(ex.response_body.encode()), "mimeType": _mime(ex.response_headers),
                        "text": ex.response_body},
            "redirectURL": "", "headersSize": -1, "bodySize": len(ex.response_body.encode()),
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(ex.elapsed_ms, 3), "receive": 0},
        "_autotask": extra,
    }


def to_har(exchanges: list[Exchange], creator_version: str) -> dict[str, Any]:
    return {"log": {"version": HAR_VERSION, "creator": {"name": "autotask-mock record", "version": creator_version},
                    "pages": [], "entries": [to_har_entry(ex) for ex in exchanges]}}


def from_har(doc: Any) -> list[Exchange]:
    """Exchanges from a HAR document; ValueError (with what is wrong) for anything that is not one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("log"), dict):
        raise ValueError("not a HAR document (no 'log' object)")
    entries = doc["log"].get("entries")
    if not isinstance(entries, list):
        raise ValueError("not a HAR document (no 'log.entries' list)")
    out = []
    for i, entry in enumerate(entries):
        try:
            req, resp = entry["request"], entry["response"]
            extra = entry.get("_autotask") or {}
            out.append(Exchange(
                method=str(req["method"]), url=str(req["url"]),
                request_headers=[(h["name"], h["value"]) for h in req.get("headers", [])],
                request_body=(req.get("postData") or {}).get("text", ""),
                status=int(resp["status"]),
                response_headers=[(h["name"], h["value"]) for h in resp.get("headers", [])],
                response_body=(resp.get("content") or {}).get("text", "") or "",
                started=datetime.fromisoformat(str(entry["startedDateTime"]).replace("Z", "+00:00")),
                elapsed_ms=float(entry.get("time", 0)),
                credentials=str(extra.get("credentials", "none")), user=extra.get("user"),
                upstream_error=extra.get("upstreamError"),
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"HAR entry {i} is damaged ({type(exc).__name__}: {exc})") from None
    return out
