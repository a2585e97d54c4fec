"""The live order table: one row per order item, updated in place.

Core events (progress, status) and periodic store refreshes change rows; changed rows are
collected and announced with one dataChanged per flush (every 150 ms), so the view keeps
its selection and scroll position and 10,000 rows stay smooth. Never a model reset.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
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

from app.domain import STAGE_ORDER, STAGE_WORDS, OrderItem, Stage, Status
from app.events import Event, ProgressEvent, StatusEvent
from app.reports.timeline import duration

ModelIndex = QModelIndex | QPersistentModelIndex

# The stages an operator watches (the two analyses are shown as one).
SHOWN_STAGES: tuple[tuple[str, tuple[Stage, ...]], ...] = (
    ("analyze", (Stage.ANALYZE_COVER, Stage.ANALYZE_CHILD)),
    ("cover", (Stage.PROMPT, Stage.COVER)),
    ("pages", (Stage.PAGES,)),
    ("pdf", (Stage.PDF,)),
    ("check", (Stage.CHECK,)),
    ("publish", (Stage.PUBLISH,)),
)


class Column(IntEnum):
    BOOK = 0
    CUSTOMER = 1
    CHILD = 2
    CHILD_AGE = 3
    PAID = 4
    WAITING = 5
    STATUS = 6
    STAGE = 7
    PROGRESS = 8
    CHECK = 9
    LANE = 10
    ATTEMPTS = 11
    ERROR = 12


HEADERS = {
    Column.BOOK: "Book",
    Column.CUSTOMER: "Customer",
    Column.CHILD: "Child",
    Column.CHILD_AGE: "Age",
    Column.PAID: "Paid",
    Column.WAITING: "Time",  # waiting so long, or took so long
    Column.STATUS: "Status",
    Column.STAGE: "Stage",
    Column.PROGRESS: "Progress",
    Column.CHECK: "Check",
    Column.LANE: "Lane",
    Column.ATTEMPTS: "Tries",
    Column.ERROR: "Error",
}

HEADER_TIPS = {
    Column.PAID: "when the order was paid",
    Column.WAITING: "how long the order has waited for its book (amber and red past the "
    "thresholds in Settings); for finished books, how long it took",
    Column.STAGE: "the stage the book is in, and for how long",
    Column.CHECK: "the quality gate's and preflight's verdict, once they have run",
    Column.LANE: "how its AI calls go: live, or by batch jobs at half the price (within "
    "24 h), with the jobs' state",
    Column.ATTEMPTS: "claims of this item so far",
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
QUALITY_PASSED = QColor(200, 235, 200)
QUALITY_DOUBT = QColor(255, 214, 140)
WAIT_WARN = QColor(255, 200, 110)
WAIT_LATE = QColor(235, 120, 110)
FINISHED = frozenset({Status.COMPLETED, Status.FAILED})


@dataclass
class Row:
    item: OrderItem
    progress: dict[Stage, tuple[int, int]] = field(default_factory=dict)
    stage_since: float | None = None  # unix time the current stage was first seen

    def stages(self, book_pages: int | None = None) -> list[tuple[str, int, int]]:
        """(label, done, total) for each shown stage, from events or inferred from the item;
        `book_pages`: the book's page count, for a finished item whose events were before
        this console started."""
        status = self.item.pressroom_status
        current = STAGE_ORDER.index(self.item.stage) if self.item.stage else -1
        result = []
        for label, members in SHOWN_STAGES:
            done = total = 0
            for stage in members:
                if status is Status.COMPLETED:
                    known = book_pages if stage is Stage.PAGES and book_pages else 1
                    t = self.progress.get(stage, (known, known))[1] or 1
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


def paid_since(item: OrderItem) -> datetime | None:
    return item.paid_at or item.created_at


def waited(item: OrderItem, now: float) -> float | None:
    """Seconds the customer has waited (until the book was made, for finished items)."""
    start = paid_since(item)
    if start is None:
        return None
    end = now
    if item.pressroom_status is Status.COMPLETED and item.generated_at is not None:
        end = item.generated_at.timestamp()
    elif item.pressroom_status is Status.FAILED and item.updated_at is not None:
        end = item.updated_at.timestamp()
    return max(0.0, end - start.timestamp())


def _when(moment: datetime) -> str:
    """Today's times as 14:05, older ones as the date."""
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return f"{local:%H:%M}"
    return f"{local:%d %b}"  # the time is in the tooltip


