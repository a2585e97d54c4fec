"""The Timeline tab: each stage of each attempt with its start, duration and outcome, the
claims and decisions between them, failed attempts with their errors, and the AI cost so
far — the view that answers "why is this order late?"."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.domain import STAGE_WORDS
from app.reports.timeline import Timeline, duration

COLUMNS = ("Started", "Attempt", "Stage / event", "Took", "Outcome")
BAD = QColor(170, 30, 30)
RUNNING = QColor(40, 90, 180)


class TimelineView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setStyleSheet("QTreeView::item { padding: 3px 2px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)

    def show_timeline(self, timeline: Timeline | None) -> None:
        self.tree.clear()
        if timeline is None:
            self.summary.setText("No timeline: the item's history could not be read.")
            return
        self.summary.setText(timeline.rows()[0])
        rows: list[tuple[datetime, int, list[str], QColor | None]] = []
        for n, mark in enumerate(timeline.marks):
            rows.append((mark.at, n, ["", str(mark.attempt or ""), mark.text, "", ""], None))
        for n, span in enumerate(timeline.spans):
            if span.seconds is None:
                took = f"{duration((timeline.now - span.started_at).total_seconds())} so far"
            else:
                took = duration(span.seconds)
            bad = span.outcome.startswith(("failed", "requeued", "stalled", "abandoned"))
            colour = BAD if bad else RUNNING if span.outcome == "running" else None
            cells = [
                "",
                str(span.attempt),
                STAGE_WORDS.get(span.stage, span.stage),
                took,
                span.outcome,
            ]
            rows.append((span.started_at, len(timeline.marks) + n, cells, colour))
        for at, _, cells, colour in sorted(rows, key=lambda r: (r[0], r[1])):
            cells[0] = f"{at.astimezone():%d %b %H:%M:%S}"
            entry = QTreeWidgetItem(cells)
            entry.setToolTip(4, cells[4])
            if colour is not None:
                for column in range(len(COLUMNS)):
                    entry.setForeground(column, colour)
            self.tree.addTopLevelItem(entry)
        for column in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
