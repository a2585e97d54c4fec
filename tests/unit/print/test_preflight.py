"""Preflight, calibrated: the demo books' print files for every shipped profile pass it,
and each fault injected into a good file is caught by the check meant for it and by no
other. The CMYK path runs end to end through LittleCMS with the printer's profile."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from functools import cache
from typing import Any

import pymupdf
import pytest
from PIL import Image

from app.catalog.demo import demo_pages
from app.print.outputs import PrintOutputs, make_print_outputs
from app.print.preflight import preflight
from app.print.profiles import load_profile

PROFILES = [
    "gelato-hardcover-8x8",
    "ingramspark-paperback-8.5x8.5",
    "kdp-paperback-8.5x8.5",
    "lulu-hardcover-8.5x8.5",
    "lulu-paperback-8.5x8.5",
]


@cache
def outputs(profile: str, book_id: str = "moon-boat") -> PrintOutputs:
    _, cover, pages = demo_pages(book_id)
    return make_print_outputs(
        cover, pages, load_profile(profile), title="Ada and the Moon Boat", child_name="Ada"
    )


# Every book for every printer profile (a CMYK one converts every picture: ~5 s a book).
CASES = [(profile, book) for profile in PROFILES for book in ("moon-boat", "giant-garden")]


@pytest.mark.parametrize(("profile", "book_id"), CASES)
def test_demo_books_make_print_files_that_pass_their_preflight(profile: str, book_id: str) -> None:
    passes_its_preflight(profile, book_id)


def passes_its_preflight(profile: str, book_id: str) -> None:
    made = outputs(profile, book_id)
    assert made.passed, made.failures()
    with pymupdf.open(stream=made.interior, filetype="pdf") as doc:
        assert doc.page_count == made.pages == load_profile(profile).padded_count(12)
        assert "This book belongs to" in doc[0].get_text()  # front matter, then the story
        assert "One quiet night" in doc[2].get_text() or "Ada" in doc[2].get_text()
        assert "This book was made for Ada" in doc[14].get_text()  # the end
        blank = [p.number for p in doc if not (p.get_text().strip() or p.get_drawings())]
        # designed pages fill the printer's minimum: no blank paper, but the last page
        # where the printer prints its own mark there (IngramSpark)
        assert blank == ([doc.page_count - 1] if load_profile(profile).pages.last_blank else [])
    with pymupdf.open(stream=made.cover, filetype="pdf") as doc:
        assert doc.page_count == 1
        width = doc[0].rect.width / 72
        assert width == pytest.approx(load_profile(profile).spread_size(made.pages)[0], abs=0.01)


def test_cmyk_profile_converts_every_picture_through_the_printers_profile() -> None:
    passes_its_preflight("gelato-hardcover-8x8", "moon-boat")
    made = outputs("gelato-hardcover-8x8", "moon-boat")  # the files made above
    assert "LittleCMS" in made.colour and "GRACoL2006-TR006.icc" in made.colour
    with pymupdf.open(stream=made.interior, filetype="pdf") as doc:
        spaces = {i["cs-name"] for p in range(doc.page_count) for i in doc[p].get_image_info()}
    assert spaces == {"DeviceCMYK"}
    interior = made.reports[0]
    said = {v.check: v.sentence for v in interior.verdicts}
    assert said["colour"] == "pictures in DeviceCMYK"
    # the printer's own condition, with the profile Pressroom ships, and PDF/X-4 for real
    assert "CGATS TR 006" in said["output_intent"]
    assert said["standard"].startswith("the file is PDF/X-4 (identification")
    assert made.interior.startswith(b"%PDF-1.6") and made.cover.startswith(b"%PDF-1.6")
    with pymupdf.open(stream=made.interior, filetype="pdf") as doc:
        ops = b"".join(doc.xref_stream(x) or b"" for p in doc for x in p.get_contents())
    assert b"0 0 0 1 k" in ops and b" rg" not in ops  # text in black ink alone
    # faults only a CMYK job has, each injected into these files (no second conversion)
    profile = load_profile("gelato-hardcover-8x8")

    def rgb_vector(doc: pymupdf.Document) -> None:
        doc[1].draw_rect(pymupdf.Rect(100, 100, 150, 150), color=None, fill=(0.8, 0.1, 0.1))

    def rgb_picture(doc: pymupdf.Document) -> None:
        small = io.BytesIO()
        Image.new("RGB", (2400, 2400), (90, 120, 200)).save(small, "JPEG")
        xref = doc[1].insert_image(doc[1].rect, stream=small.getvalue())
        doc.xref_set_key(xref, "ColorSpace", "/DeviceRGB")  # uncalibrated, as many tools write

    def another_condition(doc: pymupdf.Document) -> None:
        intent = int(doc.xref_get_key(doc.pdf_catalog(), "OutputIntents")[1].strip("[]").split()[0])
        doc.xref_set_key(intent, "OutputConditionIdentifier", "(FOGRA39)")
        doc.xref_set_key(intent, "Info", "(Coated FOGRA39)")
        doc.xref_set_key(intent, "OutputCondition", "(Coated FOGRA39)")

    for fault, check in ((rgb_vector, "colour"), (rgb_picture, "colour"),
                         (another_condition, "output_intent")):  # fmt: skip
        report = preflight(faulty(made.interior, fault), profile, "interior")
        failed = {v.check for v in report.verdicts if v.status == "fail"}
        assert check in failed, (fault.__name__, report.text())


# -- faults, each injected into a good file --------------------------------------------
Fault = Callable[[pymupdf.Document], None]


@cache
def _font() -> bytes:
    from app.assets import font_bytes

    return font_bytes()


def low_ppi(doc: pymupdf.Document) -> None:
    page = doc[2]
    small = io.BytesIO()
    Image.new("RGB", (300, 300), (90, 120, 200)).save(small, "JPEG")
    page.insert_image(page.rect, stream=small.getvalue())


def unembedded_font(doc: pymupdf.Document) -> None:
    doc[1].insert_text((200, 300), "Hello", fontsize=12, fontname="helv")  # a base-14 font


def wrong_trimbox(doc: pymupdf.Document) -> None:
    page = doc[3]
    box = page.trimbox
    page.set_trimbox(pymupdf.Rect(box.x0 + 9, box.y0 + 9, box.x1 - 9, box.y1 - 9))


def text_in_the_bleed(doc: pymupdf.Document) -> None:
    page = doc[1]
    page.insert_font(fontname="emb", fontbuffer=_font())
    page.insert_text((3, 14), "Hello", fontsize=12, fontname="emb")


def tiny_type(doc: pymupdf.Document) -> None:
    page = doc[1]
    page.insert_font(fontname="emb", fontbuffer=_font())
    page.insert_text((200, 300), "Hello", fontsize=5, fontname="emb")


def odd_page_count(doc: pymupdf.Document) -> None:
    doc.delete_page(doc.page_count - 1)


def an_annotation(doc: pymupdf.Document) -> None:
    doc[1].add_text_annot((100, 100), "a comment")


def transparency(doc: pymupdf.Document) -> None:
    doc[1].draw_rect(pymupdf.Rect(200, 200, 300, 300), fill=(1, 0, 0), fill_opacity=0.5)


def transparency_in_a_form(doc: pymupdf.Document) -> None:
    with pymupdf.open() as src:
        sheet = src.new_page(width=100, height=100)
        sheet.draw_rect(pymupdf.Rect(10, 10, 90, 90), fill=(0, 0.5, 1), fill_opacity=0.4)
        doc[1].show_pdf_page(pymupdf.Rect(200, 200, 300, 300), src, 0)  # a form XObject


def a_panel_past_the_safe_area(doc: pymupdf.Document) -> None:
    page = doc[2]
    trim = page.trimbox
    page.draw_rect(pymupdf.Rect(trim.x0 + 4, 300, trim.x1 - 4, 360), color=None, fill=(1, 1, 1))
    page.insert_font(fontname="emb", fontbuffer=_font())
    page.insert_text((trim.x0 + 60, 335), "Hello", fontsize=12, fontname="emb")


def a_bare_pdfx_claim(doc: pymupdf.Document) -> None:
    info = int(doc.xref_get_key(-1, "Info")[1].split()[0])
    doc.xref_set_key(info, "GTS_PDFXVersion", "(PDF/X-4)")


def a_trimbox_moved(doc: pymupdf.Document) -> None:
    page = doc[3]
    box = page.trimbox
    page.set_trimbox(pymupdf.Rect(box.x0 - 4, box.y0 - 4, box.x1 - 4, box.y1 - 4))


FAULTS: dict[str, tuple[Fault, str]] = {
    "transparency in a form XObject": (transparency_in_a_form, "forbidden"),
    "a text panel past the safe area": (a_panel_past_the_safe_area, "panels"),
    "a bare PDF/X-4 claim": (a_bare_pdfx_claim, "standard"),
    "a TrimBox in the wrong place": (a_trimbox_moved, "boxes"),
    "low-ppi picture": (low_ppi, "ppi"),
    "font not embedded": (unembedded_font, "fonts"),
    "wrong TrimBox": (wrong_trimbox, "boxes"),
    "text in the bleed": (text_in_the_bleed, "safe_area"),
    "5 pt type": (tiny_type, "type_size"),
    "odd page count": (odd_page_count, "pages"),
    "annotation": (an_annotation, "forbidden"),
    "transparency": (transparency, "forbidden"),
}


def faulty(pdf: bytes, fault: Fault, **save: Any) -> bytes:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        fault(doc)
        return doc.tobytes(**save)


def test_a_trimbox_of_the_right_size_in_the_wrong_place_says_where() -> None:
    profile = load_profile("kdp-paperback-8.5x8.5")
    report = preflight(faulty(outputs(profile.name).interior, a_trimbox_moved), profile, "interior")
    said = {v.check: v.sentence for v in report.verdicts}["boxes"]
    assert (
        said == "page 4's TrimBox is at (0.069, 0.069) in from the page's corner, "
        "not at (0.125, 0.125) in from the page's corner"
    )


def test_an_encrypted_file_fails_security() -> None:
    profile = load_profile("kdp-paperback-8.5x8.5")
    locked = faulty(
        outputs(profile.name).interior,
        lambda _: None,
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        owner_pw="owner",
        permissions=pymupdf.PDF_PERM_PRINT,
    )
    report = preflight(locked, profile, "interior")
    assert {v.check for v in report.verdicts if v.status == "fail"} >= {"security"}


def _cover_text(at: tuple[float, float]) -> Fault:
    def inject(doc: pymupdf.Document) -> None:
        page = doc[0]
        page.insert_font(fontname="emb", fontbuffer=_font())
        page.insert_text(at, "Hello", fontsize=9, fontname="emb")

    return inject


def test_cover_text_outside_its_panel_or_over_the_barcode_fails() -> None:
    from app.print.cover import spread_geometry

    profile = load_profile("kdp-paperback-8.5x8.5")
    good = outputs(profile.name)
    g = spread_geometry(profile, good.pages)
    assert g.barcode is not None
    cases = {
        "0.05 in from the trim": ((g.back.x0 + 3.6, g.back.y0 + 200), {"safe_area"}),
        "on the front, 0.05 in from the trim": ((g.front.x1 - 30, g.front.y0 + 10), {"safe_area"}),
        "in the barcode box": ((g.barcode.x0 + 10, g.barcode.y0 + 30), {"barcode"}),
    }
    for name, (at, expected) in cases.items():
        report = preflight(faulty(good.cover, _cover_text(at)), profile, "cover", pages=good.pages)
        failed = {v.check for v in report.verdicts if v.status == "fail"}
        assert failed == expected, (name, report.text())


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_caught_by_its_own_check_and_no_other(fault: str) -> None:
    profile = load_profile("kdp-paperback-8.5x8.5")  # bleeds three edges, forbids transparency
    good = outputs(profile.name)
    inject, check = FAULTS[fault]
    report = preflight(faulty(good.interior, inject), profile, "interior")
    failed = {v.check for v in report.verdicts if v.status == "fail"}
    assert failed == {check}, report.text()


def test_rgb_where_cmyk_is_required_fails_colour() -> None:
    strict = load_profile("gelato-hardcover-8x8")
    strict = strict.model_copy(
        update={"forbid": strict.forbid.model_copy(update={"rgb_images": True})}
    )
    rgb = outputs("kdp-paperback-8.5x8.5").interior  # sRGB pictures
    report = preflight(rgb, strict, "interior")
    verdicts = {v.check: v for v in report.verdicts}
    assert verdicts["colour"].status == "fail"
    assert "device RGB has no defined colour in a CMYK job" in verdicts["colour"].sentence


def test_native_resolution_is_what_the_model_drew_not_the_upscale() -> None:
    profile = load_profile("kdp-paperback-8.5x8.5")
    good = outputs(profile.name)
    story = 3  # the first story page, after "this book belongs to" and the title page
    honest = preflight(good.interior, profile, "interior", native_sizes={story: (1024, 1024)})
    verdicts = {v.check: v for v in honest.verdicts}
    assert verdicts["ppi"].status == "pass"  # 2700 px over 8.75 in: 308 ppi as placed
    assert verdicts["native_ppi"].status == "fail"  # but the model drew 1024 px: 117 ppi
    assert "117 ppi (page 3: as the model drew it" in verdicts["native_ppi"].sentence
    alone = preflight(good.interior, profile, "interior")  # `pressroom preflight FILE`
    sentence = {v.check: v for v in alone.verdicts}["native_ppi"].sentence
    assert sentence.startswith("native resolution checked when Pressroom made this file")


def test_a_cover_with_the_wrong_spine_fails() -> None:
    profile = load_profile("kdp-paperback-8.5x8.5")
    good = outputs(profile.name)
    report = preflight(good.cover, profile, "cover", pages=good.pages + 100)
    failed = {v.check for v in report.verdicts if v.status == "fail"}
    assert {"spine", "page_size"} <= failed


@pytest.mark.parametrize("profile_name", ["lulu-hardcover-8.5x8.5", "kdp-paperback-8.5x8.5"])
def test_the_front_art_keeps_its_title_and_hero_inside_the_board(profile_name: str) -> None:
    from app.domain import Box
    from app.print.preflight_areas import areas_of

    profile = load_profile(profile_name)
    _, cover, pages = demo_pages("moon-boat")
    title, hero = Box(0.05, 0.02, 0.95, 0.16), Box(0.3, 0.3, 0.7, 0.98)  # near the edges
    made = make_print_outputs(
        cover, pages, profile, title="Ada and the Moon Boat", child_name="Ada",
        hero_regions=(hero,), title_box=title,
    )  # fmt: skip
    verdicts = {v.check: v for v in made.reports[1].verdicts}
    assert verdicts["cover_art"].status == "pass", verdicts["cover_art"].sentence
    front = areas_of(profile, "cover", 1, made.pages).front
    assert front is not None
    misplaced = preflight(
        made.cover, profile, "cover", pages=made.pages,
        art_regions=(pymupdf.Rect(front.x0 - 20, front.y0 - 20, front.x1, front.y0 + 40),),
    )  # fmt: skip
    said = {v.check: v for v in misplaced.verdicts}["cover_art"]
    assert said.status == "fail" and "0.28 in past the front board's safe area" in said.sentence


def test_more_ink_than_the_printer_takes_fails_and_its_own_files_stay_under() -> None:
    profile = load_profile("ingramspark-paperback-8.5x8.5")
    made = outputs(profile.name)
    said = {v.check: v for v in made.reports[0].verdicts}["ink"]
    assert said.status == "pass" and "the printer takes 240 %" in said.sentence

    def rich_black(doc: pymupdf.Document) -> None:
        doc[3].draw_rect(pymupdf.Rect(100, 100, 200, 200), color=None, fill=(0.8, 0.8, 0.8, 0.9))

    report = preflight(faulty(made.interior, rich_black), profile, "interior")
    ink = {v.check: v for v in report.verdicts}["ink"]
    assert ink.status == "fail" and "330 % (page 4)" in ink.sentence


def test_a_name_the_text_layer_does_not_read_back_fails() -> None:
    profile = load_profile("kdp-paperback-8.5x8.5")
    report = preflight(outputs(profile.name).interior, profile, "interior", child_name="Zed")
    said = {v.check: v for v in report.verdicts}["text_layer"]
    assert said.status == "fail" and "Zed does not read back" in said.sentence


TOOLS = ("qpdf", "pdfinfo", "gs")


def need_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        apt = "apt-get install qpdf poppler-utils ghostscript"
        reason = f"{', '.join(missing)} not installed here ({apt})"
        if os.environ.get("PRESSROOM_REQUIRE_PDF_TOOLS") == "1":
            pytest.fail(f"{reason}; CI requires them", pytrace=False)
        pytest.skip(f"SKIPPED LOUDLY: {reason}; CI runs these")


def test_independent_tools_read_the_print_files_as_preflight_does(tmp_path: Any) -> None:
    """qpdf's structure check, poppler's reading of the PDF/X identification, and
    Ghostscript rendering every page without an error, on a CMYK and an RGB printer."""
    import subprocess

    need_tools()
    for name in ("gelato-hardcover-8x8", "kdp-paperback-8.5x8.5"):
        made = outputs(name)
        for kind, pdf in (("interior", made.interior), ("cover", made.cover)):
            path = tmp_path / f"{name}-{kind}.pdf"
            path.write_bytes(pdf)
            checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
            info = {
                k.strip(): v.strip()
                for k, _, v in (line.partition(":") for line in out.splitlines())
            }
            if name.startswith("gelato"):
                assert info["PDF subtype"] == "PDF/X-4" and info["PDF version"] == "1.6"
            else:
                assert "PDF subtype" not in info
            drawn = subprocess.run(
                ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=nullpage", str(path)],
                capture_output=True, text=True,
            )  # fmt: skip
            assert drawn.returncode == 0 and "Error" not in drawn.stdout + drawn.stderr


def test_an_rgb_printers_output_intent_is_an_icc_v2_srgb_profile() -> None:
    made = outputs("lulu-paperback-8.5x8.5")
    with pymupdf.open(stream=made.interior, filetype="pdf") as doc:
        refs = doc.xref_get_key(doc.pdf_catalog(), "OutputIntents")[1].strip("[]").split()
        profile = int(doc.xref_get_key(int(refs[0]), "DestOutputProfile")[1].split()[0])
        icc = doc.xref_stream(profile)
    assert icc[8] == 2 and icc[12:16] == b"mntr" and icc[16:20] == b"RGB "
