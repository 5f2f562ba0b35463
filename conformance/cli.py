"""`autotask-conformance`: run the conformance kit against an adapter and report per rule.

    autotask-conformance run --adapter MODULE:FACTORY|URL [--profile ci|deep] [--only RULE-GLOB,...]
                             [--junit-xml FILE] [--report FILE.md|FILE.html]

Exit codes: 0 the implementation conforms, 1 it does not, 2 the run itself failed (the adapter cannot be loaded,
does not answer, times out, answers non-JSON or breaks the protocol: one line names the operation and what was wrong).

``main`` is a click group: another command joins it with ``main.add_command(cmd, "name")``.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from conformance.errors import AdapterProtocolError
from conformance.report import (
    PropertyResult,
    Run,
    exit_code,
    render_html,
    render_junit,
    render_markdown,
    summary_line,
)
from mockserver._version import __version__
from mockserver.cli_errors import OneLineErrorGroup

PACKAGE_DIR = Path(__file__).resolve().parent
STATE_DIR = Path(".conformance")  # hypothesis example database (deep profile) and default scenario directory
PROFILES = {"ci": "conformance-ci", "deep": "conformance-deep"}
PROG = "autotask-conformance"
PROBE_TIMEOUT = 5.0
GUARDED = "conformance.guard:guarded_factory"  # pytest runs the guarded adapter (conformance/guard.py)


class RunFailed(Exception):
    """The run could not judge the adapter (exit 2); ``str()`` is the one line to print."""


# ------------------------------------------------------------------------------------------------ adapter probe
def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def _reachable(url: str) -> None:
    """Raise :class:`RunFailed` when nothing listens at ``url`` (before the kit spends time on it)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=PROBE_TIMEOUT).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RunFailed(str(AdapterProtocolError("connect", f"nothing answers at {url} ({reason.lower()})"))) from exc


