"""The live order table: one row per order item, updated in place.

Core events (progress, status) and periodic store refreshes change rows; changed rows are
collected and announced with one dataChanged per flush (every 150 ms), so the view keeps
its selection and scroll position and 10,000 rows stay smooth. Never a model reset.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor

from app.domain import STAGE_ORDER, OrderItem, Stage, Status
from app.events import Event, ProgressEvent, StatusEvent

ModelIndex = QModelIndex | QPersistentModelIndex

# The stages an operator watches (the two analyses are shown as one).
SHOWN_STAGES: tuple[tuple[str, tuple[Stage, ...]], ...] = (
    ("analyze", (Stage.ANALYZE_COVER, Stage.ANALYZE_CHILD)),
    ("cover", (Stage.PROMPT, Stage.COVER)),
    ("pages", (Stage.PAGES,)),
    ("pdf", (Stage.PDF,)),
    ("publish", (Stage.PUBLISH,)),
)


class Column(IntEnum):
    CUSTOMER = 0
    BOOK = 1
    CHILD = 2
    STATUS = 3
    STAGE = 4
    PROGRESS = 5
    ATTEMPTS = 6
    AGE = 7
    ERROR = 8


HEADERS = {
    Column.CUSTOMER: "Customer",
    Column.BOOK: "Book",
    Column.CHILD: "Child",
    Column.STATUS: "Status",
    Column.STAGE: "Stage",
    Column.PROGRESS: "Progress",
    Column.ATTEMPTS: "Attempts",
    Column.AGE: "Age",
    Column.ERROR: "Error",
}


class Role(IntEnum):
    ITEM = Qt.ItemDataRole.UserRole + 1
    STAGES = Qt.ItemDataRole.UserRole + 2  # list of (label, done, total)
    STATUS = Qt.ItemDataRole.UserRole + 3
    SORT = Qt.ItemDataRole.UserRole + 4


STATUS_COLOURS = {
    Status.FAILED: QColor(255, 220, 220),
    Status.AWAITING_REVIEW: QColor(255, 240, 200),
    Status.COMPLETED: QColor(225, 245, 225),
}


@dataclass
class Row:
    item: OrderItem
    progress: dict[Stage, tuple[int, int]] = field(default_factory=dict)

    def stages(self) -> list[tuple[str, int, int]]:
        """(label, done, total) for each shown stage, from events or inferred from the item."""
        status = self.item.generation_status
        current = STAGE_ORDER.index(self.item.stage) if self.item.stage else -1
        result = []
        for label, members in SHOWN_STAGES:
            done = total = 0
            for stage in members:
                if status is Status.COMPLETED:
                    t = self.progress.get(stage, (1, 1))[1] or 1
                    d = t
                elif stage in self.progress:
                    d, t = self.progress[stage]
                elif STAGE_ORDER.index(stage) < current:
                    d, t = 1, 1
                elif stage is self.item.stage:
                    d, t = self.item.progress_done, self.item.progress_total
                else:
                    d, t = 0, 1
                done, total = done + d, total + max(t, 1)
            result.append((label, done, total))
        return result


def _age(item: OrderItem) -> str:
    if item.created_at is None:
        return ""
    seconds = max(0, time.time() - item.created_at.timestamp())
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


class OrderTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}
        self._dirty: set[int] = set()
        self._flush = QTimer(self)
        self._flush.setInterval(150)
        self._flush.setSingleShot(True)
        self._flush.timeout.connect(self.flush)

    # -- the Qt contract -------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        item, column = row.item, Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Role.SORT:
            if column == Column.AGE:
                return item.created_at.timestamp() if item.created_at else 0.0
            if column == Column.ATTEMPTS:
                return item.attempts
            if column == Column.PROGRESS:
                return sum(d / t for _, d, t in row.stages())
            return self._display(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return STATUS_COLOURS.get(item.generation_status)
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.ERROR:
            return item.last_error
        if role == Role.ITEM:
            return item
        if role == Role.STAGES:
            return row.stages()
        if role == Role.STATUS:
            return item.generation_status.value
        return None

    @staticmethod
    def _display(row: Row, column: Column) -> Any:
        item = row.item
        return {
            Column.CUSTOMER: item.customer_id[:8],
            Column.BOOK: item.book_id,
            Column.CHILD: item.personalization.child_name,
            Column.STATUS: item.generation_status.value.replace("_", " "),
            Column.STAGE: (
                f"{item.stage.value} {item.progress_done}/{item.progress_total}"
                if item.stage and item.generation_status is Status.PROCESSING
                else ""
            ),
            Column.PROGRESS: "",
            Column.ATTEMPTS: item.attempts,
            Column.AGE: _age(item),
            Column.ERROR: (item.last_error or "").splitlines()[0] if item.last_error else "",
        }[column]

    # -- updates -----------------------------------------------------------------------------
    def item_at(self, row: int) -> OrderItem | None:
        return self._rows[row].item if 0 <= row < len(self._rows) else None

    def row_of(self, item_id: str) -> int | None:
        return self._index.get(item_id)

    def merge(self, items: list[OrderItem]) -> None:
        """Add new items at the end and update changed ones, without a reset."""
        new = [i for i in items if i.id not in self._index]
        for item in items:
            at = self._index.get(item.id)
            if at is not None and self._rows[at].item != item:
                row = self._rows[at]
                if item.generation_status is not row.item.generation_status and (
                    item.generation_status in (Status.PENDING, Status.PROCESSING)
                ):
                    row.progress.clear()  # a retried or regenerated item starts over
                row.item = item
                self._mark(at)
        if new:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            for offset, item in enumerate(new):
                self._rows.append(Row(item))
                self._index[item.id] = start + offset
            self.endInsertRows()

    def clear(self) -> None:
        """Forget every row: only when the store itself changes (settings)."""
        self.beginResetModel()
        self._rows.clear()
        self._index.clear()
        self._dirty.clear()
        self.endResetModel()

    def apply_event(self, event: Event) -> None:
        at = self._index.get(getattr(event, "item_id", None) or "")
        if at is None:
            return
        row = self._rows[at]
        if isinstance(event, ProgressEvent):
            row.progress[event.stage] = (event.done, event.total)
            row.item = row.item.with_(
                stage=event.stage, progress_done=event.done, progress_total=event.total
            )
        elif isinstance(event, StatusEvent):
            changes: dict[str, Any] = {"generation_status": event.status}
            if event.status in (Status.FAILED, Status.AWAITING_REVIEW, Status.PENDING):
                changes["last_error"] = event.detail or row.item.last_error
            row.item = row.item.with_(**changes)
        self._mark(at)

    def _mark(self, at: int) -> None:
        self._dirty.add(at)
        if not self._flush.isActive():
            self._flush.start()

    def flush(self) -> None:
        if not self._dirty:
            return
        first, last = min(self._dirty), max(self._dirty)
        self._dirty.clear()
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))


class OrderFilterModel(QSortFilterProxyModel):
    """Sorting by the real values, filtering by status and free text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.text = ""
        self.setSortRole(Role.SORT)
        self.setDynamicSortFilter(True)

    def set_status(self, status: str | None) -> None:
        self.beginFilterChange()
        self.status = status or None
        self.endFilterChange()

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text.strip().lower()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, OrderTableModel)
        item = model.item_at(source_row)
        if item is None:
            return False
        if self.status and item.generation_status.value != self.status:
            return False
        if self.text:
            haystack = " ".join(
                [
                    item.id,
                    item.customer_id,
                    item.book_id,
                    item.personalization.child_name,
                    item.last_error or "",
                ]
            ).lower()
            return self.text in haystack
        return True