def lane_words(lane: tuple[str, str] | None) -> str:
    """The Lane column: "batch · 1 running", "live", or nothing before a run chose one."""
    if lane is None:
        return ""
    name, state = lane
    if name == "batch" and state.startswith("batch: "):
        return "batch · " + state.removeprefix("batch: ")
    return name


def customer_label(item: OrderItem) -> str:
    return item.customer_name or item.customer_email or item.customer_id[:8]


def _stamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


class OrderTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}
        self._dirty: set[int] = set()
        self.book_titles: dict[str, str] = {}
        self.book_pages: dict[str, int] = {}
        self.quality: dict[str, str] = {}  # item id -> the quality gate's summary
        self.lanes: dict[str, tuple[str, str]] = {}  # item id -> (AI lane, its state)
        self.wait_warn_seconds = 12 * 3600.0
        self.wait_late_seconds = 20 * 3600.0
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
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(Column(section))
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        item, column = row.item, Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Role.SORT:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == Column.CHECK and item.id in self.quality:
                return QUALITY_PASSED if self.quality[item.id] == "passed" else QUALITY_DOUBT
            if column == Column.WAITING:
                colour = self._wait_colour(item)
                if colour is not None:
                    return colour
            return STATUS_COLOURS.get(item.pressroom_status)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Role.ITEM:
            return item
        if role == Role.STAGES:
            return row.stages(self.book_pages.get(item.book_id))
        if role == Role.STATUS:
            return item.pressroom_status.value
        return None

    def _sort_key(self, row: Row, column: Column) -> Any:
        item = row.item
        if column in (Column.PAID, Column.WAITING):
            since = paid_since(item)
            return since.timestamp() if since else 0.0
        if column == Column.ATTEMPTS:
            return item.attempts
        if column == Column.CHILD_AGE:
            return item.personalization.age or 0
        if column == Column.PROGRESS:
            return sum(d / t for _, d, t in row.stages(self.book_pages.get(item.book_id)))
        return self._display(row, column)

    def _wait_colour(self, item: OrderItem) -> QColor | None:
        if item.pressroom_status in FINISHED:
            return None
        seconds = waited(item, time.time())
        if seconds is None or seconds < self.wait_warn_seconds:
            return None
        return WAIT_LATE if seconds >= self.wait_late_seconds else WAIT_WARN

    def _tooltip(self, row: Row, column: Column) -> str | None:
        item = row.item
        if column == Column.ERROR:
            return item.last_error
        if column == Column.CHECK:
            return self.quality.get(item.id, "not checked yet")
        if column == Column.CUSTOMER:
            return " · ".join(
                v for v in (item.customer_name, item.customer_email, item.customer_id) if v
            )
        if column == Column.BOOK:
            return item.book_id
        if column in (Column.PAID, Column.WAITING):
            since = paid_since(item)
            return f"paid {since.astimezone():%Y-%m-%d %H:%M:%S}" if since else None
        if column == Column.CHILD:
            who = item.personalization
            return ", ".join(str(v) for v in (who.child_name, who.age, who.gender) if v)
        if column == Column.PROGRESS:
            return self._display(row, Column.STAGE) or None
        if column == Column.LANE:
            lane = self.lanes.get(item.id)
            return lane[1] if lane else None
        return None

    def _display(self, row: Row, column: Column) -> Any:
        item = row.item
        if column == Column.BOOK:
            return self.book_titles.get(item.book_id, item.book_id)
        if column == Column.CUSTOMER:
            return customer_label(item)
        if column == Column.CHILD:
            return item.personalization.child_name
        if column == Column.CHILD_AGE:
            return item.personalization.age if item.personalization.age is not None else ""
        if column == Column.PAID:
            since = paid_since(item)
            return _when(since) if since else ""
        if column == Column.WAITING:
            seconds = waited(item, time.time())
            if seconds is None:
                return ""
            ended = {Status.COMPLETED: "took ", Status.FAILED: "failed after "}
            return ended.get(item.pressroom_status, "") + duration(seconds)
        if column == Column.STATUS:
            return item.pressroom_status.value.replace("_", " ")
        if column == Column.STAGE:
            if not item.stage or item.pressroom_status is not Status.PROCESSING:
                return ""
            text = STAGE_WORDS[item.stage.value]
            if item.progress_total > 1:
                text += f" {item.progress_done}/{item.progress_total}"
            if row.stage_since is not None:
                text += f" · {duration(time.time() - row.stage_since)}"
            return text
        if column == Column.ATTEMPTS:
            return item.attempts
        if column == Column.LANE:
            return lane_words(self.lanes.get(item.id))
        if column == Column.ERROR:
            return (item.last_error or "").splitlines()[0] if item.last_error else ""
        if column == Column.CHECK:
            summary = self.quality.get(item.id)
            if summary is None:
                return ""
            return "✓" if summary == "passed" else "⚠ " + summary.removesuffix(" doubtful")
        return ""  # PROGRESS is painted by the delegate

    # -- updates -----------------------------------------------------------------------------
    def item_at(self, row: int) -> OrderItem | None:
        return self._rows[row].item if 0 <= row < len(self._rows) else None

    def row_of(self, item_id: str) -> int | None:
        return self._index.get(item_id)

    def count(self, status: Status) -> int:
        return sum(1 for row in self._rows if row.item.pressroom_status is status)

    def merge(self, items: list[OrderItem]) -> None:
        """Add new items at the end and update changed ones, without a reset."""
        new = [i for i in items if i.id not in self._index]
        for item in items:
            at = self._index.get(item.id)
            if at is not None and self._rows[at].item != item:
                row = self._rows[at]
                if item.pressroom_status is not row.item.pressroom_status and (
                    item.pressroom_status in (Status.PENDING, Status.PROCESSING)
                ):
                    row.progress.clear()  # a retried or regenerated item starts over
                if item.stage is not row.item.stage:
                    row.stage_since = _stamp(item.updated_at)
                row.item = item
                self._mark(at)
        if new:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            for offset, item in enumerate(new):
                self._rows.append(Row(item, stage_since=_stamp(item.updated_at)))
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
            if event.stage is not row.item.stage:
                row.stage_since = time.time()
            row.item = row.item.with_(
                stage=event.stage, progress_done=event.done, progress_total=event.total
            )
        elif isinstance(event, StatusEvent):
            changes: dict[str, Any] = {"pressroom_status": event.status}
            if event.status in (Status.FAILED, Status.AWAITING_REVIEW, Status.PENDING):
                changes["last_error"] = event.detail or row.item.last_error
            row.item = row.item.with_(**changes)
        self._mark(at)

    def stop(self) -> None:
        """No more flushes (the window is closing)."""
        self._flush.stop()
        self._dirty.clear()

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

    def visible_items(self) -> list[OrderItem]:
        """The items the current filter shows, in the view's order."""
        model = self.sourceModel()
        assert isinstance(model, OrderTableModel)
        items = []
        for row in range(self.rowCount()):
            item = model.item_at(self.mapToSource(self.index(row, 0)).row())
            if item is not None:
                items.append(item)
        return items

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, OrderTableModel)
        item = model.item_at(source_row)
        if item is None:
            return False
        if self.status and item.pressroom_status.value != self.status:
            return False
        if self.text:
            haystack = " ".join(
                [
                    item.id,
                    item.customer_id,
                    item.customer_name or "",
                    item.customer_email or "",
                    item.book_id,
                    model.book_titles.get(item.book_id, ""),
                    item.personalization.child_name,
                    item.last_error or "",
                ]
            ).lower()
            return self.text in haystack
        return True
