"""The book's ISBN on the back cover where the printer does not print one (Lulu's one-piece
covers), no box at all without an ISBN, the printer's white box where it prints its own
(KDP); an ISBN with a wrong check digit is refused at the door in one sentence."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
from barcode import ISBN13

from app.catalog.demo import demo_pages
from app.domain import BadInput
from app.print.barcode import normalized_isbn
from app.print.cover import build_cover, spread_geometry
from app.print.preflight import preflight
from app.print.profiles import load_profile

ISBN = "978-3-16-148410-0"


def spread(profile_name: str, isbn: str | None) -> tuple[bytes, pymupdf.Rect]:
    profile = load_profile(profile_name)
    _, cover, _ = demo_pages("moon-boat")
    made = build_cover(cover, profile, 24, title="Ada and the Moon Boat", child_name="Ada",
                       blurb="A story.", isbn=isbn)  # fmt: skip
    box = spread_geometry(profile, 24).barcode
    assert box is not None
    return made.pdf, box


def near(a: pymupdf.Rect, b: pymupdf.Rect) -> bool:
    return all(abs(x - y) < 0.5 for x, y in zip(a, b, strict=True))


def bars_in(pdf: bytes, box: pymupdf.Rect) -> str:
    """The symbol read back from the drawn bars: 1 per module."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        rects = sorted(
            (
                pymupdf.Rect(item[1])
                for d in doc[0].get_drawings()
                if d.get("fill") is not None and d["rect"] in box
                for item in d["items"]
                if item[0] == "re" and pymupdf.Rect(item[1]).width < 5
            ),
            key=lambda r: r.x0,
        )
    if not rects:
        return ""
    module = min(r.width for r in rects)
    start = rects[0].x0
    bits = ["0"] * round((rects[-1].x1 - start) / module)
    for r in rects:
        for n in range(round((r.x0 - start) / module), round((r.x1 - start) / module)):
            bits[n] = "1"
    return "".join(bits)


def test_a_lulu_cover_carries_the_books_isbn_as_its_ean13() -> None:
    pdf, box = spread("lulu-paperback-8.5x8.5", ISBN)
    assert bars_in(pdf, box) == ISBN13("978316148410").build()[0]
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        assert "ISBN 978-3161484100" in doc[0].get_text(clip=box)
    profile = load_profile("lulu-paperback-8.5x8.5")
    report = preflight(pdf, profile, "cover", pages=24)
    assert report.passed, report.text()


def test_without_an_isbn_lulu_gets_no_box_and_kdp_its_white_one() -> None:
    pdf, box = spread("lulu-paperback-8.5x8.5", None)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        assert not [d for d in doc[0].get_drawings() if near(d["rect"], box)]
    pdf, box = spread("kdp-paperback-8.5x8.5", None)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        white = [d for d in doc[0].get_drawings() if near(d["rect"], box)]
    assert white and white[0]["fill"] == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("978-3-16-148410-1", "its check digit should be 0"),
        ("3-16-148410-X", "13 digits starting 978 or 979"),
        ("ISBN 979-12-200-0852-5", None),
    ],
)
def test_an_isbn_is_checked_at_the_door(given: str, said: str | None) -> None:
    if said is None:
        assert normalized_isbn(given) == "9791220008525"
        return
    with pytest.raises(BadInput, match=said):
        normalized_isbn(given)


def test_book_json_carries_the_isbn_through_to_the_book(tmp_path: Path) -> None:
    import json

    from app.catalog.intake import IntakeLimits
    from app.catalog.manifest import load_manifest

    folder = tmp_path
    (folder / "book.json").write_text(json.dumps({"title": "Leo", "isbn": "978-3-16-148410-0"}))
    manifest = load_manifest(folder, IntakeLimits())
    assert manifest is not None and manifest["isbn"] == "9783161484100"
    (folder / "book.json").write_text(json.dumps({"title": "Leo", "isbn": "978-3-16-148410-9"}))
    with pytest.raises(BadInput, match=r"book.json: isbn: ISBN .* check digit should be 0"):
        load_manifest(folder, IntakeLimits())
