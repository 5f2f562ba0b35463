"""pytest plugin: run the conformance suites against the adapter named on the command line.

    pytest -p conformance.plugin --pyargs conformance --sync-adapter=mypkg.adapter:make_adapter
    # once the entry point is installed (pyproject: [project.entry-points.pytest11] conformance = "conformance.plugin"):
    pytest --pyargs conformance --sync-adapter=mypkg.adapter:make_adapter

Without ``--sync-adapter`` (or ``SYNC_ADAPTER``) the reference adapter is used. The suites are collected from
``conformance/suites/{matching,locations_tickets,orphaning,...}.py`` (the modules of ``conformance.kill.SUITE_MODULES``)
and ``conformance/machine.py`` (their file names do not follow the ``test_*.py`` convention, so this plugin collects
them). Profiles: ``--hypothesis-profile=conformance-ci``
(derandomized, bounded; loaded automatically when ``CI`` is set) or ``conformance-deep``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from conformance.adapter import load_factory
from conformance.kill import SUITE_MODULES

PACKAGE_DIR = Path(__file__).resolve().parent
SUITE_FILES = {PACKAGE_DIR / "suites" / f"{n}.py" for n in SUITE_MODULES}  # the same list the kill run uses
SUITE_FILES.add(PACKAGE_DIR / "machine.py")
DEFAULT = "conformance.adapter:reference_factory"

settings.register_profile("conformance-ci", derandomize=True, max_examples=30, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("conformance-deep", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Autotask sync conformance suites")
    group.addoption("--sync-adapter", action="store", default=None, metavar="MODULE:FACTORY",
                    help="factory of the SyncAdapter under test (default: $SYNC_ADAPTER or the reference adapter)")


def _spec(config: pytest.Config) -> str:
    return config.getoption("--sync-adapter", default=None) or os.environ.get("SYNC_ADAPTER") or DEFAULT


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a conformance-suite property (rule ids in its name)")
    if os.environ.get("CI") and not config.getoption("hypothesis_profile", default=None) \
            and settings._current_profile == "default":  # noqa: SLF001
        settings.load_profile("conformance-ci")
    from conformance import machine

    machine.SyncMachine.factory = staticmethod(load_factory(_spec(config)))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if file_path.resolve() in SUITE_FILES:
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture
def sync_adapter_factory(request: pytest.FixtureRequest):
    """The adapter factory under test (``--sync-adapter``)."""
    return load_factory(_spec(request.config))


def pytest_report_header(config: pytest.Config) -> str:
    return f"conformance: sync adapter {_spec(config)}"
