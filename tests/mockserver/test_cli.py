"""autotask-mock CLI: scenarios, generate, export (from a fixture and from a running server), serve guards."""

from __future__ import annotations

import json
import threading

import pytest
import yaml
from click.testing import CliRunner

from mockserver.cli import build_server, main, one_line, stop_server
from mockserver.pytest_plugin import start_server
from tests.mockserver.conftest import BASIC


@pytest.fixture
def runner():
    return CliRunner()


def test_help_lists_every_command(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "demo", "scenarios", "generate", "export"):
        assert command in result.output


# ---------------------------------------------------------------------------------------------- scenarios
def test_scenarios_lists_names_with_one_line_descriptions(runner):
    from mockserver.fixtures.scenarios import list_scenarios

    expected = list_scenarios()
    result = runner.invoke(main, ["scenarios"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len(expected) > 0
    for line, scenario in zip(lines, expected, strict=True):
        assert line.startswith(scenario.name + " ")
        assert line.endswith(one_line(scenario.description))
        assert len(line) <= len(scenario.name) + 2 + 100 + 40


def test_scenarios_json(runner):
    result = runner.invoke(main, ["scenarios", "--json"])
    data = json.loads(result.output)
    assert {"name", "description", "rules"} <= set(data[0])
    assert "minimal" in {d["name"] for d in data}


def test_one_line():
    assert one_line("First sentence. Second one.") == "First sentence."
    assert one_line("  spread\n over   lines  ") == "spread over lines"
    assert one_line("x" * 200, limit=10) == "x" * 9 + "…"
    assert one_line("Version 1.2 is out. Next") == "Version 1.2 is out."


# ---------------------------------------------------------------------------------------------- generate
GEN = ["generate", "--seed", "7", "--companies", "4", "--cis", "6", "--tickets", "3", "--products", "5"]


def test_generate_is_byte_identical_for_the_same_options(runner, tmp_path):
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    assert runner.invoke(main, [*GEN, "-o", str(a)]).exit_code == 0
    assert runner.invoke(main, [*GEN, "-o", str(b)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert runner.invoke(main, [*GEN[:2], "8", *GEN[3:], "-o", str(c)]).exit_code == 0
    assert a.read_bytes() != c.read_bytes()
    doc = json.loads(a.read_text())
    assert len(doc["records"]["Companies"]) == 4
    assert len(doc["records"]["ConfigurationItems"]) == 6
    assert len(doc["records"]["Tickets"]) == 3


def test_generate_matches_the_generator_and_dump_fixture(runner, tmp_path):
    from mockserver.fixtures.format import dumps_fixture
    from mockserver.fixtures.generator import generate_tenant

    out = tmp_path / "t.json"
    runner.invoke(main, [*GEN, "--name", "acme", "--contacts-per-company", "2-3", "-o", str(out)])
    expected = generate_tenant(seed=7, companies=4, cis=6, tickets=3, products=5, name="acme", contacts_per_company=(2, 3))
    assert out.read_text() == dumps_fixture(expected, "json")


def test_generate_to_stdout_and_yaml(runner, tmp_path):
    result = runner.invoke(main, GEN)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["tenant"]["name"] == "generated"
    out = tmp_path / "t.yaml"
    assert runner.invoke(main, [*GEN, "-o", str(out)]).exit_code == 0
    assert yaml.safe_load(out.read_text())["format"] == "autotask-mock/tenant@1"


def test_generate_rejects_bad_options(runner):
    result = runner.invoke(main, ["generate", "--companies", "0"])
    assert result.exit_code == 2 and "companies" in result.output
    assert runner.invoke(main, ["generate", "--contacts-per-company", "a-b"]).exit_code == 2


def test_generated_file_serves(runner, tmp_path):
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    out = tmp_path / "t.json"
    runner.invoke(main, [*GEN, "-o", str(out)])
    app = create_app(MockConfig(fixtures=[str(out)]))
    assert app.test_client().get("/_mock/tenants/generated").get_json()["records"]["Companies"] == 4


# ---------------------------------------------------------------------------------------------- export
@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_export_fixture_round_trip(runner, tmp_path, suffix):
    first, second = tmp_path / f"first.{suffix}", tmp_path / f"second.{suffix}"
    result = runner.invoke(main, ["export", "--fixture", str(BASIC), "-o", str(first)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["export", "--fixture", str(first), "-o", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()  # load -> export is a fixpoint
    doc = yaml.safe_load(first.read_text())
    assert doc["tenant"]["clock"] == "2026-01-01T00:00:00Z"
    assert len(doc["records"]["Companies"]) == 3


def test_export_of_a_running_clock_keeps_the_fixture_clock(runner, tmp_path):
    gen = tmp_path / "g.json"
    runner.invoke(main, [*GEN, "-o", str(gen)])
    out = tmp_path / "e.json"
    assert runner.invoke(main, ["export", "--fixture", str(gen), "-o", str(out)]).exit_code == 0
    tenant = json.loads(out.read_text())["tenant"]
    assert tenant["clock"] == json.loads(gen.read_text())["tenant"]["clock"]
    assert "clockFrozen" not in tenant


def test_export_fixture_by_scenario_name_to_stdout(runner):
    result = runner.invoke(main, ["export", "--fixture", "minimal"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["tenant"]["name"] == "minimal"


def test_export_errors(runner, tmp_path):
    assert runner.invoke(main, ["export"]).exit_code == 2
    assert runner.invoke(main, ["export", "--fixture", "x", "--url", "http://127.0.0.1:1"]).exit_code == 2
    result = runner.invoke(main, ["export", "--fixture", "no-such-fixture-anywhere"])
    assert result.exit_code == 1 and "no-such-fixture-anywhere" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASIC.read_text().replace("companyID: 1, firstName: Jane", "companyID: 999, firstName: Jane"))
    result = runner.invoke(main, ["export", "--fixture", str(bad)])
    assert result.exit_code == 1 and "999" in result.output


@pytest.fixture
def server():
    server = start_server(token="cli-token")
    yield server
    server.close()


def test_export_from_a_running_server(runner, server, tmp_path):
    from mockserver.fixtures_loader import read_fixture

    server.admin.create_tenant(read_fixture(str(BASIC))[0])
    out = tmp_path / "live.json"
    result = runner.invoke(main, ["export", "--url", server.url, "--admin-token", "cli-token", "-o", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert exported == server.admin.export("basic")
    # the same document as exporting the fixture file directly
    direct = tmp_path / "direct.json"
    runner.invoke(main, ["export", "--fixture", str(BASIC), "-o", str(direct)])
    assert json.loads(direct.read_text()) == exported


def test_export_from_a_server_needs_the_right_tenant_and_token(runner, server):
    from mockserver.fixtures_loader import read_fixture

    result = runner.invoke(main, ["export", "--url", server.url, "--admin-token", "cli-token"])
    assert result.exit_code == 2 and "0 tenants" in result.output
    server.admin.create_tenant(read_fixture(str(BASIC))[0])
    server.admin.create_tenant(read_fixture(str(BASIC))[0], isolate="two")
    result = runner.invoke(main, ["export", "--url", server.url, "--admin-token", "cli-token"])
    assert result.exit_code == 2 and "basic, basic-two" in result.output
    result = runner.invoke(main, ["export", "--url", server.url, "--admin-token", "cli-token", "--tenant", "basic-two"])
    assert result.exit_code == 0 and json.loads(result.stdout)["tenant"]["name"] == "basic-two"
    result = runner.invoke(main, ["export", "--url", server.url, "--admin-token", "wrong", "--tenant", "basic"])
    assert result.exit_code == 1 and "401" in result.output
    result = runner.invoke(main, ["export", "--url", server.url, "--admin-token", "cli-token", "--tenant", "nope"])
    assert result.exit_code == 1 and "404" in result.output


def test_export_from_an_unreachable_server(runner):
    probe = build_server(lambda environ, start: [], "127.0.0.1", 0)
    port = probe.effective_port
    probe.close()  # nothing listens there any more
    result = runner.invoke(main, ["export", "--url", f"http://127.0.0.1:{port}", "--tenant", "x"])
    assert result.exit_code == 1 and "cannot reach" in result.output


# ---------------------------------------------------------------------------------------------- serve guards
def test_serve_refuses_non_loopback_without_a_token(runner):
    result = runner.invoke(main, ["serve", "--host", "0.0.0.0", "--fixture", str(BASIC)])
    assert result.exit_code == 2 and "--admin-token" in result.output


def test_serve_reports_an_unknown_fixture(runner):
    result = runner.invoke(main, ["serve", "--port", "0", "--fixture", "no-such-fixture-anywhere"])
    assert result.exit_code == 2 and "no-such-fixture-anywhere" in result.output


def test_build_and_stop_server():
    from mockserver.app import create_app
    from mockserver.config import MockConfig

    app = create_app(MockConfig(fixtures=[str(BASIC)]))
    server = build_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{server.effective_port}/ATServicesRest/VersionInformation") as resp:
        assert json.loads(resp.read()) == {"apiVersions": ["1.0"]}
        assert resp.headers["Server"] == "Microsoft-IIS/10.0"
    stop_server(server, thread)
    assert not thread.is_alive()


def test_stop_server_survives_a_trigger_that_is_already_gone():
    """CI once failed with EBADF in stop_server: the loop had closed its trigger before the stop pulled it.

    Closing the trigger's pipe under the running loop reproduces that; the stop must still end the loop.
    """
    import os
    import time

    from mockserver.app import create_app
    from mockserver.config import MockConfig

    server = build_server(create_app(MockConfig(fixtures=[str(BASIC)])), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    os.close(server.trigger.trigger)  # the write end: the next pull fails with EBADF
    time.sleep(0.05)
    stop_server(server, thread, timeout=5)
    assert not thread.is_alive()
