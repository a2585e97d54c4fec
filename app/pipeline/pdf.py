"""Print-ready PDF composition with PyMuPDF, and quick page previews.

Each page is trim size plus bleed on every side (MediaBox = BleedBox), with the TrimBox
set inside it. Illustrations fill the bleed; images below `min_dpi` at that size are
refused, below `target_dpi` they are accepted with a warning. Page text is set in an
embedded font on a soft panel inside the safe area.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pymupdf
from PIL import Image

from app.assets import FONT_REGULAR, font_bytes
from app.domain import BadInput

MM = 72 / 25.4  # points per millimetre
SAFE_MARGIN_MM = 12.7  # text stays half an inch inside the trim


@dataclass(frozen=True)
class PrintSpec:
    trim_mm: tuple[float, float] = (203.2, 203.2)
    bleed_mm: float = 3.175
    target_dpi: int = 300
    min_dpi: int = 150

    @property
    def page_size_pt(self) -> tuple[float, float]:
        w, h = self.trim_mm
        return (w + 2 * self.bleed_mm) * MM, (h + 2 * self.bleed_mm) * MM

    @property
    def page_size_in(self) -> tuple[float, float]:
        w, h = self.page_size_pt
        return w / 72, h / 72

    def pixels_needed(self, dpi: int | None = None) -> tuple[int, int]:
        w, h = self.page_size_in
        d = dpi or self.target_dpi
        return round(w * d), round(h * d)


@dataclass(frozen=True)
class BookPage:
    image: bytes  # JPEG (passed through) or PNG
    text: str = ""
    label: str = ""


@dataclass
class ComposedBook:
    pdf: bytes
    warnings: list[str] = field(default_factory=list)


def effective_dpi(image: bytes, spec: PrintSpec) -> float:
    with Image.open(io.BytesIO(image)) as img:
        width, height = img.size
    w_in, h_in = spec.page_size_in
    return min(width / w_in, height / h_in)


def _check_resolution(page: BookPage, spec: PrintSpec, warnings: list[str]) -> None:
    dpi = effective_dpi(page.image, spec)
    trim = "x".join(f"{v:g}" for v in spec.trim_mm)
    if dpi < spec.min_dpi:
        raise BadInput(
            f"{page.label}: image is {dpi:.0f} DPI at {trim} mm trim; "
            f"at least {spec.min_dpi} DPI is needed for print"
        )
    if dpi < spec.target_dpi - 0.5:
        warnings.append(f"{page.label}: image is {dpi:.0f} DPI (print target {spec.target_dpi})")


def _cover_rect(image: bytes, page_rect: pymupdf.Rect) -> pymupdf.Rect:
    """A rect that covers the page with the image's aspect kept (overflow is clipped)."""
    with Image.open(io.BytesIO(image)) as img:
        iw, ih = img.size
    scale = max(page_rect.width / iw, page_rect.height / ih)
    w, h = iw * scale, ih * scale
    cx, cy = page_rect.width / 2, page_rect.height / 2
    return pymupdf.Rect(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _set_text(page: pymupdf.Page, text: str, spec: PrintSpec) -> None:
    bleed = spec.bleed_mm * MM
    margin = bleed + SAFE_MARGIN_MM * MM
    width = page.rect.width - 2 * margin
    fontsize = max(11.0, min(22.0, page.rect.height / 28))
    font = pymupdf.Font(fontbuffer=font_bytes(FONT_REGULAR))
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if font.text_length(trial, fontsize=fontsize) <= width - fontsize and current:
            current = trial
        elif not current:
            current = word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    leading = fontsize * 1.35
    box_h = leading * len(lines) + fontsize
    bottom = page.rect.height - margin
    panel = pymupdf.Rect(margin, bottom - box_h, page.rect.width - margin, bottom)
    page.draw_rect(
        pymupdf.Rect(panel.x0 - fontsize / 2, panel.y0, panel.x1 + fontsize / 2, panel.y1),
        color=None,
        fill=(1, 1, 1),
        fill_opacity=0.86,
        radius=0.15,
        overlay=True,
    )
    writer = pymupdf.TextWriter(page.rect)
    y = panel.y0 + fontsize * 0.5 + fontsize
    for line in lines:
        x = (page.rect.width - font.text_length(line, fontsize=fontsize)) / 2
        writer.append((x, y), line, font=font, fontsize=fontsize)
        y += leading
    writer.write_text(page, color=(0.12, 0.1, 0.16))


def compose_book(
    cover: bytes,
    pages: list[BookPage],
    spec: PrintSpec,
    *,
    title: str,
    child_name: str,
) -> ComposedBook:
    warnings: list[str] = []
    all_pages = [BookPage(cover, "", "cover"), *pages]
    for book_page in all_pages:
        _check_resolution(book_page, spec, warnings)
    width, height = spec.page_size_pt
    bleed = spec.bleed_mm * MM
    doc = pymupdf.open()
    try:
        for book_page in all_pages:
            page = doc.new_page(width=width, height=height)
            page.set_bleedbox(page.rect)
            page.set_trimbox(pymupdf.Rect(bleed, bleed, width - bleed, height - bleed))
            page.insert_image(_cover_rect(book_page.image, page.rect), stream=book_page.image)
            if book_page.text:
                _set_text(page, book_page.text, spec)
        doc.set_metadata(
            {
                "title": title,
                "author": "Pressroom",
                "subject": f"A personalized book for {child_name}",
                "keywords": f"personalized, children's book, {child_name}",
                "creator": "Pressroom",
                "producer": f"PyMuPDF {pymupdf.VersionBind}",
            }
        )
        doc.subset_fonts()
        return ComposedBook(doc.tobytes(garbage=3, deflate=True), warnings)
    finally:
        doc.close()


def render_page_png(pdf: bytes, index: int, dpi: int = 60) -> bytes:
    """A PNG of page `index` (0 = cover), for previews and thumbnails."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        if not 0 <= index < doc.page_count:
            raise IndexError(f"the book has {doc.page_count} pages; there is no page {index}")
        pix = doc[index].get_pixmap(dpi=dpi)
        return pix.tobytes("png")


def page_count(pdf: bytes) -> int:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return doc.page_count
