"""The book-file door against hostile files: every case of `bench --hostile-books` ends as
it must, the worst stay within memory, and random damage to a book.json or a PDF ends in
a book or one sentence — never another exception."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.bundle import BookFiles
from app.catalog.importing import read_source
from app.domain import BadInput
from app.print.pdf import PrintSpec
from app.print.preflight import preflight
from app.print.profiles import load_profile
from app.proving.hostile_books import CASES, MEMORY_TARGET_MB, run_isolated, try_case
from app.proving.hostile_files import book_pdf, demo_bundle

CHEAP = PrintSpec(target_dpi=60, min_dpi=50)  # small renders: the damage is what is tried
WORST = (
    "PDF with a 30000×30000 picture",
    "page file a 900 MP PNG",
    "70 MB book.json (50 MB title)",
    "PDF of 1500 pages",
)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_case_ends_as_it_must(case: Any, tmp_path: Path) -> None:
    ok, said = try_case(case, case.build(tmp_path), tmp_path)
    assert ok, said
    assert "unexpected error" not in said and "Traceback" not in said


@pytest.mark.parametrize("name", WORST)
def test_the_worst_cases_are_refused_within_bounded_memory(name: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    outcome = run_isolated(case, tmp_path)  # its own process: its own peak memory
    assert outcome.ok, outcome.said  # also: nothing printed besides the result
    assert outcome.peak_mb < MEMORY_TARGET_MB, outcome


def test_mupdf_says_nothing_itself(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    whole = book_pdf(tmp_path / "whole.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) * 9 // 10])
    with pytest.raises(BadInput, match=r"cut\.pdf is damaged: MuPDF had to repair it"):
        read_source(cut, CHEAP)
    assert capfd.readouterr() == ("", "")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ("id", "title", "hero_name", "hero_gender", "cover_image", "title_box", "pages", "format")
PAGE_FIELDS = ("index", "image", "text", "hero_regions", "text_box", "hero_absent")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = demo_bundle(tmp_path_factory.mktemp("hostile"))
    return folder, json.loads((folder / "book.json").read_text())


def _ends_well(path: Path, spec: PrintSpec) -> str:
    try:
        files = read_source(path, spec)
    except BadInput as exc:
        said = str(exc)
        assert said and "\n" not in said.strip() and "unexpected error" not in said
        return said
    assert isinstance(files, BookFiles) and files.book.pages
    indexes = [p.index for p in files.book.pages]
    assert len(set(indexes)) == len(indexes)
    return "imported"


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.sampled_from(FIELDS + PAGE_FIELDS), value=JSON, page=st.integers(0, 2))
def test_any_book_json_field_gives_a_book_or_a_sentence(
    bundle: tuple[Path, dict[str, Any]], where: str, value: Any, page: int
) -> None:
    folder, good = bundle
    data = json.loads(json.dumps(good))
    if where in PAGE_FIELDS:
        data["pages"][page][where] = value
    else:
        data[where] = value
    (folder / "book.json").write_text(json.dumps(data))
    try:
        said = _ends_well(folder, PrintSpec())
    finally:
        (folder / "book.json").write_text(json.dumps(good))
    if said != "imported":
        assert "book.json" in said or folder.name in said


@functools.cache
def small_pdf() -> bytes:
    """A valid two-page book (made once; not a fixture, so that hypothesis does not print
    its bytes with every example)."""
    with tempfile.TemporaryDirectory() as tmp:
        return book_pdf(Path(tmp) / "book.pdf", 2, art_px=600).read_bytes()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    damage=st.sampled_from(("cut", "overwrite", "delete")),
    at=st.floats(0.0, 1.0),
    noise=st.binary(min_size=1, max_size=64),
)
def test_damaged_pdf_bytes_give_a_book_or_a_sentence(
    tmp_path: Path, damage: str, at: float, noise: bytes
) -> None:
    good = small_pdf()
    n = int(at * (len(good) - 1))
    broken = {
        "cut": good[:n],
        "overwrite": good[:n] + noise + good[n + len(noise) :],
        "delete": good[:n] + good[n + len(noise) :],
    }[damage]
    path = tmp_path / "damaged.pdf"
    path.write_bytes(broken)
    said = _ends_well(path, CHEAP)
    if said != "imported":
        assert "damaged.pdf" in said
    try:
        report = preflight(broken, load_profile("kdp-paperback-8.5x8.5"), "interior", name="x.pdf")
    except BadInput as exc:
        assert str(exc).startswith("x.pdf")
    else:
        assert report.verdicts


def test_a_pdfs_rendered_pages_are_removed_with_its_files(tmp_path: Path) -> None:
    """A PDF's pages are rendered to a scratch folder, which goes with the book's files."""
    import gc

    files = read_source(book_pdf(tmp_path / "book.pdf", 2, art_px=600), CHEAP)
    scratch = files.images.path_of("cover.jpg").parent  # type: ignore[attr-defined]
    assert scratch.is_dir() and len(list(scratch.iterdir())) == 3
    del files
    gc.collect()
    assert not scratch.exists()
