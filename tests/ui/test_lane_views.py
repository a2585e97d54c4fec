"""What the console shows of the Batch lane: each item's lane and its jobs' state in the
order table, and the money the batch lane saved today in the overview strip."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.domain import Status
from app.reports.overview import Overview
from app.ui.order_model import Column, OrderTableModel
from app.ui.overview_strip import OverviewStrip
from app.worker.monitor import MonitorStatus
from tests.ui.test_order_model import item


def test_the_table_shows_each_items_lane_and_its_batch_state(qtbot: Any) -> None:
    model = OrderTableModel()
    model.merge([item(1, Status.PROCESSING), item(2, Status.PROCESSING), item(3)])
    model.lanes.update(
        {
            "item-00001": ("batch", "batch: 1 running, 1 succeeded"),
            "item-00002": ("live", "batch job batches/fake0001 expired: the book goes on live"),
        }
    )

    def cell(row: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.data(model.index(row, Column.LANE), role)

    rows = {model.item_at(r).id: r for r in range(3)}  # type: ignore[union-attr]
    assert model.headerData(Column.LANE, Qt.Orientation.Horizontal) == "Lane"
    assert cell(rows["item-00001"]) == "batch · 1 running, 1 succeeded"
    assert cell(rows["item-00002"]) == "live"
    assert "expired" in cell(rows["item-00002"], Qt.ItemDataRole.ToolTipRole)
    assert cell(rows["item-00003"]) == ""  # no run has chosen its lane yet


def test_the_overview_says_what_the_batch_lane_saved_today(qtbot: Any) -> None:
    strip = OverviewStrip()
    qtbot.addWidget(strip)
    monitor = MonitorStatus(False, 0, 1000, None, "w", 0, 0)
    base = {
        "queue": dict.fromkeys(Status, 0),
        "completed_today": 3,
        "failed_today": 0,
        "books_per_hour": 1.0,
        "top_failures": [],
        "cost_today_usd": 3.0,
        "daily_budget_usd": 0.0,
    }
    strip.show_overview(Overview(**base), monitor, False)  # type: ignore[arg-type]
    assert strip.cost.format() == "AI $3.00 today"
    strip.show_overview(Overview(**base, saved_today_usd=2.5), monitor, False)  # type: ignore[arg-type]
    assert strip.cost.format() == "AI $3.00 today, $2.50 saved by batch"
