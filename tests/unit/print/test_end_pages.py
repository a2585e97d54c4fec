"""The designed pages that fill a printer's minimum: never more than 2 blank pages in a row
(KDP's manual review), the story kept whole and in order, the last page blank only where
the printer asks for it, and every page inside its safe area."""

from __future__ import annotations

import itertools

import pymupdf
import pytest

from app.catalog.demo import demo_pages
from app.print.end_pages import BLANK, EndMatter, plan, portrait_of
from app.print.interior import build_interior, page_rects
from app.print.profiles import load_profile


def grown(rect: pymupdf.Rect, by: float) -> pymupdf.Rect:
    return pymupdf.Rect(rect.x0 - by, rect.y0 - by, rect.x1 + by, rect.y1 + by)


def longest_blank_run(kinds: list[str]) -> int:
    return max((len(list(g)) for k, g in itertools.groupby(kinds) if k == BLANK), default=0)


@pytest.mark.parametrize("content", [1, 3, 11, 12, 23, 24])
@pytest.mark.parametrize("minimum", [24, 32, 48])
def test_a_short_story_is_filled_without_blank_paper(content: int, minimum: int) -> None:
    total = max(content, minimum) + max(content, minimum) % 2
    kinds = plan(content, total)
    assert len(kinds) == total and kinds.count("story") == content
    assert longest_blank_run(kinds) == 0
    first = kinds.index("story")
    assert kinds[first : first + content] == ["story"] * content  # the story stays whole
    if total - content >= 5:
        assert kinds[:2] == ["belongs_to", "title"] and "the_end" in kinds[first + content :]


def test_a_printer_that_marks_the_last_page_gets_it_blank() -> None:
    kinds = plan(12, 24, last_blank=True)
    assert kinds[-1] == BLANK and kinds.count(BLANK) == 1 and kinds.count("story") == 12
    with pytest.raises(ValueError, match="cannot hold"):
        plan(24, 24, last_blank=True)


def test_every_designed_page_stands_inside_its_safe_area() -> None:
    profile = load_profile("lulu-paperback-8.5x8.5")
    _, cover, pages = demo_pages("moon-boat")
    matter = EndMatter("Ada and the Moon Boat", "Ada", 5, portrait_of(cover, ()))
    made = build_interior(pages, profile, matter=matter)
    kinds = plan(len(pages), made.pages)
    with pymupdf.open(stream=made.pdf, filetype="pdf") as doc:
        for page, kind in zip(doc, kinds, strict=True):
            if kind in ("story", "endpaper"):
                continue
            _, _, safe = page_rects(profile, page.number + 1, made.pages)
            for block in page.get_text("dict")["blocks"]:
                assert pymupdf.Rect(block["bbox"]) in grown(safe, 1), (kind, block)
            for drawing in page.get_drawings():
                if drawing["rect"] != page.rect:  # the bled tint
                    assert drawing["rect"] in grown(safe, 2), (kind, drawing["rect"])
