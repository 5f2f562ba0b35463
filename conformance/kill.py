"""Measure the kill rate: run the suites against every mutant (and the reference adapter).

    CI=true python -m conformance.kill    # prints one line per mutant and "kill rate: K/N" (CI profile)
    HYPOTHESIS_PROFILE=conformance-deep python -m conformance.kill
    CI=true python -m conformance.kill --blind [NAME ...]   # the blind set (conformance/mutants_blind.py), timed
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase

SUITE_MODULES = ("matching", "locations_tickets", "orphaning", "status_counts", "two_way_push", "push_all",
                 "disconnect_delete",
                 # whole operations (issue 13 §3, issue 14)
                 "push_operations", "record_controls", "passes", "lifecycle",
                 # properties written for the survivors of bench/mutation.py
                 "decisions", "survivors_pull", "survivors_push",
                 # Autotask admin-only changes and the FM-O2 primary location (protocol 1.1)
                 "admin_changes",
                 # properties written for the blind defects of conformance/mutants_blind.py (issue 13)
                 "blind_disabled", "blind_settings", "blind_push", "blind_status",
                 # incremental passes in the cases mutants of bench/mutation.py survived (issue 13)
                 "survivors_incremental",
                 # Autotask failures in the middle of sync now and of a push (survivors of bench/mutation.py)
                 "survivors_failures",
                 # Q26/C-09 permissions warning for masked UDFs, §3.5 ticket configurations (survivors of bench/mutation.py)
                 "survivors_warnings",
                 # a record whose Autotask company changes (SC-03/M-10; survivors of bench/mutation.py after review)
                 "survivors_review",
                 # incremental passes: M-01 name matching, FM-O3 parents (fresh seed-29 survivors of bench/mutation.py)
                 "survivors_s29_pull",
                 # a failed pass or sync now right after a credential failure (C-11; seed-29 survivors of bench/mutation.py)
                 "survivors_s29_service",
                 # §3.3 phone extension, §3.2 a new type on an incremental pass, M-04/M-11 push matching, a lost location
                 # create (survivors of the seed-29 sample of bench/mutation.py)
                 "survivors_s29_push",
                 # push-all after passes or a credential failure (PA-06), the retry of a failed push saving the same
                 # field again (P-11/R-05; seed-41 survivors of bench/mutation.py)
                 "survivors_s41_service",
                 # §3.4/P-02 a cleared location Country is pushed (survivors of the seed-41 sample of bench/mutation.py)
                 "survivors_s41_rules",
                 # T-07/Q15 a ticket just out of the window, FM-C3/M-14 another company's contact (seed-41 survivors of
                 # bench/mutation.py)
                 "survivors_s41_pull_a",
                 # O-05/R-01: a parent change never reaches an orphaned or disabled organization (seed-41 survivor of
                 # bench/mutation.py)
                 "survivors_s41_pull_b")


def suite_tests() -> dict[str, Callable[[Any], None]]:
    import importlib

    from conformance.machine import test_stateful_sync_machine

    out: dict[str, Callable[[Any], None]] = {}
    for m in SUITE_MODULES:
        mod = importlib.import_module(f"conformance.suites.{m}")
        out.update({n: f for n, f in vars(mod).items() if n.startswith("test_") and callable(f)})
    out["test_stateful_sync_machine"] = test_stateful_sync_machine
    return out


def first_failure(factory: Callable[[], Any], first: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """Run the suite tests (``first`` ones first) without shrinking; return (test, error) of the first failure."""
    from conformance.suites._common import override

    tests = suite_tests()
    order = [n for n in first if n in tests] + [n for n in tests if n not in first]
    # derandomized: whether a mutant is killed must not depend on the run (CI profile or not)
    with override(phases=(Phase.explicit, Phase.generate), database=None, print_blob=False, derandomize=True):
        for name in order:
            try:
                tests[name](factory)
            except pytest.skip.Exception:
                continue
            except BaseException as exc:  # noqa: BLE001 - any failure of the suite kills the mutant
                if isinstance(exc, KeyboardInterrupt):
                    raise
                return name, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def main(argv: list[str] | None = None) -> int:
    import os
    import time

    from hypothesis import settings

    import conformance.profiles  # noqa: F401 - registers the conformance-ci / conformance-deep profiles
    from conformance.mutants import MUTANTS

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--blind"]:
        from conformance.mutants_blind import BLIND_MUTANTS

        MUTANTS = {n: m for n, m in BLIND_MUTANTS.items() if not args[1:] or n in args[1:]}  # noqa: N806
    profile = os.environ.get("HYPOTHESIS_PROFILE") or ("conformance-ci" if os.environ.get("CI") else None)
    if profile:
        settings.load_profile(profile)

    killed = 0
    for m in MUTANTS.values():
        t0 = time.perf_counter()
        hit = first_failure(m.factory, m.killers)
        killed += hit is not None
        print(f"{m.name:32s} {'KILLED by ' + hit[0] if hit else 'SURVIVED'} ({time.perf_counter() - t0:.1f} s)",
              flush=True)
    print(f"kill rate: {killed}/{len(MUTANTS)}")
    return 0 if killed == len(MUTANTS) else 1


if __name__ == "__main__":
    sys.exit(main())
