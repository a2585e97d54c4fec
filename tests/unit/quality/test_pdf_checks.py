"""The PDF checks, read back from composed files: the demo books for good names in every
shipped script pass; each fault, made here in the test, is caught and named with its page
and words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pymupdf
import pytest

from app.assets import FONT_REGULAR, TEXT_FONTS, font_bytes
from app.config import Settings
from app.domain import Book
from app.print.pdf import MM
from app.print.pdf_text import CHECKS, count_name, count_name_spelled
from app.quality.calibration_pdfs import (
    FAULT_CHECKS,
    GOOD_NAMES,
    DemoBook,
    calibrate_pdfs,
    compose_demo,
    demo_books,
    pdf_samples,
    rows_text,
)
from app.quality.pdf_checks import check_pdf_file, pdf_checks
from app.quality.report import Check

SETTINGS = Settings(data_dir=Path("unused"))
DEMOS = {d.book.id: d for d in demo_books()}
MOON, GARDEN = DEMOS["moon-boat"], DEMOS["giant-garden"]  # heroes Leo and Mia


def run(pdf: bytes, demo: DemoBook, name: str, settings: Settings = SETTINGS) -> dict[str, Check]:
    checks = pdf_checks(pdf, book=demo.book, child_name=name, child_gender=None, settings=settings)
    assert [c.name for c in checks] == list(CHECKS)
    assert {c.target for c in checks} == {"pdf"}
    return {c.name: c for c in checks}


def failed(checks: dict[str, Check]) -> set[str]:
    return {name for name, c in checks.items() if not c.passed}


def edit(pdf: bytes, change: Callable[[pymupdf.Document], None]) -> bytes:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        change(doc)
        return doc.tobytes(garbage=3, deflate=True)


@pytest.fixture(scope="module")
def ada() -> bytes:
    return compose_demo(MOON, "Ada", SETTINGS)


# -- good books ------------------------------------------------------------------------------
@pytest.mark.parametrize("demo", [MOON, GARDEN], ids=lambda d: d.book.id)
@pytest.mark.parametrize("name", GOOD_NAMES)
def test_the_demo_books_pass_for_names_in_every_shipped_script(demo: DemoBook, name: str) -> None:
    checks = run(compose_demo(demo, name, SETTINGS), demo, name)
    assert failed(checks) == set(), {n: c.sentence for n, c in checks.items() if not c.passed}


@pytest.mark.parametrize(
    "name",
    [
        "ليلى علي",  # two Arabic words, broken over two lines on some pages
        "علا",  # the lam-alef ligature reads back as U+FFFD: the check reads through it
        "بلال",
        "مُحَمَّد",  # shadda with fatha: one glyph, no ToUnicode entry
        "عبد الله",
        "شیرین\u200cدخت",  # a zero-width non-joiner inside a Persian name
        "שָׂרָה",  # Hebrew with points
        "Noa שירה",
        "Đặng Thị Hương",
        "Ọ̀lá",  # a dot below and a grave on one letter
        "O'Brien",
        "Mary-Jane",
    ],
)
def test_harder_names_pass_too(name: str) -> None:
    for demo in (MOON, GARDEN):
        checks = run(compose_demo(demo, name, SETTINGS), demo, name)
        assert failed(checks) == set(), {n: c.sentence for n, c in checks.items() if not c.passed}


def test_a_passing_check_says_what_it_found(ada: bytes) -> None:
    checks = run(ada, MOON, "Ada")
    assert checks["pdf_hero_name"].sentence == (
        "the hero's name Leo is nowhere in the text, the title or the metadata"
    )
    assert checks["pdf_child_name"].sentence == (
        "the child's name Ada is on all 12 pages that named Leo, and in the title"
    )
    assert checks["pdf_pages"].sentence == "13 pages: the cover and the book's 12 pages"
    assert checks["pdf_type_size"].score == pytest.approx(21.2, abs=0.1)
    assert checks["pdf_type_size"].threshold == 7


# -- the hero's name -------------------------------------------------------------------------
def test_the_heros_name_left_in_the_text_is_named_with_its_page(ada: bytes) -> None:
    left = compose_demo(MOON, "Ada", SETTINGS, personalize=False)
    check = run(left, MOON, "Ada")["pdf_hero_name"]
    assert not check.passed and check.blocking
    assert check.sentence == (
        "the hero's name Leo is still in the PDF 13 times, in pages 1, 2, 3, 4, 5, 6, 7, 8, 9, "
        "10, 11 and 12, the title (page 1: “One quiet night, Leo found a little boat tied to a "
        "moonb…”; page 2: “Leo climbed aboard, and the boat began…”)"
    )
    assert check.score == 13


@pytest.mark.parametrize(
    ("replacement", "found"),
    [
        ("LEO", "LEO"),  # capitals
        ("Leo\u2019s", "Leo\u2019s"),  # the possessive, typographic apostrophe
        ("leo's", "leo's"),
    ],
)
def test_every_form_of_the_heros_name_is_found(ada: bytes, replacement: str, found: str) -> None:
    def add(doc: pymupdf.Document) -> None:
        doc[6].insert_font(fontname="body", fontbuffer=font_bytes(FONT_REGULAR))
        doc[6].insert_text((120, 150), f"The sea sang to {replacement} boat.", fontname="body")

    check = run(edit(ada, add), MOON, "Ada")["pdf_hero_name"]
    assert not check.passed
    assert check.sentence.startswith("the hero's name Leo is still in the PDF 1 time, in page 6 (")
    assert found in check.sentence


def test_the_heros_name_in_the_title_or_the_metadata_is_found(ada: bytes) -> None:
    def retitle(doc: pymupdf.Document) -> None:
        doc.set_metadata({**doc.metadata, "title": "Leo and the Moon Boat"})

    check = run(edit(ada, retitle), MOON, "Ada")["pdf_hero_name"]
    assert not check.passed
    assert check.sentence == (
        "the hero's name Leo is still in the PDF 1 time, in the title "
        "(the title: “Leo and the Moon Boat”)"
    )
    assert not run(edit(ada, retitle), MOON, "Ada")["pdf_child_name"].passed

    def outline(doc: pymupdf.Document) -> None:
        doc.set_toc([[1, "Leo's night", 2]])

    assert "the outline" in run(edit(ada, outline), MOON, "Ada")["pdf_hero_name"].sentence


@pytest.mark.parametrize("child", ["Leona", "Cleo", "Leopold", "Leo James", "Leo", "leo"])
def test_names_that_contain_the_heros_are_not_the_hero(child: str) -> None:
    """Whole words only; and a child who is the hero's namesake carries the name rightly."""
    checks = run(compose_demo(MOON, child, SETTINGS), MOON, child)
    assert failed(checks) == set(), {n: c.sentence for n, c in checks.items() if not c.passed}


