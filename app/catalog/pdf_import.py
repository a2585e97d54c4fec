"""Reading a book from its own print PDF with PyMuPDF: page 1 is the cover (its largest
lettering is the title and the title box), every later page a page of the book. Each
page's art is rendered without its text layer (the text is redacted out, pictures and
drawings left alone) at the print resolution — or at the art's own resolution when that
is lower, so no upscaled pixel passes for print detail — and its text is taken from the
text layer with the box it stood in. Refused with a sentence: no text layer (the text is
baked into the pictures), mixed page sizes, art below the print resolution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pymupdf

from app.catalog.bundle import BookFiles, slug
from app.catalog.hero_name import propose_hero
from app.domain import BadInput, Book, BookStatus, Box, Page
from app.print.pdf import PrintSpec

_ART_SHARE = 0.25  # a picture covering at least this share of the page is its art
_SAME_SIZE_PT = 1.0


def _spans(page: pymupdf.Page) -> list[dict[str, Any]]:
    found = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", ()):
            found += [s for s in line["spans"] if s["text"].strip()]
    return found


def _text_of(page: pymupdf.Page) -> str:
    blocks = page.get_text("blocks", sort=True)
    return " ".join(" ".join(b[4].split()) for b in blocks if b[6] == 0 and b[4].strip())


def _box(rects: list[pymupdf.Rect], page: pymupdf.Rect) -> Box | None:
    if not rects:
        return None
    union = pymupdf.Rect(rects[0])
    for r in rects[1:]:
        union |= r
    clip = union & page
    return Box(
        round((clip.x0 - page.x0) / page.width, 4),
        round((clip.y0 - page.y0) / page.height, 4),
        round((clip.x1 - page.x0) / page.width, 4),
        round((clip.y1 - page.y0) / page.height, 4),
    )


def native_ppi(page: pymupdf.Page) -> float | None:
    """The resolution of the page's art as placed (None: no picture covers enough of the
    page to be its art — vector art, which prints at any resolution)."""
    area = page.rect.width * page.rect.height
    found = []
    for info in page.get_image_info():
        bbox = pymupdf.Rect(info["bbox"]) & page.rect
        if bbox.is_empty or bbox.width * bbox.height < _ART_SHARE * area:
            continue
        found.append(min(info["width"] / (bbox.width / 72), info["height"] / (bbox.height / 72)))
    return min(found) if found else None


def _art(page: pymupdf.Page, dpi: float) -> bytes:
    for span in _spans(page):
        page.add_redact_annot(pymupdf.Rect(span["bbox"]), fill=None)  # no box painted
    page.apply_redactions(
        images=pymupdf.PDF_REDACT_IMAGE_NONE,  # type: ignore[attr-defined]
        graphics=pymupdf.PDF_REDACT_LINE_ART_NONE,  # type: ignore[attr-defined]
        text=pymupdf.PDF_REDACT_TEXT_REMOVE,  # type: ignore[attr-defined]
    )
    pixmap = page.get_pixmap(dpi=round(dpi), alpha=False)
    return pixmap.tobytes("jpeg", jpg_quality=92)


def _inches(rect: pymupdf.Rect) -> str:
    return f"{rect.width / 72:.2f}×{rect.height / 72:.2f} in"


def read_pdf(path: Path, spec: PrintSpec) -> BookFiles:
    try:
        doc = pymupdf.open(path)
    except Exception as exc:
        raise BadInput(f"{path.name}: cannot be read as a PDF ({exc})") from None
    with doc:
        every = [doc[n] for n in range(doc.page_count)]
        if doc.page_count < 2:
            raise BadInput(f"{path.name}: a book needs a cover and at least one page")
        first = doc[0].rect
        for page in every:
            r = page.rect
            if abs(r.width - first.width) > _SAME_SIZE_PT or abs(r.height - first.height) > 1:
                raise BadInput(
                    f"{path.name}: mixed page sizes (page 1 is {_inches(first)}, page "
                    f"{page.number + 1} is {_inches(r)}); every page of a book is one size"
                )
        texts = [_text_of(page) for page in every]
        if not any(texts):
            raise BadInput(
                f"{path.name}: has no text layer — its text is part of the pictures, so the "
                "hero's name cannot be replaced. Export the PDF with live text, or import "
                "the pictures with a text.txt"
            )
        low = []
        resolutions = []
        for page in every:
            ppi = native_ppi(page)
            if ppi is not None and ppi < spec.min_dpi:
                low.append(f"page {page.number + 1}: art at {ppi:.0f} ppi")
            resolutions.append(spec.target_dpi if ppi is None else min(ppi, spec.target_dpi))
        if low:
            raise BadInput(
                f"{path.name}: pictures below the print resolution ({'; '.join(low)}; "
                f"printing needs at least {spec.min_dpi} ppi)"
            )
        cover_spans = _spans(doc[0])
        biggest = max((s["size"] for s in cover_spans), default=0)
        title_spans = [s for s in cover_spans if s["size"] >= biggest - 0.5]
        title = (
            " ".join(s["text"].strip() for s in title_spans)
            or (doc.metadata or {}).get("title", "").strip()
            or path.stem
        )
        pages = []
        for page in every[1:]:
            box = _box([pymupdf.Rect(s["bbox"]) for s in _spans(page)], page.rect)
            pages.append(
                Page(page.number, f"page-{page.number:02d}.jpg", texts[page.number], (), box)
            )
        title_box = _box([pymupdf.Rect(s["bbox"]) for s in title_spans], doc[0].rect)
        images = {"cover.jpg": _art(doc[0], resolutions[0])}
        for page in every[1:]:
            images[f"page-{page.number:02d}.jpg"] = _art(page, resolutions[page.number])
    book = Book(
        id=slug(title),
        title=title,
        genre="",
        age_range="",
        hero_name="",
        cover_image="cover.jpg",
        pages=tuple(pages),
        title_box=title_box,
        status=BookStatus.DRAFT,
    )
    note = (
        f"{len(pages)} pages from {path.name}; art at "
        + ", ".join(sorted({f"{r:.0f}" for r in resolutions}))
        + " ppi"
    )
    return BookFiles(book, images, propose_hero(texts[1:]), (note,))
