"""Book PDFs made in the tests, so the art and the text layer are known exactly."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from PIL import Image

SIDE_PT = 8.25 * 72  # 8 in trim + 1/8 in bleed each side
TEXT_RECT = pymupdf.Rect(60, 470, 534, 560)  # where each page's text is set
TITLE_RECT = pymupdf.Rect(50, 40, 544, 120)


@dataclass(frozen=True)
class PdfPage:
    colour: tuple[int, int, int]
    text: str
    ppi: float = 300
    size_pt: tuple[float, float] = (SIDE_PT, SIDE_PT)


def png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def make_book_pdf(path: Path, title: str, pages: list[PdfPage], *, text_layer: bool = True) -> Path:
    """Page 1: the cover, `title` lettered large in TITLE_RECT; then one page per entry,
    a full-bleed picture of its colour at its ppi, its text in TEXT_RECT."""
    doc = pymupdf.open()
    cover = PdfPage((240, 200, 120), title)
    for n, spec in enumerate([cover, *pages]):
        w, h = spec.size_pt
        page = doc.new_page(width=w, height=h)
        pixels = (round(w / 72 * spec.ppi), round(h / 72 * spec.ppi))
        page.insert_image(page.rect, stream=png(spec.colour, pixels))
        if text_layer:
            if n == 0:
                page.insert_textbox(TITLE_RECT, spec.text, fontsize=36, align=1)
            else:
                page.insert_textbox(TEXT_RECT, spec.text, fontsize=18)
    doc.save(path)
    return path
