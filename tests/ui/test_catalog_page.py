"""The Catalog tab as an operator uses it: open an imported draft, drag a region (the
saved fractions change), see the checks keep it off sale until they pass, put it on sale,
make a proof and see it in the preview."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from app.assets import demo_root
from app.catalog.importing import read_source, with_answers
from app.catalog.shelf import add_book
from app.domain import Book, BookStatus, Box, Status
from app.print.pdf import PrintSpec
from app.ui.book_editor import COVER
from app.ui.main_window import CATALOG_TAB, MainWindow
from app.ui.region_view import RegionView
from tests.ui.conftest import finish

Factory = Callable[..., MainWindow]
HEAD = Box(0.2255, 0.2065, 0.4323, 0.4133)


def draft_book(window: MainWindow, tmp_path: Path) -> Book:
    """Two pages from the demo's pictures, imported as a draft with no regions yet."""
    folder = tmp_path / "sea-day"
    folder.mkdir()
    source = Path(str(demo_root().joinpath("moon-boat")))
    for name in ("cover.jpg", "page-01.jpg", "page-02.jpg"):
        shutil.copy(source / name, folder / name)
    folder.joinpath("text.txt").write_text("Nora ran to the sea.\n\nNora met a crab.\n")
    services = window.services
    spec = PrintSpec.from_settings(services.settings)
    files = with_answers(read_source(folder, spec), hero=None, gender="girl")
    return add_book(services.store, services.blobs, files, spec)


def drag(view: RegionView, start: QPointF, end: QPointF) -> None:
    """A real mouse drag on the view, in the picture's (scene) coordinates."""
    port = view.viewport()
    a, b = view.mapFromScene(start), view.mapFromScene(end)
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for k in range(1, 6):
        QTest.mouseMove(port, a + (b - a) * k / 5)
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def test_regions_are_edited_checked_and_the_book_put_on_sale(
    make_window: Factory, qtbot: Any, tmp_path: Path
) -> None:
    window = make_window()
    window.resize(1366, 768)
    book = draft_book(window, tmp_path)
    page = window.catalog
    window.tabs.setCurrentIndex(CATALOG_TAB)
    qtbot.waitUntil(lambda: page.saved is not None or page.books.count() > 0, timeout=10_000)
    page.open_book(book.id)
    qtbot.waitUntil(lambda: page.editor.book is not None, timeout=10_000)
    editor = page.editor
    # a draft with no regions: the checks say why it cannot go on sale
    assert not page.buttons["live"].isEnabled()
    texts = [editor.checks.item(n).text() for n in range(editor.checks.count())]
    assert "⚠ cover: mark where the hero stands on the cover" in texts

    # confirm the regions a model would have proposed, then move page 1's by dragging it
    proposed = replace(
        editor.book,
        cover_hero_regions=(Box(0.2255, 0.2226, 0.4251, 0.4222),),
        title_box=Box(0.08, 0.05, 0.92, 0.2),
        pages=tuple(replace(p, hero_regions=(HEAD,)) for p in editor.book.pages),  # type: ignore[union-attr]
    )
    editor.load(proposed, editor.sizes, editor.previews)
    editor.show_place(1)
    view = editor.view
    qtbot.waitExposed(view)
    size = view.sceneRect()
    centre = QPointF(
        (HEAD.left + HEAD.right) / 2 * size.width(), (HEAD.top + HEAD.bottom) / 2 * size.height()
    )
    drag(view, centre, centre + QPointF(0.1 * size.width(), 0.05 * size.height()))
    moved = editor.book.pages[0].hero_regions[0]  # type: ignore[union-attr]
    assert abs(moved.left - (HEAD.left + 0.1)) < 0.01 and abs(moved.top - (HEAD.top + 0.05)) < 0.01
    assert not editor.findings  # the checks pass now: it may go on sale (saved first)
    assert page.buttons["live"].isEnabled()
    assert page.buttons["save"].isEnabled()

    finish(qtbot, page.flows.start("catalog:save", page._save()))
    stored = window.services.store.get_book(book.id)
    assert stored.version == 1 and stored.status is BookStatus.DRAFT  # a draft: edited in place
    assert abs(stored.pages[0].hero_regions[0].left - moved.left) < 1e-6

    # mark page 2 "hero not on this page": its text names Nora, so that is refused
    editor.show_place(2)
    editor.absent.setChecked(True)
    assert any(
        "marked 'hero not on this page' but has hero regions" in str(f) for f in editor.findings
    )
    editor.absent.setChecked(False)
    assert not editor.findings

    finish(qtbot, page.flows.start("catalog:status", page._change_status(BookStatus.LIVE)))
    assert window.services.store.get_book(book.id).status is BookStatus.LIVE

    proof = finish(qtbot, page.flows.start("catalog:proof", page._make_proof()), timeout=60_000)
    assert proof is not None and proof.outcome is Status.COMPLETED
    qtbot.waitUntil(lambda: page.proof_dialog.isVisible(), timeout=10_000)
    assert window.services.store.list_items() == []  # no order was made for it

    editor.show_place(COVER)
    assert editor.draw_title.isEnabled()
