"""``autotask-sync``: connect, settings, sync, status, logs.

Every failure class prints exactly one line a person can act on (C-04..C-07, SC-08, SC-09) and exits non-zero;
tracebacks are for bugs only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from mockserver._version import __version__
from mockserver.cli_errors import OneLineErrorGroup
from reference_impl.client import AutotaskError
from reference_impl.docstore import DocStore
from reference_impl.sync import NotConnectedError, RecordActionError, SettingsError, SyncService

DEFAULT_DB = "autotask-sync.sqlite"
KINDS = ("organization", "location", "contact", "configuration", "ticket")

console = Console()
err_console = Console(stderr=True)


def _service(ctx: click.Context) -> SyncService:
    obj = ctx.ensure_object(dict)
    if "service" not in obj:
        factory = obj.get("client_factory")
        obj["service"] = SyncService(DocStore(obj["db"]), factory)
    return obj["service"]


def _fail(kind: str, message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[red]Error ({kind}):[/red] {message}", soft_wrap=True, highlight=False)
    sys.exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Translate each failure class into one line and an exit code."""
    try:
        yield
    except AutotaskError as exc:
        _fail(exc.kind, exc.message)
    except SettingsError as exc:
        _fail("settings", str(exc))
    except NotConnectedError as exc:
        _fail("not-connected", str(exc))
    except RecordActionError as exc:
        _fail("refused", str(exc))
    except PermissionError as exc:
        _fail("role", str(exc))
    except sqlite3.Error as exc:
        _fail("database", database_error_message(click.get_current_context().find_root().params.get("db"), exc))


def database_error_message(db: str | None, exc: sqlite3.Error) -> str:
    """One line saying why the documentation store ``--db`` cannot be used, and what to do about it."""
    text = str(exc)
    low = text.lower()
    if "unable to open" in low:
        parent = os.path.dirname(os.path.abspath(db or ".")) or "."
        why = "its directory does not exist" if not os.path.isdir(parent) else "it cannot be created or read there"
        return f"cannot open the documentation store --db {db!r}: {why} (give a writable file path or :memory:)"
    if "readonly" in low or "read-only" in low:
        return f"the documentation store --db {db!r} is read-only: make the file and its directory writable"
    if "locked" in low or "busy" in low:
        return (f"the documentation store --db {db!r} is locked by another process: wait for it to finish "
                "or use another --db file")
    if "not a database" in low or "malformed" in low:
        return f"--db {db!r} is not a usable SQLite database ({text}): give another file"
    return f"the documentation store --db {db!r} failed: {text}"


@click.group(cls=OneLineErrorGroup)
@click.version_option(__version__, prog_name="autotask-sync")
@click.option("--db", envvar="AUTOTASK_SYNC_DB", default=DEFAULT_DB, show_default=True,
              help="Documentation store (SQLite file, or :memory:).")
@click.pass_context
def main(ctx: click.Context, db: str) -> None:
    """Reference IT Glue-style sync with Autotask PSA (pull, two-way push and lifecycle)."""
    ctx.ensure_object(dict)["db"] = db


@main.command()
@click.option("--username", envvar="AUTOTASK_USERNAME", required=True, help="API user name (key).")
@click.option("--secret", envvar="AUTOTASK_SECRET", prompt=True, hide_input=True, help="API user secret.")
@click.option("--integration-code", envvar="AUTOTASK_INTEGRATION_CODE", required=True,
              help="API tracking identifier.")
@click.option("--zone-url", default=None, help="Manual Zone URL; skips the zone lookup (C-03).")
@click.option("--zone-lookup-url", envvar="AUTOTASK_ZONE_LOOKUP_URL", default=None,
              help="Where to run the zone lookup (default: webservices.autotask.net).")
@click.pass_context
def connect(ctx: click.Context, username: str, secret: str, integration_code: str, zone_url: str | None,
            zone_lookup_url: str | None) -> None:
    """Validate credentials and store the integration (C-01)."""
    with _errors():
        zone = _service(ctx).connect(username, secret, integration_code, zone_lookup_url=zone_lookup_url,
                                     zone_url=zone_url)
        console.print(f"[green]Connected to Autotask ({zone.host})[/green]")


