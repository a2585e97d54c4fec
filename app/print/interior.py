"""The interior PDF a printer takes: the book's pages only (the cover goes in the spread),
each page the profile's trim plus its bleed per edge (a printer that does not bleed the
gutter gets none there, mirrored between right- and left-hand pages), the text inside the
profile's safe margin, padded to the printer's minimum and multiple with designed,
personalized pages (app/print/end_pages.py) — never blank paper, but the last page where
the printer wants it blank."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pymupdf

from app.assets import TEXT_FONTS
from app.print.end_pages import EndMatter, EndPages, plan
from app.print.pdf import BookPage, Typesetter, cover_rect
from app.print.profiles import PT, PrinterProfile


@dataclass(frozen=True)
class Interior:
    pdf: bytes
    content_pages: int  # the book's own pages
    pages: int  # after padding
    front_pages: int = 0  # designed pages before the story's first

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


def build_interior(
    pages: Sequence[BookPage],
    profile: PrinterProfile,
    *,
    matter: EndMatter,
    fonts: Sequence[str] = TEXT_FONTS,
) -> Interior:
    total = profile.padded_count(len(pages))
    typesetter = Typesetter(fonts)
    kinds = plan(len(pages), total, last_blank=profile.pages.last_blank)
    designed = EndPages(matter, typesetter)
    story = iter(pages)
    opacity = 1.0 if profile.forbid.transparency else 0.86
    doc = pymupdf.open()
    try:
        for number in range(1, total + 1):
            rect, trim, safe = page_rects(profile, number, total)
            page = doc.new_page(width=rect.width, height=rect.height)
            page.set_bleedbox(page.rect)
            page.set_trimbox(trim)
            kind = kinds[number - 1]
            if kind == "story":
                content = next(story)
                page.insert_image(cover_rect(content.image, page.rect), stream=content.image)
                if content.text:
                    typesetter.set_text(
                        page, content.text, safe, panel_opacity=opacity, ink=matter.ink
                    )
            else:
                designed.draw(kind, page, safe)
        doc.set_metadata(
            {
                "title": f"{matter.title} — interior",
                "author": "Pressroom",
                "subject": f"Interior for {profile.label}, made for "
                + html.escape(matter.child_name),
                "creator": "Pressroom",
                "producer": f"PyMuPDF {pymupdf.VersionBind}",
            }
        )
        doc.subset_fonts()
        front = kinds.index("story") if pages else 0
        return Interior(doc.tobytes(garbage=3, deflate=True), len(pages), total, front)
    finally:
        doc.close()
