"""Files shipped in `resources/` (installed as the `app.resources` package)."""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable

FONT_REGULAR = "DejaVuSerif.ttf"
FONT_BOLD = "DejaVuSerif-Bold.ttf"


def resource(*parts: str) -> Traversable:
    node: Traversable = resources.files("app.resources")
    for part in parts:
        node = node / part
    return node


@functools.cache
def font_bytes(name: str = FONT_REGULAR) -> bytes:
    return resource("fonts", name).read_bytes()


def demo_root() -> Traversable:
    return resource("demo")