def _split(values: tuple[str, ...]) -> set[str]:
    return {v.strip() for item in values for v in item.split(",") if v.strip()}


@main.command("settings")
@click.option("--show-options", is_flag=True, help="List the choices the tenant offers.")
@click.option("--all", "select_all", is_flag=True, help="Select every account type, CI type and queue.")
@click.option("--account-type", multiple=True, help="companyType value(s) to sync (SC-01).")
@click.option("--classification-sync/--no-classification-sync", default=None)
@click.option("--classification", multiple=True)
@click.option("--without-classification/--no-without-classification", default=None)
@click.option("--ci-type", multiple=True, help="ConfigurationItemTypes id(s) (SC-02).")
@click.option("--without-ci-type/--no-without-ci-type", default=None)
@click.option("--contacts/--no-contacts", default=None)
@click.option("--locations/--no-locations", default=None)
@click.option("--queue", multiple=True, help="Ticket queueID value(s) (SC-07).")
@click.option("--ticket-months", type=int, default=None, help="0 clears the window.")
@click.option("--account-manager", type=int, default=None, help="Default Account Manager resource id (SC-08).")
@click.option("--material-code", default=None, help="Default Material Code (SC-09).")
@click.option("--product-category", default=None, help="Default Product Category (SC-09).")
@click.option("--mac-udf", default=None, help="UDF holding MAC addresses (Q3).")
@click.option("--two-way/--no-two-way", default=None, help="Two-way sync (§8); off = nothing is written (P-01).")
@click.pass_context
def settings_cmd(ctx: click.Context, show_options: bool, select_all: bool, **opts: Any) -> None:
    """Show or change the sync settings; saving validates and queues a sync (SC-10)."""
    with _errors():
        svc = _service(ctx)
        if show_options:
            for name, choices in svc.tenant_options().items():
                t = Table(title=name)
                t.add_column("value")
                t.add_column("label")
                for v, label in choices.items():
                    t.add_row(v, label)
                console.print(t)
            return
        s = svc.settings
        changes: dict[str, Any] = {}
        if select_all:
            o = svc.tenant_options()
            changes.update(account_types=set(o["account_types"]), ci_types=set(o["ci_types"]),
                           queues=set(o["queues"]))
        mapping: dict[str, tuple[str, Callable[[Any], Any]]] = {
            "account_type": ("account_types", _split), "classification": ("classifications", _split),
            "ci_type": ("ci_types", _split), "queue": ("queues", _split),
            "classification_sync": ("classification_sync", bool),
            "without_classification": ("sync_without_classification", bool),
            "without_ci_type": ("sync_without_ci_type", bool), "contacts": ("contacts_enabled", bool),
            "locations": ("locations_enabled", bool),
            "ticket_months": ("ticket_months", lambda v: v or None),
            "account_manager": ("default_account_manager", int), "material_code": ("default_material_code", str),
            "product_category": ("default_product_category", str), "mac_udf": ("mac_udf_name", str),
            "two_way": ("two_way", bool)}
        for opt, value in opts.items():
            if value is None or value == ():
                continue
            field, conv = mapping[opt]
            changes[field] = conv(value)
        if changes:
            s = s.with_(**changes)
            svc.save_settings(s)
            console.print("[green]Settings saved; a sync is queued.[/green]")
        console.print_json(json.dumps(s.to_json()))


