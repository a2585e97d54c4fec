"""The layering of DESIGN.md, checked on the source: the core never imports Qt, and each
layer imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"

# module prefix -> app packages it must not import
FORBIDDEN = {
    "app.domain": ("app.store", "app.ai", "app.pipeline", "app.monitor", "app.cli", "app.ui"),
    "app.store": ("app.ai", "app.pipeline", "app.monitor", "app.cli", "app.ui"),
    "app.ai": ("app.store", "app.pipeline", "app.monitor", "app.cli", "app.ui"),
    "app.pipeline": ("app.monitor", "app.cli", "app.ui"),
    "app.monitor": ("app.cli", "app.ui"),
    "app.quality": ("app.monitor", "app.cli", "app.ui"),
    "app.notify": ("app.pipeline", "app.monitor", "app.cli", "app.ui"),
    "app.catalog": ("app.cli", "app.ui"),
    "app.print": ("app.monitor", "app.cli", "app.ui"),
    "app.chaos": ("app.ui",),
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
