"""`pressroom bench --quality`, the PDF half: the demo books composed for good names, and
with each fault the PDF checks exist for injected in code; per check, how many faults
were caught and how many good books were wrongly flagged."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pymupdf

from app.ai.prompt import personalized_title
from app.assets import FONT_REGULAR, demo_root, font_bytes
from app.catalog import demo_catalog
from app.config import Settings
from app.domain import Book, Personalization
from app.names import personalize_text
from app.print.pdf import MM, SAFE_MARGIN_MM, BookPage, PrintSpec, compose_book
from app.print.pdf_text import (
    CHECKS,
)
from app.quality.pdf_checks import (
    pdf_checks,
)
from app.quality.report import Check
from app.store.codec import book_from_dict

# -- calibration -------------------------------------------------------------------------
# The names the good books are made for: the demo children, and a name in every script the
# shipped fonts print (app/assets.py).
GOOD_NAMES = (
    "Ada",
    "Kofi",
    "ليلى",
    "שירה",
    "Αλέξης",
    "Иван",
    "Nguyễn",
    "Zoë",
    "Łucja",
    "José",
)
# Which check each injected fault is for.
FAULT_CHECKS: dict[str, tuple[str, ...]] = {
    "hero name left in the text": ("pdf_hero_name", "pdf_child_name"),
    "name with an emoji no font has": ("pdf_glyphs",),
    "Arabic name, font without Arabic": ("pdf_glyphs",),
    "Hebrew name, font without Hebrew": ("pdf_glyphs",),
    "text below 7 pt": ("pdf_type_size",),
    "text outside the safe area": ("pdf_safe_area",),
    "a page missing": ("pdf_pages",),
    "a page without its TrimBox": ("pdf_boxes",),
}


@dataclass(frozen=True)
class PdfSample:
    kind: str  # "good", or the fault injected
    where: str  # "moon-boat for ليلى"
    checks: tuple[Check, ...] = field(default_factory=tuple)

    def failed(self) -> set[str]:
        return {c.name for c in self.checks if not c.passed}


@dataclass(frozen=True)
class DemoBook:
    book: Book
    cover: bytes
    pages: tuple[bytes, ...]


def demo_books() -> list[DemoBook]:
    """The demo catalog's books with their pictures."""
    spec = demo_catalog()
    books = []
    for data in spec["books"]:
        book = book_from_dict(data)
        folder = demo_root().joinpath(book.id)
        pages = tuple(
            folder.joinpath(p.image).read_bytes() for p in sorted(book.pages, key=lambda p: p.index)
        )
        books.append(DemoBook(book, folder.joinpath(book.cover_image).read_bytes(), pages))
    return books


def compose_demo(
    demo: DemoBook,
    name: str,
    settings: Settings,
    *,
    personalize: bool = True,
    fonts: Sequence[str] | None = None,
) -> bytes:
    """The book for `name` as the pipeline composes it (or, `personalize=False`, with the
    hero's text left as it was)."""
    book = demo.book
    who = Personalization(name)
    texts = [
        personalize_text(p.text, book.hero_name, book.hero_gender, name, None)
        if personalize
        else p.text
        for p in sorted(book.pages, key=lambda p: p.index)
    ]
    pages = [
        BookPage(image, text, f"page {n}")
        for n, (image, text) in enumerate(zip(demo.pages, texts, strict=True), start=1)
    ]
    spec = PrintSpec(
        trim_mm=settings.trim_mm, target_dpi=settings.target_dpi, min_dpi=settings.min_dpi
    )
    extra = {} if fonts is None else {"fonts": fonts}
    return compose_book(
        demo.cover,
        pages,
        spec,
        title=personalized_title(book, who) if personalize else book.title,
        child_name=name,
        **extra,
    ).pdf


def _edit(pdf: bytes, change: Callable[[pymupdf.Document], None]) -> bytes:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        change(doc)
        return doc.tobytes(garbage=3, deflate=True)


def _small_print(doc: pymupdf.Document) -> None:
    """A printer's line in 6 pt (an embedded font), inside the safe area, on the last page."""
    page = doc[-1]
    page.insert_font(fontname="body", fontbuffer=font_bytes(FONT_REGULAR))
    inset = page.trimbox.x0 + (SAFE_MARGIN_MM + 2) * MM
    page.insert_text(
        (inset, inset + 10), "Printed by Pressroom for you", fontsize=6, fontname="body"
    )


