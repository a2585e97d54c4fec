"""The interior PDF a printer takes: the book's pages only (the cover goes in the spread),
each page the profile's trim plus its bleed per edge (a printer that does not bleed the
gutter gets none there, mirrored between right- and left-hand pages), the text inside the
profile's safe margin, padded to the printer's minimum and multiple with designed end
pages: "This book was made for NAME", then blank pages — never a broken layout."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pymupdf

from app.assets import TEXT_FONTS
from app.print.pdf import BookPage, Typesetter, cover_rect, text_css, text_html
from app.print.profiles import PT, PrinterProfile

END_PAGE_TEXT = "This book was made for {name}"


@dataclass(frozen=True)
class Interior:
    pdf: bytes
    content_pages: int  # the book's own pages
    pages: int  # after padding

    @property
    def end_pages(self) -> int:
        return self.pages - self.content_pages


def page_rects(
    profile: PrinterProfile, number: int, pages: int
) -> tuple[pymupdf.Rect, pymupdf.Rect, pymupdf.Rect]:
    """(page, trim, safe area) of interior page `number` in points."""
    left, top, right, bottom = profile.bleed_of(number)
    width, height = profile.page_size(number)
    page = pymupdf.Rect(0, 0, width * PT, height * PT)
    trim = pymupdf.Rect(left * PT, top * PT, (width - right) * PT, (height - bottom) * PT)
    s_left, s_top, s_right, s_bottom = profile.safe_of(number, pages)
    safe = pymupdf.Rect(
        trim.x0 + s_left * PT, trim.y0 + s_top * PT, trim.x1 - s_right * PT, trim.y1 - s_bottom * PT
    )
    return page, trim, safe


def _end_page(
    page: pymupdf.Page, safe: pymupdf.Rect, typesetter: Typesetter, name: str, title: str
) -> None:
    fonts = typesetter.fonts
    body = text_html(END_PAGE_TEXT.format(name=name), fonts) + text_html(title, fonts)
    css = text_css(fonts, 22) + "p + p {font-style: italic; font-size: 17px; margin-top: 14px;}\n"
    box = pymupdf.Rect(safe.x0, safe.y0 + safe.height * 0.38, safe.x1, safe.y1)
    page.insert_htmlbox(box, body, css=css, archive=typesetter.archive, scale_low=0.5)


def build_interior(
    pages: Sequence[BookPage],
    profile: PrinterProfile,
    *,
    title: str,
    child_name: str,
    fonts: Sequence[str] = TEXT_FONTS,
) -> Interior:
    total = profile.padded_count(len(pages))
    typesetter = Typesetter(fonts)
    opacity = 1.0 if profile.forbid.transparency else 0.86
    doc = pymupdf.open()
    try:
        for number in range(1, total + 1):
            rect, trim, safe = page_rects(profile, number, total)
            page = doc.new_page(width=rect.width, height=rect.height)
            page.set_bleedbox(page.rect)
            page.set_trimbox(trim)
            if number <= len(pages):
                content = pages[number - 1]
                page.insert_image(cover_rect(content.image, page.rect), stream=content.image)
                if content.text:
                    typesetter.set_text(page, content.text, safe, panel_opacity=opacity)
            elif number == len(pages) + 1:
                _end_page(page, safe, typesetter, child_name, title)
            # later end pages stay blank: paper, as a printed book's last leaves are
        doc.set_metadata(
            {
                "title": f"{title} — interior",
                "author": "Pressroom",
                "subject": f"Interior for {profile.label}, made for {html.escape(child_name)}",
                "creator": "Pressroom",
                "producer": f"PyMuPDF {pymupdf.VersionBind}",
            }
        )
        doc.subset_fonts()
        return Interior(doc.tobytes(garbage=3, deflate=True), len(pages), total)
    finally:
        doc.close()
