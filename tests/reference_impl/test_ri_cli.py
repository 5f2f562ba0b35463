"""The autotask-sync CLI and the demo entry point (one clear line per failure class)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from ri_fake_autotask import CODE, LOOKUP_ROOT, SECRET, USERNAME, fake_client_factory
from rich.console import Console

from reference_impl.cli import main
from reference_impl.demo import run_demo


@pytest.fixture
def cli(tmp_path, fake, tenant, clock):
    db = str(tmp_path / "sync.sqlite")
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, ["--db", db, *args], obj={"client_factory": fake_client_factory(clock)},
                             input=input, catch_exceptions=False)
    return run


def connect_args(secret: str = SECRET, user: str = USERNAME, code: str = CODE):
    return ["connect", "--username", user, "--secret", secret, "--integration-code", code,
            "--zone-lookup-url", LOOKUP_ROOT]


def test_C08_connect_prints_resolved_zone(cli):
    r = cli(*connect_args())
    assert r.exit_code == 0 and "Connected to Autotask (127.0.0.1:8112)" in r.output


@pytest.mark.parametrize("args,kind", [
    (connect_args(secret="nope"), "bad-secret"),
    (connect_args(user="ghost@x.example"), "bad-username"),
    (connect_args(code="BAD"), "bad-integration-code"),
])
def test_C04_C06_each_failure_class_is_one_clear_line(cli, args, kind):
    r = cli(*args)
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"Error ({kind}):")


def test_C05_permission_error_one_line(cli, fake):
    fake.denied["Companies"] = 403
    r = cli(*connect_args())
    assert r.exit_code == 2 and r.output.startswith("Error (permission):") and "API User (system)" in r.output


def test_settings_sync_status_logs_flow(cli):
    assert cli(*connect_args()).exit_code == 0
    r = cli("settings", "--account-type", "1", "--ci-type", "1,2", "--without-ci-type", "--queue", "5",
            "--locations", "--account-manager", "29682885", "--material-code", "100", "--product-category", "1")
    assert r.exit_code == 0, r.output
    r = cli("sync", "--full")
    assert r.exit_code == 0 and "configuration" in r.output and "API calls" in r.output
    r = cli("status", "--json")
    st = json.loads(r.output)
    assert st["status"] == "OK" and st["summary"]["organization"]["synced"] == 2 and SECRET not in r.output
    r = cli("logs")
    assert "Sync completed" in r.output


def test_SC08_settings_error_is_one_line(cli):
    cli(*connect_args())
    r = cli("settings", "--account-type", "1", "--account-manager", "29682886", "--material-code", "1",
            "--product-category", "1")
    assert r.exit_code == 2 and r.output.startswith("Error (settings):") and "SC-08" in r.output


def test_not_connected_is_one_line(cli):
    r = cli("sync")
    assert r.exit_code == 2 and r.output.startswith("Error (not-connected):")


def test_settings_show_options_reads_tenant_picklists(cli):
    cli(*connect_args())
    r = cli("settings", "--show-options")
    assert r.exit_code == 0 and "Customer" in r.output and "Service Desk" in r.output


def test_run_demo_selects_everything_from_the_tenant_and_prints_summary(fake, tenant, clock):
    console = Console(record=True, width=120)
    summary = run_demo(LOOKUP_ROOT, USERNAME, SECRET, CODE, console, client_factory=fake_client_factory(clock))
    out = console.export_text()
    assert "Connected to Autotask (127.0.0.1:8112)" in out and "Configurations" in out
    assert summary["status"] == "ok" and summary["api_calls"] > 0
    assert summary["counts"]["organization"]["created"] == 3  # every account type selected
    assert summary["counts"]["ticket"]["created"] == 3  # every queue selected
    assert summary["settings"]["default_account_manager"] == 29682885  # the non-API resource (SC-08)
    json.dumps(summary)  # plain data, so callers can print or store it
