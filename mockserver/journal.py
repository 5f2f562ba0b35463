"""The request journal: a bounded, per-tenant record of every API request the mock answered.

Every request that reaches the Autotask imitation (not the /_mock/ admin API) becomes one entry,
including the ones the API refuses before a handler runs (unknown user, wrong secret, 404, 405) and
the unauthenticated zone lookup. An entry is attributed to the tenant its credentials (or, for the
zone lookup, its ``?user=``) belong to; requests naming no known user go to an "unattributed" list.

Entries are plain JSON-friendly dicts (the admin API returns them as they are)::

    seq, time (tenant clock, ISO 8601 UTC), method, host, path, query, entity, kind, tenant, user,
    status, durationMs, requestBody (truncated to MockConfig.journal_body_limit characters),
    requestBodySize, requestBodyTruncated, responseSize, responseBody (truncated like requestBody;
    what the web console shows), responseBodyTruncated, fault (what a fault wrapper noted in
    ApiCall.extra["fault"], else null)

The verification helpers (``find_calls``, ``check_called``, ``explain``…) are pure functions over such
lists, so the in-process handle, the live-server handle and the admin API share them.
"""

from __future__ import annotations

import difflib
import fnmatch
import logging
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Flask, Response
from werkzeug.wrappers import Request

log = logging.getLogger("mockserver")
EXTENSION_KEY = "autotask_mock.journal"
UNATTRIBUTED = None  # the key of entries whose request named no known user
_ANY = object()


