"""The documentation cannot drift from the code: its runnable blocks run, its links resolve, the site builds.

* Every fenced block directly below a line ``<!-- runnable -->`` in README.md, docs/**/*.md or a document a
  docs page shows (``--8<-- "conformance/README.md"``) runs in a fresh process in an empty temporary
  directory: ```` ```python ```` blocks with this interpreter, ```` ```bash ```` / ```` ```sh ```` blocks with
  bash. It must exit 0 within the timeout. The checkout is first on PYTHONPATH and this interpreter's
  scripts directory first on PATH, so ``python``, ``autotask-mock`` and friends are the ones under test.
  Python started by a block may only connect to loopback addresses (a ``sitecustomize`` refuses the rest),
  so no block can reach the internet or a real Autotask tenant.
* Every relative link in those files points at a file of the repository (and at a heading of it when the
  link carries ``#anchor`` and the target is Markdown).
* ``mkdocs build --strict`` succeeds (skipped when mkdocs is not installed).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MARK = "<!-- runnable -->"
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
INCLUDE = re.compile(r'^--8<-- "([^"]+)"\s*$', re.MULTILINE)
LINK = re.compile(r"(?<!!)\[(?:[^\]]*)\]\(([^)\s]+)\)")
LANGUAGES = {"python": "python", "py": "python", "bash": "bash", "sh": "bash", "shell": "bash"}
TIMEOUT_S = float(os.environ.get("DOCS_SNIPPET_TIMEOUT", "240"))  # a block needs < 30 s alone; CI machines are loaded

# Loaded by every Python process a block starts (PYTHONPATH): connections leave only for loopback.
LOOPBACK_ONLY = textwrap.dedent('''
    """Docs snippet guard: refuse network connections to anything but loopback."""
    import ipaddress
    import socket

    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex

    def _check(address):
        if isinstance(address, tuple) and address and isinstance(address[0], str):
            host = address[0]
            try:
                ok = host == "localhost" or ipaddress.ip_address(host.split("%")[0]).is_loopback
            except ValueError:
                ok = False
            if not ok:
                raise OSError(f"docs snippet tried to reach {host}: only loopback is allowed in the docs tests")

    def connect(self, address):
        _check(address)
        return _connect(self, address)

    def connect_ex(self, address):
        _check(address)
        return _connect_ex(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
''')


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(REPO).as_posix()}:{self.line}"


def documentation_files() -> list[Path]:
    """README.md, every docs page, and every in-tree document a docs page shows."""
    files = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    for page in list(files):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            included = REPO / match.group(1)
            if included.is_file() and included not in files:
                files.append(included)
    return files


def runnable_blocks(path: Path) -> list[Block]:
    """The fenced blocks of ``path`` directly below a ``<!-- runnable -->`` line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == MARK:
            opening = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
            if not opening:
                raise AssertionError(f"{path}:{i + 1}: {MARK} must stand directly above a code fence")
            fence, language = opening.group(1), opening.group(2).lower()
            if language not in LANGUAGES:
                raise AssertionError(f"{path}:{i + 2}: a runnable block must be python or bash, not {language!r}")
            end = next((j for j in range(i + 2, len(lines)) if lines[j].strip() == fence), None)
            if end is None:
                raise AssertionError(f"{path}:{i + 2}: the runnable block is never closed")
            blocks.append(Block(path, i + 2, LANGUAGES[language], "\n".join(lines[i + 2:end]) + "\n"))
            i = end
        i += 1
    return blocks


ALL_BLOCKS = [block for path in documentation_files() for block in runnable_blocks(path)]


def test_the_docs_have_runnable_blocks():
    """A guard against the marker silently matching nothing (a renamed marker would skip every block)."""
    assert len(ALL_BLOCKS) >= 10, [b.id for b in ALL_BLOCKS]
    assert any(b.path.name == "README.md" and b.path.parent == REPO for b in ALL_BLOCKS)


def _environment(tmp_path: Path) -> dict[str, str]:
    guard = tmp_path / "_guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(LOOPBACK_ONLY)
    env = dict(os.environ)
    for key in ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "AUTOTASK_MOCK_URL"):
        env.pop(key, None)
    env["PYTHONPATH"] = os.pathsep.join([str(guard), str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["AUTOTASK_MOCK_CACHE_DIR"] = str(tmp_path / "_cache")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[b.id for b in ALL_BLOCKS])
def test_runnable_block(block: Block, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    if block.language == "python":
        script = work / "snippet.py"
        script.write_text(block.code)
        command = [sys.executable, str(script)]
    else:
        script = work / "snippet.sh"
        script.write_text("set -euo pipefail\n" + block.code)
        command = ["bash", str(script)]
    proc = subprocess.Popen(command, cwd=work, env=_environment(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"{block.id}: still running after {TIMEOUT_S:.0f} s\n{stdout[-3000:]}\n{stderr[-3000:]}")
    finally:
        _kill_group(proc.pid, signal.SIGTERM)  # whatever the block left running in the background
    assert proc.returncode == 0, (f"{block.id} exited {proc.returncode}\n--- code\n{block.code}"
                                  f"--- stdout\n{stdout[-3000:]}\n--- stderr\n{stderr[-3000:]}")


def _kill_group(pid: int, sig: int) -> None:
    """Signal the block's process group (its own session), so no server it started outlives the test."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ---- links -------------------------------------------------------------------------------------------------
def github_slug(heading: str) -> str:
    """The anchor GitHub (and MkDocs' default toc) gives a heading: lower case, punctuation dropped, '-' for ' '."""
    text = re.sub(r"`|\*\*?|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def expanded_text(path: Path) -> str:
    """The page as the site shows it: ``--8<-- "PATH"`` lines replaced by PATH's text (scripts/mkdocs_hooks.py)."""
    return INCLUDE.sub(lambda m: (REPO / m.group(1)).read_text(encoding="utf-8"), path.read_text(encoding="utf-8"))


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    in_fence = False
    for line in expanded_text(path).splitlines():
        if FENCE.match(line.lstrip()):
            in_fence = not in_fence
        elif not in_fence and (m := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)):
            found.add(github_slug(m.group(1)))
    return found


def relative_links(path: Path) -> list[tuple[int, str]]:
    links, in_fence = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line.lstrip()):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):
                links.append((number, target))
    return links


def markdown_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "*.md"], cwd=REPO, capture_output=True, text=True)
    extra = [REPO / name for name in tracked.stdout.split()] if tracked.returncode == 0 else []
    return sorted({*documentation_files(), *extra})


