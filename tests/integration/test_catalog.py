"""A shop's own books on both stores: versions pinned on order items, drafts and retired
books refused by the database itself, export/import round trip, and a proof of a freshly
imported book through the normal pipeline."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import pymupdf
import pytest

from app.assets import demo_root
from app.catalog import load_demo_catalog
from app.catalog.importing import read_source, with_answers
from app.catalog.shelf import add_book, export_book
from app.catalog.versions import NotReady, save_edit, set_status
from app.domain import Book, BookStatus, Box, Personalization, PressroomError, Status
from app.events import EventBus
from app.print.pdf import PrintSpec
from app.runtime import build_services
from app.worker.proof import make_proof
from tests.integration.conftest import Backend

TEXTS = ["Nora ran to the sea.", "Nora met a crab.", "The crab waved at Nora."]

SPEC = PrintSpec()  # the reading PDF's page, as the backends' settings give it


def imported(tmp_path: Path, backend: Backend) -> Book:
    """A three-page book imported from a folder of the demo's pictures, as a draft."""
    folder = tmp_path / "sea-day"
    folder.mkdir()
    source = Path(str(demo_root().joinpath("moon-boat")))
    shutil.copy(source / "cover.jpg", folder / "cover.jpg")
    for n in (1, 2, 3):
        shutil.copy(source / f"page-{n:02d}.jpg", folder / f"page-{n:02d}.jpg")
    folder.joinpath("text.txt").write_text("\n\n".join(TEXTS))
    files = with_answers(
        read_source(folder, PrintSpec.from_settings(backend.settings)), hero=None, gender="girl"
    )
    return add_book(backend.store, backend.blobs, files, PrintSpec.from_settings(backend.settings))


def confirmed(book: Book) -> Book:
    """The operator's confirmed regions (the demo's own head boxes for these pictures)."""
    head = Box(0.2255, 0.2065, 0.4323, 0.4133)
    return replace(
        book,
        cover_hero_regions=(Box(0.2255, 0.2226, 0.4251, 0.4222),),
        title_box=Box(0.08, 0.05, 0.92, 0.2),
        pages=tuple(replace(p, hero_regions=(head,)) for p in book.pages),
    )


def order(backend: Backend, book_id: str) -> str:
    who = Personalization("Ada", 5, "girl", "photos/a.jpg")
    _, [item] = backend.store.place_order(str(uuid.uuid4()), [(book_id, who)], paid=True)
    return item.id


def test_versions_are_pinned_and_only_live_books_sell(tmp_path: Path, backend: Backend) -> None:
    spec = PrintSpec.from_settings(backend.settings)
    draft = imported(tmp_path, backend)
    assert (draft.version, draft.status) == (1, BookStatus.DRAFT)
    with pytest.raises(PressroomError, match="not on sale"):  # the database refuses it
        order(backend, draft.id)
    with pytest.raises(NotReady, match="mark where the hero stands"):
        set_status(backend.store, backend.blobs, draft.id, BookStatus.LIVE, spec)

    edited = save_edit(
        backend.store, confirmed(draft), blobs=backend.blobs, spec=SPEC
    )  # a draft is edited in place
    assert edited.version == 1
    live = set_status(backend.store, backend.blobs, draft.id, BookStatus.LIVE, spec)
    assert live.status is BookStatus.LIVE
    first = order(backend, draft.id)

    fixed = replace(
        live, pages=(replace(live.pages[0], text="Nora ran and ran to the sea."), *live.pages[1:])
    )
    v2 = save_edit(backend.store, fixed, blobs=backend.blobs, spec=spec)
    assert (v2.version, v2.status) == (2, BookStatus.LIVE)
    second = order(backend, draft.id)
    assert backend.store.item_book(first).pages[0].text == TEXTS[0]  # promised as it was
    assert backend.store.item_book(first).version == 1
    assert backend.store.item_book(second).pages[0].text == "Nora ran and ran to the sea."
    assert backend.store.get_book(draft.id, 1).pages[0].text == TEXTS[0]

    broken = replace(
        v2, pages=(replace(v2.pages[0], hero_regions=(Box(0.5, 0.5, 1.4, 0.9),)), *v2.pages[1:])
    )
    with pytest.raises(NotReady, match="reaches outside the picture"):
        save_edit(backend.store, broken, blobs=backend.blobs, spec=spec)
    assert backend.store.get_book(draft.id).version == 2  # nothing saved

    set_status(backend.store, backend.blobs, draft.id, BookStatus.RETIRED, spec)
    with pytest.raises(PressroomError, match="not on sale"):
        order(backend, draft.id)
    assert backend.store.item_book(first).version == 1  # still made as promised