def test_whole_word_counting() -> None:
    assert count_name("Leona met Leo. LEO's boat, Leo\u2019s sail; Cleo", "Leo") == 3
    assert count_name("Anna Maria\nsailed", "Anna Maria") == 1
    assert count_name("\ufedf\ufef4\ufee0\ufef0 found", "ليلى") == 1  # presentation forms
    assert count_name("Koﬁ sailed", "Kofi") == 1  # a ligature glyph
    # a glyph the file cannot spell (U+FFFD) may stand for one to three letters, nothing else
    assert count_name_spelled("I am \ufecb\ufffd\ufffd, she said", "علا") == 1
    assert count_name_spelled("I am \ufecb\ufffd\ufffd, she said", "سلا") == 0  # not ع
    assert count_name_spelled("Zo\ufffd sailed", "Zoë") == 1
    assert count_name_spelled("Zo\x00 sailed", "Zoë") == 0  # a box is no letter


# -- the child's name ------------------------------------------------------------------------
def test_a_page_left_unpersonalized_is_named(ada: bytes) -> None:
    demo = MOON
    original = demo.book.pages[3]  # page 4: "Hello, stars!" said Leo. ...
    book = replace(
        demo.book,
        pages=tuple(p if p.index != 4 else replace(p, text="Stars!") for p in demo.book.pages),
    )
    # the PDF was made from the book whose page 4 says only "Stars!": Ada is missing there
    pdf = compose_demo(DemoBook(book, demo.cover, demo.pages), "Ada", SETTINGS)
    check = run(pdf, demo, "Ada")["pdf_child_name"]
    assert original.index == 4 and not check.passed
    assert check.sentence == (
        "the child's name Ada is missing where the book named Leo: "
        "page 4 names Ada not at all (“Stars!”)"
    )
    assert (check.score, check.threshold) == (11, 12)


