"""Preflight's areas: where text, the shapes that carry it, and a cover's art may stand.
An interior page has one safe area (the trim inset by the profile's margins); a cover
spread has one per panel — the back, the spine (only where its text is allowed) and the
front board — and a barcode box that nothing may print over."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pymupdf

from app.print.cover import spread_geometry
from app.print.interior import page_rects
from app.print.pdf_text import Span, overrun, printed_spans, read_page
from app.print.profiles import PT, PrinterProfile

BACKGROUND_SHARE = 0.8  # a drawing this much of the page is a background, not a panel


@dataclass(frozen=True)
class Areas:
    safe: tuple[pymupdf.Rect, ...]  # where text may stand (any one of them)
    named: tuple[str, ...]  # what each is, for sentences
    barcode: pymupdf.Rect | None = None  # the printer's box: nothing of ours may be there
    front: pymupdf.Rect | None = None  # the front board's safe area (a cover's art)
    own_barcode: pymupdf.Rect | None = None  # where the book's own EAN-13 stands, as placed


def _inset(rect: pymupdf.Rect, x: float, y: float) -> pymupdf.Rect:
    return pymupdf.Rect(rect.x0 + x, rect.y0 + y, rect.x1 - x, rect.y1 - y)


def areas_of(profile: PrinterProfile, kind: str, number: int, pages: int) -> Areas:
    if kind == "interior":
        _, _, safe = page_rects(profile, number, pages)
        return Areas((safe,), ("the safe area",))
    assert profile.cover is not None
    g = spread_geometry(profile, pages)
    margin = profile.cover.safe_margin * PT
    back, front = _inset(g.back, margin, margin), _inset(g.front, margin, margin)
    panels = [back, front]
    named = ["the back cover's safe area", "the front cover's safe area"]
    if profile.spine_has_text(pages) and profile.spine is not None:
        panels.append(_inset(g.spine, profile.spine.text_margin * PT, margin))
        named.append("the spine's safe area")
    code = profile.cover.barcode
    printers = code is not None and code.printer_adds
    return Areas(
        tuple(panels), tuple(named), g.barcode if printers else None, front,
        None if printers else g.barcode,
    )  # fmt: skip


def _inches(points: float) -> str:
    return f"{points / PT:.2f} in"


def _outside(span_or_rect: Span | pymupdf.Rect, areas: Areas) -> float:
    """How far it reaches past the nearest of the areas (0: inside one)."""
    if isinstance(span_or_rect, Span):
        return min(overrun(span_or_rect, area) for area in areas.safe)
    r = span_or_rect
    return min(max(a.x0 - r.x0, a.y0 - r.y0, r.x1 - a.x1, r.y1 - a.y1, 0.0) for a in areas.safe)


def _carries_text(rect: pymupdf.Rect, spans: Sequence[Span]) -> bool:
    for span in spans:
        x0, y0, x1, y1 = span.bbox
        if rect.contains(pymupdf.Point((x0 + x1) / 2, (y0 + y1) / 2)):
            return True
    return False


def area_faults(
    doc: pymupdf.Document, profile: PrinterProfile, kind: str, pages: int
) -> tuple[list[str], list[str], list[str]]:
    """(text outside every safe area, text in the barcode box, text panels reaching past
    the safe area), each as short phrases naming the page."""
    outside, barcode, panels = [], [], []
    for page in (doc[n] for n in range(doc.page_count)):
        areas = areas_of(profile, kind, page.number + 1, pages)
        where = f"page {page.number + 1}"
        spans = printed_spans(read_page(doc, page))
        own = areas.own_barcode
        for span in spans:
            if own is not None and pymupdf.Rect(span.bbox) in own:
                continue  # the ISBN over its own bars, where the printer's profile puts it
            if _outside(span, areas) > 1:
                outside.append(f"{where}: “{span.text[:20]}”")
            if areas.barcode is not None and areas.barcode.intersects(pymupdf.Rect(span.bbox)):
                barcode.append(f"{where}: “{span.text[:20]}”")
        page_area = abs(page.rect)
        for drawing in page.get_drawings():
            rect = pymupdf.Rect(drawing["rect"])
            if drawing.get("fill") is None or abs(rect) >= BACKGROUND_SHARE * page_area:
                continue
            if areas.own_barcode is not None and rect in areas.own_barcode:
                continue
            beyond = _outside(rect, areas)
            if beyond > 1 and _carries_text(rect, spans):
                panels.append(f"{where}: a text panel {_inches(beyond)} past the safe area")
    return outside, barcode, panels


def art_faults(regions: Sequence[pymupdf.Rect], profile: PrinterProfile, pages: int) -> list[str]:
    """Where the front art's title or hero landed outside the front board's safe area."""
    front = areas_of(profile, "cover", 1, pages).front
    faults = []
    for rect in regions:
        assert front is not None
        beyond = max(front.x0 - rect.x0, front.y0 - rect.y0, rect.x1 - front.x1, rect.y1 - front.y1)
        if beyond > 1:
            faults.append(f"{_inches(beyond)} past the front board's safe area")
    return faults
