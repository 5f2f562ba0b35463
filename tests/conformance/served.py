"""Start an adapter server in a separate process (``python -m conformance.serve``) or the Node example, for tests.

Not a test module: the wire tests import it. Every server listens on 127.0.0.1 with port 0 and is stopped by pid.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_EXAMPLE = ROOT / "examples" / "node-adapter" / "adapter.js"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


@contextmanager
def _process(cmd: list[str]) -> Iterator[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not found:
            proc.kill()
            raise RuntimeError(f"{' '.join(cmd)} did not print its URL: {line!r} {proc.stderr.read()[-2000:]!r}")
        yield found.group(0)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


@contextmanager
def served_adapter(spec: str, *options: str) -> Iterator[str]:
    """``python -m conformance.serve SPEC --port 0 [options]`` in a child process; yields its URL."""
    with _process([sys.executable, "-m", "conformance.serve", spec, "--port", "0", *options]) as url:
        yield url


@contextmanager
def served_by_cli(spec: str) -> Iterator[str]:
    """``python -m conformance.cli serve-adapter SPEC --port 0``: the documented command; yields its URL."""
    with _process([sys.executable, "-m", "conformance.cli", "serve-adapter", spec, "--port", "0"]) as url:
        yield url


def node() -> str | None:
    return shutil.which("node")


@contextmanager
def node_adapter() -> Iterator[str]:
    """The Node.js example adapter (examples/node-adapter/adapter.js) on a free port; yields its URL."""
    exe = node()
    assert exe is not None
    with _process([exe, str(NODE_EXAMPLE), "--port", "0"]) as url:
        yield url