def test_the_child_must_appear_as_often_as_the_hero_did() -> None:
    demo = GARDEN
    page = next(p for p in demo.book.pages if count_name(p.text, "Mia") >= 1)
    twice = replace(page, text=f"{page.text} Mia smiled.")
    book = replace(demo.book, pages=tuple(twice if p is page else p for p in demo.book.pages))
    pdf = compose_demo(demo, "Ada", SETTINGS)  # composed from the book with one Mia there
    check = run(pdf, DemoBook(book, demo.cover, demo.pages), "Ada")["pdf_child_name"]
    assert not check.passed
    assert f"page {page.index} names Ada 1 of 2 times" in check.sentence


# -- glyphs ----------------------------------------------------------------------------------
def test_a_name_with_a_glyph_no_font_has_prints_a_box_and_is_caught() -> None:
    name = "Zoë\U0001f984"
    checks = run(compose_demo(MOON, name, SETTINGS), MOON, name)
    glyphs = checks["pdf_glyphs"]
    assert not glyphs.passed
    assert glyphs.sentence.startswith(
        "glyphs are wrong: page 1: 1 character drawn as empty boxes (.notdef) in DejaVu Serif"
    )
    assert "Zoë" in glyphs.sentence
    assert not checks["pdf_child_name"].passed  # a box is no letter of the name


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("ليلى", "Arabic letters drawn unjoined"),
        ("ليلى", "ليلى is laid out left to right, its letters reversed"),
        ("שירה", "שירה is laid out left to right, its letters reversed"),
    ],
)
def test_a_name_in_a_font_without_its_script_is_caught(name: str, words: str) -> None:
    """Forced to DejaVu alone (the composer before Noto), MuPDF's fallback draws the name
    letter by letter: no boxes, but unjoined and backwards."""
    pdf = compose_demo(MOON, name, SETTINGS, fonts=(FONT_REGULAR,))
    glyphs = run(pdf, MOON, name)["pdf_glyphs"]
    assert not glyphs.passed
    assert words in glyphs.sentence
    assert glyphs.sentence.startswith("glyphs are wrong: page 1: ")


def test_a_letter_a_fallback_font_prints_and_spells_passes() -> None:
    """The checks judge what prints, not which font printed it: with Noto Serif Hebrew
    alone, MuPDF draws the Latin of "Zoë" in a font of its own, whole and readable."""
    hebrew_only = (TEXT_FONTS[2],)
    checks = run(compose_demo(MOON, "Zoë", SETTINGS, fonts=hebrew_only), MOON, "Zoë")
    assert checks["pdf_glyphs"].passed and checks["pdf_child_name"].passed


def test_text_in_a_font_that_is_not_embedded_is_caught(ada: bytes) -> None:
    def helvetica(doc: pymupdf.Document) -> None:
        doc[2].insert_text((120, 150), "The end", fontsize=12, fontname="helv")

    check = run(edit(ada, helvetica), MOON, "Ada")["pdf_glyphs"]
    assert not check.passed
    assert check.sentence == (
        "glyphs are wrong: page 2: its font is not embedded in Helvetica (“The end”)"
    )


