"""The cover's title lettering.

The cover's title is lettered in DejaVu Serif Bold, with Noto for the scripts it lacks
(app/assets.py), one piece per font and direction. Pillow shapes a piece (Arabic joins,
marks) and orders a right-to-left one with libraqm; the pieces themselves are put in
order here, as in any left-to-right sentence: a run of right-to-left pieces reads right to
left, in its place. Without libraqm (some Pillow builds lack it) the letters of a
right-to-left piece are reversed by hand: Hebrew reads right, Arabic reads right but its
letters stay unjoined. The PDF's page text is laid out by MuPDF instead (app/print/pdf.py).
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont, features

from app.ai.imaging import RGB
from app.assets import TITLE_FONTS, font_bytes, font_runs
from app.domain import Box

_STRONG_RTL = {"R", "AL"}
_RTL_EMBEDDING = {"RLE", "RLO", "RLI"}


@dataclass(frozen=True)
class Piece:
    """A stretch of a line drawn in one font in one direction."""

    font: str  # a shipped font file (app/assets.py)
    text: str
    rtl: bool


def _levels(text: str) -> list[bool]:
    """Right-to-left or not, per character, in a left-to-right paragraph: letters by their
    own direction, marks with their letter, spaces and punctuation right-to-left only between
    two right-to-left letters (digits count as left-to-right)."""
    kinds: list[str] = []
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _STRONG_RTL or kind in _RTL_EMBEDDING:
            kinds.append("R")
        elif kind == "L" or kind in {"EN", "AN", "LRE", "LRO", "LRI"}:
            kinds.append("L")
        elif kind == "NSM" and kinds:
            kinds.append(kinds[-1])
        else:
            kinds.append("N")
    rtl = [k == "R" for k in kinds]
    for start in range(len(kinds)):
        if kinds[start] != "N" or (start and kinds[start - 1] == "N"):
            continue
        end = start
        while end < len(kinds) and kinds[end] == "N":
            end += 1
        before = kinds[start - 1] if start else "L"
        after = kinds[end] if end < len(kinds) else "L"
        if before == after == "R":
            rtl[start:end] = [True] * (end - start)
    return rtl


def pieces(text: str, fonts: Sequence[str] = TITLE_FONTS) -> list[Piece]:
    """`text` as pieces in drawing order, left to right."""
    rtl = _levels(text)
    logical: list[Piece] = []
    at = 0
    for font, run in font_runs(text, fonts):
        for offset, char in enumerate(run):
            direction = rtl[at + offset]
            if logical and logical[-1].font == font and logical[-1].rtl == direction and offset:
                last = logical[-1]
                logical[-1] = Piece(font, last.text + char, direction)
            else:
                logical.append(Piece(font, char, direction))
        at += len(run)
    visual: list[Piece] = []
    group: list[Piece] = []
    for piece in logical:
        if piece.rtl:
            group.append(piece)
            continue
        visual.extend(reversed(group))
        group = []
        visual.append(piece)
    visual.extend(reversed(group))
    return visual


def _face(font: str, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if _raqm() else ImageFont.Layout.BASIC
    return _loaded_face(font, size, engine)


@functools.cache
def _loaded_face(font: str, size: int, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(font_bytes(font)), size, layout_engine=engine)


def _raqm() -> bool:
    return bool(features.check("raqm"))


def _draw_args(piece: Piece) -> tuple[str, str | None]:
    """The text and direction to hand Pillow for a piece."""
    if not _raqm():
        return (piece.text[::-1] if piece.rtl else piece.text), None
    return piece.text, ("rtl" if piece.rtl else "ltr")


def _layout(
    draw: ImageDraw.ImageDraw, line: list[Piece], size: int
) -> tuple[list[float], float, tuple[float, float, float, float]]:
    """Where each piece starts (x from the line's origin on the baseline), the line's
    advance, and its ink box around that origin."""
    starts: list[float] = []
    x = 0.0
    box = [math.inf, math.inf, -math.inf, -math.inf]
    for piece in line:
        text, direction = _draw_args(piece)
        face = _face(piece.font, size)
        left, top, right, bottom = draw.textbbox(
            (x, 0), text, font=face, anchor="ls", direction=direction
        )
        box = [min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom)]
        starts.append(x)
        x += face.getlength(text, direction=direction)
    return starts, x, (box[0], box[1], box[2], box[3])


def _simple(line: list[Piece], fonts: Sequence[str]) -> bool:
    return len(line) == 1 and line[0].font == fonts[0] and not line[0].rtl


def fit_title_size(
    draw: ImageDraw.ImageDraw,
    title: str,
    width: int,
    height: int,
    fonts: Sequence[str] = TITLE_FONTS,
) -> int:
    """The largest lettering size (from 55 % of the box's height, in 10 % steps, at least
    8 px) at which `title` fills at most 90 % of the box's width and 80 % of its height."""
    line = pieces(title, fonts)
    size = max(8, int(height * 0.55))
    while size > 8:
        if _simple(line, fonts):
            left, top, right, bottom = draw.textbbox((0, 0), title, font=_face(fonts[0], size))
        else:
            _, _, (left, top, right, bottom) = _layout(draw, line, size)
        if right - left <= width * 0.9 and bottom - top <= height * 0.8:
            return size
        size = int(size * 0.9)
    return size


def draw_title_text(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    title: str,
    size: int,
    fill: RGB,
    fonts: Sequence[str] = TITLE_FONTS,
) -> None:
    """Letter `title` centred on `centre` (its middle as the first font's "mm" anchor puts
    it). A title the first font draws alone is drawn in one call, as it always was."""
    line = pieces(title, fonts)
    first = _face(fonts[0], size)
    if _simple(line, fonts):
        draw.text(centre, title, font=first, fill=fill, anchor="mm")
        return
    # the baseline sits where the first font's middle anchor would put it
    baseline = centre[1] + first.getbbox("x", anchor="mm")[1] - first.getbbox("x", anchor="ls")[1]
    starts, advance, _ = _layout(draw, line, size)
    left = centre[0] - advance / 2
    for piece, start in zip(line, starts, strict=True):
        text, direction = _draw_args(piece)
        face = _face(piece.font, size)
        draw.text(
            (left + start, baseline), text, font=face, fill=fill, anchor="ls", direction=direction
        )


def letter_title(page: Image.Image, title: str, box: Box) -> None:
    """Paint over the original title's banner with its own colour and letter `title` on it,
    in the shipped fonts, right-to-left names in their place."""
    left, top, right, bottom = box.to_pixels(*page.size)
    inset_x, inset_y = (right - left) // 10, (bottom - top) // 10
    interior = np.asarray(
        page.crop((left + inset_x, top + inset_y, right - inset_x, bottom - inset_y))
    ).reshape(-1, 3)
    r, g, b = (int(v) for v in np.median(interior, axis=0))  # lettering is the minority
    draw = ImageDraw.Draw(page)
    radius = (bottom - top) // 5
    draw.rounded_rectangle((left, top, right, bottom), radius=radius, fill=(r, g, b))
    size = fit_title_size(draw, title, right - left, bottom - top)
    draw_title_text(
        draw, ((left + right) / 2, (top + bottom) / 2), title, size, contrast((r, g, b))
    )


def contrast(rgb: RGB) -> RGB:
    """Dark ink on a light ground, light ink on a dark one."""
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (30, 30, 30) if luminance > 140 else (250, 250, 245)
