from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

from app.domain import BadInput
from app.print.pdf import MM, BookPage, PrintSpec, compose_book, render_page_png

SPEC = PrintSpec(trim_mm=(203.2, 203.2), bleed_mm=3.175, target_dpi=300, min_dpi=150)


def jpeg(side: int, colour: tuple[int, int, int] = (90, 140, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture(scope="module")
def book() -> pymupdf.Document:
    full = SPEC.pixels_needed()[0]
    assert full == 2475
    pages = [
        BookPage(jpeg(full), f"Ada\u2019s page {n}: Ada sails on.", f"page {n}") for n in (1, 2)
    ]
    composed = compose_book(
        jpeg(full, (250, 220, 120)), pages, SPEC, title="Ada and the Moon Boat", child_name="Ada"
    )
    assert composed.warnings == []
    return pymupdf.open(stream=composed.pdf, filetype="pdf")


def test_every_page_is_trim_plus_bleed_with_the_trim_box_inside(book: pymupdf.Document) -> None:
    bleed = 3.175 * MM
    assert book.page_count == 3
    for page in book:
        assert page.mediabox.width == pytest.approx((203.2 + 2 * 3.175) * MM, abs=0.01)
        assert page.bleedbox == page.mediabox
        trim = page.trimbox
        assert trim.x0 == pytest.approx(bleed, abs=0.01)
        assert trim.width == pytest.approx(203.2 * MM, abs=0.01)
        assert trim.height == pytest.approx(203.2 * MM, abs=0.01)


def test_images_fill_the_bleed_at_300_dpi(book: pymupdf.Document) -> None:
    for page in book:
        [info] = page.get_image_info()
        bbox = pymupdf.Rect(info["bbox"])
        assert bbox.contains(page.mediabox) or bbox == page.mediabox
        dpi = info["width"] / (bbox.width / 72)
        assert dpi == pytest.approx(300, abs=1)


def test_text_is_set_in_an_embedded_font(book: pymupdf.Document) -> None:
    assert "Ada\u2019s page 1: Ada sails on." in book[1].get_text()
    assert book[0].get_text().strip() == ""  # the cover's title is in the artwork
    fonts = book[1].get_fonts(full=True)
    assert fonts, "page text needs a font"
    for xref, ext, _type, name, *_ in fonts:
        assert ext == "ttf" and "DejaVu" in name
        _basename, _ext, _subtype, buffer = book.extract_font(xref)
        assert len(buffer) > 1000, f"font {name} is not embedded"


def test_metadata_names_the_book_and_the_child(book: pymupdf.Document) -> None:
    assert book.metadata["title"] == "Ada and the Moon Boat"
    assert "Ada" in book.metadata["subject"]


def test_low_resolution_is_refused_and_middling_resolution_warned() -> None:
    with pytest.raises(BadInput, match=r"page 1: image is 97 DPI .* at least 150 DPI"):
        compose_book(
            jpeg(2475), [BookPage(jpeg(800), "", "page 1")], SPEC, title="t", child_name="c"
        )
    composed = compose_book(
        jpeg(2475), [BookPage(jpeg(1700), "", "page 1")], SPEC, title="t", child_name="c"
    )
    assert composed.warnings == ["page 1: image is 206 DPI (print target 300)"]


def test_preview_renders_a_page_to_png(book: pymupdf.Document) -> None:
    png = render_page_png(book.tobytes(), 1, dpi=40)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.width == round((203.2 + 6.35) / 25.4 * 40)
    with pytest.raises(IndexError, match="no page 9"):
        render_page_png(book.tobytes(), 9)
