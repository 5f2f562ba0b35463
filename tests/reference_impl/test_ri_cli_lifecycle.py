"""autotask-sync part-2 commands against the in-process mock: edit, push, push-all, disable, enable, sync-now, pause,
resume, disconnect --keep-data | --delete-all (confirmation prompt, --yes)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

pytest.importorskip("mockserver.app")

from reference_impl.cli import main  # noqa: E402

MANAGER = 29682884


@pytest.fixture
def cli(tmp_path, autotask_mock):
    db = str(tmp_path / "sync.sqlite")
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, ["--db", db, *args], obj={}, input=input, catch_exceptions=False)

    c = autotask_mock.credentials
    assert run("connect", "--username", c.user_name, "--secret", c.secret, "--integration-code",
               c.integration_code, "--zone-lookup-url", autotask_mock.root_url).exit_code == 0
    r = run("settings", "--account-type", "1", "--ci-type", "1,2", "--account-manager", str(MANAGER),
            "--material-code", "29682801", "--product-category", "1", "--two-way")
    assert r.exit_code == 0, r.output
    assert run("sync", "--full").exit_code == 0
    run.mock = autotask_mock  # type: ignore[attr-defined]
    run.db = db  # type: ignore[attr-defined]
    return run


def _record(cli, kind, psa):
    from reference_impl.docstore import DocStore
    from reference_impl.sync import SyncService

    store = DocStore(cli.db)
    try:
        return next(r for r in SyncService(store).records(kind) if r["sync"] and r["sync"]["psa_id"] == psa)
    finally:
        store.close()


def test_cli_P02_edit_pushes_one_field_and_disable_enable_sync_now(cli):
    ci = _record(cli, "configuration", 100054)
    cli.mock.clear_journal()
    r = cli("edit", "configuration", str(ci["id"]), "--set", "notes=From the CLI")
    assert r.exit_code == 0 and "pushed to Autotask" in r.output
    (patch,) = cli.mock.calls("PATCH")
    assert json.loads(patch["requestBody"]) == {"id": 100054, "notes": "From the CLI"}
    assert cli("disable", "configuration", str(ci["id"])).exit_code == 0
    r = cli("push", "configuration", str(ci["id"]))
    assert r.exit_code == 2 and "R-01" in r.output
    assert cli("enable", "configuration", str(ci["id"])).exit_code == 0
    assert cli("sync-now", "configuration", str(ci["id"])).exit_code == 0


def test_cli_P14_pause_resume(cli):
    assert cli("pause").exit_code == 0
    r = cli("sync")
    assert r.exit_code != 0 and "paused" in r.output.lower()
    assert cli("resume").exit_code == 0 and cli("sync").exit_code == 0


def test_cli_PA04_push_all_asks_and_needs_enabling(cli):
    r = cli("push-all", input="n\n")
    assert r.exit_code == 1 and "Nothing was done" in r.output
    r = cli("push-all", "--yes")
    assert r.exit_code == 2 and "PA-04" in r.output
    r = cli("push-all", "--enable", "--yes")
    assert r.exit_code == 0 and "Push-all" in r.output
    assert cli("push-all", "--enable", "--yes").exit_code == 2  # once only


def test_cli_D02_D04_disconnect_confirmation_and_modes(cli):
    r = cli("disconnect")
    assert r.exit_code == 2
    r = cli("disconnect", "--delete-all", input="n\n")
    assert r.exit_code == 1
    r = cli("disconnect", "--delete-all", "--yes")
    assert r.exit_code == 2 and "D-04" in r.output
    cli.mock.clear_journal()
    r = cli("disconnect", "--keep-data", "--yes")
    assert r.exit_code == 0 and "all data kept" in r.output
    assert cli.mock.calls() == []
    assert json.loads(cli("status", "--json").output)["connected"] is False
