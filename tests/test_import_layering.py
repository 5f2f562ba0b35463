"""No import cycles inside mockserver, reference_impl or conformance (issue 16, "Layering").

Every import counts, the ones inside functions too: a lazy import only hides a cycle from the interpreter,
not from a reader (the cycle this test was written against, features -> admin -> app -> features, was made
of lazy imports). Imports under ``if TYPE_CHECKING:`` never run, so they do not count. An import names its
deepest module (``from mockserver import faults`` is an edge to ``mockserver.faults``); the parent packages
it also initialises are not edges, or every package ``__init__`` that re-exports would close a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("mockserver", "reference_impl", "conformance")


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of every node under an ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) block."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for child in node.body:
                hidden.update(id(n) for n in ast.walk(child))
    return hidden


def _imported_names(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: resolve against the importing module's package
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:
            yield f"{target}.{alias.name}"  # a submodule, when it is one; _resolve falls back to the module
            yield target


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports (at any depth of the code)."""
    modules = {_module_name(root, p): p for p in root.rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in hidden or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = list(_imported_names(node, module, path.name == "__init__.py"))
            if isinstance(node, ast.ImportFrom):
                # "from pkg import name": an edge to pkg.name when that is a module, else to pkg
                pairs = list(zip(names[::2], names[1::2], strict=True))
                targets = [sub if sub in modules else mod for sub, mod in pairs]
            else:
                targets = names
            for target in targets:
                found = resolve(target)
                if found is not None and found != module:
                    graph[module].add(found)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def _describe(graph: dict[str, set[str]], cycle: list[str]) -> str:
    members = set(cycle)
    return "; ".join(f"{m} -> {', '.join(sorted(graph[m] & members))}" for m in cycle)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_the_package(package: str) -> None:
    graph = import_graph(REPO / package)
    assert len(graph) > 5, "the package's modules were not found"
    cycles = import_cycles(graph)
    assert not cycles, "\n".join(_describe(graph, c) for c in cycles)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_the_check_finds_a_cycle_made_of_lazy_and_relative_imports(tmp_path: Path) -> None:
    # the shape of the cycle issue 16 names: features -> admin -> app -> features, all but one of them lazy
    pkg = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/app.py": "def create():\n    from pkg.features import install\n",
        "pkg/features.py": "def install():\n    from pkg import admin\n",
        "pkg/admin/__init__.py": "from .api import install\n",
        "pkg/admin/api.py": "from ..app import create\n",
        "pkg/leaf.py": "import pkg.app\n",
    })
    cycles = import_cycles(import_graph(pkg))
    assert cycles == [["pkg.admin", "pkg.admin.api", "pkg.app", "pkg.features"]]


def test_type_checking_imports_and_parent_packages_make_no_cycle(tmp_path: Path) -> None:
    pkg = _write(tmp_path, {
        "pkg/__init__.py": "from pkg.a import A\n",  # the package re-exports; a's import of pkg.b is no edge to it
        "pkg/a.py": "from typing import TYPE_CHECKING\nfrom pkg.b import B\nA = 1\n",
        "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\nB = 2\n",
    })
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == set()
    assert import_cycles(graph) == []
    (pkg / "b.py").write_text("def f():\n    from pkg.a import A\n", encoding="utf-8")  # now it runs: a cycle
    assert import_cycles(import_graph(pkg)) == [["pkg.a", "pkg.b"]]


# The mock's layers (docs/architecture-layering.md): the features plug into the app's context, the admin
# package sits on the features, and only the composition (mockserver.features, imported by mockserver.app)
# knows them all.
FEATURES = ("mockserver.journal", "mockserver.security", "mockserver.throttle", "mockserver.faults",
            "mockserver.fault_actions", "mockserver.webhooks")


def test_features_and_admin_depend_on_the_context_not_on_the_app() -> None:
    graph = import_graph(REPO / "mockserver")
    admin = [m for m in graph if m == "mockserver.admin" or m.startswith("mockserver.admin.")]
    wrong = {m: sorted(graph[m] & {"mockserver.app", "mockserver.features"}) for m in (*FEATURES, *admin)}
    assert not {m: w for m, w in wrong.items() if w}
    reach_admin = {m: sorted(t for t in graph[m] if t in admin) for m in FEATURES}
    assert not {m: w for m, w in reach_admin.items() if w}, "a feature imports the admin package"
