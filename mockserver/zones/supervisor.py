"""Start, watch and restart the zone workers (one process per zone).

Each worker is ``python -m mockserver.zones.worker`` in its own session (so a Ctrl-C in the terminal
reaches only the main process, which then stops the zones in order). A keeper thread per zone waits on
its process; a health thread asks every zone for ``VersionInformation`` every few seconds. A worker that
exits, or fails three health checks in a row (it is then killed), is reported in one line and started
again on the same port with the zone's start-up fixtures: its tenants are back to their fixtures, and no
other zone notices. Restarts back off (0.1 s doubling to 5 s) so a zone that cannot start does not spin.

The stdin pipe of each worker stays open while the supervisor lives; a worker whose stdin closes exits at
once (see mockserver.zones.worker), so even a main process killed with SIGKILL leaves no workers behind.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEALTH_PATH = "/ATServicesRest/VersionInformation"


class ZoneStartError(RuntimeError):
    """A zone worker could not start (fixtures that do not load, a port that is taken, a crash)."""


@dataclass
class ZoneSpec:
    """What a zone worker is started with; ``port`` becomes the bound port after the first start."""

    zone: int
    host: str = "127.0.0.1"
    port: int = 0
    threads: int = 8
    fixtures: list[Any] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    external_url: str | None = None
    # The main port (http://HOST:PORT) the zone asks about users it does not hold (mockserver.zones.directory).
    directory: str | None = None

    def to_json(self) -> str:
        return json.dumps({"zone": self.zone, "host": self.host, "port": self.port, "threads": self.threads,
                           "fixtures": self.fixtures, "settings": self.settings,
                           "external_url": self.external_url, "directory": self.directory}, default=str)


@dataclass
class ZoneProcess:
    """One zone's current worker and its history."""

    spec: ZoneSpec
    proc: subprocess.Popen | None = None
    pid: int | None = None
    up: bool = False
    restarts: int = 0
    health_failures: int = 0
    tenants: list[dict[str, Any]] = field(default_factory=list)