def test_every_relative_link_resolves():
    broken = []
    for path in markdown_files():
        if not path.is_file():
            continue
        for number, target in relative_links(path):
            file_part, _, anchor = target.partition("#")
            goal = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(REPO)}:{number}: {target}"
            if not goal.exists():
                broken.append(f"{where} (no such file)")
            elif REPO not in goal.parents and goal != REPO:
                broken.append(f"{where} (outside the repository)")
            elif anchor and goal.suffix == ".md" and anchor not in anchors(goal):
                broken.append(f"{where} (no heading with that anchor)")
    assert not broken, "\n".join(broken)


def test_the_link_checker_sees_a_broken_link(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n[ok](#title) [gone](missing.md) `[code](not-a-link.md)`\n```\n[x](fenced.md)\n```\n")
    assert relative_links(page) == [(2, "#title"), (2, "missing.md")]
    assert anchors(page) == {"title"}
    assert github_slug("Admin API (`/_mock/…`)") == "admin-api-_mock"


# ---- the site ------------------------------------------------------------------------------------------------
def test_mkdocs_build_strict(tmp_path: Path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install -e '.[docs]')")
    pytest.importorskip("mkdocstrings_handlers.python", reason="mkdocstrings-python is not installed")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert (tmp_path / "site" / "index.html").is_file()


# ---- the settings table ---------------------------------------------------------------------------------------
def test_every_mock_setting_is_in_the_settings_table():
    """docs/imitation.md lists every setting of MockConfig (a new setting without documentation fails here)."""
    import dataclasses

    from mockserver.config import MockConfig

    if dataclasses.is_dataclass(MockConfig):
        names = [f.name for f in dataclasses.fields(MockConfig)]
    else:  # a pydantic model
        names = list(MockConfig.model_fields)
    page = (REPO / "docs" / "imitation.md").read_text(encoding="utf-8")
    table = page[page.index("### Every setting"):]
    missing = [name for name in names if f"`{name}`" not in table]
    assert not missing, f"add these settings to the table under 'Every setting' in docs/imitation.md: {missing}"


# ---- the include hook -----------------------------------------------------------------------------------------
def test_included_documents_get_links_that_work_on_the_site(tmp_path: Path):
    """scripts/mkdocs_hooks.py: links written for the included file's folder are rewritten for the docs page."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mkdocs_hooks", REPO / "scripts" / "mkdocs_hooks.py")
    assert spec and spec.loader
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    (tmp_path / "pkg" / "data").mkdir(parents=True)
    (tmp_path / "pkg" / "data" / "schema.json").write_text("{}")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "README.md").write_text("# Other\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "intro.md").write_text("# Intro\n")
    text = ("[self](#part) [schema](data/schema.json) [`data/schema.json`](data/schema.json) "
            "[other](../other/README.md#x) [intro](../docs/intro.md) [web](https://example.org)\n"
            "```\n[fenced](nowhere.md)\n```\n")
    pages = {"pkg/README.md": "pkg.md", "other/README.md": "section/other.md"}
    out = hooks.rewrite_links(text, "pkg/README.md", "pkg.md", pages, tmp_path)
    assert out.splitlines()[0] == ("[self](#part) schema (`pkg/data/schema.json`) `pkg/data/schema.json` "
                                   "[other](section/other.md#x) [intro](intro.md) [web](https://example.org)")
    assert "[fenced](nowhere.md)" in out
    with pytest.raises(ValueError, match="does not exist"):
        hooks.rewrite_links("[gone](missing.md)", "pkg/README.md", "pkg.md", pages, tmp_path)


def test_the_marker_parser(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text("text\n<!-- runnable -->\n```python\nraise SystemExit(3)\n```\n\n```bash\nnot marked\n```\n"
                    "<!-- runnable -->\n```sh\necho hi\n```\n")
    blocks = runnable_blocks(page)
    assert [(b.line, b.language, b.code) for b in blocks] == [(3, "python", "raise SystemExit(3)\n"),
                                                              (11, "bash", "echo hi\n")]
    page.write_text("<!-- runnable -->\n\n```python\npass\n```\n")
    with pytest.raises(AssertionError, match="directly above a code fence"):
        runnable_blocks(page)
    page.write_text("<!-- runnable -->\n```yaml\na: 1\n```\n")
    with pytest.raises(AssertionError, match="python or bash"):
        runnable_blocks(page)
