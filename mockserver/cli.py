"""`autotask-mock`: serve the mock, run the demo (mock + reference sync), generate and inspect fixtures."""

from __future__ import annotations

import ipaddress
import json
import sys
import threading
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table as RichTable

from mockserver.config import MockConfig

console = Console(stderr=False)


def _is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_server(app, host: str, port: int, threads: int = 8):
    """A waitress server (the production WSGI server the README recommends); port 0 picks a free port."""
    from waitress.server import create_server

    return create_server(app, host=host, port=port, threads=threads, ident="Microsoft-IIS/10.0", clear_untrusted_proxy_headers=True)


def print_banner(app, base_url: str) -> None:
    from mockserver.app import get_context

    ctx = get_context(app)
    console.print(f"[bold green]Autotask mock listening on {base_url}[/]")
    console.print(f"  zone lookup : {base_url}/ATServicesRest/V1.0/zoneInformation?user=<API user name>")
    console.print(f"  direct base : {base_url}/ATServicesRest/V1.0/")
    table = RichTable(title="API users (send as UserName / Secret / ApiIntegrationCode headers)")
    for col in ("tenant", "UserName", "Secret", "ApiIntegrationCode", "security level"):
        table.add_column(col)
    for tenant in ctx.store.tenants.values():
        codes = ", ".join(sorted(tenant.integration_codes))
        for user in tenant.api_users.values():
            table.add_row(tenant.name, user.user_name, user.secret, codes, user.security_level)
    console.print(table)


def make_config(fixture: tuple[str, ...], external_url: str | None, settings: tuple[str, ...], host: str,
                admin_token: str | None) -> MockConfig:
    overrides: dict[str, Any] = {}
    for item in settings:
        key, _, raw = item.partition("=")
        try:
            overrides[key.strip()] = json.loads(raw)
        except ValueError:
            overrides[key.strip()] = raw
    config = MockConfig(fixtures=list(fixture) or ["demo"], external_url=external_url, admin_token=admin_token)
    try:
        config = config.with_overrides(**overrides)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None
    if not _is_loopback(host) and not config.admin_token:
        raise click.UsageError("binding to a non-loopback address requires --admin-token (the admin API must be protected)")
    return config


def _create_app_or_exit(config: MockConfig):
    from mockserver.app import create_app
    from mockserver.state.tenant import FixtureLoadError

    try:
        return create_app(config)
    except FixtureLoadError as exc:
        console.print(f"[red]{exc}[/]")
        sys.exit(2)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        sys.exit(2)


@click.group()
def main() -> None:
    """A stateful imitation of the Autotask PSA REST API."""


common_options = [
    click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default)."),
    click.option("--port", default=5000, show_default=True, type=int, help="Port (0 picks a free one)."),
    click.option("--fixture", "fixture", multiple=True, help="Tenant fixture: scenario name, 'demo' or a file path (repeatable)."),
    click.option("--external-url", default=None, help="Base URL clients should be sent to (zoneInformation.url, nextPageUrl)."),
    click.option("--set", "settings", multiple=True, help="Behaviour setting KEY=VALUE (JSON value), e.g. missing_item_status=404."),
    click.option("--admin-token", default=None, envvar="AUTOTASK_MOCK_ADMIN_TOKEN", help="Token required by /_mock/ (mandatory off loopback)."),
    click.option("--threads", default=8, show_default=True, type=int, help="Worker threads of the waitress server."),
]


def with_common(func):
    for option in reversed(common_options):
        func = option(func)
    return func


@main.command()
@with_common
def serve(host: str, port: int, fixture: tuple[str, ...], external_url: str | None, settings: tuple[str, ...],
          admin_token: str | None, threads: int) -> None:
    """Serve the mock until interrupted."""
    config = make_config(fixture, external_url, settings, host, admin_token)
    app = _create_app_or_exit(config)
    server = build_server(app, host, port, threads)
    print_banner(app, f"http://{host}:{server.effective_port}")
    try:
        server.run()
    except KeyboardInterrupt:
        console.print("stopped")


@main.command()
@with_common
@click.option("--exit", "exit_after", is_flag=True, help="Stop the mock once the sync has run (for scripts and CI).")
@click.option("--db", default=":memory:", show_default=True, help="Documentation-store SQLite file for the reference sync.")
def demo(host: str, port: int, fixture: tuple[str, ...], external_url: str | None, settings: tuple[str, ...],
         admin_token: str | None, threads: int, exit_after: bool, db: str) -> None:
    """Start the mock with the demo tenant and run the reference sync against it."""
    config = make_config(fixture, external_url, settings, host, admin_token)
    app = _create_app_or_exit(config)
    server = build_server(app, host, port, threads)
    base_url = f"http://{host}:{server.effective_port}"
    thread = threading.Thread(target=server.run, name="autotask-mock", daemon=True)
    thread.start()
    print_banner(app, base_url)
    from mockserver.app import get_context

    ctx = get_context(app)
    tenant = next(iter(ctx.store.tenants.values()))
    user = next(iter(tenant.api_users.values()))
    code = sorted(tenant.integration_codes)[0]
    console.rule("reference sync: full pull of the demo tenant")
    status = 0
    try:
        from reference_impl.demo import run_demo

        run_demo(f"{base_url}/ATServicesRest/", user.user_name, user.secret, code, console=console, db_path=db)
    except Exception as exc:  # noqa: BLE001 - the demo reports, it does not crash
        console.print(f"[red]reference sync failed: {type(exc).__name__}: {exc}[/]")
        status = 1
    if exit_after:
        server.close()
        sys.exit(status)
    console.print(f"[bold]The mock keeps serving on {base_url} — press Ctrl-C to stop.[/]")
    try:
        thread.join()
    except KeyboardInterrupt:
        console.print("stopped")