def probe(spec: str) -> frozenset[str]:
    """Load the factory, create one adapter, read ``capabilities``, close it. Any failure is a failed run."""
    from conformance.adapter import load_factory

    if is_url(spec):
        _reachable(spec)
    op = "load"
    try:
        factory = load_factory(spec)
        op = "create"
        adapter = factory()
        op = "capabilities"
        caps = frozenset(getattr(adapter, "capabilities", ()))
        op = "close"
        adapter.close()
    except AdapterProtocolError as exc:
        raise RunFailed(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - whatever breaks here means the adapter was never judged
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if op == "load":
            raise RunFailed(f"cannot load adapter {spec!r}: {detail}") from exc
        raise RunFailed(f"adapter error in '{op}': {detail}") from exc
    return caps


# ------------------------------------------------------------------------------------------------ progress display
def make_printer(stream: Any) -> Callable[[str, PropertyResult | None], None]:
    """Progress lines: one updating line per property on a terminal, plain lines (and a heartbeat) otherwise."""
    tty = hasattr(stream, "isatty") and stream.isatty()
    last = {"t": 0.0}
    mark = {"passed": "✓", "failed": "✗", "skipped": "-", "error": "!"}

    def head(p: PropertyResult) -> str:
        return f"{p.name} [{', '.join(p.rules) or 'no rule id'}]"

    def printer(event: str, p: PropertyResult | None) -> None:
        if p is None:
            return
        now = time.monotonic()
        if event == "start":
            last["t"] = now
            stream.write(f"\r\x1b[K▶ {head(p)}" if tty else f"▶ {head(p)}\n")
        elif event == "example":
            if tty:
                stream.write(f"\r\x1b[K▶ {head(p)}: {p.examples} examples")
            elif now - last["t"] >= 10:
                last["t"] = now
                stream.write(f"  … {p.examples} examples so far\n")
        elif event == "done":
            why = f" ({p.skip_reason})" if p.outcome == "skipped" else ""
            why = f" ({', '.join(p.blamed)})" if p.outcome == "failed" else why
            why = " (not judged: the adapter broke the protocol)" if p.outcome == "error" else why
            line = f"{mark.get(p.outcome, '?')} {p.outcome}{why}: {p.examples} examples, {p.duration:.1f} s"
            stream.write(f"\r\x1b[K{mark.get(p.outcome, '?')} {head(p)}: {line[2:]}\n" if tty else f"  {line}\n")
        stream.flush()

    return printer


# ------------------------------------------------------------------------------------------------ the run
def _profile_settings(profile: str, database_dir: Path) -> str:
    """Register and return the runner's hypothesis profile: the kit's profile, with an example database for deep.

    ``conformance-ci`` is derandomized (a replay with the same command finds the same failure; hypothesis implies
    ``database=None`` there); ``conformance-deep`` saves every failing example in ``database_dir`` and tries the
    saved ones first on the next run, so the replay command starts with the shrunk counterexample.
    """
    from hypothesis import settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    from conformance.plugin import register_profiles

    register_profiles()  # conformance-ci / conformance-deep

    base = PROFILES[profile]
    name = f"{base}-runner"
    kw: dict[str, Any] = {"print_blob": False}
    if not settings.get_profile(base).derandomize:
        kw["database"] = DirectoryBasedExampleDatabase(str(database_dir))
    settings.register_profile(name, parent=settings.get_profile(base), **kw)
    return name


def pytest_args(adapter: str) -> list[str]:
    args = [str(PACKAGE_DIR), f"--sync-adapter={adapter}", "--rootdir", str(PACKAGE_DIR.parent), "-c", os.devnull,
            "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:randomly", "-p", "no:schemathesis",
            "-W", "ignore::DeprecationWarning"]  # schemathesis' plugin blanks hypothesis' counterexamples
    if not any(ep.name == "conformance" for ep in entry_points(group="pytest11")):
        args[1:1] = ["-p", "conformance.plugin"]  # a checkout on PYTHONPATH: the entry point is not installed
    return args


def run_kit(adapter: str, *, profile: str = "ci", only: tuple[str, ...] = (), scenarios_dir: Path,
            database_dir: Path, stream: Any = None, live: bool = False) -> Run:
    """Probe the adapter, run the selected properties in-process, return the :class:`Run` (never raises RunFailed)."""
    import pytest
    from hypothesis import settings

    from conformance.reporting import ReportingPlugin

    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    t0 = time.monotonic()
    run = Run(adapter=adapter, profile=profile, started=started, properties=[], kit_rules={}, only=only)
    try:
        probe(adapter)
    except RunFailed as exc:
        run.error, run.exit_code, run.duration = str(exc), 2, time.monotonic() - t0
        return run

    def replay(test: str) -> str:
        return shlex.join([PROG, "run", "--adapter", adapter, "--profile", profile, *(["--live"] if live else []),
                           "--only", test])

    from conformance import guard

    plugin = ReportingPlugin(only=only, replay=replay, scenarios_dir=scenarios_dir,
                             printer=make_printer(stream or sys.stderr))
    previous = settings._current_profile  # noqa: SLF001 - restored: the run must not change the caller's settings
    settings.load_profile(_profile_settings(profile, database_dir))
    guard.TARGET, previous_target = adapter, guard.TARGET
    addopts = os.environ.pop("PYTEST_ADDOPTS", None)  # e.g. "-n 2": the plugin must see every test in-process
    try:
        code = pytest.main(pytest_args(GUARDED) + (["--live"] if live else []), plugins=[plugin])
    finally:
        settings.load_profile(previous or "default")
        guard.TARGET = previous_target
        if addopts is not None:
            os.environ["PYTEST_ADDOPTS"] = addopts
    run.properties, run.kit_rules = plugin.results, plugin.kit_rules
    run.duration = time.monotonic() - t0
    if plugin.error:
        run.error = plugin.error
    elif plugin.collect_errors:
        run.error = "the kit could not be collected: " + plugin.collect_errors[0]
    elif not plugin.results:
        run.error = (f"--only {','.join(only)} selects no property" if only
                     else f"no property ran (pytest exit code {int(code)})")
    elif int(code) == pytest.ExitCode.INTERRUPTED:
        run.error = "the run was interrupted"
    elif int(code) in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        run.error = f"pytest could not run the kit (exit code {int(code)})"
    run.exit_code = exit_code(run.properties, run.error)
    return run


def write_reports(run: Run, junit_xml: Path | None, report: Path | None) -> list[Path]:
    written = []
    if junit_xml is not None:
        junit_xml.parent.mkdir(parents=True, exist_ok=True)
        junit_xml.write_text(render_junit(run), encoding="utf-8")
        written.append(junit_xml)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        render = render_html if report.suffix.lower() in (".html", ".htm") else render_markdown
        report.write_text(render(run), encoding="utf-8")
        written.append(report)
    return written


# ------------------------------------------------------------------------------------------------ commands
@click.group(cls=OneLineErrorGroup)
@click.version_option(__version__, prog_name="autotask-conformance")
def main() -> None:
    """Conformance kit for Autotask <-> documentation-platform syncs (spec: sync-behaviour.md)."""


def _report_path(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if path.suffix.lower() not in (".md", ".html", ".htm"):
        raise click.BadParameter("the report is FILE.md (Markdown) or FILE.html (HTML)")
    return path


@main.command()
@click.option("--adapter", required=True, metavar="MODULE:FACTORY|URL",
              help="The SyncAdapter factory under test, or the URL of a remote adapter.")
@click.option("--profile", type=click.Choice(sorted(PROFILES)), default="ci", show_default=True,
              help="ci: derandomized, 15 examples per property; deep: 500 examples, failures saved for replay.")
@click.option("--only", "only", default="", metavar="RULE-GLOB,...",
              help="Run only the properties covering matching rules (M-0*, P-11) or with matching test names.")
@click.option("--junit-xml", "junit_xml", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write JUnit XML: one testcase per property, its rule ids as properties.")
@click.option("--report", type=click.Path(dir_okay=False), callback=_report_path, default=None,
              help="Write the per-rule report as Markdown (.md) or self-contained HTML (.html).")
@click.option("--live", is_flag=True, default=False,
              help="Serve the mock over loopback HTTP for a Python adapter too (remote adapters always run live).")
def run(adapter: str, profile: str, only: str, junit_xml: Path | None, report: Path | None, live: bool) -> None:
    """Run the kit against ADAPTER. Exit 0: conforms; 1: does not conform; 2: the run failed."""
    patterns = tuple(p.strip() for p in only.split(",") if p.strip())
    anchor = report or junit_xml
    scenarios_dir = anchor.parent / "scenarios" if anchor is not None else STATE_DIR / "scenarios"
    result = run_kit(adapter, profile=profile, only=patterns, scenarios_dir=scenarios_dir,
                     database_dir=STATE_DIR / "examples", live=live)
    written = write_reports(result, junit_xml, report)
    if result.error:
        click.echo(result.error, err=True)
    for p in result.properties:
        if p.outcome != "failed" or not p.replay:
            continue
        click.echo(f"FAILED {p.name} ({', '.join(p.blamed)}): {p.message.strip().splitlines()[0]}")
        click.echo(f"  replay:   {p.replay}")
        for s in p.scenario:
            click.echo(f"  scenario: {s}")
    if result.properties or not result.error:
        click.echo(summary_line(result))
    for path in written:
        click.echo(f"wrote {path}")
    sys.exit(result.exit_code)


def _register_serve_adapter() -> None:
    from conformance.serve import serve_adapter

    main.add_command(serve_adapter, "serve-adapter")


_register_serve_adapter()

if __name__ == "__main__":
    main()
