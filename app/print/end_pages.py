"""The pages a printed book has besides its story, designed and personalized, so a short
story meets a printer's minimum without blank paper (KDP's manual review refuses more than
2 blank pages in a row at the start or middle and 10 at the end: see its profile's
sources). Front matter: "this book belongs to" and the title page; back matter: "the end",
the child's portrait in the book's style (a crop of the personalized cover), "about the
hero", then pages to draw one's own adventure on, alternating with endpapers in the
cover's colours. Everything stands inside the profile's safe area but the endpapers'
pattern, which fills the bleed as a picture does."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pymupdf
from PIL import Image

from app.domain import Box
from app.imageio import encode_jpeg
from app.print.pdf import (
    LEADING,
    TEXT_COLOUR,
    Typesetter,
    css_colour,
    needs_shaping,
    text_css,
    text_html,
)

FRONT = ("belongs_to", "title")
BACK = ("the_end", "portrait", "about")
FILLERS = ("draw", "endpaper")
BLANK = "blank"
PORTRAIT_PPI = 300


@dataclass(frozen=True)
class EndMatter:
    """What the designed pages say and show."""

    title: str
    child_name: str
    age: int | None = None
    portrait: bytes | None = None  # the child as the cover draws them (JPEG)
    palette: tuple[tuple[float, float, float], ...] = ((0.93, 0.6, 0.25), (0.22, 0.36, 0.62))
    ink: tuple[float, ...] = (0.12, 0.1, 0.16)  # RGB, or CMYK (0, 0, 0, 1) for pure K


def plan(content: int, total: int, *, last_blank: bool = False) -> list[str]:
    """Every interior page in order: "story" for the book's own pages, a designed page's
    kind for the others; `last_blank`: the printer wants the last page left blank (its
    own barcode goes there)."""
    extra = total - content - (1 if last_blank else 0)
    if extra < 0:
        raise ValueError(f"{total} pages cannot hold {content} story pages")
    front = list(FRONT) if extra >= len(FRONT) + len(BACK) else []
    back: list[str] = []
    for kind in BACK + FILLERS * math.ceil(extra / len(FILLERS)):
        if len(front) + len(back) == extra:
            break
        back.append(kind)
    return front + ["story"] * content + back + [BLANK] * last_blank


def portrait_of(cover: bytes, regions: Sequence[Box]) -> bytes:
    """The hero's part of the personalized cover, square, with room around them."""
    with Image.open(io.BytesIO(cover)) as img:
        rgb = img.convert("RGB")
    w, h = rgb.size
    if regions:
        left = min(r.left for r in regions) * w
        top = min(r.top for r in regions) * h
        right = max(r.right for r in regions) * w
        bottom = max(r.bottom for r in regions) * h
    else:
        left, top, right, bottom = w * 0.2, h * 0.3, w * 0.8, h * 0.9  # below the title
    side = min(max(right - left, bottom - top) * 1.25, w, h)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    x0 = min(max(0.0, cx - side / 2), w - side)
    y0 = min(max(0.0, cy - side / 2), h - side)
    return encode_jpeg(rgb.crop((round(x0), round(y0), round(x0 + side), round(y0 + side))), 92)


def palette_of(cover: bytes) -> tuple[tuple[float, float, float], ...]:
    """The cover's two most used colours, lightest first (endpapers and frames)."""
    with Image.open(io.BytesIO(cover)) as img:
        small = img.convert("RGB").resize((64, 64))
    quantized = small.quantize(colors=4)
    raw = quantized.getpalette() or []
    counts = sorted(quantized.getcolors() or [], reverse=True)[:2]
    used = [int(index) for _, index in counts]  # type: ignore[call-overload]
    colours = [(raw[i * 3] / 255, raw[i * 3 + 1] / 255, raw[i * 3 + 2] / 255) for i in used]
    colours.sort(key=lambda c: -sum(c))
    return tuple(colours) or EndMatter("", "").palette