# -- type size, safe area, pages, boxes ------------------------------------------------------
def test_text_below_7_pt_is_named_with_its_size(ada: bytes) -> None:
    def small(doc: pymupdf.Document) -> None:
        doc[5].insert_font(fontname="body", fontbuffer=font_bytes(FONT_REGULAR))
        doc[5].insert_text((120, 150), "tiny words", fontsize=6.5, fontname="body")

    checks = run(edit(ada, small), MOON, "Ada")
    assert failed(checks) == {"pdf_type_size"}
    check = checks["pdf_type_size"]
    assert check.sentence == "text is set below 7 pt: page 5: “tiny words” in 6.5 pt"
    assert (check.score, check.threshold) == (pytest.approx(6.5), 7)


def test_exactly_7_pt_passes(ada: bytes) -> None:
    def seven(doc: pymupdf.Document) -> None:
        doc[5].insert_font(fontname="body", fontbuffer=font_bytes(FONT_REGULAR))
        doc[5].insert_text((120, 150), "small words", fontsize=7, fontname="body")

    assert failed(run(edit(ada, seven), MOON, "Ada")) == set()


def test_scaled_down_text_counts_at_its_printed_size(ada: bytes) -> None:
    """10 pt text placed at half size prints at 5 pt."""
    source = pymupdf.open()
    page = source.new_page(width=200, height=100)
    page.insert_font(fontname="body", fontbuffer=font_bytes(FONT_REGULAR))
    page.insert_text((20, 50), "half size", fontsize=10, fontname="body")

    def place(doc: pymupdf.Document) -> None:
        doc[7].show_pdf_page(pymupdf.Rect(100, 100, 200, 150), source, 0)

    check = run(edit(ada, place), MOON, "Ada")["pdf_type_size"]
    assert not check.passed and "“half size” in 5.0 pt" in check.sentence


def test_text_outside_the_safe_area_is_named_with_how_far(ada: bytes) -> None:
    def margin(doc: pymupdf.Document) -> None:
        page = doc[9]
        page.insert_font(fontname="body", fontbuffer=font_bytes(FONT_REGULAR))
        trim = page.trimbox
        page.insert_text(
            (trim.x0 + 4 * MM, trim.y0 + 40 * MM), "side note", fontsize=10, fontname="body"
        )

    checks = run(edit(ada, margin), MOON, "Ada")
    assert failed(checks) == {"pdf_safe_area"}
    check = checks["pdf_safe_area"]
    assert check.sentence.startswith(
        "text runs outside the safe area (12.7 mm inside the trim): page 9: “side note” by 8."
    )
    assert check.score == pytest.approx(8.7, abs=0.3)


def test_a_missing_or_extra_page_is_counted(ada: bytes) -> None:
    fewer = run(edit(ada, lambda doc: doc.delete_page(12)), MOON, "Ada")
    assert not fewer["pdf_pages"].passed
    assert fewer["pdf_pages"].sentence == (
        "the PDF has 12 pages, but the book is a cover and 12 pages (13)"
    )
    more = run(edit(ada, lambda doc: doc.new_page()), MOON, "Ada")["pdf_pages"]
    assert not more.passed and (more.score, more.threshold) == (14, 13)


def test_pages_without_their_boxes_are_named(ada: bytes) -> None:
    def drop(doc: pymupdf.Document) -> None:
        doc.xref_set_key(doc[0].xref, "TrimBox", "null")
        doc.xref_set_key(doc[4].xref, "BleedBox", "null")

    check = run(edit(ada, drop), MOON, "Ada")["pdf_boxes"]
    assert not check.passed
    assert check.sentence == (
        "page boxes are wrong: the cover has no TrimBox; page 4 has no BleedBox"
    )


def test_a_trim_the_shop_does_not_print_or_no_bleed_is_named(ada: bytes) -> None:
    a5 = Settings(data_dir=Path("unused"), trim_size="a5")
    check = run(ada, MOON, "Ada", a5)["pdf_boxes"]
    assert not check.passed
    assert "the trim is 203.2×203.2 mm, not the 148×210 mm the shop prints" in check.sentence

    def no_bleed(doc: pymupdf.Document) -> None:
        doc[1].set_bleedbox(doc[1].trimbox)

    check = run(edit(ada, no_bleed), MOON, "Ada")["pdf_boxes"]
    assert check.sentence == "page boxes are wrong: page 1: the BleedBox is the TrimBox (no bleed)"


