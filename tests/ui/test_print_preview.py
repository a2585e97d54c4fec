"""An item made for a printer in the console: the PDF view switches between the reading
PDF, the interior and the cover spread, guides the spine, and shows preflight's verdicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain import Status
from app.ui.main_window import MainWindow
from tests.conftest import order_book, save_small_book

Factory = Callable[..., MainWindow]


def test_print_files_and_their_preflight_in_the_pdf_view(make_window: Factory, qtbot: Any) -> None:
    window = make_window(start=True, print_profile="kdp-paperback-8.5x8.5")
    book = save_small_book(window.services, pages=2)
    item = order_book(window.services, book)
    window.bridge.wake()
    qtbot.waitUntil(
        lambda: window.services.store.get_item(item.id).pressroom_status is Status.AWAITING_REVIEW,
        timeout=60_000,
    )  # the small test pictures are far below print resolution: preflight holds the book
    window.open_item(item.id)
    qtbot.waitUntil(
        lambda: window.detail.data is not None and window.detail.data.print_pdfs != {},
        timeout=10_000,
    )
    preview = window.detail.pdf
    choices = [preview.which.itemText(n) for n in range(preview.which.count())]
    assert choices == ["Reading PDF", "Interior", "Cover spread"]
    preview.which.setCurrentIndex(1)
    assert preview.thumbs.count() == 24 and preview.thumbs.item(0).text() == "page 1"
    assert preview.notes.text().startswith("preflight interior:")
    assert "✗ ppi: lowest effective resolution" in preview.notes.text()
    preview.which.setCurrentIndex(2)
    assert preview.doc is not None and preview.doc.spine is not None
    left, right = preview.doc.spine
    assert 0.45 < left < right < 0.55  # the spine is in the middle of the spread
    assert "not published yet" in preview.notes.text()
