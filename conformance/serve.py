"""Serve any Python adapter factory over the remote adapter protocol (the adapter's side of conformance.remote).

    autotask-conformance serve-adapter mypkg.adapter:make_adapter --port 8765
    python -m conformance.serve mypkg.adapter:make_adapter --port 0      # prints the chosen port

Then, from anywhere: ``pytest --pyargs conformance --sync-adapter=http://127.0.0.1:8765``. It is how the kit
proves the wire is faithful (the reference sync and every mutant served this way get the same verdicts as
in-process), and a template for an adapter server in another language (examples/node-adapter/).

``--any-factory`` additionally serves every importable factory under ``/factory/MODULE:FACTORY/{operation}``
(one process for many factories, as the remote mutant-kill test does). Only use it on a loopback address: it
imports whatever module a request names.

Sessions take turns unless ``--concurrent``: adapters may patch module globals while they run (the mutants do),
which another session's calls would see. Calls of the *same* session may still overlap (the kit reads the status
while a push-all runs, and pauses while a pass runs), as they would in-process.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

import click

from conformance.adapter import Connection, Refused, load_factory
from conformance.remote_protocol import DOCUMENT, OPERATIONS, VERSION, compatible, dumps

FACTORY_PREFIX = "factory"
# Arguments whose wire form is a JSON object standing for a Python value (by argument name).
DECODERS: dict[str, Callable[[Any], Any]] = {"connection": lambda d: Connection(**d)}
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
            500: "Internal Server Error", 501: "Not Implemented"}


class SessionTurns:
    """A lock held by one session at a time; that session's calls may overlap, other sessions wait their turn."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: str | None = None
        self._depth = 0

    def acquire(self, session: str) -> None:
        with self._cond:
            while self._owner is not None and self._owner != session:
                self._cond.wait()
            self._owner = session
            self._depth += 1

    def release(self) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()


class AdapterService:
    """A WSGI app: ``POST /{operation}`` -> ``adapter.{method}(...)`` of the session's adapter instance."""

    def __init__(self, spec: str | None, *, any_factory: bool = False, concurrent: bool = False) -> None:
        self.spec = spec
        self.any_factory = any_factory
        self._factories: dict[str, Callable[[], Any]] = {}
        self._sessions: dict[tuple[str, str], Any] = {}
        self._sessions_lock = threading.Lock()
        self._turns: SessionTurns | None = None if concurrent else SessionTurns()
        if spec is not None:
            self._factories[spec] = load_factory(spec)

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, body = self.handle(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"),
                                   _read_body(environ))
        try:
            payload = dumps(body)
        except (TypeError, ValueError) as exc:  # the adapter returned something JSON cannot carry
            status, payload = 500, dumps(_error("NotSerialisable", f"the result is not JSON-serialisable: {exc}"))
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    def handle(self, method: str, path: str, raw: bytes) -> tuple[int, Any]:
        """(status, JSON body) for one request: pure dispatch, no HTTP."""
        parts = [p for p in path.split("/") if p]
        spec = self.spec
        if len(parts) >= 2 and parts[0] == FACTORY_PREFIX:
            if not self.any_factory:
                return 404, _error("UnknownOperation", "this server serves one factory (start it with --any-factory)")
            spec, parts = unquote(parts[1]), parts[2:]
        if not parts:
            if method == "GET":
                return 200, {"protocol": VERSION, "factory": spec, "operations": sorted(OPERATIONS),
                             "document": DOCUMENT.get("$id")}
            return 405, _error("MethodNotAllowed", "POST /{operation}")
        name = parts[-1] if len(parts) == 1 else "/".join(parts)
        op = OPERATIONS.get(name)
        if op is None:
            return 404, _error("UnknownOperation", f"no operation {name!r} in protocol {VERSION}")
        if method != "POST":
            return 405, _error("MethodNotAllowed", f"use POST /{name}")
        if spec is None:
            return 404, _error("UnknownOperation", "no factory: POST /factory/MODULE:FACTORY/{operation}")
        try:
            request = json.loads(raw or b"null")
        except ValueError:
            return 400, _error("BadRequest", "the body is not JSON")
        if not isinstance(request, dict) or not isinstance(request.get("session"), str) or not request["session"] \
                or not isinstance(request.get("args", {}), dict):
            return 400, _error("BadRequest", 'the body must be {"session": "...", "args": {...}}')
        args = request.get("args") or {}
        problems = op.args_errors(args)
        if problems:
            return 400, _error("BadRequest", f"{name}: arguments {problems[0]}")
        if name == "capabilities" and "protocol" in args and not compatible(args["protocol"]):
            return 400, _error("BadRequest", f"the kit speaks protocol {args['protocol']}, this adapter {VERSION}")
        try:
            factory = self._factory(spec)
        except Exception as exc:  # noqa: BLE001 - a bad factory path is the caller's error
            return 404, _error("UnknownOperation", f"cannot load factory {spec!r}: {type(exc).__name__}: {exc}")
        key = (spec, request["session"])
        turns = self._turns
        if turns is not None:
            turns.acquire(f"{spec}\n{request['session']}")
        try:
            return self._run(op.name, op.method, {**op.bind, **args}, key, factory)
        finally:
            if turns is not None:
                turns.release()

    # ------------------------------------------------------------------ dispatch
    def _factory(self, spec: str) -> Callable[[], Any]:
        f = self._factories.get(spec)
        if f is None:
            f = self._factories[spec] = load_factory(spec)
        return f

    def _run(self, name: str, method: str, args: dict[str, Any], key: tuple[str, str],
             factory: Callable[[], Any]) -> tuple[int, Any]:
        if name == "close":
            with self._sessions_lock:
                adapter = self._sessions.pop(key, None)
            try:
                if adapter is not None:
                    adapter.close()
            except Exception as exc:  # noqa: BLE001
                return 500, _error(type(exc).__name__, str(exc), traceback.format_exc())
            return 200, {"result": None}
        try:
            with self._sessions_lock:  # held while creating: overlapping first calls must not make two instances
                adapter = self._sessions.get(key)
                if adapter is None:
                    adapter = self._sessions[key] = factory()
            if name == "capabilities":
                caps = getattr(adapter, "capabilities", ())
                return 200, {"result": {"protocol": VERSION, "capabilities": sorted(caps), "name": key[0]}}
            call_args = {k: DECODERS[k](v) if k in DECODERS else v for k, v in args.items()}
            result = getattr(adapter, method)(**call_args)
            return 200, {"result": result}
        except Refused as exc:
            return 409, _error("Refused", str(exc))
        except NotImplementedError as exc:  # NotSupported is one
            return 501, _error("NotSupported", str(exc) or f"{method} is not supported")
        except Exception as exc:  # noqa: BLE001 - the implementation failed: a 500 the kit reports against it
            return 500, _error(type(exc).__name__, str(exc), traceback.format_exc())

    @property
    def session_count(self) -> int:
        return len(self._sessions)