def _page_number_in_margin(doc: pymupdf.Document) -> None:
    """A page number (11 pt, an embedded font) 5 mm from the trim's bottom edge, in the
    margin."""
    page = doc[3]
    page.insert_font(fontname="body", fontbuffer=font_bytes(FONT_REGULAR))
    trim = page.trimbox
    page.insert_text((trim.x1 / 2, trim.y1 - 5 * MM), "3", fontsize=11, fontname="body")


def _drop_trimbox(doc: pymupdf.Document) -> None:
    doc.xref_set_key(doc[2].xref, "TrimBox", "null")


def _faults(demo: DemoBook, settings: Settings) -> Iterable[tuple[str, str, str, bytes]]:
    """(fault, where, the child's name, PDF) for one demo book: each fault made the way it
    happens."""
    book_id = demo.book.id
    good = compose_demo(demo, "Ada", settings)
    yield (
        "hero name left in the text",
        f"{book_id} for Ada, text not personalized",
        "Ada",
        compose_demo(demo, "Ada", settings, personalize=False),
    )
    unicorn = "Zoë\U0001f984"
    yield (
        "name with an emoji no font has",
        f"{book_id} for {unicorn}",
        unicorn,
        compose_demo(demo, unicorn, settings),
    )
    for kind, name in (
        ("Arabic name, font without Arabic", "ليلى"),
        ("Hebrew name, font without Hebrew", "שירה"),
    ):
        yield (
            kind,
            f"{book_id} for {name} in DejaVu Serif alone",
            name,
            compose_demo(demo, name, settings, fonts=(FONT_REGULAR,)),
        )
    for kind, where, change in (
        ("text below 7 pt", "a 6 pt line", _small_print),
        ("text outside the safe area", "a page number in the margin", _page_number_in_margin),
        ("a page missing", "page 5 dropped", lambda doc: doc.delete_page(5)),
        ("a page without its TrimBox", "page 2's TrimBox removed", _drop_trimbox),
    ):
        yield kind, f"{book_id} for Ada, {where}", "Ada", _edit(good, change)


def pdf_samples(settings: Settings, names: Sequence[str] = GOOD_NAMES) -> list[PdfSample]:
    """Every demo book composed for every good name, and every fault injected, checked."""
    samples: list[PdfSample] = []
    for demo in demo_books():
        made = [
            ("good", f"{demo.book.id} for {name}", name, compose_demo(demo, name, settings))
            for name in names
        ]
        for kind, where, name, pdf in [*made, *_faults(demo, settings)]:
            checks = pdf_checks(
                pdf, book=demo.book, child_name=name, child_gender=None, settings=settings
            )
            samples.append(PdfSample(kind, where, tuple(checks)))
    return samples


def rows(samples: Sequence[PdfSample]) -> list[tuple[str, int, int, int]]:
    """Per check: (name, faults caught, faults injected, good PDFs wrongly flagged)."""
    table = []
    for check in CHECKS:
        faults = [s for s in samples if check in FAULT_CHECKS.get(s.kind, ())]
        good = [s for s in samples if s.kind == "good"]
        caught = sum(check in s.failed() for s in faults)
        flagged = sum(check in s.failed() for s in good)
        table.append((check, caught, len(faults), flagged))
    return table


def calibrate_pdfs(
    settings: Settings, names: Sequence[str] = GOOD_NAMES
) -> list[tuple[str, int, int, int]]:
    """Per check: (name, faults caught, faults injected, good PDFs wrongly flagged), on the
    demo books composed for `names` and with every fault of FAULT_CHECKS injected."""
    return rows(pdf_samples(settings, names))


def rows_text(table: Sequence[tuple[str, int, int, int]]) -> str:
    lines = [f"  {'check':<15} {'caught':>8} {'wrongly flagged':>16}"]
    for name, caught, injected, flagged in table:
        lines.append(f"  {name:<15} {caught:>3} / {injected:<3} {flagged:>16}")
    return "\n".join(lines)
