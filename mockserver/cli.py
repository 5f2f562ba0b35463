"""`autotask-mock`: serve the mock, run the demo (mock + reference sync), generate and inspect fixtures.

    autotask-mock serve --fixture NAME|PATH     serve the mock (admin API under /_mock/)
    autotask-mock demo                          serve + run the reference sync against it
    autotask-mock scenarios                     list the named scenarios
    autotask-mock generate --seed 42 ... -o F   write a generated tenant fixture (deterministic)
    autotask-mock export --fixture X -o F       load a fixture and export it (round trip)
    autotask-mock export --url URL --tenant T   export a tenant from a running server (admin API)
"""

from __future__ import annotations

import ipaddress
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console

from mockserver._version import __version__
from mockserver.cli_errors import CliError, OneLineErrorGroup
from mockserver.config import MockConfig
from mockserver.serving import bind_error_message, build_server, stop_server
from mockserver.settings_model import SettingsError

__all__ = ["build_server", "main", "stop_server"]  # build_server / stop_server: mockserver.serving

console = Console(stderr=False)


DEMO_SYNC_GROUP = "autotask_mock.demo_sync"


def _demo_sync() -> Callable[..., Any] | None:
    """The sync the demo runs against the mock, found by entry point so the mock never imports a sync.

    ``reference_impl`` registers ``run_demo(url, user, secret, integration_code, *, console, db_path)`` under
    :data:`DEMO_SYNC_GROUP` in pyproject.toml; the first name in sort order wins.
    """
    from importlib.metadata import entry_points

    found = sorted(entry_points(group=DEMO_SYNC_GROUP), key=lambda ep: ep.name)
    return found[0].load() if found else None


def _is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def print_banner(app, base_url: str) -> None:
    """Print where to point clients and every credential, unwrapped so it can be copied."""
    from mockserver.context import get_context

    ctx = get_context(app)
    out = Console(soft_wrap=True)
    out.print(f"[bold green]Autotask mock listening on {base_url}[/]")
    out.print(f"  zone lookup : {base_url}/ATServicesRest/V1.0/zoneInformation?user=<API user name>")
    out.print(f"  direct base : {base_url}/ATServicesRest/V1.0/")
    if ctx.config.console:
        out.print(f"  web console : {base_url}/_mock/ui/  (tenants, data, request journal, faults, webhooks)")
    out.print("  API users (send as UserName / Secret / ApiIntegrationCode headers):")
    for tenant in ctx.store.tenants.values():
        codes = ", ".join(sorted(tenant.integration_codes))
        for user in tenant.api_users.values():
            out.print(
                f"    tenant {tenant.name}: UserName={user.user_name}  Secret={user.secret}  "
                f"ApiIntegrationCode={codes}  ({user.security_level})",
                highlight=False,
            )


def make_config(fixture: tuple[str, ...], external_url: str | None, settings: tuple[str, ...], host: str,
                admin_token: str | None) -> MockConfig:
    """The MockConfig of the command line; a bad ``--set`` or a missing token ends in ONE error line."""
    overrides: dict[str, Any] = {}
    malformed: list[str] = []
    for item in settings:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            malformed.append(f"{item!r} is not KEY=VALUE")
            continue
        try:
            overrides[key.strip()] = json.loads(raw)
        except ValueError:
            overrides[key.strip()] = raw
    config = MockConfig(fixtures=list(fixture) or ["demo"], external_url=external_url, admin_token=admin_token)
    try:
        config = config.with_overrides(**overrides)
    except SettingsError as exc:
        raise CliError(f"--set: {'; '.join(malformed + exc.problems)}") from None
    if malformed:
        raise CliError(f"--set: {'; '.join(malformed)}")
    if not _is_loopback(host) and not config.admin_token:
        raise CliError("binding to a non-loopback address requires --admin-token "
                       "(the admin API must be protected)")
    return config


def _create_app_or_exit(config: MockConfig):
    """The app, or one error line (exit 2) for a fixture that is missing, unreadable or invalid."""
    from mockserver.app import create_app
    from mockserver.state.tenant import FixtureLoadError

    try:
        return create_app(config)
    except (FixtureLoadError, OSError, ValueError) as exc:  # ValueError: FixtureError (unknown name, bad file)
        raise CliError(" ".join(str(exc).split())) from None


def _bind_or_exit(app, host: str, port: int, threads: int):
    """:func:`build_server`, or one error line naming the port when it cannot be bound (in use, privileged)."""
    try:
        return build_server(app, host, port, threads)
    except OSError as exc:
        raise CliError(bind_error_message(host, port, exc)) from None


def check_db_path(db: str) -> None:
    """Refuse, in one line, a demo ``--db`` file the sync could not open or write (before anything starts)."""
    import os

    if db == ":memory:" or db.startswith("file:"):
        return
    parent = os.path.dirname(os.path.abspath(db))
    if os.path.isdir(db):
        raise CliError(f"--db {db!r} is a directory: give a file path (created if missing) or :memory:")
    if not os.path.isdir(parent):
        raise CliError(f"--db {db!r}: the directory {parent!r} does not exist (give a writable file path or :memory:)")
    target = db if os.path.exists(db) else parent
    if not os.access(target, os.W_OK):
        raise CliError(f"--db {db!r} is read-only: make it writable, or give another file or :memory:")


