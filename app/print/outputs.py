"""The print files of one book for its printer profile: the interior and the cover spread,
in the printer's colour, each read back by preflight. Called by the pipeline after the
reading PDF (in the CPU pool) and by the demo bench; Qt-free and store-free."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain import Box
from app.print.colour import for_profile
from app.print.cover import build_cover
from app.print.end_pages import EndMatter, palette_of, portrait_of
from app.print.font_descriptors import with_cap_heights
from app.print.interior import build_interior
from app.print.pdf import PURE_K, TEXT_RGB, BookPage
from app.print.preflight import PreflightReport, preflight
from app.print.profiles import PrinterProfile

DEFAULT_BLURB = "A story made for {name}, who is its hero on every page."


@dataclass(frozen=True)
class PrintOutputs:
    profile: str
    interior: bytes
    cover: bytes
    pages: int  # interior pages, padded
    colour: str  # what was done to the colour, in words
    reports: tuple[PreflightReport, PreflightReport]  # interior, cover
    seconds: float

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.reports)

    def failures(self) -> list[str]:
        return [
            f"{r.kind}: {v.check}: {v.sentence}"
            for r in self.reports
            for v in r.verdicts
            if v.status == "fail"
        ]

    def preflight_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "pages": self.pages,
            "colour": self.colour,
            "seconds": round(self.seconds, 2),
            "reports": [r.to_json() for r in self.reports],
        }


def make_print_outputs(
    cover_image: bytes,
    pages: Sequence[BookPage],
    profile: PrinterProfile,
    *,
    title: str,
    child_name: str,
    blurb: str = "",
    cmyk_icc: Path | None = None,
    native_sizes: Mapping[int, tuple[int, int]] | None = None,
    cover_native: tuple[int, int] | None = None,
    age: int | None = None,
    hero_regions: Sequence[Box] = (),
    title_box: Box | None = None,
    isbn: str | None = None,
) -> PrintOutputs:
    """`native_sizes`: story page index -> the picture as the model drew it;
    `hero_regions`: where the child stands on the cover (the portrait page, and with
    `title_box`, what the spread keeps inside the front board's safe area)."""
    cover_keep = (*hero_regions, *([title_box] if title_box else []))
    started = time.perf_counter()
    matter = EndMatter(
        title,
        child_name,
        age,
        portrait_of(cover_image, hero_regions),
        palette_of(cover_image),
        PURE_K if profile.colour.space == "cmyk" else TEXT_RGB,
    )
    interior = build_interior(pages, profile, matter=matter)
    if native_sizes and interior.front_pages:  # the story starts after the front matter
        native_sizes = {n + interior.front_pages: size for n, size in native_sizes.items()}
    cover = build_cover(
        cover_image,
        profile,
        interior.pages,
        title=title,
        child_name=child_name,
        blurb=blurb or DEFAULT_BLURB.format(name=child_name),
        keep=cover_keep,
        isbn=isbn,
    )
    inside = for_profile(with_cap_heights(interior.pdf), profile, cmyk_icc)
    outside = for_profile(with_cap_heights(cover.pdf), profile, cmyk_icc)
    reports = (
        preflight(
            inside.pdf, profile, "interior", native_sizes=native_sizes, child_name=child_name
        ),
        preflight(
            outside.pdf,
            profile,
            "cover",
            pages=interior.pages,
            native_sizes={1: cover_native} if cover_native else None,
            art_regions=cover.art_regions,
            child_name=child_name,
        ),
    )
    return PrintOutputs(
        profile.name,
        inside.pdf,
        outside.pdf,
        interior.pages,
        inside.description,
        reports,
        time.perf_counter() - started,
    )
