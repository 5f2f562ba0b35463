"""The kit's side of the remote adapter protocol: a :class:`~conformance.adapter.SyncAdapter` whose every method is a
``POST {url}/{operation}`` (conformance/protocol/adapter-protocol.json).

``load_factory("http://127.0.0.1:PORT")`` returns a :class:`RemoteAdapterFactory`; each call of it gives a
:class:`RemoteAdapter` with a fresh session id, which the server maps to a fresh instance of the implementation.
Remote adapters always run against the live mock (``needs_live_mock``), since the implementation is in another
process (and maybe another language) and can only reach the mock over HTTP.

Error mapping (the inverse of :mod:`conformance.serve`): 409 -> :class:`~conformance.adapter.Refused`,
501 -> :class:`~conformance.adapter.NotSupported`, 500 -> :class:`RemoteAdapterError` (the implementation failed:
a verdict on it, like any exception of an in-process adapter). Everything that means the protocol itself broke —
no answer, a timeout, non-JSON, a result of the wrong shape, another protocol version, a 400/404 — raises
:class:`~conformance.errors.AdapterProtocolError` naming the operation. That error is sticky per factory: once an
adapter is found broken every later call fails at once, so a run stops quickly instead of waiting out timeouts.
"""

from __future__ import annotations

import inspect
import json
import os
import uuid
from typing import Any

from conformance.adapter_protocol import NotSupported, Refused, SyncAdapter
from conformance.errors import AdapterProtocolError
from conformance.live_http import StdlibSession, TransportConnectionError, TransportTimeout
from conformance.remote_protocol import (
    OPERATIONS,
    VERSION,
    Operation,
    compatible,
    dumps,
    operations_for,
    route,
)

TIMEOUT_ENV = "CONFORMANCE_ADAPTER_TIMEOUT"
DEFAULT_TIMEOUT = 120.0


