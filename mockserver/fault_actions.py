"""What a fired fault rule does to the answer: injected statuses, dropped connections, short pages, cut bodies.

Pure response surgery for mockserver.faults (which decides *whether* a rule fires); the in-process marker
of a dropped connection (``X-Mock-Fault: drop``, see :func:`is_dropped`) lives here too, because the
in-process transports (mockserver.dropped, mockserver.intercept) read it without loading the rules.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Response

from mockserver.answers import json_response

if TYPE_CHECKING:
    from mockserver.faults import FaultRule

DROP_HEADER = "X-Mock-Fault"


DROP_VALUE = "drop"


def is_dropped(headers: Mapping[str, str]) -> bool:
    """Whether a response stands for a dropped connection (in-process transports must raise instead)."""
    for key, value in headers.items():
        if key.lower() == DROP_HEADER.lower() and str(value).strip().lower() == DROP_VALUE:
            return True
    return False


def drop_connection(call) -> Response:
    """Shut the client's socket (real servers) and return the in-process marker response."""
    environ = call.request.environ if call.request is not None else {}
    sock = None
    checker = environ.get("waitress.client_disconnected")
    channel = getattr(checker, "__self__", None)
    if channel is not None:
        sock = getattr(channel, "socket", None)
    if sock is None:
        sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    resp = Response(b"", status=502)
    resp.headers[DROP_HEADER] = DROP_VALUE
    return resp


def injected_response(rule: FaultRule) -> Response:
    status = rule.status or 500
    headers = dict(rule.headers)
    if status == 429 and not any(k.lower() == "retry-after" for k in headers):
        headers["Retry-After"] = "60"
    body = rule.body
    if body is None:
        body = {"errors": [f"Injected fault {rule.id}: the mock answered HTTP {status} on purpose."]}
    if isinstance(body, str | bytes):
        data = body.encode() if isinstance(body, str) else body
        resp = Response(data, status=status, content_type="text/plain; charset=utf-8")
        for key, value in headers.items():
            resp.headers[key] = value
        return resp
    return json_response(body, status, headers)


def omit_records(rule: FaultRule, response: Response) -> tuple[Response, list[int]]:
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return response, []
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return response, []
    spec = rule.omit or {}
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    drop: set[Any] = set()
    if "ids" in spec:
        drop |= set(spec["ids"]) & set(ids)
    n = 0
    if "count" in spec:
        n = int(spec["count"])
    elif "fraction" in spec:
        n = int(round(len(ids) * float(spec["fraction"])))
    candidates = [i for i in ids if i not in drop]
    if n > 0 and candidates:
        drop |= set(rule.rng.sample(candidates, min(n, len(candidates))))
    if not drop:
        return response, []
    body["items"] = [item for item in items if not (isinstance(item, dict) and item.get("id") in drop)]
    details = body.get("pageDetails")
    if isinstance(details, dict) and "count" in details:
        details["count"] = len(body["items"])  # plausible: the page looks complete
    out = json_response(body, response.status_code)
    for key, value in response.headers.items():
        if key.lower() not in ("content-length", "content-type"):
            out.headers[key] = value
    return out, sorted(drop)


def truncate_body(rule: FaultRule, response: Response) -> Response:
    data = response.get_data()
    spec = rule.truncate or {}
    if "bytes" in spec:
        cut = min(int(spec["bytes"]), max(0, len(data) - 1))
    else:
        cut = int(len(data) * float(spec.get("fraction", 0.5)))
    out = Response(data[:cut], status=response.status_code)
    for key, value in response.headers.items():
        if key.lower() != "content-length":
            out.headers[key] = value
    out.headers["Content-Length"] = str(len(data) if spec.get("keepLength") else cut)
    return out