class _Bar:
    """Adapts the pull's progress callback to a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("Starting", total=None)

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.progress.update(self.task, description=stage, completed=done, total=total or None)


@main.command()
@click.option("--full", is_flag=True, help="Full pass (default: incremental when possible).")
@click.pass_context
def sync(ctx: click.Context, full: bool) -> None:
    """Run a sync pass now ("Start Manual Sync")."""
    with _errors():
        svc = _service(ctx)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err_console, transient=True,
                      disable=not err_console.is_terminal) as progress:
            result = svc.run_pass(full=full, progress=_Bar(progress))
        if result.status != "ok":
            _fail(result.error_kind or "sync", result.error or "sync failed")
        _print_counts(result.to_json())


def _print_counts(res: dict[str, Any]) -> None:
    t = Table(title=f"{'Full' if res['full'] else 'Incremental'} pass #{res['pass_id']}")
    cols = ("fetched", "created", "updated", "linked", "orphaned", "skipped", "failed")
    t.add_column("kind", no_wrap=True)
    for c in cols:
        t.add_column(c, justify="right")
    for kind, counts in res["counts"].items():
        row = {**counts, "linked": counts["linked"] + counts["relinked"]}
        t.add_row(kind, *(str(row[x]) for x in cols))
    console.print(t)
    console.print(f"{res['api_calls']} API calls, {res['duration_s']:.2f}s")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Integration status and Manage Data summary (ST-01, ST-04)."""
    with _errors():
        st = _service(ctx).status()
        if as_json:
            click.echo(json.dumps(st, indent=2, sort_keys=True, default=str))
            return
        if not st["connected"]:
            console.print("Not connected.")
            return
        console.print(f"Status: [bold]{st['status']}[/bold]  Zone: {st['zone_host']} ({st['zone_source']})")
        if st.get("last_error"):
            console.print(f"[red]Last error:[/red] {st['last_error']}")
        console.print(f"Last sync: {st['last_sync_at']}  Next: {st['next_sync_at']}")
        t = Table(title="Manage Data")
        for c in ("category", "synced", "orphaned", "disconnected", "errors", "sync active"):
            t.add_column(c)
        for kind, s in st["summary"].items():
            t.add_row(kind, str(s["synced"]), str(s["orphaned"]), str(s["disconnected"]), str(s["errors"]),
                      "Yes" if s["sync_active"] else "No")
        console.print(t)


@main.command()
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def logs(ctx: click.Context, limit: int) -> None:
    """Sync logs, oldest first (ST-02)."""
    with _errors():
        for entry in _service(ctx).logs(limit):
            style = {"error": "red", "warning": "yellow"}.get(entry["level"], "")
            line = f"{entry['at']} {entry['level']:<7} {entry['message']}"
            console.print(f"[{style}]{line}[/{style}]" if style else line, highlight=False, soft_wrap=True)


# ---------------------------------------------------------------------------------------------------- part 2
KIND_CHOICE = click.Choice(KINDS)


def _confirm(message: str, yes: bool) -> None:
    """Irreversible actions ask first; --yes answers for scripts."""
    if not yes and not click.confirm(message, default=False):
        _fail("aborted", "Nothing was done.", code=1)


def _print_outcome(out: dict[str, Any] | None) -> None:
    if out is None:
        console.print("Saved; nothing pushed.")
        return
    action = out.get("action")
    if action == "error":
        _fail("push", f"Saved, but the push failed: {out.get('error')}", code=3)
    msg = {"updated": "pushed to Autotask", "created": "created in Autotask", "linked": "linked to Autotask",
           "none": "nothing to push", "skipped": "not pushed"}.get(str(action), str(action))
    psa = f" (Autotask id {out['psa_id']})" if out.get("psa_id") else ""
    reason = f": {out['reason']}" if out.get("reason") and action in ("skipped", "none") else ""
    console.print(f"Saved; {msg}{psa}{reason}", highlight=False)