@click.group(cls=OneLineErrorGroup)
@click.version_option(__version__, prog_name="autotask-mock")
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
@click.option("--zones", default=0, show_default=True, type=click.IntRange(min=0), metavar="N",
              help="Run N zone worker processes (zone K on --port + K) behind the zone lookup and admin API on "
                   "--port; fixtures go to the zones round-robin. 0: one process.")
def serve(host: str, port: int, fixture: tuple[str, ...], external_url: str | None, settings: tuple[str, ...],
          admin_token: str | None, threads: int, zones: int) -> None:
    """Serve the mock until interrupted."""
    if zones:
        checked = make_config(fixture, None, settings, host, admin_token)  # the same checks as one process
        from mockserver.zones.cluster import serve_zones

        serve_zones(zones, checked.fixtures, host=host, port=port, threads=threads,
                    settings=checked.public_settings(), external_url=external_url, admin_token=admin_token)
        return
    config = make_config(fixture, external_url, settings, host, admin_token)
    app = _create_app_or_exit(config)
    server = _bind_or_exit(app, host, port, threads)
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
    check_db_path(db)
    config = make_config(fixture, external_url, settings, host, admin_token)
    app = _create_app_or_exit(config)
    server = _bind_or_exit(app, host, port, threads)
    base_url = f"http://{host}:{server.effective_port}"
    thread = threading.Thread(target=server.run, name="autotask-mock", daemon=True)
    thread.start()
    print_banner(app, base_url)
    from mockserver.context import get_context

    ctx = get_context(app)
    tenant = next(iter(ctx.store.tenants.values()))
    user = next(iter(tenant.api_users.values()))
    code = sorted(tenant.integration_codes)[0]
    console.rule("reference sync: full pull of the demo tenant")
    status = 0
    run_demo = _demo_sync()
    if run_demo is None:
        console.print(f"[red]no sync is registered under the entry-point group {DEMO_SYNC_GROUP!r} "
                      "(install the package: python -m pip install -e .)[/]")
        status = 1
    else:
        try:
            run_demo(f"{base_url}/ATServicesRest/", user.user_name, user.secret, code, console=console, db_path=db)
        except Exception as exc:  # noqa: BLE001 - the demo reports, it does not crash
            console.print(f"[red]reference sync failed: {type(exc).__name__}: {exc}[/]")
            status = 1
    if exit_after:
        server.close()
        sys.exit(status)
    if config.console:
        console.print(f"[bold]Open the web console to see the data and every call the sync made: {base_url}/_mock/ui/[/]",
                      soft_wrap=True)
    console.print(f"[bold]The mock keeps serving on {base_url} — press Ctrl-C to stop.[/]")
    try:
        thread.join()
    except KeyboardInterrupt:
        console.print("stopped")


# ---------------------------------------------------------------------------------------------- fixtures
def _write_doc(doc: dict[str, Any], output: str) -> None:
    from mockserver.fixtures.format import dump_fixture, dumps_fixture

    if output == "-":
        click.echo(dumps_fixture(doc, "json"), nl=False)
    else:
        dump_fixture(doc, output)


def _counts(doc: dict[str, Any]) -> str:
    return ", ".join(f"{len(rows)} {name}" for name, rows in (doc.get("records") or {}).items()) or "no records"


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (name, description, rules) instead of a table.")
def scenarios(as_json: bool) -> None:
    """List the named scenarios with a one-line description."""
    from mockserver.fixtures.scenarios import list_scenarios

    found = list_scenarios()
    if as_json:
        click.echo(json.dumps([{"name": s.name, "description": s.description, "rules": list(s.rules)} for s in found],
                              indent=2))
        return
    if not found:
        click.echo("no scenarios found")
        return
    width = max(len(s.name) for s in found)
    for s in found:
        click.echo(f"{s.name.ljust(width)}  {one_line(s.description)}")


def one_line(text: str, limit: int = 100) -> str:
    """The first sentence of a description, at most ``limit`` characters."""
    import re

    flat = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", flat, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _range_option(text: str | None) -> Any:
    if text is None:
        return None
    import re

    parts = [p for p in re.split(r"[-,:]", text.strip()) if p != ""]
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise click.BadParameter(f"expected N or MIN-MAX, got {text!r}") from None
    if len(numbers) == 1:
        return (numbers[0], numbers[0])
    if len(numbers) != 2:
        raise click.BadParameter(f"expected N or MIN-MAX, got {text!r}")
    return tuple(numbers)


