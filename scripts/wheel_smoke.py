"""Build the sdist and the wheel, install the wheel into a FRESH venv and run the smoke checks there.

    python scripts/wheel_smoke.py                 # build (sdist, then the wheel FROM the sdist), install, check
    python scripts/wheel_smoke.py --wheel dist/autotask_mock-0.1.0-py3-none-any.whl   # check a built wheel

Why: the tests run against the checkout, where every file is present. A user gets the wheel. A fixture, the
catalogue, rules.json, the adapter protocol JSON or a module left out of it passes every test and fails the
first ``autotask-mock serve``. ``python -m build`` builds the wheel from the sdist, so a file the sdist lacks
breaks the build here too; :data:`SDIST_NEEDS` lists what a rebuild from the sdist must find.

The venv gets the wheel's dependencies from the package index pip is configured with; the checks
(scripts/wheel_smoke_checks.py) run with ``python -I`` from an empty directory, so nothing of the checkout
can be imported. Exit status 0 when everything passed. Used by ``.ci/run`` and ``tox -e wheel``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "scripts" / "wheel_smoke_checks.py"
# What a rebuild from the sdist needs (the wheel's force-include of fixtures/, the version file, the data).
SDIST_NEEDS = ("pyproject.toml", "README.md", "CHANGELOG.md", "mockserver/_version.py", "fixtures/tenants/demo.json",
               "fixtures/scenarios/minimal.yaml", "mockserver/catalog/data/catalog.json",
               "conformance/data/rules.json", "conformance/protocol/adapter-protocol.json")


def step(text: str) -> None:
    print(f"== {text}", flush=True)


def build(outdir: Path) -> tuple[Path, Path]:
    """``python -m build``: the sdist, then the wheel built from the unpacked sdist."""
    step(f"python -m build --outdir {outdir}")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)], check=True)
    sdists, wheels = sorted(outdir.glob("*.tar.gz")), sorted(outdir.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise SystemExit(f"FAIL: expected one sdist and one wheel in {outdir}, found {sdists + wheels}")
    return sdists[0], wheels[0]


def check_sdist(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = [name for name in SDIST_NEEDS if name not in names]
    if missing:
        raise SystemExit(f"FAIL: {sdist.name} lacks {', '.join(missing)}")
    print(f"  ok  {sdist.name}: {len(names)} files, including {len(SDIST_NEEDS)} a rebuild needs", flush=True)


def fresh_venv(where: Path) -> Path:
    step(f"fresh venv in {where}")
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def install(python: Path, wheel: Path) -> None:
    step(f"pip install {wheel.name} (dependencies from the package index)")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True)


def run_checks(python: Path, workdir: Path) -> None:
    step("smoke checks inside the venv (python -I, empty working directory)")
    shutil.copy(CHECKS, workdir / CHECKS.name)
    subprocess.run([str(python), "-I", CHECKS.name], cwd=workdir, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="check this wheel instead of building one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary build, venv and work directory")
    args = parser.parse_args(argv)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="wheel-smoke-"))
    try:
        if args.wheel is not None:
            wheel = args.wheel.resolve()
        else:
            sdist, wheel = build(tmp / "dist")
            check_sdist(sdist)
        python = fresh_venv(tmp / "venv")
        install(python, wheel)
        workdir = tmp / "work"
        workdir.mkdir()
        run_checks(python, workdir)
    except subprocess.CalledProcessError as exc:
        print(f"FAIL: {' '.join(map(str, exc.cmd))} exited {exc.returncode}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"wheel smoke test passed in {time.monotonic() - started:.0f} s ({wheel.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
