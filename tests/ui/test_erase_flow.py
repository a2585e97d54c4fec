"""Orders ▸ Erase customer's data…: the confirmation says what would go and offers the
whole customer or the one item; cancelling changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui.main_window import MainWindow
from tests.conftest import order_book, save_small_book
from tests.ui.conftest import finish

Factory = Callable[..., MainWindow]


def _answer(qtbot: Any, label: str) -> str:
    """Click the button whose text has `label` in the open confirmation; its text."""
    boxes: list[QMessageBox] = []

    def shown() -> bool:
        boxes[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        return any(b.isVisible() for b in boxes)

    qtbot.waitUntil(shown, timeout=10_000)
    box = next(b for b in boxes if b.isVisible())
    said = box.informativeText()
    [button] = [b for b in box.buttons() if label in b.text().replace("&", "")]
    button.click()
    return said


def test_the_console_asks_then_erases_the_item_or_nothing(make_window: Factory, qtbot: Any) -> None:
    window = make_window(start=False)
    store = window.services.store
    book = save_small_book(window.services, pages=1)
    first = order_book(window.services, book, customer="c1")
    second = order_book(window.services, book, customer="c1", child=1)

    flow = window.erase(first.id)
    said = _answer(qtbot, "Cancel")
    assert finish(qtbot, flow) is False
    assert "2 order item(s) (0 delivered)" in said and "2 photo file(s)" in said
    assert store.erasures() == []

    flow = window.erase(first.id)
    _answer(qtbot, "Only this item")
    assert finish(qtbot, flow) is True
    [record] = store.erasures()
    assert record.item_ids == (first.id,) and record.actor.endswith("(console)")
    assert store.get_item(first.id).personalization.erased_at
    assert store.get_item(second.id).personalization.photo  # the customer's other book stays