class EndPages:
    """Draws the designed pages of one book."""

    def __init__(self, matter: EndMatter, typesetter: Typesetter) -> None:
        self.m = matter
        self.t = typesetter

    def draw(self, kind: str, page: pymupdf.Page, safe: pymupdf.Rect) -> None:
        if kind in FRONT + BACK:  # a soft tint of the cover's light colour, bled
            tint = tuple(0.9 + 0.1 * c for c in self.m.palette[0])
            page.draw_rect(page.rect, color=None, fill=tint, overlay=True)
        if kind != BLANK:
            getattr(self, f"_{kind}")(page, safe)

    # -- lettering -----------------------------------------------------------------------
    def _line(self, page: pymupdf.Page, text: str, rect: pymupdf.Rect, size: float) -> None:
        """`text` centred in `rect` (wrapped, shrunk to fit), in the book's fonts and ink."""
        fonts = self.t.fonts
        if needs_shaping(text, fonts):
            css = text_css(fonts, size).replace(TEXT_COLOUR, css_colour(self.m.ink))
            page.insert_htmlbox(
                rect, text_html(text, fonts), css=css, archive=self.t.archive, scale_low=0.3
            )
            return
        font = self.t.font
        while size > 6 and font.text_length(text, fontsize=size) > rect.width:
            size *= 0.92
        writer = pymupdf.TextWriter(page.rect)
        x = rect.x0 + (rect.width - font.text_length(text, fontsize=size)) / 2
        writer.append((x, rect.y0 + size), text, font=font, fontsize=size)
        writer.write_text(page, color=self.m.ink)

    def _frame(self, page: pymupdf.Page, rect: pymupdf.Rect) -> None:
        page.draw_rect(rect, color=self.m.palette[-1], width=2.5, radius=0.04)

    def _band(self, safe: pymupdf.Rect, top: float, height: float) -> pymupdf.Rect:
        y = safe.y0 + safe.height * top
        return pymupdf.Rect(safe.x0, y, safe.x1, y + safe.height * height)

    # -- the pages -----------------------------------------------------------------------
    def _belongs_to(self, page: pymupdf.Page, safe: pymupdf.Rect) -> None:
        self._frame(page, safe)
        size = safe.height / 16
        self._line(page, "This book belongs to", self._band(safe, 0.36, 0.1), size)
        self._line(page, self.m.child_name, self._band(safe, 0.5, 0.16), size * 1.8)

    def _title(self, page: pymupdf.Page, safe: pymupdf.Rect) -> None:
        self._frame(page, self._band(safe, 0.2, 0.5))
        size = safe.height / 13
        self._line(page, self.m.title, self._band(safe, 0.3, 0.2), size)
        self._line(
            page, f"A story starring {self.m.child_name}", self._band(safe, 0.55, 0.1), size / 2
        )

    def _the_end(self, page: pymupdf.Page, safe: pymupdf.Rect) -> None:
        size = safe.height / 11
        self._line(page, "The End", self._band(safe, 0.34, 0.14), size)
        said = f"This book was made for {self.m.child_name}"
        self._line(page, said, self._band(safe, 0.56, 0.08), size / 2.6)

    def _portrait(self, page: pymupdf.Page, safe: pymupdf.Rect) -> None:
        side = min(safe.width, safe.height) * 0.62
        if self.m.portrait is not None:  # never below 300 ppi: smaller, rather than soft
            with Image.open(io.BytesIO(self.m.portrait)) as img:
                side = min(side, img.width / PORTRAIT_PPI * 72)
        x0, y0 = safe.x0 + (safe.width - side) / 2, safe.y0 + safe.height * 0.1
        box = pymupdf.Rect(x0, y0, x0 + side, y0 + side)
        if self.m.portrait is not None:
            page.insert_image(box, stream=self.m.portrait)
        self._frame(page, box)
        caption = f"{self.m.child_name}, the hero of {self.m.title}"
        below = pymupdf.Rect(safe.x0, box.y1 + safe.height * 0.06, safe.x1, safe.y1)
        self._line(page, caption, below, safe.height / 26)

    def _about(self, page: pymupdf.Page, safe: pymupdf.Rect) -> None:
        size = safe.height / 18
        self._line(page, "About the hero", self._band(safe, 0.22, 0.1), size)
        age = f", {self.m.age} years old," if self.m.age else ""
        lines = [
            f"{self.m.child_name}{age} is the hero of",
            self.m.title,
            "Every picture in this book was drawn",
            f"for {self.m.child_name} alone.",
        ]
        for n, text in enumerate(lines):
            self._line(page, text, self._band(safe, 0.42 + n * 0.07, 0.06), size * 0.6)

    def _draw(self, page: pymupdf.Page, safe: pymupdf.Rect) -> None:
        size = safe.height / 22
        ask = f"Draw your own adventure, {self.m.child_name}!"
        self._line(page, ask, self._band(safe, 0.02, 0.08), size)
        box = pymupdf.Rect(safe.x0, safe.y0 + size * LEADING * 2.2, safe.x1, safe.y1)
        self._frame(page, box)

    def _endpaper(self, page: pymupdf.Page, _safe: pymupdf.Rect) -> None:
        light, dark = self.m.palette[0], self.m.palette[-1]
        tint = tuple(0.82 + 0.18 * c for c in light)
        page.draw_rect(page.rect, color=None, fill=tint, overlay=True)
        step = page.rect.width / 9
        shape = page.new_shape()
        for row in range(int(page.rect.height / step) + 2):
            for col in range(10):
                x = col * step + (step / 2 if row % 2 else 0)
                y = row * step
                shape.draw_circle((x, y), step * 0.12)
        shape.finish(color=None, fill=tuple(0.6 + 0.4 * c for c in dark))
        shape.commit()
