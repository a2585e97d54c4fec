"""Files shipped in `resources/` (installed as the `app.resources` package), and the fonts
the book is printed in.

Names are printed in DejaVu Serif (Latin with Vietnamese and the rest of Latin Extended,
Greek, Cyrillic). DejaVu has no Arabic or Hebrew, so those letters are drawn in Noto Naskh
Arabic and Noto Serif Hebrew (resources/fonts/LICENSE-Noto.txt): each run of text goes to
the first font of its family that has every one of its letters (`font_runs`). The PDF's
page text (app/print/pdf.py) and the cover's lettering (app/ai/lettering.py) both set text
this way, and the order checks refuse a name with a letter none of them has.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymupdf

FONT_REGULAR = "DejaVuSerif.ttf"
FONT_BOLD = "DejaVuSerif-Bold.ttf"
# The page text and the cover's title: the first font, then the scripts it lacks.
TEXT_FONTS: tuple[str, ...] = (
    FONT_REGULAR,
    "NotoNaskhArabic-Regular.ttf",
    "NotoSerifHebrew-Regular.ttf",
)
TITLE_FONTS: tuple[str, ...] = (
    FONT_BOLD,
    "NotoNaskhArabic-Bold.ttf",
    "NotoSerifHebrew-Bold.ttf",
)

# Characters that belong to the letter before them (accents, vowel marks, joiners,
# variation selectors): they stay in that letter's font.
_ATTACHED = {"Mn", "Mc", "Me"}
_JOINERS = {"\u200c", "\u200d", "\u034f"}


def resource(*parts: str) -> Traversable:
    node: Traversable = resources.files("app.resources")
    for part in parts:
        node = node / part
    return node


@functools.cache
def font_bytes(name: str = FONT_REGULAR) -> bytes:
    return resource("fonts", name).read_bytes()


@functools.cache
def glyph_font(name: str) -> pymupdf.Font:
    """A shipped font, for glyph look-ups and text widths."""
    import pymupdf

    return pymupdf.Font(fontbuffer=font_bytes(name))


def has_glyph(font: str, char: str) -> bool:
    return bool(glyph_font(font).has_glyph(ord(char)))


def font_for(char: str, fonts: Sequence[str]) -> str | None:
    """The first of `fonts` that can draw `char`, or None."""
    return next((f for f in fonts if has_glyph(f, char)), None)


def _attached(char: str) -> bool:
    return (
        unicodedata.category(char) in _ATTACHED or char in _JOINERS or 0xFE00 <= ord(char) <= 0xFE0F
    )


def _neutral(char: str) -> bool:
    """Spaces and punctuation: drawn in the font of the run they sit in when it has them."""
    return unicodedata.bidirectional(char) in {"WS", "ON", "CS", "ES", "ET", "BN", "S", "B"}


def font_runs(text: str, fonts: Sequence[str]) -> list[tuple[str, str]]:
    """`text` cut into (font, run) pieces, in reading order: each letter in the first font
    that has it, marks and joiners with their letter, spaces and punctuation with the
    letters around them when those share a font that has them (a space between two Arabic
    words is Arabic, one between an Arabic name and an English word is the first font's).
    A character no font has goes to the first font: it will draw as a box there, and the
    order checks and the PDF checks say so."""
    chosen: list[str] = []
    for at, char in enumerate(text):
        if chosen and _attached(char):
            chosen.append(chosen[-1])
            continue
        if chosen and _neutral(char) and has_glyph(chosen[-1], char):
            after = next((c for c in text[at + 1 :] if not (_neutral(c) or _attached(c))), None)
            if after is not None and font_for(after, fonts) == chosen[-1]:
                chosen.append(chosen[-1])
                continue
        chosen.append(font_for(char, fonts) or fonts[0])
    runs: list[tuple[str, str]] = []
    for font, char in zip(chosen, text, strict=True):
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def text_width(text: str, fonts: Sequence[str], fontsize: float) -> float:
    """The advance of `text` set in `fonts` (letters unshaped: close enough to fit text)."""
    return sum(
        glyph_font(font).text_length(run, fontsize=fontsize) for font, run in font_runs(text, fonts)
    )


def undrawable(text: str, fonts: Sequence[str]) -> list[str]:
    """The characters of `text` (each once, in order) that none of `fonts` can draw; control
    and unassigned characters never can."""
    found: list[str] = []
    for char in text:
        if char in found:
            continue
        control = unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn")
        if control or font_for(char, fonts) is None:
            found.append(char)
    return found


def demo_root() -> Traversable:
    return resource("demo")
