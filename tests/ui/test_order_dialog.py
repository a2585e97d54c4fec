"""New order… in the console: a refused order keeps the dialog open with its sentences; an
accepted one is placed paid and appears in the table."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtGui import QKeySequence

from app.catalog import demo_photo, load_demo_catalog
from app.ui.main_window import MainWindow
from app.ui.order_dialog import OrderDialog, customer_id_for
from app.ui.order_model import Column
from tests.ui.conftest import finish

Factory = Callable[..., MainWindow]


def open_dialog(window: MainWindow, qtbot: Any) -> OrderDialog:
    action = window.actions_by_name["new_order"]
    assert action.shortcut() == QKeySequence("Ctrl+N")
    action.trigger()
    dialog = window.findChild(OrderDialog)
    assert dialog is not None and dialog.isVisible()
    finish(qtbot, dialog.books_loaded)
    return dialog


def test_a_refused_order_stays_open_with_one_sentence_per_problem(
    make_window: Factory, qtbot: Any, tmp_path: Path
) -> None:
    window = make_window(start=False)
    load_demo_catalog(window.services.store, window.services.blobs)
    dialog = open_dialog(window, qtbot)
    assert [dialog.book.itemData(i) for i in range(dialog.book.count())] == [
        "giant-garden",
        "moon-boat",
    ]
    tiny = tmp_path / "tiny.png"
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "PNG")
    tiny.write_bytes(out.getvalue())
    dialog.book.setCurrentIndex(dialog.book.findData("moon-boat"))
    dialog.name.setText("   ")
    dialog.age.setValue(9)
    dialog.photo.setText(str(tiny))
    assert finish(qtbot, dialog.submit()) is None
    assert dialog.isVisible()
    assert dialog.problems.isVisible()
    lines = dialog.problems.text().splitlines()
    assert lines == [
        "• the child's name is empty",
        "• age 9 is outside this book's range (3-6 years)",
        f"• {tiny}: the photo is 1×1 px, but at least 160 px on the short side is needed "
        "to draw a face at print size",
    ]
    assert window.services.store.list_items() == []


def test_an_order_without_a_photo_says_so(make_window: Factory, qtbot: Any) -> None:
    window = make_window(start=False)
    load_demo_catalog(window.services.store, window.services.blobs)
    dialog = open_dialog(window, qtbot)
    dialog.name.setText("Ada")
    assert finish(qtbot, dialog.submit()) is None
    assert dialog.problems.text() == "• no photo of the child was given"
    assert dialog.isVisible()


def test_an_accepted_order_is_placed_and_appears_in_the_table(
    make_window: Factory, qtbot: Any, tmp_path: Path
) -> None:
    window = make_window(start=False)
    load_demo_catalog(window.services.store, window.services.blobs)
    photo = tmp_path / "kofi.jpg"
    photo.write_bytes(demo_photo("child-kofi.jpg"))
    dialog = open_dialog(window, qtbot)
    dialog.book.setCurrentIndex(dialog.book.findData("giant-garden"))
    dialog.name.setText(" Kofi ")
    dialog.age.setValue(6)
    dialog.gender.setCurrentIndex(dialog.gender.findData("boy"))
    dialog.photo.setText(str(photo))
    dialog.customer_name.setText("Kwame Mensah")
    dialog.email.setText("Kwame@Example.com")
    item = finish(qtbot, dialog.submit())
    assert item is not None and not dialog.isVisible()
    [stored] = window.services.store.list_items()
    assert stored.id == item.id and stored.payment_status == "paid"
    assert stored.personalization.child_name == "Kofi"
    assert stored.personalization.age == 6 and stored.personalization.gender == "boy"
    assert stored.customer_name == "Kwame Mensah"
    assert stored.customer_id == customer_id_for("kwame@example.com")
    qtbot.waitUntil(lambda: window.model.row_of(item.id) is not None, timeout=10_000)
    row = window.model.row_of(item.id)
    assert window.model.index(row, Column.STATUS).data() == "pending"
    assert "Placed a paid order for Kofi" in window.statusBar().currentMessage()
