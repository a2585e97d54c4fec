"""Printer profiles: one JSON file per product in resources/print/, each citing the
printer's public specification it was taken from. Everything here is geometry in inches
(PDF points at the edges: 72 per inch): the interior page with its bleed per edge, the
page count a printer takes, the spine and the cover spread."""

from __future__ import annotations

import json
from functools import cache
from typing import Literal

from pydantic import BaseModel, Field

from app.assets import resource
from app.config import Settings
from app.domain import PressroomError

DIGITAL = "digital"
PT = 72.0  # points per inch


class Edges(BaseModel):
    top: float = 0.0
    bottom: float = 0.0
    outer: float = 0.0
    inner: float = 0.0


class Interior(BaseModel):
    bleed: Edges
    safe_margin: Edges
    inner_by_pages: list[tuple[int, int, float]] | None = None


class Pages(BaseModel):
    min: int = 1
    max: int = 10_000
    multiple: int = 1
    last_blank: bool = False  # the printer prints its own mark on the last page


class Spine(BaseModel):
    per_page: float = 0.0
    extra: float = 0.0
    table: list[tuple[int, int, float]] | None = None  # [min pages, max pages, width]
    text_min_pages: int | None = None
    text_margin: float = 0.0625


class Barcode(BaseModel):
    width: float
    height: float
    right: float  # from the back cover's right trim edge (the spine side)
    bottom: float  # from the back cover's bottom trim edge
    # True: the printer prints its barcode in this box (left white for it); False: the
    # book's own ISBN barcode goes here (app/print/barcode.py), and no box without one
    printer_adds: bool = True


class Cover(BaseModel):
    bleed: float = 0.125
    wrap: float = 0.0
    hinge: float = 0.0
    safe_margin: float = 0.125
    barcode: Barcode | None = None


class Colour(BaseModel):
    space: Literal["srgb", "cmyk"] = "srgb"
    output_intent: str = "sRGB IEC61966-2.1"
    condition_id: str | None = None  # its identifier in the ICC registry, e.g. CGATS TR 006
    icc: str | None = None  # the output profile Pressroom ships for it, under resources/print/
    max_ink: float | None = None  # total CMYK ink (%) the printer takes at most


class Forbid(BaseModel):
    annotations: bool = True
    forms: bool = True
    transparency: bool = False
    rgb_images: bool = False
    # no printer takes a locked file, and none runs what a PDF may carry besides its pages
    encryption: bool = True
    javascript: bool = True
    embedded_files: bool = True


class PrinterProfile(BaseModel):
    name: str
    label: str
    printer: str
    binding: Literal["perfect", "casewrap", "digital"]
    trim: tuple[float, float]
    interior: Interior
    min_type_pt: float = 6.0
    pages: Pages = Field(default_factory=Pages)
    max_file_mb: float = 650.0
    paper: str = ""
    spine: Spine | None = None
    cover: Cover | None = None
    colour: Colour = Field(default_factory=Colour)
    pdf_standard: str | None = None
    min_native_ppi: float = 300
    min_ppi_warn: float = 300
    min_ppi_fail: float = 150
    forbid: Forbid = Field(default_factory=Forbid)
    sources: list[str]
    notes: list[str] = Field(default_factory=list)

    # -- the interior --------------------------------------------------------------------
    def bleed_of(self, page_number: int) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) bleed of interior page `page_number` (1 = the first,
        a right-hand page: its inner edge is on the left)."""
        b = self.interior.bleed
        recto = page_number % 2 == 1
        return (b.inner if recto else b.outer, b.top, b.outer if recto else b.inner, b.bottom)

    def page_size(self, page_number: int) -> tuple[float, float]:
        left, top, right, bottom = self.bleed_of(page_number)
        return self.trim[0] + left + right, self.trim[1] + top + bottom

    def safe_of(self, page_number: int, pages: int) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) safe margin from the trim edge of page `page_number`
        in a book of `pages` interior pages (some printers widen the inner margin)."""
        m = self.interior.safe_margin
        inner = m.inner
        for low, high, width in self.interior.inner_by_pages or ():
            if low <= pages <= high:
                inner = width
        recto = page_number % 2 == 1
        return (inner if recto else m.outer, m.top, m.outer if recto else inner, m.bottom)

    def padded_count(self, pages: int) -> int:
        """The interior page count the printer takes for `pages` pages of content (and a
        blank last page, where the printer wants one)."""
        count = max(pages + self.pages.last_blank, self.pages.min)
        multiple = max(1, self.pages.multiple)
        count += -count % multiple
        if count > self.pages.max:
            raise PressroomError(
                f"{pages} pages is more than {self.label} takes ({self.pages.max} at most)"
            )
        return count

    # -- the cover spread ----------------------------------------------------------------
    def spine_width(self, pages: int) -> float:
        if self.spine is None:
            return 0.0
        for low, high, width in self.spine.table or ():
            if low <= pages <= high:
                return width
        if self.spine.table:
            raise PressroomError(f"{self.label} has no spine width for {pages} pages")
        return pages * self.spine.per_page + self.spine.extra

    def spine_has_text(self, pages: int) -> bool:
        if self.spine is None or self.spine.text_min_pages is None:
            return False
        return pages >= self.spine.text_min_pages

    def spread_size(self, pages: int) -> tuple[float, float]:
        """Width and height of the cover spread (back, spine, front) with bleed and wrap."""
        if self.cover is None:
            raise PressroomError(f"{self.label} has no cover spread")
        edge = self.cover.bleed + self.cover.wrap
        width = 2 * edge + 2 * self.trim[0] + 2 * self.cover.hinge + self.spine_width(pages)
        return width, 2 * edge + self.trim[1]

    @property
    def is_digital(self) -> bool:
        return self.binding == "digital"


@cache
def load_profile(name: str) -> PrinterProfile:
    folder = resource("print")
    path = folder.joinpath(f"{name}.json")
    if not path.is_file():
        raise PressroomError(
            f"no printer profile {name!r}; choose one of {', '.join(profile_names())}"
        )
    return PrinterProfile.model_validate(json.loads(path.read_text()))


def profile_names() -> list[str]:
    return sorted(
        p.name.removesuffix(".json")
        for p in resource("print").iterdir()
        if p.name.endswith(".json")
    )


def print_side_px(settings: Settings) -> int:
    """The pixels a page's long side needs for the chosen printer (at its native ppi)."""
    profile = load_profile(settings.print_profile)
    width, height = profile.page_size(1)
    ppi = settings.target_dpi if profile.is_digital else profile.min_native_ppi
    return round(max(width, height) * ppi)
