"""pytest plugin: run the conformance suites against the adapter named on the command line.

    pytest -p conformance.plugin --pyargs conformance --sync-adapter=mypkg.adapter:make_adapter
    # once the entry point is installed (pyproject: [project.entry-points.pytest11] conformance = "conformance.plugin"):
    pytest --pyargs conformance --sync-adapter=mypkg.adapter:make_adapter

Installed, the plugin is silent and free in every other test run (see :func:`requested`).

    # an adapter in any language, served over the remote adapter protocol (always against the live mock):
    pytest --pyargs conformance --sync-adapter=http://127.0.0.1:8765
    # a Python adapter against the mock served over real HTTP instead of in-process interception:
    pytest --pyargs conformance --sync-adapter=mypkg.adapter:make_adapter --live

Without ``--sync-adapter`` (or ``SYNC_ADAPTER``) the reference adapter is used. ``--live`` (or
``CONFORMANCE_LIVE=1``) selects live mode (conformance.live); a remote adapter always runs live. An
:class:`~conformance.errors.AdapterProtocolError` (the adapter does not answer, answers garbage or another protocol
version) stops the run at once: nothing after it could be judged. The suites are collected from
``conformance/suites/{matching,locations_tickets,orphaning,...}.py`` (the modules of ``conformance.kill.SUITE_MODULES``)
and ``conformance/machine.py`` (their file names do not follow the ``test_*.py`` convention, so this plugin collects
them). Profiles: ``--hypothesis-profile=conformance-ci``
(derandomized, bounded; loaded automatically when ``CI`` is set) or ``conformance-deep``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.adapter import AdapterFactory

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT = "conformance.adapter:reference_factory"
LIVE_ENV = "CONFORMANCE_LIVE"
ADAPTER_ENV = "SYNC_ADAPTER"

# Silent and free until used: the package registers this plugin (pytest11) for everyone who installs it, so in
# an unrelated test run it only declares its options. Nothing heavy is imported (hypothesis, the kit, an
# adapter), no hypothesis profile is changed and no header is printed until the run asks for the kit - a
# conformance option or environment variable, the ``conformance`` package among the arguments, or a suite
# file reached by collection (tests/conformance/test_plugin_quiet.py proves it).
_ACTIVE = pytest.StashKey[bool]()
_FACTORY = pytest.StashKey["AdapterFactory"]()


def suite_files() -> set[Path]:
    """The files the kit collects: the suite modules of ``conformance.kill.SUITE_MODULES`` and machine.py."""
    from conformance.kill import SUITE_MODULES

    files = {PACKAGE_DIR / "suites" / f"{n}.py" for n in SUITE_MODULES}  # the same list the kill run uses
    files.add(PACKAGE_DIR / "machine.py")
    return files


def register_profiles() -> None:
    """The kit's hypothesis profiles (``conformance-ci``, ``conformance-deep``), imported only once the kit is used."""
    import conformance.profiles  # noqa: F401 - registers them on import


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Autotask sync conformance suites")
    group.addoption("--sync-adapter", action="store", default=None, metavar="MODULE:FACTORY",
                    help="factory of the SyncAdapter under test, or the URL of a remote adapter "
                         f"(default: ${ADAPTER_ENV} or the reference adapter)")
    group.addoption("--live", action="store_true", default=False,
                    help="serve the mock over real HTTP on a loopback port instead of intercepting requests "
                         f"in-process (always on for remote adapters; also ${LIVE_ENV}=1)")


def _spec(config: pytest.Config) -> str:
    return config.getoption("--sync-adapter", default=None) or os.environ.get(ADAPTER_ENV) or DEFAULT


def _factory(config: pytest.Config) -> AdapterFactory:
    """One factory per run (a remote one keeps its connection, its version check and its broken state)."""
    if _FACTORY not in config.stash:
        from conformance.adapter import load_factory

        config.stash[_FACTORY] = load_factory(_spec(config))
    return config.stash[_FACTORY]


def _live(config: pytest.Config) -> bool:
    return bool(config.getoption("--live", default=False)) or os.environ.get(LIVE_ENV, "") not in ("", "0")


def requested(config: pytest.Config) -> bool:
    """Whether this run asked for the kit before collection: an option, an environment variable, or the
    ``conformance`` package (``--pyargs conformance``, a path inside it) among the arguments."""
    if config.getoption("--sync-adapter", default=None) or config.getoption("--live", default=False):
        return True
    if os.environ.get(ADAPTER_ENV) or os.environ.get(LIVE_ENV, "") not in ("", "0"):
        return True
    for arg in config.args:
        name = str(arg).split("::", 1)[0]
        if name == "conformance" or name.startswith("conformance."):
            return True
        try:
            path = Path(name).resolve()
        except OSError:
            continue
        if path == PACKAGE_DIR or PACKAGE_DIR in path.parents:
            return True
    return False


def activate(config: pytest.Config) -> None:
    """Set the kit up once: its hypothesis profile under CI, live or in-process mode, the adapter factory."""
    if config.stash.get(_ACTIVE, False):
        return
    config.stash[_ACTIVE] = True
    from hypothesis import settings

    register_profiles()
    # hypothesis itself switches to its built-in "ci" profile (100 examples) when CI is set; the kit's CI profile
    # is the bounded one, unless the user chose a profile on the command line
    if os.environ.get("CI") and not config.getoption("hypothesis_profile", default=None) \
            and settings._current_profile in ("default", "ci"):  # noqa: SLF001
        settings.load_profile("conformance-ci")
    from conformance import machine, world

    world.use_live_mode(_live(config))
    machine.SyncMachine.factory = staticmethod(_factory(config))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a conformance-suite property (rule ids in its name)")
    if requested(config):
        activate(config)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if file_path.suffix != ".py" or PACKAGE_DIR not in file_path.resolve().parents:
        return None  # cheap exit for every file outside the kit
    if file_path.resolve() in suite_files():
        activate(parent.config)
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture
def sync_adapter_factory(request: pytest.FixtureRequest) -> AdapterFactory:
    """The adapter factory under test (``--sync-adapter``)."""
    return _factory(request.config)


def pytest_report_header(config: pytest.Config) -> str | None:
    if not config.stash.get(_ACTIVE, False):
        return None
    from conformance.world import live_mode

    mode = "live mock over HTTP" if live_mode(_factory(config)) else "in-process mock"
    return f"conformance: sync adapter {_spec(config)} ({mode})"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A broken adapter protocol ends the run: every later test would only repeat the same line."""
    outcome = yield
    from conformance.errors import AdapterProtocolError

    exc = call.excinfo.value if call.excinfo is not None else None
    found = _find(exc, AdapterProtocolError)
    if found is not None:
        item.session.shouldstop = str(found)
        report = outcome.get_result()
        report.longrepr = str(found)  # one clear line instead of a traceback through the transport


def _find(exc: BaseException | None, kind: type[BaseException],
          _seen: set[int] | None = None) -> BaseException | None:
    """``exc`` or the first ``kind`` inside it (hypothesis may wrap failures in an ExceptionGroup).

    A ``__cause__`` chain can loop (an implementation re-raising an exception it caused); each exception is
    visited once, so a looping chain ends the search instead of recursing until pytest's INTERNALERROR."""
    if exc is None or isinstance(exc, kind):
        return exc
    seen = _seen if _seen is not None else set()
    if id(exc) in seen:
        return None
    seen.add(id(exc))
    for inner in getattr(exc, "exceptions", ()) or ():
        hit = _find(inner, kind, seen)
        if hit is not None:
            return hit
    return _find(exc.__cause__, kind, seen) if exc.__cause__ is not None else None
