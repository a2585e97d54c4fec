"""Page text in every script a customer writes a name in (app/print/pdf.py): the right
font for each letter, Arabic shaped, a right-to-left name in its place inside the English
sentence, and Latin pages written exactly as before."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

from app.assets import FONT_REGULAR, TEXT_FONTS
from app.print.pdf import MM, SAFE_MARGIN_MM, BookPage, PrintSpec, compose_book, needs_shaping

SPEC = PrintSpec(target_dpi=60, min_dpi=50)


def jpeg(side: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (90, 140, 200)).save(out, "JPEG", quality=80)
    return out.getvalue()


def composed(text: str, **kw: object) -> pymupdf.Document:
    pdf = compose_book(
        jpeg(), [BookPage(jpeg(), text, "page 1")], SPEC, title="t", child_name="x", **kw
    ).pdf  # type: ignore[arg-type]
    return pymupdf.open(stream=pdf, filetype="pdf")


def spans(doc: pymupdf.Document) -> list[tuple[str, str, float]]:
    """(text, font, x of its origin) of page 1's text, in drawing order."""
    return [
        ("".join(chr(c[0]) for c in s["chars"]), s["font"], s["chars"][0][2][0])
        for s in doc[1].get_texttrace()
        if s["chars"]
    ]


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("One quiet night, Ada found a boat.", False),
        ("Αλέξης, Иван, Nguyễn, Zoë, Łucja and José sailed.", False),
        ("One quiet night, ليلى found a boat.", True),
        ("שירה sailed.", True),
        ("Jose\u0301 sailed.", True),  # a combining accent is placed by the shaper
        ("Zoë\U0001f984 sailed.", False),  # no font has 🦄: a box, which the PDF checks catch
    ],
)
def test_only_text_that_needs_shaping_leaves_the_glyph_by_glyph_writer(
    text: str, shaped: bool
) -> None:
    assert needs_shaping(text, TEXT_FONTS) is shaped


def test_latin_text_is_written_as_before_one_font_no_form() -> None:
    doc = composed("One quiet night, Ada found a little boat tied to a moonbeam.")
    assert [f[3].split("+")[-1] for f in doc[1].get_fonts()] == ["DejaVu Serif Book"]
    assert doc[1].get_xobjects() == []  # the HTML engine would leave a form XObject
    assert "Ada found a little boat" in doc[1].get_text()


def test_an_arabic_name_is_shaped_in_noto_naskh_and_stays_in_its_place() -> None:
    doc = composed("One quiet night, ليلى found a little boat.")
    found = spans(doc)
    before = next(s for s in found if s[0].startswith("One quiet night"))
    name = next(s for s in found if "Naskh" in s[1])
    after = next(s for s in found if s[0].startswith("found"))
    # joined forms: lam initial, yeh medial, lam medial, alef maksura final
    assert name[0] == "\ufedf\ufef4\ufee0\ufef0"
    assert before[2] < name[2] < after[2]  # between "night," and "found", left to right


def test_a_hebrew_name_reads_right_to_left_at_the_start_of_the_sentence() -> None:
    doc = composed("שירה planted one tiny seed.")
    [trace] = [t for t in doc[1].get_texttrace() if "Hebrew" in t["font"]]
    xs = [c[2][0] for c in trace["chars"]]
    assert "".join(chr(c[0]) for c in trace["chars"]) == "שירה"  # logical order in the file
    assert xs == sorted(xs, reverse=True)  # drawn right to left
    latin = next(
        t for t in doc[1].get_texttrace() if "planted" in "".join(chr(c[0]) for c in t["chars"])
    )
    assert max(xs) < latin["chars"][0][2][0]  # and before the English words


@pytest.mark.parametrize("name", ["ليلى", "שירה", "محمد علي", "Noa שירה"])
def test_shaped_text_keeps_the_size_the_place_and_the_safe_area(name: str) -> None:
    text = f"One quiet night, {name} found a little boat tied to a moonbeam."
    latin = composed("One quiet night, Ada found a little boat tied to a moonbeam.")
    doc = composed(text)
    first = latin[1].get_texttrace()[0]
    width, height = SPEC.page_size_pt
    margin = (SPEC.bleed_mm + SAFE_MARGIN_MM) * MM
    for trace in doc[1].get_texttrace():
        assert trace["size"] == pytest.approx(first["size"])
        for c in trace["chars"]:
            x0, y0, x1, y1 = c[3]
            assert margin - 0.5 <= x0 and x1 <= width - margin + 0.5
            assert margin - 0.5 <= y0 and y1 <= height - margin + 0.5
    # the first line's baseline is where the glyph-by-glyph writer puts it
    assert doc[1].get_texttrace()[0]["chars"][0][2][1] == pytest.approx(
        first["chars"][0][2][1], abs=0.3
    )


def test_a_font_set_without_arabic_prints_what_the_old_composer_printed() -> None:
    """The fault the PDF checks are calibrated on: with DejaVu alone, ليلى is drawn by
    MuPDF's own fallback, letter by letter: unjoined (isolated forms) and left to right."""
    doc = composed("One quiet night, ليلى found a boat.", fonts=(FONT_REGULAR,))
    [trace] = [t for t in doc[1].get_texttrace() if "Naskh" in t["font"]]
    assert "".join(chr(c[0]) for c in trace["chars"]) == "\ufedd\ufef1\ufedd\ufeef"
    xs = [c[2][0] for c in trace["chars"]]
    assert xs == sorted(xs)


def test_a_name_typed_with_combining_accents_prints_as_its_composed_letters() -> None:
    typed, composed_form = composed("Jose\u0301 sailed."), composed("José sailed.")
    assert typed[1].get_text() == composed_form[1].get_text() == "José sailed.\n"
    assert typed[1].get_xobjects() == []  # written glyph by glyph, like any Latin page