@main.command()
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed.")
@click.option("--companies", default=50, show_default=True, type=int, help="Number of companies.")
@click.option("--contacts-per-company", default=None, metavar="MIN-MAX", help="Contacts per company (default 1-6).")
@click.option("--locations-per-company", default=None, metavar="MIN-MAX", help="Locations per company (default 1-3).")
@click.option("--cis", default=None, type=int, help="Configuration items (default 8 per company).")
@click.option("--tickets", default=None, type=int, help="Tickets (default 5 per company).")
@click.option("--products", default=40, show_default=True, type=int, help="Products.")
@click.option("--name", default="generated", show_default=True, help="Tenant name ([a-z0-9_-]).")
@click.option("--now", default=None, help="Tenant clock, ISO 8601 UTC (default 2026-01-01T00:00:00Z).")
@click.option("--api-user", default=None, help="API user name.")
@click.option("--secret", default=None, help="API user secret.")
@click.option("--integration-code", default=None, help="Tracking identifier (ApiIntegrationCode).")
@click.option("--zone", default=2, show_default=True, type=int, help="webservices host number of the tenant.")
@click.option("-o", "--output", default="-", show_default=True,
              help="Output file (.json, .yaml/.yml, optionally .gz); '-' writes JSON to stdout.")
def generate(seed: int, companies: int, contacts_per_company: str | None, locations_per_company: str | None,
             cis: int | None, tickets: int | None, products: int, name: str, now: str | None, api_user: str | None,
             secret: str | None, integration_code: str | None, zone: int, output: str) -> None:
    """Generate a realistic tenant fixture; the same options always give byte-identical output."""
    from mockserver.fixtures.generator import generate_tenant

    kwargs: dict[str, Any] = dict(seed=seed, companies=companies, cis=cis, tickets=tickets, products=products,
                                  name=name, now=now, api_user=api_user, secret=secret,
                                  integration_code=integration_code, zone=zone)
    if contacts_per_company is not None:
        kwargs["contacts_per_company"] = _range_option(contacts_per_company)
    if locations_per_company is not None:
        kwargs["locations_per_company"] = _range_option(locations_per_company)
    try:
        doc = generate_tenant(**kwargs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    _write_doc(doc, output)
    if output != "-":
        click.echo(f"wrote {output}: {_counts(doc)}", err=True)


def export_fixture(fixture: str) -> dict[str, Any]:
    """Load a fixture into a scratch store (with every rule the mock applies) and export it again."""
    from mockserver.catalog import load_catalog
    from mockserver.fixtures_loader import read_fixture
    from mockserver.state.store import Store

    doc, source = read_fixture(fixture)
    store = Store(load_catalog(), MockConfig(fixtures=[]))
    state = store.add_tenant(doc, source)
    tenant_doc = doc.get("tenant") or {}
    running = bool(tenant_doc.get("clock")) and not tenant_doc.get("clockFrozen")
    if running:
        # Export the clock the fixture states, not "now plus the microseconds loading took".
        from mockserver.state.values import coerce

        state.clock.set(coerce("datetime", tenant_doc["clock"]), frozen=True)
    exported = store.export_tenant(state.name)
    assert exported is not None
    if running:
        exported["tenant"].pop("clockFrozen", None)
    return exported


@main.command()
@click.option("--fixture", default=None, help="Fixture to load and export: scenario/tenant name or file path.")
@click.option("--url", default=None, help="Export from this running mock server instead (admin API).")
@click.option("--tenant", default=None, help="Tenant to export from --url (default: the only one).")
@click.option("--admin-token", default=None, envvar="AUTOTASK_MOCK_ADMIN_TOKEN", help="Admin token of --url.")
@click.option("-o", "--output", default="-", show_default=True,
              help="Output file (.json, .yaml/.yml, optionally .gz); '-' writes JSON to stdout.")
def export(fixture: str | None, url: str | None, tenant: str | None, admin_token: str | None, output: str) -> None:
    """Export a tenant as a fixture: from a fixture (load, then export) or from a running server."""
    if (fixture is None) == (url is None):
        raise click.UsageError("give exactly one of --fixture or --url")
    if fixture is not None:
        from mockserver.state.tenant import FixtureLoadError

        try:
            doc = export_fixture(fixture)
        except (FixtureLoadError, FileNotFoundError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    else:
        from mockserver.admin.client import AdminApiError, AdminClient

        client = AdminClient(url, token=admin_token)
        try:
            if tenant is None:
                names = [t["name"] for t in client.tenants()]
                if len(names) != 1:
                    raise click.UsageError(f"the server has {len(names)} tenants ({', '.join(names) or 'none'}); "
                                           "choose one with --tenant")
                tenant = names[0]
            doc = client.export(tenant)
        except AdminApiError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"cannot reach {url}: {exc}") from None
    _write_doc(doc, output)
    if output != "-":
        click.echo(f"wrote {output}: {_counts(doc)}", err=True)


from mockserver.cli_recording import register as _register_recording  # noqa: E402 - record, replay, parity

_register_recording(main)

if __name__ == "__main__":
    main()