def connect_host(host: str) -> str:
    """The address to reach a server bound to ``host`` from this machine (a wildcard bind: loopback)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host in ("::", "[::]"):
        return "::1"
    return host


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def fixture_label(fixtures: list[Any]) -> str:
    if not fixtures:
        return "no fixtures"
    return ", ".join(str(f) if not isinstance(f, dict) else "<document>" for f in fixtures)


class ZoneSupervisor:
    """The zone workers of one ``serve --zones N``.

    ``on_ready(zone, tenants)`` runs after every (re)start, before the zone counts as up: the cluster uses
    it to refresh its zone table and to re-create the tenants it added to that zone at run time.
    ``report(line)`` receives one human-readable line per death, restart and failed health check.
    """

    def __init__(self, specs: list[ZoneSpec], *, admin_token: str | None = None,
                 report: Callable[[str], None] | None = None,
                 on_ready: Callable[[int, list[dict[str, Any]]], None] | None = None,
                 health_interval: float = 2.0, health_timeout: float = 5.0, health_failures: int = 3,
                 start_timeout: float = 120.0) -> None:
        self.zones = [ZoneProcess(spec) for spec in specs]
        self.admin_token = admin_token
        self.report = report or (lambda line: print(line, file=sys.stderr, flush=True))
        self.on_ready = on_ready or (lambda zone, tenants: None)
        self.health_interval = health_interval
        self.health_timeout = health_timeout
        self.max_health_failures = health_failures
        self.start_timeout = start_timeout
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------ queries
    def zone(self, zone: int) -> ZoneProcess:
        return self.zones[zone - 1]

    def address(self, zone: int) -> tuple[str, int]:
        spec = self.zone(zone).spec
        return connect_host(spec.host), spec.port

    def is_up(self, zone: int) -> bool:
        return self.zone(zone).up

    # ------------------------------------------------------------------------------------------ start/stop
    def start(self) -> None:
        """Start every zone (in parallel) and wait until all are ready; on any failure stop them all."""
        try:
            for zp in self.zones:
                self._spawn(zp)
            for zp in self.zones:
                self._await_ready(zp)
        except BaseException:
            self.stop()
            raise
        for zp in self.zones:
            self.on_ready(zp.spec.zone, zp.tenants)
            zp.up = True
        for zp in self.zones:
            self._thread(self._keep, zp, name=f"zone-{zp.spec.zone}-keeper")
        self._thread(self._health_loop, name="zone-health")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every worker: close its stdin (it exits), then SIGTERM, then SIGKILL; reap them all."""
        self._stopping.set()
        for zp in self.zones:
            zp.up = False
        _terminate([zp.proc for zp in self.zones if zp.proc is not None], timeout)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        # A keeper may have started a replacement just before it saw the stop: reap that one too.
        _terminate([zp.proc for zp in self.zones if zp.proc is not None and zp.proc.returncode is None], timeout)

    def _thread(self, target: Callable, *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    # ------------------------------------------------------------------------------------------ workers
    def _spawn(self, zp: ZoneProcess) -> None:
        env = dict(os.environ)
        # The worker imports the same mockserver as this process, installed or not.
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        if self.admin_token:
            env["AUTOTASK_MOCK_ADMIN_TOKEN"] = self.admin_token
        else:
            env.pop("AUTOTASK_MOCK_ADMIN_TOKEN", None)
        # Unbuffered pipes (bufsize=0): select() on stdout then sees every line still unread.
        proc = subprocess.Popen([sys.executable, "-m", "mockserver.zones.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env, start_new_session=True, bufsize=0)
        assert proc.stdin is not None
        data = memoryview(zp.spec.to_json().encode() + b"\n")
        while data:  # a raw pipe may take a large spec (fixture documents) in several writes
            data = data[proc.stdin.write(data) or 0:]
        zp.proc, zp.pid, zp.health_failures = proc, proc.pid, 0

    def _await_ready(self, zp: ZoneProcess) -> None:
        """Read the worker's ready line (other output before it is passed on to stderr)."""
        proc = zp.proc
        assert proc is not None and proc.stdout is not None
        deadline = time.monotonic() + self.start_timeout
        message: dict[str, Any] = {}
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    proc.kill()
                    proc.wait()
                    raise ZoneStartError(f"zone {zp.spec.zone} did not report ready within {self.start_timeout:.0f} s")
                line = proc.stdout.readline()
                if not line:
                    break  # the worker ended before saying anything
                try:
                    parsed = json.loads(line)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict) and ("ready" in parsed or "error" in parsed):
                    message = parsed
                    break
                sys.stderr.write(line.decode(errors="replace"))
        finally:
            sel.close()
        if not message.get("ready"):
            proc.wait()
            reason = message.get("error") or f"the worker ended ({describe_exit(proc.returncode)})"
            raise ZoneStartError(f"zone {zp.spec.zone} failed to start: {reason}")
        zp.spec.port = int(message["port"])
        zp.pid = int(message.get("pid") or proc.pid)
        zp.tenants = list(message.get("tenants") or [])

    def _keep(self, zp: ZoneProcess) -> None:
        """Wait on the zone's worker; when it ends (and the supervisor is not stopping), start it again."""
        backoff = 0.1
        while not self._stopping.is_set():
            proc = zp.proc
            assert proc is not None
            code = proc.wait()
            _close_quietly(proc.stdin)
            _close_quietly(proc.stdout)
            if self._stopping.is_set():
                return
            zp.up = False
            spec = zp.spec
            self.report(f"autotask-mock: zone {spec.zone} (pid {zp.pid}, port {spec.port}) died: "
                        f"{describe_exit(code)}; restarting it on port {spec.port} with its fixtures "
                        f"({fixture_label(spec.fixtures)})")
            while not self._stopping.is_set():
                try:
                    self._spawn(zp)
                    self._await_ready(zp)
                except Exception as exc:  # noqa: BLE001 - ZoneStartError, OSError, a pipe closed by stop()
                    if self._stopping.is_set():
                        return
                    self.report(f"autotask-mock: zone {spec.zone} restart failed: {exc}; "
                                f"trying again in {backoff:.1f} s")
                    if self._stopping.wait(backoff):
                        return
                    backoff = min(backoff * 2, 5.0)
                    continue
                break
            if self._stopping.is_set():
                return
            zp.restarts += 1
            try:
                self.on_ready(spec.zone, zp.tenants)
            except Exception as exc:  # noqa: BLE001 - reported; the zone still serves its fixtures
                self.report(f"autotask-mock: zone {spec.zone}: re-creating its run-time tenants failed: {exc}")
            zp.up = True
            names = ", ".join(t["name"] for t in zp.tenants) or "none"
            self.report(f"autotask-mock: zone {spec.zone} is back on port {spec.port} (pid {zp.pid}); "
                        f"tenants at their fixtures: {names}")
            backoff = 0.1

    def _health_loop(self) -> None:
        while not self._stopping.wait(self.health_interval):
            for zp in self.zones:
                if self._stopping.is_set():
                    return
                if not zp.up or zp.proc is None:
                    continue
                if self.health_check(zp.spec.zone):
                    zp.health_failures = 0
                    continue
                zp.health_failures += 1
                if zp.health_failures >= self.max_health_failures and zp.up:
                    self.report(f"autotask-mock: zone {zp.spec.zone} (pid {zp.pid}) failed "
                                f"{zp.health_failures} health checks in a row; killing it")
                    zp.up = False
                    try:
                        zp.proc.kill()
                    except OSError:
                        pass

    def health_check(self, zone: int) -> bool:
        host, port = self.address(zone)
        conn = http.client.HTTPConnection(host, port, timeout=self.health_timeout)
        try:
            conn.request("GET", HEALTH_PATH)
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()


def _terminate(procs: list[subprocess.Popen], timeout: float) -> None:
    for proc in procs:
        _close_quietly(proc.stdin)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.05, min(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _close_quietly(proc.stdout)


def _close_quietly(stream: Any) -> None:
    if stream is None:
        return
    try:
        stream.close()
    except OSError:
        pass
