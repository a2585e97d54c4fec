from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from app.domain import OrderItem, Personalization, Stage, Status
from app.events import ProgressEvent, StatusEvent
from app.ui.order_model import Column, OrderFilterModel, OrderTableModel, Role


def item(n: int, status: Status = Status.PENDING, **changes: Any) -> OrderItem:
    return OrderItem(
        id=f"item-{n:05d}",
        order_id=f"o{n}",
        customer_id=f"customer-{n % 7}",
        book_id="moon-boat" if n % 2 else "giant-garden",
        personalization=Personalization(f"Kid{n}", 5, "girl", "p.jpg"),
        generation_status=status,
        created_at=datetime(2026, 11, 24, tzinfo=UTC),
        **changes,
    )


def test_model_keeps_its_contract_through_merges_and_events(qtbot: Any) -> None:
    model = OrderTableModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    proxy = OrderFilterModel()
    proxy.setSourceModel(model)
    QAbstractItemModelTester(proxy, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.merge([item(n) for n in range(20)])
    assert model.rowCount() == 20
    model.apply_event(ProgressEvent("item-00003", Stage.PAGES, 4, 12))
    model.merge([item(3, Status.FAILED, last_error="bad photo"), item(20)])
    model.flush()
    assert model.rowCount() == 21
    row = model.row_of("item-00003")
    assert row is not None
    index = model.index(row, Column.STATUS)
    assert index.data() == "failed"
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None  # failed rows stand out
    assert model.index(row, Column.ERROR).data() == "bad photo"


def test_updates_are_batched_into_data_changed_without_resets(qtbot: Any) -> None:
    model = OrderTableModel()
    model.merge([item(n) for n in range(10)])
    resets: list[bool] = []
    changes: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda a, b, *_: changes.append((a.row(), b.row())))
    for n in (2, 5, 7):
        model.apply_event(StatusEvent(f"item-{n:05d}", Status.PROCESSING))
    model.apply_event(ProgressEvent("item-00005", Stage.PAGES, 1, 12))
    qtbot.waitUntil(lambda: bool(changes), timeout=2000)
    assert changes == [(2, 7)]  # one signal for the changed range
    assert not resets
    stages = model.index(5, Column.PROGRESS).data(Role.STAGES)
    assert ("pages", 1, 12) in stages


def test_filter_by_status_and_text(qtbot: Any) -> None:
    model = OrderTableModel()
    model.merge([item(n, Status.FAILED if n % 3 == 0 else Status.COMPLETED) for n in range(9)])
    proxy = OrderFilterModel()
    proxy.setSourceModel(model)
    proxy.set_status("failed")
    assert proxy.rowCount() == 3
    proxy.set_text("kid6")
    assert proxy.rowCount() == 1
    proxy.set_status(None)
    proxy.set_text("giant")
    assert proxy.rowCount() == 5


def test_ten_thousand_rows_load_and_update_in_place(qtbot: Any) -> None:
    model = OrderTableModel()
    model.merge([item(n) for n in range(10_000)])
    assert model.rowCount() == 10_000
    model.merge([item(n, Status.COMPLETED) for n in range(0, 10_000, 2)])
    model.flush()
    assert model.index(9998, Column.STATUS).data() == "completed"
    assert model.index(9999, Column.STATUS).data() == "pending"