def test_export_then_import_gives_the_same_book(tmp_path: Path, backend: Backend) -> None:
    book = save_edit(
        backend.store, confirmed(imported(tmp_path, backend)), blobs=backend.blobs, spec=SPEC
    )
    folder = export_book(backend.store, backend.blobs, book.id, tmp_path / "exported")
    back = read_source(folder, PrintSpec.from_settings(backend.settings))
    # the same folder over the same id: nothing changes, not even the version
    same = add_book(backend.store, backend.blobs, back, SPEC)
    assert same == book
    # as another shop would take it in (another id): the same book, picture for picture
    copy = add_book(
        backend.store, backend.blobs, replace(back, book=replace(back.book, id="copy")), SPEC
    )
    assert (copy.version, copy.status) == (1, BookStatus.DRAFT)

    def moved(key: str) -> str:
        return key.replace(f"catalog/{book.id}/", "catalog/copy/")

    assert copy == replace(
        book,
        id="copy",
        cover_image=moved(book.cover_image),
        pages=tuple(replace(p, image=moved(p.image)) for p in book.pages),
    )
    for key in [book.cover_image, *(p.image for p in book.pages)]:
        assert backend.blobs.get(key) == backend.blobs.get(moved(key))


def test_demo_catalog_loads_through_the_import_once(backend: Backend) -> None:
    first = load_demo_catalog(backend.store, backend.blobs)
    second = load_demo_catalog(backend.store, backend.blobs)
    assert [b.id for b in first] == ["moon-boat", "giant-garden"]
    assert [(b.version, b.status) for b in second] == [(1, BookStatus.LIVE)] * 2
    assert all(b.cover_image.startswith(f"catalog/{b.id}/") for b in first)


def test_a_proof_of_a_fresh_book_makes_the_whole_book(tmp_path: Path, backend: Backend) -> None:
    book = save_edit(
        backend.store, confirmed(imported(tmp_path, backend)), blobs=backend.blobs, spec=SPEC
    )
    services = build_services(backend.settings, EventBus())
    stages: list[str] = []
    try:
        proof = make_proof(
            services, book.id, on_progress=lambda stage, done, total: stages.append(stage.value)
        )
    finally:
        services.store.close()
    assert proof.outcome is Status.COMPLETED, proof.error
    assert proof.pdf is not None and proof.key is not None
    assert backend.blobs.get(proof.key) == proof.pdf
    with pymupdf.open(stream=proof.pdf) as doc:
        assert doc.page_count == 1 + len(book.pages)
        assert "Ada ran to the sea." in doc[1].get_text()
    assert "pages" in stages and "pdf" in stages
    # no order, no item, no notification in the shop
    assert backend.store.list_items() == []
    assert "Ada" in proof.describe() and "version 1" in proof.describe()


def test_no_path_makes_a_failing_version_live(tmp_path: Path, backend: Backend) -> None:
    """Import over a live book's id, a new book imported as live, an edit of a live book:
    each is refused while the checks fail, and the live version stays as it was."""
    [live, _] = load_demo_catalog(backend.store, backend.blobs)
    folder = export_book(backend.store, backend.blobs, live.id, tmp_path / "export")
    files = read_source(folder, SPEC)
    no_regions = replace(
        files,
        book=replace(
            files.book, pages=tuple(replace(p, hero_regions=()) for p in files.book.pages)
        ),
    )
    with pytest.raises(NotReady, match="mark where the hero stands"):
        add_book(backend.store, backend.blobs, no_regions, SPEC)  # over the live id
    assert backend.store.get_book(live.id) == live
    renamed = replace(no_regions, book=replace(no_regions.book, id="moon-boat-copy"))
    with pytest.raises(NotReady):
        add_book(backend.store, backend.blobs, renamed, SPEC, BookStatus.LIVE)
    with pytest.raises(PressroomError):
        backend.store.get_book("moon-boat-copy")  # nothing saved
    fixed = replace(files.book, title="The Moon Boat, again")
    again = add_book(backend.store, backend.blobs, replace(files, book=fixed), SPEC)
    assert (again.version, again.status) == (2, BookStatus.LIVE)  # checks pass: it may


def test_book_check_names_a_picture_too_large_and_a_repeated_page(backend: Backend) -> None:
    from app.catalog.validate import validate

    [live, _] = load_demo_catalog(backend.store, backend.blobs)
    repeated = replace(live, pages=(live.pages[0], live.pages[0], *live.pages[2:]))
    sizes = {k: (2475, 2475) for k in (live.cover_image, *(p.image for p in live.pages))}
    sizes[live.pages[0].image] = (30_000, 30_000)
    said = [str(f) for f in validate(repeated, sizes, SPEC)]
    assert "page 1: 30000×30000 px is 900 MP; a picture may hold at most 60 MP" in said
    assert "page 1: appears more than once; each page once" in said
    unsafe = replace(live, id="../../x")
    assert any("a book id is" in s for s in map(str, validate(unsafe, sizes, SPEC)))
