"""Checks on the composed PDF, read back from the file itself (PyMuPDF's text extraction:
spans, fonts, sizes, glyph ids, boxes), never from what the composer meant to write.

- pdf_hero_name: the original hero's name (plain, possessive, any case) appears nowhere in
  the text layer, the metadata (title, subject, keywords, XMP) or the outline. Whole words
  only: "Leona" in a "Leo" book is not "Leo"; a child who shares the hero's name is fine.
- pdf_child_name: the child's name is on every page whose original text named the hero, at
  least as often, and in the title when the book's title named the hero.
- pdf_glyphs: no glyph of the text is the font's .notdef (the empty box) or in a font that
  is not embedded, and none is in the wrong shape: Arabic letters left unjoined, or the
  right-to-left letters of the child's name laid out left to right (what a font without
  the script and an unshaped fallback print). A glyph that reads back as U+FFFD but is not
  .notdef prints fine: it is a ligature or mark cluster (lam-alef, shadda with a vowel)
  that the font's ToUnicode map cannot spell; the name check reads through it.
- pdf_safe_area: all printed text inside the TrimBox less SAFE_MARGIN_MM (app/print/pdf.py).
- pdf_type_size: no printed text below MIN_TYPE_PT (7 pt: KDP's and Gelato's minimum).
- pdf_pages: the cover plus every page of the book.
- pdf_boxes: every page has its own TrimBox and BleedBox, nested in the MediaBox, the bleed
  larger than the trim, and the trim the size the shop prints (settings.trim_size).

Every check names the page and the words it found. `calibrate_pdfs` injects each fault into
the demo books and counts what was caught and what good book was wrongly flagged.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pymupdf

from app.config import Settings
from app.domain import Book
from app.print.pdf import MM, SAFE_MARGIN_MM
from app.print.pdf_open import with_mupdf
from app.print.pdf_text import (
    CHECKS,
    MIN_TYPE_PT,
    TOLERANCE_PT,
    TRIM_TOLERANCE_MM,
    PdfText,
    _clip,
    _context,
    _fold,
    _plain_font,
    _quote,
    _without,
    backwards,
    count_name,
    count_name_spelled,
    overrun,
    printed_spans,
    read_pdf,
    span_glyph_faults,
)
from app.quality.report import Check, QualityReport, check


# -- the checks ----------------------------------------------------------------------------
@with_mupdf
def pdf_checks(
    pdf: bytes,
    *,
    book: Book,
    child_name: str,
    child_gender: str | None,
    settings: Settings,
) -> list[Check]:
    """Every PDF check on a composed book, target "pdf". `child_gender` does not change what
    is checked (pronouns are not names); it is taken so every way in says who the book is
    for."""
    del child_gender
    child = unicodedata.normalize("NFC", child_name).strip()
    try:
        text = read_pdf(pdf)
    except (RuntimeError, ValueError) as exc:  # pymupdf raises FileDataError (RuntimeError)
        return [
            _check(name, False, f"the file cannot be read as a PDF: {exc}", settings)
            for name in CHECKS
        ]
    return [
        hero_name_check(text, book, child, settings),
        child_name_check(text, book, child, settings),
        glyph_check(text, child, settings),
        safe_area_check(text, settings),
        type_size_check(text, settings),
        pages_check(text, book, settings),
        boxes_check(text, settings),
    ]


def check_pdf_file(
    path: str | Path,
    book: Book,
    child_name: str,
    child_gender: str | None,
    settings: Settings,
) -> QualityReport:
    """The PDF checks on a file (`pressroom check --pdf FILE --book BOOK --name NAME`)."""
    data = Path(path).read_bytes()
    checks = pdf_checks(
        data, book=book, child_name=child_name, child_gender=child_gender, settings=settings
    )
    return QualityReport(checks)


def _check(
    name: str,
    passed: bool,
    sentence: str,
    settings: Settings,
    score: float | None = None,
    threshold: float | None = None,
) -> Check:
    return check(name, "pdf", passed, sentence, settings, score, threshold)


def _listed(found: list[str], limit: int = 4) -> str:
    shown = "; ".join(found[:limit])
    return shown + (f"; and {len(found) - limit} more" if len(found) > limit else "")


def hero_name_check(text: PdfText, book: Book, child: str, settings: Settings) -> Check:
    hero = book.hero_name.strip()
    if not hero:
        return _check("pdf_hero_name", True, "the book names no hero", settings, 0, 0)
    if _fold(hero).casefold() == _fold(child).casefold():
        return _check(
            "pdf_hero_name",
            True,
            f"the child is called {hero} like the book's hero: the name is the child's",
            settings,
            0,
            0,
        )
    where: list[str] = []  # the places, in order
    examples: list[str] = []  # the words around the name, first two places
    total = 0
    places = [(page.label, page.text) for page in text.pages]
    places += [
        (f"the {key}" if key != "XMP" else "the XMP metadata", v)
        for key, v in text.metadata.items()
    ]
    for place, words in places:
        # the child's own name is masked first: "Leo James" is not the hero "Leo"
        masked = _without(words, child)
        hits = count_name(masked, hero)
        if hits:
            total += hits
            where.append(place)
            if len(examples) < 2:
                examples.append(f"{place}: {_quote(_context(masked, hero))}")
    if not where:
        return _check(
            "pdf_hero_name",
            True,
            f"the hero's name {hero} is nowhere in the text, the title or the metadata",
            settings,
            0,
            0,
        )
    return _check(
        "pdf_hero_name",
        False,
        f"the hero's name {hero} is still in the PDF {total} time{'s' * (total != 1)}, "
        f"in {_places(where)} ({'; '.join(examples)})",
        settings,
        total,
        0,
    )


def _places(where: list[str]) -> str:
    """ "pages 1, 2 and 4, the title" from ["page 1", "page 2", "page 4", "the title"]."""
    pages = [w.split()[1] for w in where if w.startswith("page ")]
    others = [w for w in where if not w.startswith("page ")]
    parts = []
    if pages:
        listed = pages[0] if len(pages) == 1 else ", ".join(pages[:-1]) + " and " + pages[-1]
        parts.append(f"page{'s' * (len(pages) > 1)} {listed}")
    if "the cover" in others:
        others.remove("the cover")
        parts.insert(0, "the cover")
    return ", ".join(parts + others)


def _book_pages(book: Book) -> list[tuple[int, str]]:
    """(PDF page number, original text): the cover is page 0, the book's pages follow in
    order."""
    ordered = sorted(book.pages, key=lambda p: p.index)
    return [(n, page.text) for n, page in enumerate(ordered, start=1)]


def child_name_check(text: PdfText, book: Book, child: str, settings: Settings) -> Check:
    hero = book.hero_name.strip()
    expected = [(n, count_name(original, hero)) for n, original in _book_pages(book)]
    expected = [(n, k) for n, k in expected if k]
    pages = {page.number: page for page in text.pages}
    missing: list[str] = []
    named = 0  # pages that name the child as often as the book named its hero
    for number, times in expected:
        page = pages.get(number)
        if page is None:
            missing.append(f"page {number} is not in the file")
            continue
        found = max(count_name(page.text, child), count_name_spelled(page.glyph_text, child))
        if found < times:
            said = f"{found} of {times} times" if found else "not at all"
            missing.append(f"page {number} names {child} {said} ({_quote(_clip(page.text))})")
        else:
            named += 1
    titled = bool(hero) and count_name(book.title, hero) > 0
    if titled:
        title = text.metadata.get("title", "")
        if not count_name(title, child):
            missing.append(
                f"the title is {_quote(_clip(title))}" if title else "the PDF has no title"
            )
    if missing:
        return _check(
            "pdf_child_name",
            False,
            f"the child's name {child} is missing where the book named {hero}: " + _listed(missing),
            settings,
            named,
            len(expected),
        )
    on = f"all {len(expected)} pages" if len(expected) > 1 else "the page"
    if expected:
        sentence = f"the child's name {child} is on {on} that named {hero}" + (
            ", and in the title" if titled else ""
        )
    elif titled:
        sentence = f"the child's name {child} is in the title, which named {hero} (no page did)"
    else:
        sentence = f"neither a page nor the title of the book names {hero or 'its hero'}"
    return _check("pdf_child_name", True, sentence, settings, len(expected), len(expected))


def glyph_check(text: PdfText, child: str, settings: Settings) -> Check:
    found: list[str] = []
    bad = 0
    for page in text.pages:
        for span in page.spans:
            if not span.printed:
                continue
            faults = span_glyph_faults(span)
            font = _plain_font(span.font)
            if any(font.startswith(f) for f in page.unembedded if f):
                faults.append("its font is not embedded")
            if faults:
                bad += 1
                found.append(
                    f"{page.label}: {', '.join(faults)} in {span.font or 'an unnamed font'} "
                    f"({_quote(_clip(span.text, 40))})"
                )
        if backwards(page, child):
            bad += 1
            found.append(f"{page.label}: {child} is laid out left to right, its letters reversed")
    if found:
        return _check("pdf_glyphs", False, "glyphs are wrong: " + _listed(found), settings, bad, 0)
    return _check(
        "pdf_glyphs",
        True,
        "every glyph is in an embedded font, none is a box, joined and ordered as its script reads",
        settings,
        0,
        0,
    )


def safe_area_check(text: PdfText, settings: Settings) -> Check:
    inset = SAFE_MARGIN_MM * MM
    found: list[str] = []
    worst = 0.0
    for page in text.pages:
        safe = pymupdf.Rect(
            page.trimbox.x0 + inset,
            page.trimbox.y0 + inset,
            page.trimbox.x1 - inset,
            page.trimbox.y1 - inset,
        )
        outside: list[str] = []
        for span in printed_spans(page):
            beyond = overrun(span, safe)
            if beyond > TOLERANCE_PT:
                worst = max(worst, beyond)
                outside.append(f"{_quote(_clip(span.text, 40))} by {beyond / MM:.1f} mm")
        if outside:
            found.append(f"{page.label}: " + ", ".join(outside[:3]))
    margin = f"{SAFE_MARGIN_MM:g} mm inside the trim"
    if found:
        return _check(
            "pdf_safe_area",
            False,
            f"text runs outside the safe area ({margin}): " + _listed(found),
            settings,
            round(worst / MM, 2),
            0,
        )
    return _check(
        "pdf_safe_area", True, f"all text is inside the safe area ({margin})", settings, 0, 0
    )


def type_size_check(text: PdfText, settings: Settings) -> Check:
    found: list[str] = []
    smallest: float | None = None
    for page in text.pages:
        for span in printed_spans(page):
            smallest = span.size if smallest is None else min(smallest, span.size)
            if span.size < MIN_TYPE_PT - 0.01:
                found.append(f"{page.label}: {_quote(_clip(span.text, 40))} in {span.size:.1f} pt")
    if found:
        return _check(
            "pdf_type_size",
            False,
            f"text is set below {MIN_TYPE_PT:g} pt: " + _listed(found),
            settings,
            smallest,
            MIN_TYPE_PT,
        )
    sentence = (
        f"no text below {MIN_TYPE_PT:g} pt (the smallest is {smallest:.1f} pt)"
        if smallest is not None
        else "the PDF has no printed text"
    )
    return _check("pdf_type_size", True, sentence, settings, smallest, MIN_TYPE_PT)


def pages_check(text: PdfText, book: Book, settings: Settings) -> Check:
    want = len(book.pages) + 1
    have = len(text.pages)
    if have == want:
        return _check(
            "pdf_pages",
            True,
            f"{have} pages: the cover and the book's {want - 1} pages",
            settings,
            have,
            want,
        )
    return _check(
        "pdf_pages",
        False,
        f"the PDF has {have} page{'s' * (have != 1)}, but the book is a cover and "
        f"{want - 1} pages ({want})",
        settings,
        have,
        want,
    )


def boxes_check(text: PdfText, settings: Settings) -> Check:
    want_w, want_h = (v * MM for v in settings.trim_mm)
    tol = TRIM_TOLERANCE_MM * MM
    found: list[str] = []
    for page in text.pages:
        trim, bleed = page.boxes["TrimBox"], page.boxes["BleedBox"]
        unset = [key for key, box in page.boxes.items() if box is None]
        if unset:
            found.append(f"{page.label} has no {' and no '.join(unset)}")
            continue
        assert trim is not None and bleed is not None
        if not (_inside(trim, bleed) and _inside(bleed, page.mediabox)):
            found.append(f"{page.label}: the boxes are not nested (trim in bleed in media)")
        elif abs(bleed.width - trim.width) < tol and abs(bleed.height - trim.height) < tol:
            found.append(f"{page.label}: the BleedBox is the TrimBox (no bleed)")
        elif abs(trim.width - want_w) > tol or abs(trim.height - want_h) > tol:
            found.append(
                f"{page.label}: the trim is {trim.width / MM:.1f}×{trim.height / MM:.1f} mm, "
                f"not the {settings.trim_mm[0]:g}×{settings.trim_mm[1]:g} mm the shop prints"
            )
    if found:
        return _check(
            "pdf_boxes", False, "page boxes are wrong: " + _listed(found), settings, len(found), 0
        )
    trim_words = f"{settings.trim_mm[0]:g}×{settings.trim_mm[1]:g} mm"
    return _check(
        "pdf_boxes",
        True,
        f"every page has its TrimBox ({trim_words}) inside a BleedBox",
        settings,
        0,
        0,
    )


def _inside(inner: pymupdf.Rect, outer: pymupdf.Rect) -> bool:
    return (
        inner.x0 >= outer.x0 - 0.01
        and inner.y0 >= outer.y0 - 0.01
        and inner.x1 <= outer.x1 + 0.01
        and inner.y1 <= outer.y1 + 0.01
    )
