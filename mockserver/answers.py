"""How the mock writes its answers: JSON bodies (orjson), Autotask-shaped errors, IIS reason phrases.

A leaf for the app and every feature module alike (they import it, it imports none of them).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.http import HTTP_STATUS_CODES

from mockserver.errors import AspNetError, AutotaskError
from mockserver.json_input import scrub_surrogates

log = logging.getLogger("mockserver")

_JSON_TYPE = "application/json; charset=utf-8"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # orjson: a 500-record page is ~2 MB of JSON, which the stdlib encoder takes ~10x longer to write.
    try:
        payload = b"" if body is None else orjson.dumps(body)
    except orjson.JSONEncodeError:
        # Only an answer echoing client text with a lone surrogate gets here (stored text never holds
        # one, values.coerce refuses it): escape it rather than fail the answer.
        payload = orjson.dumps(scrub_surrogates(body))
    header_list = [("Content-Type", _JSON_TYPE)]
    if headers:
        header_list.extend(headers.items())
    return Response(payload, status=status, headers=header_list)


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson parsing (test clients decode every response they get).

    What orjson refuses (NaN, Infinity, lone surrogates) goes to the stdlib decoder, so the same texts
    parse. One difference remains: orjson reads an integer beyond 64 bits as a float. The mock's API
    can never send one (orjson, its encoder, refuses them) and no Autotask field holds one.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if not kwargs:
            try:
                return orjson.loads(s)
            except orjson.JSONDecodeError:
                pass
        return super().loads(s, **kwargs)


def error_response(exc: Exception) -> Response:
    if isinstance(exc, AutotaskError):
        body = exc.body() if (exc.messages or exc.status != 401) else None
        return json_response(body, exc.status, exc.headers)
    if isinstance(exc, AspNetError):
        return json_response(exc.body(), exc.status, exc.headers)
    log.exception("unexpected error in the mock")
    return json_response({"errors": [f"An unexpected error occurred in the mock: {type(exc).__name__}: {exc}"]}, 500)



def with_reason_phrase(resp: Response) -> Response:
    # werkzeug upper-cases reason phrases ("401 UNAUTHORIZED"); IIS sends the standard ones.
    code = resp.status_code
    if code != 200:  # werkzeug's "200 OK" is already the standard phrase
        resp.status = f"{code} {HTTP_STATUS_CODES.get(code, 'Unknown')}"
    return resp
