"""The layering of DESIGN.md, checked on the source: the core never imports Qt, and each
layer imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"

# module prefix -> app packages it must not import
FORBIDDEN = {
    "app.domain": (
        "app.store",
        "app.ai",
        "app.pipeline",
        "app.orders",
        "app.catalog",
        "app.worker",
        "app.reports",
        "app.proving",
        "app.cli",
        "app.ui",
    ),
    "app.store": (
        "app.ai",
        "app.pipeline",
        "app.orders",
        "app.catalog",
        "app.worker",
        "app.reports",
        "app.proving",
        "app.cli",
        "app.ui",
    ),
    "app.ai": ("app.store", "app.pipeline", "app.orders", "app.worker", "app.cli", "app.ui"),
    "app.pipeline": ("app.worker", "app.reports", "app.proving", "app.cli", "app.ui"),
    "app.orders": ("app.catalog", "app.pipeline", "app.worker", "app.cli", "app.ui"),
    "app.worker": ("app.proving", "app.cli", "app.ui"),
    "app.reports": ("app.pipeline", "app.worker", "app.proving", "app.cli", "app.ui"),
    "app.quality": ("app.worker", "app.proving", "app.cli", "app.ui"),
    "app.notify": ("app.pipeline", "app.worker", "app.proving", "app.cli", "app.ui"),
    "app.catalog": ("app.proving", "app.cli", "app.ui"),
    "app.print": ("app.worker", "app.proving", "app.cli", "app.ui"),
    "app.proving": ("app.cli", "app.ui"),
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules() -> list[tuple[str, Path]]:
    result = []
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__")
        result.append((name, path))
    return result


@pytest.mark.parametrize(("name", "path"), modules(), ids=[m for m, _ in modules()])
def test_module_respects_the_layers(name: str, path: Path) -> None:
    found = imports(path)
    if not name.startswith("app.ui"):
        assert not {m for m in found if m.split(".")[0] in {"PySide6", "PyQt6", "qasync"}}
    for prefix, banned in FORBIDDEN.items():
        if name == prefix or name.startswith(prefix + "."):
            bad = {m for m in found for b in banned if m == b or m.startswith(b + ".")}
            assert not bad, f"{name} imports {sorted(bad)}"


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The line numbers of imports under `if TYPE_CHECKING:` (they run no code)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for inner in ast.walk(child):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        lines.add(inner.lineno)
    return lines


def import_graph() -> dict[str, set[str]]:
    """module -> the app modules it imports when it runs, imports inside functions too: a
    `from package import name` ties to the submodule where one is called so, else to the
    package's __init__."""
    known = {name for name, _ in modules()}
    graph: dict[str, set[str]] = {}
    for name, path in modules():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_only(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in known)
            elif isinstance(node, ast.ImportFrom) and node.module in known:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in known else node.module)
        graph[name] = targets - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


def test_the_root_of_app_stays_small() -> None:
    loose = sorted(p.name for p in APP.glob("*.py") if p.name not in {"__init__.py", "__main__.py"})
    assert len(loose) <= 12, loose