def _parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    """``--set FIELD=VALUE`` pairs; a malformed pair ends in one error line listing every bad one."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for item in values:
        k, sep, v = item.partition("=")
        key = k.strip()
        if not sep or not key:
            problems.append(f"expected FIELD=VALUE, got {item!r}")
            continue
        if key == "organization_id" and v != "":
            try:
                out[key] = int(v)
            except ValueError:
                problems.append(f"organization_id={v!r}: must be an organization id (an integer)")
            continue
        out[key] = None if v == "" else v
    if problems:
        _fail("usage", "--set: " + "; ".join(problems))
    return out


@main.command()
@click.argument("kind", type=KIND_CHOICE)
@click.argument("record_id", type=int)
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="Field to change (repeatable); FIELD= clears it; organization_id=N moves a child.")
@click.pass_context
def edit(ctx: click.Context, kind: str, record_id: int, sets: tuple[str, ...]) -> None:
    """Edit and save a record as the UI does; with two-way on the save pushes at once (P-02, P-05, P-06)."""
    with _errors():
        out = _service(ctx).ui_save(kind, record_id, _parse_sets(sets))
        _print_outcome(out.get("outcome"))


@main.command()
@click.argument("kind", type=KIND_CHOICE)
@click.argument("record_id", type=int)
@click.pass_context
def push(ctx: click.Context, kind: str, record_id: int) -> None:
    """Edit+save without a change: match-or-create an unlinked record, retry one in error (P-05, R-05)."""
    with _errors():
        _print_outcome(_service(ctx).push_record(kind, record_id))


@main.command("push-all")
@click.option("--enable", "enable_flag", is_flag=True, help="Enable push-all first (PA-04).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def push_all_cmd(ctx: click.Context, enable_flag: bool, yes: bool) -> None:
    """One-time push of every eligible record WITHOUT matching: duplicates are expected (PA-01..PA-07)."""
    with _errors():
        svc = _service(ctx)
        _confirm("Push-all sends every eligible organization, configuration, contact and location to Autotask "
                 "without matching (duplicates are created) and can run only once. Continue?", yes)
        if enable_flag:
            svc.enable_push_all()
        res = svc.push_all()
        t = Table(title="Push-all")
        for c in ("kind", "pushed", "skipped", "failed"):
            t.add_column(c)
        for kind, c in res["counts"].items():
            t.add_row(kind, str(c["pushed"]), str(c["skipped"]), str(c["failed"]))
        console.print(t)


def _record_command(name: str, method: str, done: str, doc: str) -> None:
    @main.command(name, help=doc)
    @click.argument("kind", type=KIND_CHOICE)
    @click.argument("record_id", type=int)
    @click.pass_context
    def cmd(ctx: click.Context, kind: str, record_id: int) -> None:
        with _errors():
            res = getattr(_service(ctx), method)(kind, record_id)
            if getattr(res, "status", "ok") != "ok":
                _fail(res.error_kind or "sync", res.error or "sync failed")
            console.print(f"{kind} {record_id}: {done}")


_record_command("disable", "disable_sync", "sync disabled", "Disable sync for one record (R-01).")
_record_command("enable", "enable_sync", "sync enabled; the next pull overwrites local edits",
                "Re-enable sync for one record (R-02, R-06).")
_record_command("sync-now", "sync_now", "synced", "Pull one record's latest Autotask values now (R-03).")


@main.command()
@click.pass_context
def pause(ctx: click.Context) -> None:
    """Pause syncing: nothing is pulled or pushed until resume (D-01, P-14)."""
    with _errors():
        _service(ctx).pause()
        console.print("Sync paused.")


@main.command()
@click.pass_context
def resume(ctx: click.Context) -> None:
    """Resume syncing (D-01); edits saved while paused must be saved again (Q13)."""
    with _errors():
        _service(ctx).resume()
        console.print("Sync resumed.")


@main.command()
@click.option("--keep-data", "mode", flag_value="keep", help="Remove every link, keep all records (D-02).")
@click.option("--delete-all", "mode", flag_value="delete_all",
              help="Delete every synced organization with all its data (D-04, Q18).")
@click.option("--enable-delete-all", is_flag=True, help="Enable the delete-all option first (D-04).")
@click.option("--role", default="Administrator", show_default=True, help="Your role (D-08).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def disconnect(ctx: click.Context, mode: str | None, enable_delete_all: bool, role: str, yes: bool) -> None:
    """Remove the integration (nothing is written to Autotask)."""
    if mode is None:
        _fail("usage", "Choose --keep-data or --delete-all.", code=2)
    with _errors():
        svc = _service(ctx)
        if mode == "delete_all":
            _confirm("This PERMANENTLY DELETES every synced organization and all of its data, including "
                     "documentation-only data. It cannot be undone. Continue?", yes)
            if enable_delete_all:
                svc.enable_delete_all(role=role)
        else:
            _confirm("This removes the integration and every sync link (records are kept). Continue?", yes)
        res = svc.disconnect(mode, role=role)
        console.print(f"Disconnected: {res['links_removed']} links removed" + (
            ", deleted " + ", ".join(f"{n} {k.removeprefix('deleted_')}" for k, n in res.items()
                                     if k.startswith("deleted_") and n) if mode == "delete_all" else
            "; all data kept"), highlight=False)


if __name__ == "__main__":  # pragma: no cover
    main(obj={"db": os.environ.get("AUTOTASK_SYNC_DB", DEFAULT_DB)})
