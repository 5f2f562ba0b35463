"""``autotask-mock serve --zones N``: N zone workers behind one main port, composed.

The main port (``--port``) serves the zone lookup and the admin API (mockserver.zones.router); zone K
listens on ``--port + K`` (or on a free port when ``--port 0``) and is an ordinary mock holding its share of
the tenants (mockserver.zones.table says which). Nothing is shared between the processes: the main
process keeps only the zone table and, for each tenant added at run time through its admin API, the
document that tenant was created from, so a restarted zone gets it back at that state.

    with ZoneCluster(2, ["tests/fixtures/basic.yaml", "tests/fixtures/other.yaml"]) as cluster:
        cluster.base_url            # http://127.0.0.1:PORT  (zone lookup and admin API)
        cluster.zone_base_url(2)    # http://127.0.0.1:PORT2 (the zone holding "other")
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from mockserver.zones.router import ZoneRouter, ZoneUnavailable, host_part
from mockserver.zones.supervisor import ZoneSpec, ZoneStartError, ZoneSupervisor, connect_host
from mockserver.zones.table import TenantEntry, ZoneTable, assign_fixtures, tenant_entries

__all__ = ["ZoneCluster", "ZoneStartError", "serve_zones"]


def check_external_url(template: str | None, zones: int) -> None:
    """In zones mode ``--external-url`` is per zone, so it must name the zone or its port."""
    if not template:
        return
    if "{port}" not in template and "{zone}" not in template:
        raise ValueError(f"with --zones, --external-url must be a template holding {{port}} or {{zone}} "
                         f"(each zone has its own URL), e.g. 'http://mock.example:{{port}}'; got {template!r}")
    try:
        template.format(zone=1, port=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"--external-url {template!r}: only {{port}} and {{zone}} may be used ({exc})") from None


class ZoneCluster:
    """The zone workers, the zone table and the main port's server, started and stopped together."""

    def __init__(self, zones: int, fixtures: Sequence[Any], *, host: str = "127.0.0.1", port: int = 0,
                 threads: int = 8, settings: dict[str, Any] | None = None, external_url: str | None = None,
                 admin_token: str | None = None, report: Callable[[str], None] | None = None,
                 health_interval: float = 2.0, health_timeout: float = 5.0) -> None:
        if zones < 1:
            raise ValueError("--zones must be at least 1")
        check_external_url(external_url, zones)
        self.host, self.port, self.threads = host, port, threads
        # Per-zone or per-process values are not behaviour settings: the zones get them separately.
        self.settings = {k: v for k, v in (settings or {}).items()
                         if k not in ("external_url", "admin_token", "fixtures", "clock")}
        self.external_url = external_url
        self.admin_token = admin_token
        self.table = ZoneTable(zones)
        shares = assign_fixtures(list(fixtures), zones)
        specs = [ZoneSpec(zone=k, host=host, port=0 if port == 0 else port + k, threads=threads,
                          fixtures=list(shares[k - 1]), settings=self.settings, external_url=external_url)
                 for k in range(1, zones + 1)]
        self.supervisor = ZoneSupervisor(specs, admin_token=admin_token, report=report, on_ready=self._on_ready,
                                         health_interval=health_interval, health_timeout=health_timeout)
        self.router = ZoneRouter(self)
        self._added: dict[str, tuple[int, dict[str, Any] | None]] = {}
        self._added_lock = threading.Lock()
        self.server: Any = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ lifecycle
    def start(self) -> ZoneCluster:
        """Bind the main port (so a taken port fails before any worker starts), then start the zones."""
        from mockserver.serving import build_server

        self.server = build_server(self.router, self.host, self.port, self.threads)
        for zp in self.supervisor.zones:
            zp.spec.directory = self.base_url
        try:
            self.supervisor.start()
        except BaseException:
            self.server.close()
            raise
        return self

    def start_in_thread(self) -> ZoneCluster:
        self.start()
        self._thread = threading.Thread(target=self.server.run, name="autotask-mock-zones-main", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        from mockserver.serving import stop_server

        if self.server is not None:
            stop_server(self.server, self._thread, timeout=10.0)
        self.supervisor.stop()

    def __enter__(self) -> ZoneCluster:
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------ addresses
    @property
    def main_port(self) -> int:
        return int(self.server.effective_port)

    @property
    def base_url(self) -> str:
        return f"http://{_url_host(connect_host(self.host))}:{self.main_port}"

    def zone_base_url(self, zone: int, host: str | None = None) -> str:
        """Where zone ``zone`` is reached (``host``: the Host a client used for the main port)."""
        port = self.supervisor.zone(zone).spec.port
        if self.external_url:
            return self.external_url.format(zone=zone, port=port).rstrip("/")
        hostname = host_part(host) if host else _url_host(connect_host(self.host))
        return f"http://{hostname}:{port}"

    # ------------------------------------------------------------------------------------------ tenants
    def remember_added(self, entry: TenantEntry, doc: dict[str, Any] | None) -> None:
        with self._added_lock:
            self._added[entry.name] = (entry.zone, doc)

    def forget_added(self, name: str) -> None:
        with self._added_lock:
            self._added.pop(name, None)

    def _on_ready(self, zone: int, tenants: list[dict[str, Any]]) -> None:
        """A zone (re)started: it holds its fixtures' tenants; give it back those added at run time."""
        self.table.replace_zone(zone, tenant_entries(zone, tenants))
        with self._added_lock:
            added = [(name, doc) for name, (z, doc) in self._added.items() if z == zone]
        failed = []
        for name, doc in added:
            if doc is None:
                failed.append(name)
                continue
            try:
                answer = self.router.forward(zone, "POST", "/_mock/tenants?replace=true",
                                             headers=[("Content-Type", "application/json")],
                                             body=_dumps(doc), admin=True, when_down=True)
            except ZoneUnavailable:
                failed.append(name)
                continue
            if answer.status == 201:
                self.table.add(tenant_entries(zone, [answer.json() or {}])[0])
                tenants.append({"name": name})
            else:
                failed.append(name)
        if failed:
            for name in failed:
                self.forget_added(name)
            raise RuntimeError(f"could not re-create {', '.join(failed)}; those tenants are gone")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _dumps(doc: Any) -> bytes:
    import json

    return json.dumps(doc, default=str).encode()


# ---------------------------------------------------------------------------------------------- CLI
def print_zones_banner(cluster: ZoneCluster) -> None:
    """Where to point clients (the main port) and every zone with its tenants and credentials."""
    from rich.console import Console

    out = Console(soft_wrap=True)
    base = cluster.base_url
    zones = cluster.table.zones
    out.print(f"[bold green]Autotask mock listening on {base} with {zones} zone(s) (one process each)[/]")
    out.print(f"  zone lookup : {base}/ATServicesRest/V1.0/zoneInformation?user=<API user name>")
    out.print(f"  admin API   : {base}/_mock/  (routes each tenant's calls to its zone; GET /_mock/zones)")
    for zone in range(1, zones + 1):
        zp = cluster.supervisor.zone(zone)
        out.print(f"  zone {zone}: {cluster.zone_base_url(zone)}/ATServicesRest/  (pid {zp.pid})", highlight=False)
        for tenant in zp.tenants:
            codes = ", ".join(tenant.get("integrationCodes") or ())
            for user in tenant.get("apiUsers") or ():
                out.print(f"    tenant {tenant['name']}: UserName={user.get('userName')}  Secret={user.get('secret')}  "
                          f"ApiIntegrationCode={codes}  ({user.get('securityLevel')})", highlight=False)


def serve_zones(zones: int, fixtures: Sequence[Any], *, host: str, port: int, threads: int,
                settings: dict[str, Any], external_url: str | None, admin_token: str | None) -> None:
    """Run ``serve --zones N`` until Ctrl-C or SIGTERM; every worker is stopped before returning."""
    from rich.console import Console

    console = Console(stderr=True)
    try:
        cluster = ZoneCluster(zones, fixtures, host=host, port=port, threads=threads, settings=settings,
                              external_url=external_url, admin_token=admin_token)
        cluster.start()
    except OSError as exc:  # the main port: in use, privileged, not an address of this machine
        from mockserver.serving import bind_error_message

        console.print(f"Error: {bind_error_message(host, port, exc)}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except (ValueError, ZoneStartError) as exc:
        console.print(f"[red]{exc}[/]")
        sys.exit(2)

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        print_zones_banner(cluster)
        cluster.server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        cluster.stop()
        console.print("stopped")
