"""Reading a book in: a folder (text.txt or book.json) and the book's own PDF, with the
refusals an operator must get in a sentence."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from app.assets import demo_root
from app.catalog.bundle import MANIFEST, write_bundle
from app.catalog.hero_name import mentions, propose_hero
from app.catalog.importing import read_source, with_answers
from app.domain import BadInput, BookStatus
from app.print.pdf import PrintSpec
from tests.unit.catalog.pdfs import SIDE_PT, TEXT_RECT, TITLE_RECT, PdfPage, make_book_pdf

SPEC = PrintSpec()  # 8x8 in, 150 ppi minimum, 300 target
TEXTS = [
    "One morning Nora found a kite in the garden.",
    "The kite pulled Nora up over the roofs.",
    "Below, the town was tiny and the river shone.",
]


def demo_pictures(folder: Path, pages: int = 3) -> Path:
    folder.mkdir(parents=True)
    source = Path(str(demo_root().joinpath("moon-boat")))
    shutil.copy(source / "cover.jpg", folder / "cover.jpg")
    for n in range(1, pages + 1):
        shutil.copy(source / f"page-{n:02d}.jpg", folder / f"page-{n:02d}.jpg")
    return folder


def test_hero_is_the_capitalised_name_never_written_in_lower_case() -> None:
    assert propose_hero(TEXTS) == "Nora"
    assert propose_hero(["The Moon smiled at Leo.", "Leo's boat met the moon."]) == "Leo"
    assert propose_hero(["the end."]) is None
    assert mentions("Leo's boat", "Leo") and not mentions("Leonora sails", "Leo")


def test_folder_with_a_text_file_gives_one_page_per_picture(tmp_path: Path) -> None:
    folder = demo_pictures(tmp_path / "kite-day")
    folder.joinpath("text.txt").write_text("\n\n".join(TEXTS) + "\n")
    files = read_source(folder, SPEC)
    book = files.book
    assert book.id == "kite-day" and book.title == "Kite Day"
    assert book.status is BookStatus.DRAFT
    assert book.cover_image == "cover.jpg"
    assert [(p.index, p.image, p.text) for p in book.pages] == [
        (n, f"page-{n:02d}.jpg", t) for n, t in enumerate(TEXTS, 1)
    ]
    assert files.proposed_hero == "Nora"
    answered = with_answers(files, hero=None, gender="girl")
    assert answered.book.hero_name == "Nora" and answered.book.hero_gender == "girl"


def test_folder_refusals_say_what_to_fix(tmp_path: Path) -> None:
    folder = demo_pictures(tmp_path / "short")
    folder.joinpath("text.txt").write_text("\n\n".join(TEXTS[:2]))
    with pytest.raises(BadInput, match="has 2 texts for 3 page pictures"):
        read_source(folder, SPEC)
    small = tmp_path / "small"
    small.mkdir()
    for name in ("cover.jpg", "page-01.jpg"):
        out = io.BytesIO()
        Image.new("RGB", (800, 800), "white").save(out, "JPEG")
        small.joinpath(name).write_bytes(out.getvalue())
    with pytest.raises(BadInput, match=r"cover \(cover.jpg\): 800×800 px is 97 ppi"):
        read_source(small, SPEC)
    with pytest.raises(BadInput, match="no such folder"):
        read_source(tmp_path / "missing", SPEC)


def test_pdf_gives_art_without_text_and_text_with_its_box(tmp_path: Path) -> None:
    colours = [(250, 230, 200), (200, 230, 250), (220, 250, 210)]
    pdf = make_book_pdf(
        tmp_path / "kite.pdf",
        "Nora and the Kite",
        [PdfPage(c, t) for c, t in zip(colours, TEXTS, strict=True)],
    )
    files = read_source(pdf, SPEC)
    book = files.book
    assert book.title == "Nora and the Kite" and book.id == "nora-and-the-kite"
    assert [p.text for p in book.pages] == TEXTS
    assert files.proposed_hero == "Nora"
    for page, colour in zip(book.pages, colours, strict=True):
        assert page.text_box is not None
        box = page.text_box
        # the text stood inside TEXT_RECT (fractions of the page)
        assert (
            TEXT_RECT.x0 / SIDE_PT - 0.01 <= box.left < box.right <= TEXT_RECT.x1 / SIDE_PT + 0.01
        )
        assert (
            TEXT_RECT.y0 / SIDE_PT - 0.01 <= box.top < box.bottom <= TEXT_RECT.y1 / SIDE_PT + 0.01
        )
        art = Image.open(io.BytesIO(files.images[page.image])).convert("L")
        assert art.size == (2475, 2475)  # 8.25 in at 300 ppi
        darkest, _ = art.getextrema()
        assert darkest > 150, "the black text was rendered into the art"
        inside_text = (round((TEXT_RECT.x0 + 4) / 72 * 300), round((TEXT_RECT.y0 + 9) / 72 * 300))
        rgb = Image.open(io.BytesIO(files.images[page.image])).getpixel(inside_text)
        assert max(abs(a - b) for a, b in zip(rgb, colour, strict=True)) < 8  # type: ignore[arg-type]
        mean = sum(colour) / 3
        assert abs(art.resize((1, 1)).getpixel((0, 0)) - mean) < 12  # type: ignore[operator]  # the picture is intact
    assert book.title_box is not None
    assert book.title_box.top >= TITLE_RECT.y0 / SIDE_PT - 0.01
    assert book.title_box.bottom <= TITLE_RECT.y1 / SIDE_PT + 0.01


def test_pdf_art_is_never_rendered_above_its_own_resolution(tmp_path: Path) -> None:
    pdf = make_book_pdf(
        tmp_path / "soft.pdf", "Soft", [PdfPage((200, 200, 200), TEXTS[0], ppi=200)]
    )
    files = read_source(pdf, SPEC)
    art = Image.open(io.BytesIO(files.images[files.book.pages[0].image]))
    assert art.size == (1650, 1650)  # 8.25 in at its own 200 ppi, not upscaled to 300


def test_pdf_refusals(tmp_path: Path) -> None:
    baked = make_book_pdf(
        tmp_path / "baked.pdf", "Baked", [PdfPage((200, 200, 200), "x")], text_layer=False
    )
    with pytest.raises(BadInput, match="no text layer"):
        read_source(baked, SPEC)
    low = make_book_pdf(
        tmp_path / "low.pdf",
        "Low",
        [PdfPage((200, 200, 200), TEXTS[0]), PdfPage((9, 9, 9), TEXTS[1], ppi=100)],
    )
    with pytest.raises(BadInput, match=r"page 3: art at 100 ppi"):
        read_source(low, SPEC)
    mixed = make_book_pdf(
        tmp_path / "mixed.pdf",
        "Mixed",
        [
            PdfPage((200, 200, 200), TEXTS[0]),
            PdfPage((200, 200, 200), TEXTS[1], size_pt=(612, 792)),
        ],
    )
    with pytest.raises(
        BadInput, match=r"mixed page sizes \(page 1 is 8.25×8.25 in, page 3 is 8.50×11.00 in\)"
    ):
        read_source(mixed, SPEC)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not really")
    with pytest.raises(BadInput, match="not a PDF that can be read"):
        read_source(broken, SPEC)


def test_an_exported_folder_reads_back_unchanged(tmp_path: Path) -> None:
    folder = demo_pictures(tmp_path / "kite-day")
    folder.joinpath("text.txt").write_text("\n\n".join(TEXTS))
    files = with_answers(read_source(folder, SPEC), hero="Nora", gender="girl")
    out = write_bundle(files, tmp_path / "out")
    again = read_source(out, SPEC)
    assert again.book == files.book
    assert out.joinpath(MANIFEST).is_file()
    assert {again.images[n] for n in again.images} == {files.images[n] for n in files.images}
