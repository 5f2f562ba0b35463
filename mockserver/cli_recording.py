"""`autotask-mock record | replay | parity` (issue 17), registered into the main click group by cli.py.

    autotask-mock record --upstream URL [--port P] -o DIR [--force] [--keep-field E.F] [--no-sanitize]
    autotask-mock replay DIR [--set KEY=VALUE] [--ignore FIELD]
    autotask-mock parity --url URL --user U --secret S --code C [--write]
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click


class CommandError(click.ClickException):
    """One clear line and exit status 2 (1 is reserved for "the replay found differences")."""

    exit_code = 2


def _settings(items: tuple[str, ...]) -> dict[str, Any]:
    from mockserver.config import MockConfig

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise CommandError(f"--set: expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(raw)
        except ValueError:
            out[key.strip()] = raw
    try:
        MockConfig().with_overrides(**out)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--set: {exc}") from None
    return out


@click.command()
@click.option("--upstream", required=True, help="Base URL of the real API (or a mock), e.g. https://webservices.autotask.net")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the proxy binds (loopback by default).")
@click.option("--port", default=5001, show_default=True, type=int, help="Port of the proxy (0 picks a free one).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Capture folder to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing capture folder.")
@click.option("--keep-field", "keep_fields", multiple=True, metavar="ENTITY.FIELD",
              help="Do not sanitize this field (repeatable), e.g. Companies.city.")
@click.option("--no-sanitize", is_flag=True, help="Keep personal data (credentials are removed anyway).")
@click.option("--timeout", default=60.0, show_default=True, type=float, help="Seconds to wait for the upstream.")
@click.option("--seed", default=None, type=int, help="Seed of the faker mapping (default: random per capture).")
def record(upstream: str, host: str, port: int, output: Path, force: bool, keep_fields: tuple[str, ...],
           no_sanitize: bool, timeout: float, seed: int | None) -> None:
    """Run a recording proxy in front of UPSTREAM; on Ctrl-C / SIGTERM write the capture folder."""
    from mockserver.recording.capture import CaptureError, check_output, write_capture
    from mockserver.recording.proxy import RecordingProxy
    from mockserver.serving import build_server, stop_server

    if not upstream.lower().startswith(("http://", "https://")):
        raise CommandError(f"--upstream: expected an http(s) URL, got {upstream!r}")
    for item in keep_fields:
        if item.count(".") != 1 or not all(item.split(".")):
            raise CommandError(f"--keep-field: expected ENTITY.FIELD, got {item!r}")
    try:
        check_output(output, force)
    except CaptureError as exc:
        raise CommandError(str(exc)) from None
    proxy = RecordingProxy(upstream, timeout=timeout)
    server = build_server(proxy, host, port)
    base = f"http://{host}:{server.effective_port}"
    click.echo(f"recording proxy on {base} -> {upstream}", err=False)
    click.echo(f"  zone lookup : {base}/ATServicesRest/V1.0/zoneInformation?user=<API user name>")
    click.echo(f"  direct base : {base}/ATServicesRest/")
    click.echo("Ctrl-C or SIGTERM writes the capture.", err=False)
    sys.stdout.flush()
    thread = threading.Thread(target=server.run, name="autotask-mock-record", daemon=True)
    stop = threading.Event()
    # Ctrl-C and SIGTERM both end the recording (SIGINT explicitly: a shell may start it with SIGINT ignored)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    thread.start()
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_server(server, thread, timeout=10)
    exchanges = proxy.snapshot()
    try:
        capture = write_capture(output, exchanges, sanitize=not no_sanitize, keep_fields=keep_fields, seed=seed,
                                upstream=upstream, force=force, version=_version())
    except CaptureError as exc:
        raise CommandError(str(exc)) from None
    counts = ", ".join(f"{len(v)} {k}" for k, v in capture.fixture["records"].items()) or "no records"
    click.echo(f"wrote {output}: {len(exchanges)} exchanges "
               f"({capture.meta['upstreamFailures']} upstream failures); tenant.yaml: {counts}")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Behaviour setting of the replay mock (as for serve), e.g. missing_item_status=404.")
@click.option("--ignore", "ignore", multiple=True, metavar="FIELD",
              help="Field name to leave out of the comparison (repeatable), e.g. lastActivityDate.")
def replay(folder: Path, settings: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """Replay a capture against a fresh mock; exit 1 on any difference."""
    from mockserver.recording.capture import CaptureError
    from mockserver.replay import replay_capture
    from mockserver.state.tenant import FixtureLoadError

    overrides = _settings(settings)
    try:
        result = replay_capture(folder, settings=overrides, ignore=ignore)
    except CaptureError as exc:
        raise CommandError(str(exc)) from None
    except (FixtureLoadError, ValueError) as exc:
        raise CommandError(f"{folder}: the captured fixture does not load: "
                                   f"{str(exc).splitlines()[0]}") from None
    for line in result.skipped:
        click.echo(f"skipped {line}")
    for diff in result.differences:
        click.echo(diff.render())
    click.echo(f"replayed {result.replayed} exchanges: {len(result.differences)} differ"
               + (f", {len(result.skipped)} skipped" if result.skipped else ""))
    sys.exit(1 if result.differences else 0)


@click.command()
@click.option("--url", required=True, help="Zone root or base of the tenant, e.g. https://webservices2.autotask.net")
@click.option("--user", required=True, help="API user name.")
@click.option("--secret", required=True, help="API user secret.")
@click.option("--code", required=True, help="API integration code (tracking identifier).")
@click.option("--write", is_flag=True, help="Also run the probes that create (and then delete) prefixed records.")
@click.option("--limited-user", default=None, help="A second API user without create permission (permission probe).")
@click.option("--limited-secret", default=None, help="Secret of --limited-user.")
@click.option("--timeout", default=60.0, show_default=True, type=float, help="Seconds per request.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def parity(url: str, user: str, secret: str, code: str, write: bool, limited_user: str | None,
           limited_secret: str | None, timeout: float, as_json: bool) -> None:
    """Observe a live tenant's behaviour for every mock setting; print the --set line matching it."""
    from mockserver.parity.report import render
    from mockserver.parity.runner import ParityError, run_parity

    if bool(limited_user) != bool(limited_secret):
        raise CommandError("--limited-user and --limited-secret go together: give both or neither")
    limited = (limited_user, limited_secret) if limited_user and limited_secret else None
    try:
        report = run_parity(url, user, secret, code, write=write, timeout=timeout, limited=limited)
    except ParityError as exc:
        raise CommandError(str(exc)) from None
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else render(report))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autotask-mock")
    except PackageNotFoundError:
        return "0"


def register(group: click.Group) -> None:
    for command in (record, replay, parity):
        group.add_command(command)