# ---------------------------------------------------------------------------------------------- storage
class Journal:
    """Per-tenant bounded deques of entries (newest at the left) with one server-wide sequence."""

    def __init__(self, size: int = 1000, body_limit: int = 2000) -> None:
        self.size = max(1, int(size))
        self.body_limit = max(0, int(body_limit))
        self._lock = threading.Lock()
        self._seq = 0
        self._entries: dict[str | None, deque[dict[str, Any] | RawEntry]] = {}
        self._dropped: dict[str | None, int] = {}

    @property
    def last_seq(self) -> int:
        """The highest sequence number handed out so far (0 when none)."""
        with self._lock:
            return self._seq

    def record(self, entry: dict[str, Any] | RawEntry) -> dict[str, Any] | RawEntry:
        with self._lock:
            self._seq += 1
            if isinstance(entry, RawEntry):
                entry.seq = self._seq
                key = entry.tenant
            else:
                entry["seq"] = self._seq
                key = entry.get("tenant")
            dq = self._entries.get(key)
            if dq is None:
                dq = self._entries[key] = deque(maxlen=self.size)
            if len(dq) == dq.maxlen:
                self._dropped[key] = self._dropped.get(key, 0) + 1
            dq.appendleft(entry)
            return entry

    def entries(
        self,
        tenant: Any = _ANY,
        *,
        method: str | None = None,
        path: str | None = None,
        entity: str | None = None,
        status: int | None = None,
        query: str | None = None,
        since_seq: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Entries newest first; ``tenant`` a name, None for the unattributed ones, or omitted for all."""
        with self._lock:
            if tenant is _ANY:
                merged = [_as_dict(e) for dq in self._entries.values() for e in dq]
                merged.sort(key=lambda e: e["seq"], reverse=True)
            else:
                merged = [_as_dict(e) for e in self._entries.get(tenant, ())]
        out = filter_entries(merged, method=method, path=path, entity=entity, status=status, query=query,
                             since_seq=since_seq)
        return out[:limit] if limit is not None and limit >= 0 else out

    def clear(self, tenant: Any = _ANY) -> int:
        """Forget entries (of one tenant, or all); return how many were removed."""
        with self._lock:
            if tenant is _ANY:
                removed = sum(len(dq) for dq in self._entries.values())
                self._entries.clear()
                self._dropped.clear()
            else:
                removed = len(self._entries.pop(tenant, ()))
                self._dropped.pop(tenant, None)
            return removed

    def stats(self, tenant: Any = _ANY) -> dict[str, Any]:
        with self._lock:
            if tenant is _ANY:
                kept = sum(len(dq) for dq in self._entries.values())
                dropped = sum(self._dropped.values())
            else:
                kept = len(self._entries.get(tenant, ()))
                dropped = self._dropped.get(tenant, 0)
        return {"kept": kept, "dropped": dropped, "capacity": self.size}


def get_journal(app: Flask) -> Journal:
    return app.extensions[EXTENSION_KEY]


# ---------------------------------------------------------------------------------------------- recording
def install(app: Flask, ctx) -> None:
    """Attach the journal as a recorder of the API gateway (mockserver.app.serve_api).

    Recorders see every answer the gateway gives, including the ones refused before guards run:
    unknown paths, 405s, authentication failures, zone lookups.
    """
    journal = Journal(getattr(ctx.config, "journal_size", 1000), getattr(ctx.config, "journal_body_limit", 2000))
    app.extensions[EXTENSION_KEY] = journal

    def recorder(req: Request, call, response: Response, duration_ms: float) -> None:
        journal.record(_build_entry(ctx, journal, req, call, response, duration_ms))

    ctx.recorders.insert(0, recorder)


class RawEntry:
    """One journal entry as recorded: the request's facts, turned into the JSON dict when read.

    Recording runs on every API request and reading is rare, so decoding the body, formatting the
    time and building the dict wait until someone asks (and then happen once).
    """

    __slots__ = ("seq", "time", "method", "host", "path", "query", "entity", "kind", "tenant", "user",
                 "status", "duration_ms", "body", "body_size", "body_limit", "response_size", "response_body", "fault",
                 "_dict")

    def __init__(self, time: Any, method: str, host: str, path: str, query: bytes, entity: str | None,
                 kind: str | None, tenant: str | None, user: str | None, status: int, duration_ms: float,
                 body: bytes, body_size: int, body_limit: int, response_size: int | None, fault: Any,
                 response_body: bytes = b"") -> None:
        self.seq: int | None = None
        self._dict: dict[str, Any] | None = None
        self.time, self.method, self.host, self.path, self.query = time, method, host, path, query
        self.entity, self.kind, self.tenant, self.user, self.status = entity, kind, tenant, user, status
        self.duration_ms, self.body, self.body_size, self.body_limit = duration_ms, body, body_size, body_limit
        self.response_size, self.fault, self.response_body = response_size, fault, response_body

    def as_dict(self) -> dict[str, Any]:
        if self._dict is None:
            limit = self.body_limit
            text = self.body.decode("utf-8", errors="replace")
            response_text = self.response_body.decode("utf-8", errors="replace")
            self._dict = {
                "seq": self.seq,
                "time": self.time.isoformat().replace("+00:00", "Z"),
                "method": self.method,
                "host": self.host,
                "path": self.path,
                "query": self.query.decode("utf-8", errors="replace"),
                "entity": self.entity,
                "kind": self.kind,
                "tenant": self.tenant,
                "user": self.user,
                "status": self.status,
                "durationMs": round(self.duration_ms, 3),
                "requestBody": text[:limit],
                "requestBodySize": self.body_size,
                "requestBodyTruncated": self.body_size > len(self.body) or len(text) > limit,
                "responseSize": self.response_size,
                "responseBody": response_text[:limit],
                "responseBodyTruncated": (self.response_size or 0) > len(self.response_body) or len(response_text) > limit,
                "fault": _jsonable(self.fault),
            }
        return self._dict


def _as_dict(entry: dict[str, Any] | RawEntry) -> dict[str, Any]:
    return entry.as_dict() if isinstance(entry, RawEntry) else entry


def _build_entry(ctx, journal: Journal, req: Request, call, response: Response, duration_ms: float) -> RawEntry:
    tenant = user_name = entity = kind = None
    fault = None
    if call is not None:
        tenant = call.tenant
        user_name = call.user.user_name if call.user is not None else None
        entity = call.entity
        kind = call.route.kind if call.route is not None else None
        fault = call.extra.get("fault")
    else:
        from mockserver.api.routes import resolve

        try:
            route = resolve(req.path, ctx.catalog, item_url_writes=ctx.config.item_url_writes,
                            url_for_errors=req.url)
        except Exception:  # noqa: BLE001 - unknown paths are journaled without an entity
            route = None
        if route is not None:
            kind = route.kind
            entity = route.entity.name if route.entity is not None else None
        if kind == "zone":
            user_name = next((v for k, v in req.args.items() if k.lower() == "user"), None)
        else:
            user_name = req.headers.get("UserName")
        found = ctx.store.find_user(user_name) if user_name else None
        if found is not None:
            tenant = found[0]
    raw = (call.body if call is not None else req.get_data(cache=True)) or b""
    clock = tenant.clock if tenant is not None else ctx.config.clock
    size = response.calculate_content_length()
    if size is None and not response.is_streamed:
        size = len(response.get_data())
    limit = journal.body_limit
    return RawEntry(
        time=clock.now(),
        method=req.method.upper(),
        host=req.host,
        path=req.path,
        query=req.query_string,
        entity=entity,
        kind=kind,
        tenant=tenant.name if tenant is not None else None,
        user=user_name,
        status=response.status_code,
        duration_ms=duration_ms,
        # keep only what can be shown (4 bytes per character at most), but know how much was sent
        body=raw[: limit * 4 + 4],
        body_size=len(raw),
        body_limit=limit,
        response_size=size,
        fault=fault,
        response_body=_response_head(response, limit * 4 + 4),
    )


def _response_head(response: Response, keep: int) -> bytes:
    """The first ``keep`` bytes of a buffered answer (a slice of the bytes already built; streamed: none)."""
    chunks = response.response
    if response.is_streamed or not isinstance(chunks, list | tuple) or not chunks:
        return b""
    first = chunks[0]
    if isinstance(first, str):  # pragma: no cover - the gateway always answers bytes
        first = first.encode("utf-8")
    return bytes(first[:keep]) if isinstance(first, bytes | bytearray) else b""


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


# ---------------------------------------------------------------------------------------------- matching
def normalize_path(path: str) -> str:
    """Lower-case, no query string, no empty segments: how the real server compares paths."""
    path = (path or "").split("?", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return "/" + "/".join(s for s in path.lower().split("/") if s)


def path_matches(pattern: str, path: str) -> bool:
    """Whether ``path`` matches ``pattern``, case-insensitively and ignoring empty segments.

    A pattern without wildcards matches the whole path or its trailing segments, so
    ``Companies/query``, ``/V1.0/Companies/query`` and ``/ATServicesRest/V1.0/Companies/query`` all match
    ``/atservicesrest/v1.0/companies/query``. ``*`` and ``?`` are shell wildcards (``*`` crosses ``/``);
    a wildcard pattern not starting with ``/`` may match any trailing part of the path.
    """
    target = normalize_path(path)
    pat = normalize_path(pattern)
    if any(ch in pattern for ch in "*?["):
        if fnmatch.fnmatchcase(target, pat):
            return True
        return not pattern.lstrip().startswith("/") and fnmatch.fnmatchcase(target, "*" + pat)
    if pat == "/":
        return target == "/"
    return target == pat or target.endswith(pat)


def filter_entries(
    entries: Iterable[Mapping[str, Any]],
    *,
    method: str | None = None,
    path: str | None = None,
    entity: str | None = None,
    status: int | None = None,
    query: str | None = None,
    since_seq: int | None = None,
) -> list[dict[str, Any]]:
    out = []
    for e in entries:
        if method and str(e.get("method", "")).upper() != method.upper():
            continue
        if path and not path_matches(path, e.get("path", "")):
            continue
        if entity and str(e.get("entity") or "").lower() != entity.lower():
            continue
        if status is not None and int(e.get("status") or 0) != int(status):
            continue
        if query and query.lower() not in _decoded_query(e).lower():
            continue
        if since_seq is not None and int(e.get("seq") or 0) <= since_seq:
            continue
        out.append(dict(e))
    return out


def _decoded_query(entry: Mapping[str, Any]) -> str:
    from urllib.parse import unquote_plus

    raw = str(entry.get("query") or "")
    return raw + "\n" + unquote_plus(raw)


def find_calls(
    entries: Iterable[Mapping[str, Any]],
    method: str | None = None,
    path: str | None = None,
    *,
    entity: str | None = None,
    status: int | None = None,
    query: str | None = None,
) -> list[dict[str, Any]]:
    """The entries matching every criterion given (None means "any")."""
    return filter_entries(entries, method=method, path=path, entity=entity, status=status, query=query)


def mismatch_reasons(
    entry: Mapping[str, Any],
    method: str | None = None,
    path: str | None = None,
    *,
    entity: str | None = None,
    status: int | None = None,
    query: str | None = None,
) -> list[str]:
    """Why ``entry`` does not match the expectation; an empty list means it matches."""
    reasons: list[str] = []
    got_method = str(entry.get("method", ""))
    if method and got_method.upper() != method.upper():
        reasons.append(f"method differs: expected {method.upper()}, got {got_method}")
    got_path = str(entry.get("path", ""))
    if path and not path_matches(path, got_path):
        reasons.append(f"path differs (case-insensitive compare): expected {path}, got {got_path}")
    if entity and str(entry.get("entity") or "").lower() != entity.lower():
        reasons.append(f"entity differs: expected {entity}, got {entry.get('entity')}")
    if status is not None and int(entry.get("status") or 0) != int(status):
        reasons.append(f"status differs: expected {status}, got {entry.get('status')}")
    if query and query.lower() not in _decoded_query(entry).lower():
        reasons.append(f"query string differs: expected it to contain {query!r}, got {entry.get('query')!r}")
    return reasons


def _closeness(entry: Mapping[str, Any], method: str | None, path: str | None, reasons: list[str]) -> tuple:
    similarity = 1.0
    if path:
        similarity = difflib.SequenceMatcher(None, normalize_path(path), normalize_path(str(entry.get("path", "")))).ratio()
    method_ok = not method or str(entry.get("method", "")).upper() == method.upper()
    path_ok = not path or path_matches(path, str(entry.get("path", "")))
    # fewest reasons first; a right path with a wrong method is nearer than a wrong path; then similarity
    return (len(reasons), not path_ok, -similarity, not method_ok, -int(entry.get("seq") or 0))


def closest_calls(
    entries: Iterable[Mapping[str, Any]],
    method: str | None = None,
    path: str | None = None,
    *,
    entity: str | None = None,
    status: int | None = None,
    query: str | None = None,
    limit: int = 5,
) -> list[tuple[dict[str, Any], list[str]]]:
    """The ``limit`` entries nearest to the expectation, each with its list of mismatch reasons."""
    scored = []
    for e in entries:
        reasons = mismatch_reasons(e, method, path, entity=entity, status=status, query=query)
        scored.append((_closeness(e, method, path, reasons), dict(e), reasons))
    scored.sort(key=lambda item: item[0])
    return [(e, reasons) for _, e, reasons in scored[:limit]]


def describe_entry(entry: Mapping[str, Any]) -> str:
    query = f"?{entry['query']}" if entry.get("query") else ""
    if len(query) > 120:
        query = query[:117] + "..."
    extra = f" fault={entry['fault']}" if entry.get("fault") else ""
    return f"#{entry.get('seq')} {entry.get('method')} {entry.get('path')}{query} -> {entry.get('status')}{extra}"


def _expectation(method: str | None, path: str | None, entity: str | None, status: int | None,
                 query: str | None) -> str:
    parts = [method.upper() if method else "<any method>", path or "<any path>"]
    if entity:
        parts.append(f"entity={entity}")
    if status is not None:
        parts.append(f"status={status}")
    if query:
        parts.append(f"query contains {query!r}")
    return " ".join(parts)


def check_called(
    entries: Sequence[Mapping[str, Any]],
    method: str | None = None,
    path: str | None = None,
    *,
    times: int | None = None,
    entity: str | None = None,
    status: int | None = None,
    query: str | None = None,
    limit: int = 5,
) -> str | None:
    """None when the expectation holds (``times`` None: at least once), else an explanation.

    The explanation lists the requests that did arrive nearest to the expectation and, for each, why it
    did not match (method differs / path differs / …) or, when the count is what is wrong, the matches.
    """
    matched = find_calls(entries, method, path, entity=entity, status=status, query=query)
    want = _expectation(method, path, entity, status, query)
    if times is None and matched:
        return None
    if times is not None and len(matched) == times:
        return None
    lines: list[str] = []
    if matched:
        lines.append(f"count differs: expected {want} to be called {times} time(s), it was called {len(matched)} time(s):")
        lines.extend(f"  {describe_entry(e)}" for e in matched[:limit])
        if len(matched) > limit:
            lines.append(f"  … and {len(matched) - limit} more")
        return "\n".join(lines)
    expected = "at least once" if times is None else f"{times} time(s)"
    lines.append(f"expected {want} to be called {expected}, but no request matched.")
    lines.extend(_near_misses(entries, method, path, entity, status, query, limit))
    return "\n".join(lines)


def check_not_called(
    entries: Sequence[Mapping[str, Any]],
    method: str | None = None,
    path: str | None = None,
    *,
    entity: str | None = None,
    status: int | None = None,
    query: str | None = None,
    limit: int = 5,
) -> str | None:
    matched = find_calls(entries, method, path, entity=entity, status=status, query=query)
    if not matched:
        return None
    want = _expectation(method, path, entity, status, query)
    lines = [f"expected {want} not to be called, but it was called {len(matched)} time(s):"]
    lines.extend(f"  {describe_entry(e)}" for e in matched[:limit])
    return "\n".join(lines)


def _near_misses(entries, method, path, entity, status, query, limit) -> list[str]:
    if not entries:
        return ["No request arrived at all."]
    lines = [f"Closest of the {len(entries)} request(s) that did arrive:"]
    for entry, reasons in closest_calls(entries, method, path, entity=entity, status=status, query=query, limit=limit):
        lines.append(f"  {describe_entry(entry)}")
        lines.extend(f"      - {r}" for r in reasons)
    return lines


def explain(
    entries: Sequence[Mapping[str, Any]],
    method: str | None = None,
    path: str | None = None,
    *,
    entity: str | None = None,
    status: int | None = None,
    query: str | None = None,
    limit: int = 5,
) -> str:
    """A human-readable account of how ``entries`` relate to the expectation (matches and near misses)."""
    message = check_called(entries, method, path, entity=entity, status=status, query=query, limit=limit)
    if message is None:
        matched = find_calls(entries, method, path, entity=entity, status=status, query=query)
        lines = [f"{len(matched)} request(s) matched {_expectation(method, path, entity, status, query)}:"]
        lines.extend(f"  {describe_entry(e)}" for e in matched[:limit])
        return "\n".join(lines)
    return message


_QS_FILTERS = re.compile(r"^(method|path|entity|status|query|limit|sinceSeq|since_seq)$")


def filters_from_args(args: Mapping[str, str]) -> dict[str, Any]:
    """Journal filters from a query string (admin API): method, path, entity, status, query, sinceSeq, limit."""
    out: dict[str, Any] = {}
    for key, value in args.items():
        if not _QS_FILTERS.match(key) or value == "":
            continue
        if key in ("status", "limit", "sinceSeq", "since_seq"):
            try:
                number = int(value)
            except ValueError:
                raise ValueError(f"{key} must be an integer, got {value!r}") from None
            out["since_seq" if key.startswith("since") else key] = number
        else:
            out[key] = value
    return out
