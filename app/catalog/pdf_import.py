"""Reading a book from its own print PDF with PyMuPDF: page 1 is the cover (its largest
lettering is the title and the title box), every later page a page of the book. Each
page's art is rendered without its text layer (the text is redacted out, pictures and
drawings left alone) at the print resolution — or at the art's own resolution when that
is lower, so no upscaled pixel passes for print detail — and its text is taken from the
text layer with the box it stood in. Refused with a sentence: no text layer (the text is
baked into the pictures), mixed page sizes, art below the print resolution."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymupdf

from app.catalog.bundle import BookFiles, slug
from app.catalog.hero_name import propose_hero
from app.catalog.intake import IntakeLimits, ScratchImages, too_many_pixels
from app.catalog.manifest import MAX_PAGE_TEXT
from app.domain import BadInput, Book, BookStatus, Box, Page
from app.imageio import read_capped_size
from app.print.pdf import PrintSpec
from app.print.pdf_open import image_pixels, open_pdf, page_of, with_mupdf

Progress = Callable[[int, int], None]
_ART_SHARE = 0.25  # a picture covering at least this share of the page is its art
_SAME_SIZE_PT = 1.0


# the text's spans only: "dict" would otherwise carry every picture, decoded
_TEXT_ONLY = pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES


def _spans(page: pymupdf.Page) -> list[dict[str, Any]]:
    found = []
    for block in page.get_text("dict", flags=_TEXT_ONLY)["blocks"]:
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


def _check_pixels(page: pymupdf.Page, dpi: float, name: str, max_pixels: int) -> None:
    """Refuse, before anything decodes or renders it, a page whose pictures or whose
    rendering at `dpi` hold more than `max_pixels`."""
    where = f"{name}: page {page.number + 1}"
    pixels, width, height = image_pixels(page)
    problem = too_many_pixels((width, height), max_pixels) if pixels else None
    if problem:
        raise BadInput(f"{where} holds a picture of {problem}")
    scale = dpi / 72
    rendered = (round(page.rect.width * scale), round(page.rect.height * scale))
    problem = too_many_pixels(rendered, max_pixels)
    if problem:
        raise BadInput(f"{where} is {_inches(page.rect)}; at {dpi:.0f} ppi that is {problem}")


@with_mupdf
def read_pdf(
    path: Path,
    spec: PrintSpec,
    limits: IntakeLimits | None = None,
    progress: Progress | None = None,
) -> BookFiles:
    """The book in `path`, each page's art rendered to a scratch folder as it is made (a
    book is never held in memory whole); `progress(done, total)` after each page."""
    limits = limits or IntakeLimits()
    name = path.name
    read_capped_size(path, limits.max_pdf_bytes, "the PDF")
    most = f"a cover and {limits.max_pages} pages"
    with open_pdf(path, name, max_pages=limits.max_pages + 1, most=most) as (doc, facts):
        damage = facts.damage(name)
        if damage:
            raise BadInput(damage)
        if doc.page_count < 2:
            raise BadInput(f"{name}: a book needs a cover and at least one page")
        every = [page_of(doc, n, name) for n in range(doc.page_count)]
        first = every[0].rect
        for page in every:
            r = page.rect
            if abs(r.width - first.width) > _SAME_SIZE_PT or abs(r.height - first.height) > 1:
                raise BadInput(
                    f"{name}: mixed page sizes (page 1 is {_inches(first)}, page "
                    f"{page.number + 1} is {_inches(r)}); every page of a book is one size"
                )
        texts = [_text_of(page) for page in every]
        if not any(texts):
            raise BadInput(
                f"{name}: has no text layer — its text is part of the pictures, so the "
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
            _check_pixels(page, resolutions[-1], name, limits.max_pixels)
        if low:
            raise BadInput(
                f"{name}: pictures below the print resolution ({'; '.join(low)}; "
                f"printing needs at least {spec.min_dpi} ppi)"
            )
        cover_spans = _spans(every[0])
        biggest = max((s["size"] for s in cover_spans), default=0)
        title_spans = [s for s in cover_spans if s["size"] >= biggest - 0.5]
        title = (
            " ".join(s["text"].strip() for s in title_spans)
            or (doc.metadata or {}).get("title", "").strip()
            or path.stem
        )[:200]
        pages = []
        for page in every[1:]:
            box = _box([pymupdf.Rect(s["bbox"]) for s in _spans(page)], page.rect)
            text = texts[page.number]
            if len(text) > MAX_PAGE_TEXT:
                raise BadInput(
                    f"{name}: page {page.number + 1}'s text is {len(text):,} characters; a "
                    f"page holds at most {MAX_PAGE_TEXT:,}"
                )
            pages.append(Page(page.number, f"page-{page.number:02d}.jpg", text, (), box))
        title_box = _box([pymupdf.Rect(s["bbox"]) for s in title_spans], every[0].rect)
        images = ScratchImages(limits)
        for page in every:
            name_of = "cover.jpg" if page.number == 0 else f"page-{page.number:02d}.jpg"
            images.add(name_of, _art(page, resolutions[page.number]))
            if progress:
                progress(page.number + 1, len(every))
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
        f"{len(pages)} pages from {name}; art at "
        + ", ".join(sorted({f"{r:.0f}" for r in resolutions}))
        + " ppi"
    )
    return BookFiles(book, images, propose_hero(texts[1:]), (note,))
