"""Parsing untrusted JSON text safely: bounded nesting, no lone UTF-16 surrogates, no Python internals.

The mock is one shared server for many clients, so one hostile or broken input must never reach
Python's limits (a 10,000-deep array gives ``RecursionError`` in the stdlib decoder and in every
recursive walk after it) nor poison stored state. A lone surrogate such as ``"\\ud800"`` is legal JSON
(JavaScript produces it when it cuts an emoji in half) but is no Unicode text: stored, it makes every
later answer that contains it fail to encode as UTF-8. So text with a lone surrogate is refused where it
enters (values.coerce for field values, :func:`find_surrogate` for whole documents), and
:func:`scrub_surrogates` is the last-resort net for answers that echo what a client sent.

Everything here is pure: no I/O, no Flask.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Json.NET (behind ASP.NET Web API) refuses documents nested deeper than 64 levels by default (MaxDepth);
# no Autotask body or filter comes near it, and it keeps every recursive walk far from Python's limit.
MAX_JSON_DEPTH = 64


class JsonInputError(ValueError):
    """The text is no acceptable JSON; the message is meant for the client, verbatim.

    ``syntax`` is true when the text is no JSON at all (callers that also accept YAML try that next).
    """

    def __init__(self, message: str, *, syntax: bool = False) -> None:
        super().__init__(message)
        self.syntax = syntax


def has_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone UTF-16 surrogate (U+D800..U+DFFF), i.e. is not encodable as UTF-8."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(text: str) -> str:
    """``text`` with every lone surrogate written as its escape (``\\ud800``), safe to put in any answer."""
    if not has_surrogate(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def surrogate_problem(text: str) -> str:
    """The explanation every refusal of such text carries (README "Failure modes": the surrogate rule)."""
    bad = next((f"\\u{ord(c):04x}" for c in text if 0xD800 <= ord(c) <= 0xDFFF), "\\ud800")
    return (f"text contains a lone UTF-16 surrogate ({bad}), which is not valid Unicode; "
            "send the whole character (both halves of the surrogate pair) or remove it")


def _path(parent: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{printable(str(key))}" if parent else printable(str(key))


def check_document(value: Any, *, max_depth: int = MAX_JSON_DEPTH, surrogates: bool = True) -> None:
    """Raise JsonInputError when ``value`` nests deeper than ``max_depth`` or (``surrogates``) holds text
    with a lone surrogate, in a key or a value. Iterative, so it is safe on any depth."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, str):
            if surrogates and has_surrogate(node):
                raise JsonInputError(f"{where or 'value'}: {surrogate_problem(node)}.")
            continue
        if isinstance(node, dict):
            children: Any = node.items()
        elif isinstance(node, list | tuple):
            children = enumerate(node)
        else:
            continue
        if depth > max_depth:
            raise JsonInputError(f"The JSON is nested too deeply (more than {max_depth} levels).")
        for key, child in children:
            if surrogates and isinstance(key, str) and has_surrogate(key):
                raise JsonInputError(f"{_path(where, key)} (a property name): {surrogate_problem(key)}.")
            if isinstance(child, str | dict | list | tuple):
                stack.append((child, depth + 1, _path(where, key)))


def load_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH, surrogates: bool = False) -> Any:
    """Parse JSON text like the stdlib (NaN, Infinity and lone surrogates parse) but safely.

    orjson parses first (fast, and without recursion limits of its own); what it refuses goes to the
    stdlib decoder, whose RecursionError becomes a JsonInputError. The result is then checked with
    :func:`check_document` (``surrogates``: also refuse lone surrogates anywhere). Raises JsonInputError
    (a ValueError) for every problem.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(raw)
        except RecursionError:
            raise JsonInputError(f"The JSON is nested too deeply (more than {max_depth} levels).") from None
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"The JSON is not valid UTF-8: {exc}", syntax=True) from None
        except ValueError as exc:
            raise JsonInputError(str(exc), syntax=True) from None
    check_document(value, max_depth=max_depth, surrogates=surrogates)
    return value


def scrub_surrogates(value: Any) -> Any:
    """A copy of ``value`` (an answer the mock built) with lone surrogates escaped, so it encodes."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {scrub_surrogates(k): scrub_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_surrogates(v) for v in value]
    return value
