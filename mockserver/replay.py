"""Replay a capture against a fresh mock and report every answer that differs from the recorded one.

A capture (``autotask-mock record``) becomes a regression test: the captured fixture is loaded into a
fresh in-process mock, the recorded requests are sent in order with the fixture's replacement
credentials (the recorded credential case decides which: accepted, wrong secret, unknown user, bad
integration code, none), and each answer is compared with the recorded one: status, envelope, items,
fields. URLs are compared by path and decoded query parameters, not by host (the replay runs on
another host than the capture) nor by percent-encoding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mockserver.recording.capture import Capture, read_capture
from mockserver.recording.har import Exchange

MAX_LINES_PER_EXCHANGE = 25


@dataclass
class Difference:
    index: int
    method: str
    path: str
    lines: list[str]

    def render(self) -> str:
        head = f"#{self.index} {self.method} {self.path}"
        return "\n".join([head, *(f"    {line}" for line in self.lines)])


@dataclass
class ReplayResult:
    replayed: int = 0
    skipped: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


# ---------------------------------------------------------------------------------------- pure core
def normalize(data: Any, ignore: frozenset[str] = frozenset()) -> Any:
    """Comparable form: absolute URLs as path + decoded (JSON-parsed) parameters, ignored keys dropped."""
    if isinstance(data, dict):
        return {k: normalize(v, ignore) for k, v in data.items() if k.lower() not in ignore}
    if isinstance(data, list):
        return [normalize(v, ignore) for v in data]
    if isinstance(data, str) and data.lower().startswith(("http://", "https://")) and "/atservicesrest" in data.lower():
        parts = urlsplit(data)
        params = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return {"<url>": parts.path, **({"<params>": params} if params else {})}
    return data


def diff_json(recorded: Any, replayed: Any, path: str = "") -> list[str]:
    """Readable differences, one line each: ``items[3].phone: recorded '555' replayed '556'``."""
    where = path or "body"
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        out = []
        for key in recorded:
            sub = f"{path}.{key}" if path else key
            if key not in replayed:
                out.append(f"{sub}: recorded {_short(recorded[key])}, missing in the replay")
            else:
                out.extend(diff_json(recorded[key], replayed[key], sub))
        for key in replayed:
            if key not in recorded:
                sub = f"{path}.{key}" if path else key
                out.append(f"{sub}: not recorded, the replay has {_short(replayed[key])}")
        return out
    if isinstance(recorded, list) and isinstance(replayed, list):
        out = []
        if len(recorded) != len(replayed):
            out.append(f"{where}: recorded {len(recorded)} entries, the replay {len(replayed)}")
        for i, (a, b) in enumerate(zip(recorded, replayed, strict=False)):
            out.extend(diff_json(a, b, f"{path}[{i}]"))
        return out
    if recorded != replayed:
        return [f"{where}: recorded {_short(recorded)}, replayed {_short(replayed)}"]
    return []


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compare(ex: Exchange, status: int, body: str, ignore: frozenset[str]) -> list[str]:
    lines = []
    if status != ex.status:
        lines.append(f"status: recorded {ex.status}, replayed {status}")
    recorded, replayed = _parse(ex.response_body), _parse(body)
    lines.extend(diff_json(normalize(recorded, ignore), normalize(replayed, ignore)))
    if len(lines) > MAX_LINES_PER_EXCHANGE:
        lines = [*lines[:MAX_LINES_PER_EXCHANGE], f"… and {len(lines) - MAX_LINES_PER_EXCHANGE} more"]
    return lines


def _parse(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def credential_headers(case: str, capture: Capture) -> dict[str, str]:
    creds = capture.credentials
    good = {"UserName": creds.user_name, "Secret": creds.secret, "ApiIntegrationCode": creds.integration_code}
    if case == "accepted":
        return good
    if case == "wrong-secret":
        return {**good, "Secret": creds.secret + "-wrong"}
    if case == "unknown-user":
        return {**good, "UserName": "unknown-user@CAPTURE.APIUSER.com"}
    if case == "bad-code":
        return {**good, "ApiIntegrationCode": creds.integration_code + "-BAD"}
    return {}


# ---------------------------------------------------------------------------------------- the run
def replay_capture(folder: str | Path, *, settings: dict[str, Any] | None = None,
                   ignore: Iterable[str] = ()) -> ReplayResult:
    """Load the capture (CaptureError when damaged), replay it in order, collect the differences."""
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    capture = read_capture(folder)
    config = MockConfig(fixtures=[capture.fixture], snapshot_cache=False).with_overrides(**(settings or {}))
    app = create_app(config)
    client = app.test_client()
    ignored = frozenset(i.lower() for i in ignore)
    result = ReplayResult()
    for index, ex in enumerate(capture.exchanges):
        parts = urlsplit(ex.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if ex.upstream_error:
            result.skipped.append(f"#{index} {ex.method} {parts.path}: the upstream failed ({ex.upstream_error})")
            continue
        headers = {k: v for k, v in ex.request_headers if k.lower() not in ("host", "content-length")}
        headers.update(credential_headers(ex.credentials, capture))
        response = client.open(target, method=ex.method, headers=headers,
                               data=ex.request_body.encode() if ex.request_body else None)
        result.replayed += 1
        lines = compare(ex, response.status_code, response.get_data(as_text=True), ignored)
        if lines:
            result.differences.append(Difference(index, ex.method, parts.path, lines))
    return result
