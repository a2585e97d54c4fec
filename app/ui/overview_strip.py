"""The overview strip above the order table: today's counts per status, books per hour,
failures and their top reasons, AI cost today against the budget, and the monitor's state."""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QWidget

from app.domain import Status
from app.reports.overview import Overview, shop_overview
from app.store.ports import OrderStore
from app.worker.monitor import MonitorStatus

CHIPS = (
    (Status.PENDING, "waiting", "#5b6b82"),
    (Status.PROCESSING, "in progress", "#4278c8"),
    (Status.AWAITING_REVIEW, "to review", "#b7791f"),
    (Status.PUBLISHING, "publishing", "#4278c8"),
    (Status.FAILED, "failed", "#b83232"),
)


def load_overview(store: OrderStore, daily_budget_usd: float) -> Overview:
    """Off the UI thread: the store's figures for today."""
    return shop_overview(store, now=datetime.now().astimezone(), daily_budget_usd=daily_budget_usd)


def _label(tip: str = "") -> QLabel:
    label = QLabel()
    label.setToolTip(tip)
    label.setMinimumWidth(1)  # its natural width when there is room; a narrow window cuts it
    return label


class ElidedLabel(QLabel):
    """Plain text cut to the room the layout gives it, with an ellipsis; whole in
    `full_text` (and the caller's tooltip)."""

    def __init__(self, tip: str = "") -> None:
        super().__init__()
        self.setToolTip(tip)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMinimumWidth(1)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(metrics.elidedText(self.full_text, Qt.TextElideMode.ElideRight, self.width()))

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self.full_text) + 4, hint.height())


class OverviewStrip(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overview")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.queue = _label("items per status now")
        self.today = _label("books made and failed since midnight")
        self.rate = _label("books completed in the last hour")
        self.failures = ElidedLabel("the most common reasons items failed today")
        self.cost = QProgressBar()
        self.cost.setMinimumWidth(160)
        self.cost.setMaximumWidth(260)
        self.cost.setToolTip("AI spending today against the daily budget (Settings)")
        self.monitor = _label("the monitor of this console")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        for widget in (self.queue, self.today, self.rate):
            layout.addWidget(widget)
            layout.addSpacing(14)
        layout.addWidget(self.failures, 1)
        layout.addWidget(self.cost)
        layout.addSpacing(14)
        layout.addWidget(self.monitor)

    def show_overview(self, overview: Overview, monitor: MonitorStatus, running: bool) -> None:
        chips = [
            f'<span style="color:{colour}"><b>{overview.queue.get(status, 0)}</b> {name}</span>'
            for status, name, colour in CHIPS
        ]
        self.queue.setText(" &nbsp; ".join(chips))
        self.today.setText(
            f"Today: <b>{overview.completed_today}</b> made · <b>{overview.failed_today}</b> failed"
        )
        self.rate.setText(f"<b>{overview.books_per_hour:.1f}</b> books/h")
        if overview.top_failures:
            reason, count = overview.top_failures[0]
            self.failures.set_full_text(f"Top failure ({count}×): {reason}")  # cut to its room
            self.failures.setToolTip("\n".join(f"{n}× {r}" for r, n in overview.top_failures))
        else:
            self.failures.set_full_text("No failures today")
            self.failures.setToolTip("")
        budget = overview.daily_budget_usd
        spent = overview.cost_today_usd
        self.cost.setRange(0, max(1, round(budget * 100)))
        self.cost.setValue(min(round(spent * 100), self.cost.maximum()))
        saved = (
            f", ${overview.saved_today_usd:.2f} saved by batch" if overview.saved_today_usd else ""
        )
        self.cost.setFormat(
            (f"AI ${spent:.2f} of ${budget:.0f} today" if budget else f"AI ${spent:.2f} today")
            + saved
        )
        over = budget and spent >= budget
        self.cost.setStyleSheet("QProgressBar::chunk { background: #b83232; }" if over else "")
        if monitor.paused_reason:
            until = (
                f" until {datetime.fromtimestamp(monitor.paused_until):%H:%M}"
                if monitor.paused_until
                else ""
            )
            state, colour = f"paused{until}: {monitor.paused_reason}", "#b83232"
        elif running:
            state, colour = f"running, {monitor.processing} in flight", "#2f7d3a"
        else:
            state, colour = "stopped", "#5b6b82"
        self.monitor.setText(f'Monitor <b style="color:{colour}">{html.escape(state)}</b>')
        self.monitor.setToolTip(monitor.paused_reason or "")

    def unavailable(self, reason: str) -> None:
        self.queue.setText(f"Overview unavailable: {html.escape(reason)}")