# -- the file, the settings, the CLI's function ----------------------------------------------
def test_a_file_that_is_not_a_pdf_fails_every_check() -> None:
    checks = run(b"not a pdf at all", MOON, "Ada")
    assert failed(checks) == set(CHECKS)
    assert checks["pdf_pages"].sentence.startswith("the file cannot be read as a PDF")


def test_which_checks_block_follows_the_settings(ada: bytes) -> None:
    warn_only = Settings(data_dir=Path("unused"), quality_blocking="composition,likeness")
    left = compose_demo(MOON, "Ada", SETTINGS, personalize=False)
    checks = run(left, MOON, "Ada", warn_only)
    assert not checks["pdf_hero_name"].passed and not checks["pdf_hero_name"].blocking


def test_check_pdf_file_reports_on_a_file(tmp_path: Path, ada: bytes) -> None:
    path = tmp_path / "book.pdf"
    path.write_bytes(ada)
    report = check_pdf_file(path, MOON.book, "Ada", "girl", SETTINGS)
    assert report.passed and report.summary() == "passed"
    assert [c.name for c in report.checks] == list(CHECKS)
    bad = tmp_path / "left.pdf"
    bad.write_bytes(compose_demo(MOON, "Ada", SETTINGS, personalize=False))
    report = check_pdf_file(bad, MOON.book, "Ada", None, SETTINGS)
    assert report.summary() == "PDF doubtful"
    assert "pdf: the hero's name Leo is still in the PDF" in report.reason()


def test_a_book_whose_pages_never_name_the_hero_needs_the_name_in_the_title_only() -> None:
    plain: Book = replace(
        MOON.book, pages=tuple(replace(p, text="Waves.") for p in MOON.book.pages)
    )
    pdf = compose_demo(DemoBook(plain, MOON.cover, MOON.pages), "Ada", SETTINGS)
    checks = run(pdf, DemoBook(plain, MOON.cover, MOON.pages), "Ada")
    assert failed(checks) == set()
    assert checks["pdf_child_name"].sentence == (
        "the child's name Ada is in the title, which named Leo (no page did)"
    )
    untitled = replace(plain, title="The Moon Boat")
    checks = run(pdf, DemoBook(untitled, MOON.cover, MOON.pages), "Ada")
    assert checks["pdf_child_name"].sentence == (
        "neither a page nor the title of the book names Leo"
    )


# -- calibration -----------------------------------------------------------------------------
def test_calibration_catches_every_injected_fault_and_flags_no_good_book() -> None:
    samples = pdf_samples(SETTINGS)
    table = [
        (name, caught, injected, flagged)
        for name, caught, injected, flagged in calibrate_pdfs(SETTINGS)
    ]
    assert [row[0] for row in table] == list(CHECKS)
    for name, caught, injected, flagged in table:
        assert injected >= 2, name  # each check has faults of its own, on both books
        assert caught == injected, (name, rows_text(table))
        assert flagged == 0, (name, rows_text(table))
    good = [s for s in samples if s.kind == "good"]
    assert len(good) == 2 * len(GOOD_NAMES)
    assert {s.kind for s in samples} - {"good"} == set(FAULT_CHECKS)
    # a fault is only ever flagged by checks that have reason to: no stray verdicts
    for sample in samples:
        if sample.kind == "hero name left in the text":
            assert sample.failed() == {"pdf_hero_name", "pdf_child_name"}
        elif sample.kind == "a page missing":
            assert sample.failed() <= {"pdf_pages", "pdf_child_name"}
        elif sample.kind == "name with an emoji no font has":
            assert sample.failed() == {"pdf_glyphs", "pdf_child_name"}
        elif sample.kind != "good":
            assert sample.failed() == set(FAULT_CHECKS[sample.kind]), sample