def _error(kind: str, message: str, trace: str | None = None) -> dict[str, Any]:
    out = {"error": kind, "message": message}
    if trace:
        out["traceback"] = trace
    return out


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


# ---------------------------------------------------------------------------------------------- server
def build_adapter_server(service: AdapterService, host: str = "127.0.0.1", port: int = 0, threads: int = 8):
    """A waitress server for ``service``; port 0 picks a free port (``server.effective_port``)."""
    from waitress.server import create_server

    # channel_timeout: a pass may take long; the kit holds its keep-alive connection between calls
    return create_server(service, host=host, port=port, threads=threads, channel_timeout=600,
                         ident="autotask-conformance-adapter")


@click.command("serve-adapter")
@click.argument("spec", metavar="MODULE:FACTORY")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it loopback).")
@click.option("--port", default=8765, show_default=True, type=int, help="Port; 0 picks a free one (printed).")
@click.option("--threads", default=8, show_default=True, type=int, help="waitress worker threads.")
@click.option("--any-factory", is_flag=True,
              help="Also serve any importable factory under /factory/MODULE:FACTORY/ (loopback only).")
@click.option("--concurrent", is_flag=True,
              help="Let different sessions' calls run at once (only for adapters that patch no globals).")
def serve_adapter(spec: str, host: str, port: int, threads: int, any_factory: bool, concurrent: bool) -> None:
    """Serve the Python adapter factory MODULE:FACTORY over the remote adapter protocol (JSON over HTTP)."""
    try:
        service = AdapterService(spec, any_factory=any_factory, concurrent=concurrent)
    except Exception as exc:  # noqa: BLE001
        raise click.ClickException(f"cannot load {spec}: {type(exc).__name__}: {exc}") from exc
    server = build_adapter_server(service, host, port, threads)
    url = f"http://{host}:{server.effective_port}"
    click.echo(f"serving {spec} over the remote adapter protocol {VERSION} at {url}")
    click.echo(f"  run the kit: pytest --pyargs conformance --sync-adapter={url}")
    if any_factory:
        click.echo(f"  any factory: --sync-adapter={url}/{FACTORY_PREFIX}/MODULE:FACTORY")
    import sys

    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass


def main() -> None:
    serve_adapter(prog_name="python -m conformance.serve")


if __name__ == "__main__":
    main()