class _Broken(Exception):
    """Internal: the exchange broke the protocol (becomes the factory's sticky AdapterProtocolError)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RemoteAdapterError(Exception):
    """The implementation behind a remote adapter failed (HTTP 500): counts against it, like an in-process raise."""


def is_remote_spec(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


class RemoteAdapterFactory:
    """A factory of :class:`RemoteAdapter` for one adapter URL (``--sync-adapter=http://127.0.0.1:PORT``)."""

    needs_live_mock = True  # conformance.world: always against the live mock

    def __init__(self, url: str, *, timeout: float | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = float(timeout if timeout is not None else os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)
        self.http = StdlibSession({"Accept": "application/json"}, timeout=self.timeout)
        self.version_checked = False
        self.broken: AdapterProtocolError | None = None
        self.__name__ = self.__qualname__ = f"remote adapter at {self.url}"

    def __call__(self) -> RemoteAdapter:
        return RemoteAdapter(self)

    def __repr__(self) -> str:
        return f"RemoteAdapterFactory({self.url!r})"

    # ------------------------------------------------------------------ one exchange
    def call(self, op: Operation, session: str, args: dict[str, Any]) -> Any:
        """POST one operation; return its result or raise the mapped error."""
        if self.broken is None:
            try:
                return self._exchange(op, session, args)
            except _Broken as b:
                self.broken = AdapterProtocolError(op.name, b.detail)
        # One raise site, outside any handler: hypothesis then sees the first protocol error and every sticky repeat
        # as the same failure (same type, line and no context) instead of several distinct ones.
        raise AdapterProtocolError(self.broken.operation, self.broken.detail)

    def _exchange(self, op: Operation, session: str, args: dict[str, Any]) -> Any:
        url = f"{self.url}/{op.name}"
        try:
            body = dumps({"session": session, "args": args})
        except TypeError as exc:  # a kit bug, not the adapter's: say so plainly
            raise TypeError(f"{op.name}: arguments are not JSON-serialisable: {exc}") from exc
        try:
            resp = self.http.request("POST", url, data=body, headers={"Content-Type": "application/json"})
        except TransportTimeout:
            raise _Broken(f"no answer within {self.timeout:g}s from {url}") from None
        except TransportConnectionError as exc:
            raise _Broken(f"not answering at {url} ({exc.__cause__ or exc})") from None
        try:
            payload = json.loads(resp.content) if resp.content else None
        except ValueError:
            snippet = resp.content[:80].decode("utf-8", "replace").replace("\n", " ")
            raise _Broken(f"answered HTTP {resp.status_code} with a body that is not JSON: {snippet!r}") from None
        if resp.status_code == 200:
            if not isinstance(payload, dict) or "result" not in payload:
                raise _Broken(f"wrong shape: a 200 body must be {{\"result\": ...}}, got {_short(payload)}")
            problems = op.result_errors(payload["result"])
            if problems:
                raise _Broken(f"wrong shape of the result {problems[0]}")
            if op.name == "capabilities" and not compatible(payload["result"].get("protocol")):
                raise _Broken(f"wrong protocol version: the adapter speaks {payload['result'].get('protocol')!r}, "
                              f"the kit speaks {VERSION!r}")
            return payload["result"]
        if not isinstance(payload, dict) or not isinstance(payload.get("message"), str):
            raise _Broken(f"HTTP {resp.status_code} without an error body {{\"error\", \"message\"}}: "
                          f"{_short(payload)}")
        message = payload["message"]
        if resp.status_code == 409:
            raise Refused(message)
        if resp.status_code == 501:
            raise NotSupported(message)
        if resp.status_code == 500:
            trace = payload.get("traceback")
            raise RemoteAdapterError(f"{payload.get('error') or 'error'}: {message}"
                                     + (f"\n--- adapter traceback ---\n{trace}" if trace else ""))
        raise _Broken(f"adapter rejected the call (HTTP {resp.status_code} {payload.get('error')}: {message})")

    def check_version(self, result: dict[str, Any]) -> None:
        """Called with a ``capabilities`` result that passed the version check in :meth:`_exchange`."""
        self.version_checked = True


class RemoteAdapter:
    """One session of a remote adapter; every :class:`~conformance.adapter.SyncAdapter` method is one POST."""

    needs_live_mock = True  # also seen through wrappers that forward attributes (the runner's guard)

    def __init__(self, factory: RemoteAdapterFactory) -> None:
        self._factory = factory
        self.session = uuid.uuid4().hex
        self._capabilities: frozenset[str] | None = None

    @property
    def capabilities(self) -> frozenset[str]:
        """The ``capabilities`` operation, which also checks the protocol version (once per session)."""
        if self._capabilities is None:
            result = self._factory.call(OPERATIONS["capabilities"], self.session, {"protocol": VERSION})
            self._factory.check_version(result)
            self._capabilities = frozenset(result["capabilities"])
        return self._capabilities

    def _invoke(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not self._factory.version_checked:
            _ = self.capabilities  # every run starts with the version check, whatever the kit calls first
        proto = getattr(SyncAdapter, method, None)
        if callable(proto):
            bound = inspect.signature(proto).bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
        else:
            arguments = dict(kwargs)
        op, wire_args = route(method, arguments)
        return self._factory.call(op, self.session, wire_args)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not operations_for(name):
            raise AttributeError(name)

        def method(*args: Any, **kwargs: Any) -> Any:
            return self._invoke(name, args, kwargs)

        method.__name__ = name
        return method

    def close(self) -> None:
        if self._factory.broken is not None:
            return  # the run already failed on a protocol error; do not bury it under another
        self._invoke("close", (), {})

    def __repr__(self) -> str:
        return f"<RemoteAdapter {self._factory.url} session={self.session}>"


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


__all__ = ["RemoteAdapter", "RemoteAdapterError", "RemoteAdapterFactory", "is_remote_spec"]
