from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from app.domain import OrderItem, Personalization, Stage, Status
from app.events import ProgressEvent, StatusEvent
from app.ui.order_model import (
    STATUS_COLOURS,
    WAIT_LATE,
    WAIT_WARN,
    Column,
    OrderFilterModel,
    OrderTableModel,
    Role,
)


def item(n: int, status: Status = Status.PENDING, **changes: Any) -> OrderItem:
    return OrderItem(
        id=f"item-{n:05d}",
        order_id=f"o{n}",
        customer_id=f"customer-{n % 7}",
        book_id="moon-boat" if n % 2 else "giant-garden",
        personalization=Personalization(f"Kid{n}", 5, "girl", "p.jpg"),
        pressroom_status=status,
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
    qtbot.waitUntil(lambda: bool(changes), timeout=30_000)
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


def test_an_operator_reads_titles_names_and_how_long_orders_wait(qtbot: Any) -> None:
    now = datetime.now(UTC)
    model = OrderTableModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.book_titles = {"moon-boat": "Leo and the Moon Boat"}
    model.wait_warn_seconds, model.wait_late_seconds = 12 * 3600, 20 * 3600
    model.merge(
        [
            item(1, paid_at=now - timedelta(hours=1), customer_name="Grace Okafor"),
            item(3, paid_at=now - timedelta(hours=13), customer_email="kwame@example.com"),
            item(5, paid_at=now - timedelta(hours=21)),
            item(
                7,
                Status.COMPLETED,
                paid_at=now - timedelta(hours=30),
                generated_at=now - timedelta(hours=30) + timedelta(minutes=4),
            ),
        ]
    )

    def cell(row: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.index(row, column).data(role)

    assert cell(0, Column.BOOK) == "Leo and the Moon Boat"
    assert cell(0, Column.CUSTOMER) == "Grace Okafor"
    assert cell(1, Column.CUSTOMER) == "kwame@example.com"
    assert cell(2, Column.CUSTOMER) == "customer"  # no name or e-mail: the id, shortened
    assert cell(0, Column.CHILD_AGE) == 5
    assert cell(0, Column.WAITING) == "1 h 00 min"
    assert cell(1, Column.WAITING) == "13 h 00 min"
    background = Qt.ItemDataRole.BackgroundRole
    assert cell(0, Column.WAITING, background) is None  # pending and fresh: no colour
    assert cell(1, Column.WAITING, background) == WAIT_WARN
    assert cell(2, Column.WAITING, background) == WAIT_LATE
    assert cell(3, Column.WAITING) == "took 4 min 00 s"  # finished: how long it took, no alarm
    assert cell(3, Column.WAITING, background) == STATUS_COLOURS[Status.COMPLETED]
    proxy = OrderFilterModel()
    proxy.setSourceModel(model)
    proxy.set_text("moon boat")
    assert proxy.rowCount() == 4  # by the title ("moon boat"), the slug is "moon-boat"
    proxy.set_text("okafor")
    assert [i.customer_name for i in proxy.visible_items()] == ["Grace Okafor"]


def test_the_stage_shows_how_long_it_has_run(qtbot: Any) -> None:
    model = OrderTableModel()
    model.merge([item(1, Status.PROCESSING)])
    model.apply_event(ProgressEvent("item-00001", Stage.PAGES, 3, 12))
    assert model.index(0, Column.STAGE).data() == "pages 3/12 · 0.0 s"
    model.apply_event(StatusEvent("item-00001", Status.COMPLETED))
    assert model.index(0, Column.STAGE).data() == ""  # finished items have no stage to show


def test_a_finished_item_from_before_a_restart_shows_its_whole_page_count(qtbot: Any) -> None:
    model = OrderTableModel()
    model.book_pages["moon-boat"] = 12
    model.merge([item(1, Status.COMPLETED), item(2, Status.COMPLETED)])  # no events seen
    stages = dict(
        (label, (d, t)) for label, d, t in model.index(0, Column.PROGRESS).data(Role.STAGES)
    )
    assert stages["pages"] == (12, 12) and stages["cover"] == (2, 2)
    unknown = model.index(1, Column.PROGRESS).data(Role.STAGES)  # a book no longer listed
    assert ("pages", 1, 1) in unknown


def test_the_table_fits_a_narrow_screen_by_folding_the_least_needed_columns(
    qtbot: Any,
) -> None:
    from app.ui.order_table import ERROR_ROOM, FOLD_FIRST, OrderTable

    model = OrderTableModel()
    proxy = OrderFilterModel()
    proxy.setSourceModel(model)
    table = OrderTable(proxy)
    qtbot.addWidget(table)
    header = table.horizontalHeader()
    shown = lambda: [c for c in Column if not header.isSectionHidden(c)]  # noqa: E731
    table.resize(2400, 400)
    table.show()
    qtbot.waitUntil(lambda: shown() == list(Column))  # room for all
    w = table.widths
    base = sum(v for c, v in w.items() if c not in FOLD_FIRST) + ERROR_ROOM
    frame = table.width() - table.viewport().width()
    # room for the age and the payment time, not for the stage too
    table.resize(frame + base + w[Column.CHILD_AGE] + w[Column.PAID] + 10, 400)
    qtbot.waitUntil(lambda: not set(FOLD_FIRST) <= set(shown()))
    # the chips say the stage; the lane, the least needed, has no room left either
    assert set(Column) - set(shown()) == {Column.STAGE, Column.LANE}
    visible = sum(header.sectionSize(c) for c in shown() if c is not Column.ERROR)
    assert visible + ERROR_ROOM <= table.viewport().width()  # no scrollbar, Error keeps room
    model.merge([item(1, Status.FAILED, last_error="x")])
    assert model.index(0, Column.CHILD).data(Qt.ItemDataRole.ToolTipRole) == "Kid1, 5, girl"
