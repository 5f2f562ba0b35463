"""One zone: an ordinary mock server in its own process, started by the zone supervisor.

    python -m mockserver.zones.worker      (spec as one JSON line on stdin; admin token in the environment)

The protocol with the supervisor (mockserver.zones.supervisor), kept this small on purpose:

1. stdin, first line: the zone spec ``{"zone", "host", "port", "threads", "fixtures", "settings",
   "external_url", "directory"}`` (``directory``: the main port, asked about users of other zones).
   The admin token comes from ``AUTOTASK_MOCK_ADMIN_TOKEN`` (never on a command line, where ``ps``
   would show it).
2. stdout, one line once the port is bound: ``{"ready": true, "zone", "port", "pid", "tenants": [...]}``,
   or ``{"error": "..."}`` and exit status 2 when the fixtures do not load or the port is taken.
   After that line stdout is pointed at stderr, so nothing else can fill the pipe.
3. stdin stays open for the worker's whole life: when it reaches end of file the supervisor is gone
   (stopped, or killed without a chance to clean up) and the worker exits at once, so no worker outlives
   its main process.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _fail(message: str) -> None:
    _emit({"error": message})
    sys.exit(2)


def _exit_when_orphaned(stream) -> None:
    """Block until the supervisor's end of the stdin pipe closes, then leave without ceremony."""
    try:
        while stream.read(4096):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def tenant_summaries(app) -> list[dict[str, Any]]:
    """The loaded tenants as the admin API names them: name, API users and integration codes (for the banner)."""
    from mockserver.context import get_context

    ctx = get_context(app)
    return [{"name": t.name,
             "apiUsers": [{"userName": u.user_name, "secret": u.secret, "securityLevel": u.security_level}
                          for u in t.api_users.values()],
             "integrationCodes": sorted(t.integration_codes)}
            for _, t in sorted(ctx.store.tenants.items())]


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when zones stop
    line = sys.stdin.buffer.readline()
    try:
        spec = json.loads(line)
    except ValueError:
        _fail("zone worker: expected the zone spec as one JSON line on stdin")
        return
    from mockserver.config import MockConfig
    from mockserver.serving import build_server

    try:
        config = MockConfig(fixtures=list(spec.get("fixtures") or []), external_url=spec.get("external_url"),
                            admin_token=os.environ.get("AUTOTASK_MOCK_ADMIN_TOKEN") or None)
        config = config.with_overrides(**(spec.get("settings") or {}))
        from mockserver.app import create_app

        app = create_app(config)
    except Exception as exc:  # noqa: BLE001 - reported to the supervisor as one line
        _fail(f"zone {spec.get('zone')}: {exc}")
        return
    wsgi: WSGIApplication = app  # the app, or the zone directory in front of it
    if spec.get("directory"):
        from mockserver.zones.directory import ZoneDirectory

        wsgi = ZoneDirectory(app, spec["directory"], empty_401=config.unauthorized_body == "empty")
    try:
        server = build_server(wsgi, spec.get("host") or "127.0.0.1", int(spec.get("port") or 0),
                              int(spec.get("threads") or 8))
    except OSError as exc:
        _fail(f"zone {spec.get('zone')}: cannot bind {spec.get('host')}:{spec.get('port')}: {exc}")
        return
    if config.external_url and "{" in config.external_url:
        # A template (serve --zones N --external-url 'http://mock.example:{port}'): this zone's own URL.
        config.external_url = config.external_url.format(zone=spec.get("zone"), port=server.effective_port)
    _emit({"ready": True, "zone": spec.get("zone"), "port": server.effective_port, "pid": os.getpid(),
           "tenants": tenant_summaries(app)})
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    threading.Thread(target=_exit_when_orphaned, args=(sys.stdin.buffer,), name="zone-orphan-watch",
                     daemon=True).start()
    server.run()


if __name__ == "__main__":
    main()
