"""MkDocs hook: pages that show a document living beside the code (``--8<-- "conformance/README.md"``).

Why a hook and not a copy: ``conformance/README.md``, ``fixtures/FORMAT.md`` and the others are read on
GitHub next to the code they describe, and the site must show the same text without a second copy that
could drift. A page whose line is ``--8<-- "PATH"`` gets PATH's text (PATH relative to the repository
root). Relative links inside the included text are written for PATH's own folder, so they are rewritten:
a link to another included document goes to the page that shows it, a link to any other file of the
repository becomes its path in code style (the site does not serve source files), and ``#anchor`` links
stay as they are. A missing include or a link to a missing file is an error, so ``mkdocs build --strict``
fails instead of publishing a broken page.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

INCLUDE = re.compile(r'^--8<-- "([^"]+)"\s*$', re.MULTILINE)
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def _pages_of_includes(docs_dir: Path) -> dict[str, str]:
    """{included repository path: docs page that includes it}, read from the pages themselves."""
    pages: dict[str, str] = {}
    for page in sorted(docs_dir.rglob("*.md")):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            pages.setdefault(match.group(1), page.relative_to(docs_dir).as_posix())
    return pages


def rewrite_links(text: str, source: str, page: str, pages: dict[str, str], repo: Path,
                  docs_prefix: str = "docs/") -> str:
    """Rewrite the relative links of ``text`` (the file ``source``) for the docs page ``page``."""
    page_dir = posixpath.dirname(page)

    def fix(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        if target.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if not (repo / repo_path).exists():
            raise ValueError(f"{source}: link to {target!r}, but {repo_path} does not exist")
        docs_page = pages.get(repo_path)
        if docs_page is None and repo_path.startswith(docs_prefix):
            docs_page = repo_path[len(docs_prefix):]  # a link to a docs page from a file outside docs/
        if docs_page is not None:
            new = posixpath.relpath(docs_page, page_dir or ".")
            return f"[{label}]({new}{'#' + anchor if anchor else ''})"
        if label.strip("`") == repo_path or label.strip("`") == path:
            return f"`{repo_path}`"
        return f"{label} (`{repo_path}`)"

    out, in_fence = [], False
    for line in text.splitlines(keepends=True):
        if FENCE.match(line.lstrip()):
            in_fence = not in_fence
        out.append(line if in_fence else LINK.sub(fix, line))
    return "".join(out)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace each ``--8<-- "PATH"`` line with PATH's text, its links rewritten for this page."""
    docs_dir = Path(config["docs_dir"])
    repo = Path(config["config_file_path"]).resolve().parent
    if not INCLUDE.search(markdown):
        return markdown
    pages = _pages_of_includes(docs_dir)

    def include(match: re.Match[str]) -> str:
        source = match.group(1)
        path = repo / source
        if not path.is_file():
            raise ValueError(f"{page.file.src_uri}: included file {source} does not exist")
        return rewrite_links(path.read_text(encoding="utf-8"), source, page.file.src_uri, pages, repo)

    return INCLUDE.sub(include, markdown)
