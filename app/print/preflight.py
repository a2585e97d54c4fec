"""Preflight: read a print file back and check it against its printer profile — the same
code behind `pressroom preflight` and the pipeline's check before publishing. Every check
passes, warns or fails with a sentence an operator can act on; a failure holds the book in
review. Resolution is judged on what the pictures really hold: the effective ppi as placed,
and, where the caller knows it, the native ppi (what the model returned before any upscale)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pymupdf

from app.print.cover import spread_geometry
from app.print.interior import page_rects
from app.print.pdf_open import KDP_SECURITY, PdfFacts, open_pdf, with_mupdf
from app.print.pdf_text import count_name, printed_spans, read_page
from app.print.preflight_areas import area_faults, art_faults
from app.print.preflight_colour import colour_verdicts, forbidden_verdict, standard_verdict
from app.print.preflight_report import Kind, PreflightReport, Status
from app.print.profiles import PT, PrinterProfile

TOLERANCE_PT = 0.75  # a hundredth of an inch


def _pages(doc: pymupdf.Document) -> list[pymupdf.Page]:
    return [doc[n] for n in range(doc.page_count)]


def _inches(rect: pymupdf.Rect) -> str:
    return f"{rect.width / PT:.3f}×{rect.height / PT:.3f} in"


def _corner(rect: pymupdf.Rect) -> str:
    return f"({rect.x0 / PT:.3f}, {rect.y0 / PT:.3f}) in from the page's corner"


def _close(a: pymupdf.Rect, b: pymupdf.Rect) -> bool:
    pairs = ((a.x0, b.x0), (a.y0, b.y0), (a.x1, b.x1), (a.y1, b.y1))
    return all(abs(x - y) <= TOLERANCE_PT for x, y in pairs)


def _expected(
    profile: PrinterProfile, kind: Kind, number: int, pages: int
) -> tuple[pymupdf.Rect, pymupdf.Rect, pymupdf.Rect]:
    """(page, trim, safe area) the profile wants for page `number`."""
    if kind == "interior":
        return page_rects(profile, number, pages)
    g = spread_geometry(profile, pages)
    assert profile.cover is not None
    inset = profile.cover.safe_margin * PT
    return (
        g.page,
        g.trim,
        pymupdf.Rect(g.trim.x0 + inset, g.trim.y0 + inset, g.trim.x1 - inset, g.trim.y1 - inset),
    )


@with_mupdf
def preflight(
    pdf: bytes,
    profile: PrinterProfile,
    kind: Kind,
    *,
    pages: int | None = None,
    native_sizes: Mapping[int, tuple[int, int]] | None = None,
    name: str = "the PDF",
    art_regions: Sequence[pymupdf.Rect] = (),
    child_name: str | None = None,
) -> PreflightReport:
    """Check `pdf`, an interior or a cover spread. `pages`: for a cover, the interior's
    page count (the spine depends on it). `native_sizes`: page number -> the picture's
    size as the model returned it, where known. `art_regions`: for a cover, where its
    art's title and hero landed on the spread (its builder knows). A file that cannot be
    checked at all (not a PDF, locked with a password, more pages than the printer takes,
    objects too broken to read) is refused with BadInput naming `name`. `child_name`: the
    name the text layer must read back (a conversion can map a ligature to a wrong letter:
    "Kofi" read as "Koü")."""
    report = PreflightReport(profile.name, kind)
    with open_pdf(pdf, name, max_pages=profile.pages.max) as (doc, facts):
        count = doc.page_count
        book_pages = count if kind == "interior" else (pages or 0)
        _page_count(report, profile, kind, count, book_pages)
        _file(report, facts, profile, name)
        _geometry(report, doc, profile, kind, book_pages)
        _pictures(report, doc, profile, native_sizes or {})
        _fonts(report, doc)
        _text(report, doc, profile, kind, book_pages)
        if child_name:
            _reads_back(report, doc, child_name)
        if kind == "cover" and art_regions:
            _art(report, art_regions, profile, book_pages)
        colour_verdicts(report, doc, pdf, profile)
        forbidden_verdict(report, doc, profile)
        standard_verdict(report, doc, pdf, profile)
    return report


def _file(report: PreflightReport, facts: PdfFacts, profile: PrinterProfile, name: str) -> None:
    """The file itself: intact, unlocked, nothing in it but its pages."""
    damage = facts.damage(name)
    report.add("damaged", "fail" if damage else "pass", damage or "the file is intact")
    forbid = profile.forbid
    found: list[str] = []
    allowed: list[str] = []
    for forbidden, there, said in (
        (forbid.encryption, facts.encryption, f"encrypted ({facts.encryption})"),
        (forbid.javascript, facts.scripts, f"JavaScript or actions in {facts.scripts} object(s)"),
        (forbid.embedded_files, facts.embedded_files, f"{facts.embedded_files} embedded file(s)"),
    ):
        if there:
            (found if forbidden else allowed).append(said)
    if found:
        why = f" ({KDP_SECURITY})" if facts.encryption and profile.forbid.encryption else ""
        report.add("security", "fail", "; ".join(found) + why)
    else:
        also = f" ({'; '.join(allowed)}, which the profile allows)" if allowed else ""
        report.add("security", "pass", "not encrypted, no JavaScript, no embedded files" + also)


def _page_count(
    report: PreflightReport, profile: PrinterProfile, kind: Kind, count: int, pages: int
) -> None:
    if kind == "cover":
        ok = count == 1
        report.add(
            "pages", "pass" if ok else "fail", f"{count} page(s); a cover spread is one page"
        )
        return
    rules = profile.pages
    problems = []
    if count < rules.min:
        problems.append(f"fewer than the {rules.min} the printer takes")
    if count > rules.max:
        problems.append(f"more than the {rules.max} the printer takes")
    if count % max(1, rules.multiple):
        problems.append(f"not a multiple of {rules.multiple}")
    sentence = f"{count} pages" + (
        ": " + "; ".join(problems)
        if problems
        else f" (min {rules.min}, multiple of {rules.multiple})"
    )
    report.add("pages", "fail" if problems else "pass", sentence)


def _geometry(
    report: PreflightReport, doc: pymupdf.Document, profile: PrinterProfile, kind: Kind, pages: int
) -> None:
    wrong_size, wrong_trim, no_bleed = [], [], []
    for page in _pages(doc):
        number = page.number + 1
        want_page, want_trim, _ = _expected(profile, kind, number, pages)
        if not _close(page.mediabox, want_page):
            wrong_size.append(
                f"page {number} is {_inches(page.mediabox)}, not {_inches(want_page)}"
            )
        if not _close(page.trimbox, want_trim):
            size, wanted = _inches(page.trimbox), _inches(want_trim)
            if size == wanted:  # the right size in the wrong place
                size, wanted = f"at {_corner(page.trimbox)}", f"at {_corner(want_trim)}"
            wrong_trim.append(f"page {number}'s TrimBox is {size}, not {wanted}")
        if not _close(page.bleedbox, page.mediabox):
            no_bleed.append(f"page {number}")
    what = "spread" if kind == "cover" else "page"
    report.add(
        "page_size",
        "fail" if wrong_size else "pass",
        "; ".join(wrong_size[:3])
        if wrong_size
        else f"every {what} is trim + bleed per the profile",
    )
    report.add(
        "boxes",
        "fail" if wrong_trim or no_bleed else "pass",
        "; ".join(
            wrong_trim[:3]
            + [f"BleedBox differs from the page on {', '.join(no_bleed[:3])}"] * bool(no_bleed)
        )
        if wrong_trim or no_bleed
        else "TrimBox and BleedBox set on every page",
    )
    if kind == "cover" and doc.page_count:
        want = profile.spine_width(pages)
        got = (doc[0].mediabox.width / PT) - (profile.spread_size(pages)[0] - want)
        ok = abs(got - want) <= TOLERANCE_PT / PT
        report.add(
            "spine",
            "pass" if ok else "fail",
            f"spine {got:.4f} in for {pages} pages; the formula gives {want:.4f} in",
        )


def _pictures(
    report: PreflightReport,
    doc: pymupdf.Document,
    profile: PrinterProfile,
    natives: Mapping[int, tuple[int, int]],
) -> None:
    worst: tuple[float, str] | None = None
    worst_native: tuple[float, str] | None = None
    for page in _pages(doc):
        for info in page.get_image_info():
            box = pymupdf.Rect(info["bbox"])
            if box.is_empty:
                continue
            ppi = min(info["width"] / (box.width / PT), info["height"] / (box.height / PT))
            where = f"page {page.number + 1}"
            if worst is None or ppi < worst[0]:
                worst = (ppi, where)
            native = natives.get(page.number + 1)
            if native:
                nppi = min(native[0] / (box.width / PT), native[1] / (box.height / PT))
                if worst_native is None or nppi < worst_native[0]:
                    worst_native = (nppi, where)
    if worst is None:
        report.add("ppi", "pass", "no pictures")
        return
    report.add(
        "ppi",
        _ppi_status(worst[0], profile),
        f"lowest effective resolution {worst[0]:.0f} ppi ({worst[1]})",
    )
    if worst_native is not None:
        report.add(
            "native_ppi",
            _ppi_status(worst_native[0], profile),
            f"lowest native resolution {worst_native[0]:.0f} ppi ({worst_native[1]}: as the "
            f"model drew it, before any upscale; the printer wants {profile.min_native_ppi:.0f})",
        )
    else:
        ours = (doc.metadata or {}).get("creator") == "Pressroom"
        where = (
            "checked when Pressroom made this file (the item's own preflight)"
            if ours
            else "unknown (the sizes the pictures were drawn at are not in the file)"
        )
        report.add("native_ppi", "warn", f"native resolution {where}: effective ppi only")


def _ppi_status(ppi: float, profile: PrinterProfile) -> Status:
    if ppi < profile.min_ppi_fail:
        return "fail"
    return "warn" if ppi < profile.min_ppi_warn - 0.5 else "pass"


def _fonts(report: PreflightReport, doc: pymupdf.Document) -> None:
    missing, whole = set(), set()
    for page in _pages(doc):
        for _xref, ext, _type, basefont, *_ in page.get_fonts(full=True):
            name = basefont or "(unnamed)"
            if ext == "n/a":
                missing.add(name)
            elif not re.match(r"^[A-Z]{6}\+", name):
                whole.add(name)
    if missing:
        report.add("fonts", "fail", f"not embedded: {', '.join(sorted(missing))}")
    elif whole:
        report.add("fonts", "warn", f"embedded but not subset: {', '.join(sorted(whole))}")
    else:
        report.add("fonts", "pass", "every font embedded and subset")


def _text(
    report: PreflightReport, doc: pymupdf.Document, profile: PrinterProfile, kind: Kind, pages: int
) -> None:
    small = []
    for page in _pages(doc):
        for span in printed_spans(read_page(doc, page)):  # as the quality gate reads text
            if span.size < profile.min_type_pt - 0.05:
                small.append(f"page {page.number + 1}: {span.size:.1f} pt “{span.text[:20]}”")
    report.add(
        "type_size",
        "fail" if small else "pass",
        f"below {profile.min_type_pt:g} pt: " + "; ".join(small[:3])
        if small
        else f"no text below {profile.min_type_pt:g} pt",
    )
    outside, in_barcode, panels = area_faults(doc, profile, kind, pages)
    where = "its panel's safe area (back, spine, front)" if kind == "cover" else "the safe area"
    report.add(
        "safe_area",
        "fail" if outside else "pass",
        "text outside the safe area: " + "; ".join(outside[:3])
        if outside
        else f"all text inside {where}",
    )
    if panels:
        report.add("panels", "fail", "; ".join(panels[:3]))
    code = profile.cover.barcode if profile.cover is not None else None
    if kind == "cover" and code is not None and code.printer_adds:
        report.add(
            "barcode",
            "fail" if in_barcode else "pass",
            "text in the barcode area: " + "; ".join(in_barcode[:3])
            if in_barcode
            else "the barcode area is clear of text",
        )


def _reads_back(report: PreflightReport, doc: pymupdf.Document, child_name: str) -> None:
    found = sum(count_name(read_page(doc, page).text, child_name) for page in _pages(doc))
    report.add(
        "text_layer",
        "pass" if found else "fail",
        f"the child's name reads back {found} time(s) from the text layer"
        if found
        else f"the child's name {child_name} does not read back from the text layer "
        "(its letters are mapped to others: search, copy and accessibility would fail)",
    )


def _art(
    report: PreflightReport, regions: Sequence[pymupdf.Rect], profile: PrinterProfile, pages: int
) -> None:
    faults = art_faults(regions, profile, pages)
    report.add(
        "cover_art",
        "fail" if faults else "pass",
        "the front art's title or hero stands " + "; ".join(faults[:2])
        if faults
        else "the front art's title and hero stand inside the front board's safe area",
    )
