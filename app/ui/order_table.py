"""The live order table: each column as wide as its contents need in the current font; on
a narrow screen the least needed columns fold away (what they say is in their neighbours'
tooltips), so nothing is cut off and no scrollbar appears."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyleOptionViewItem, QTableView

from app.ui.order_model import Column, OrderFilterModel
from app.ui.stage_delegate import StageDelegate

# What each column must show whole; Error takes what is left.
SAMPLES = {
    Column.BOOK: "Mia's Garden of Giants",
    Column.CUSTOMER: "Walk-in customer",
    Column.CHILD: "Rosie",
    Column.CHILD_AGE: "10",
    Column.PAID: "24 Nov",
    Column.WAITING: "failed after 1 min 05 s",
    Column.STATUS: "awaiting review",
    Column.STAGE: "pages 12/12 · 1 min 05 s",
    Column.CHECK: "⚠ 2",
    Column.LANE: "batch · 1 running",
    Column.ATTEMPTS: "10",
}
# folded first when the room runs out: the age is in the child's tooltip, the payment time
# in the waiting time's, the stage in the progress chips; the lane matters least
FOLD_FIRST = (Column.LANE, Column.CHILD_AGE, Column.PAID, Column.STAGE)
ERROR_ROOM = 160  # px the Error column keeps at least
CELL_MARGIN, SORT_ARROW = 14, 22


class OrderTable(QTableView):
    def __init__(self, proxy: OrderFilterModel) -> None:
        super().__init__()
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(Column.WAITING, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.chips = StageDelegate(self)
        self.setItemDelegateForColumn(Column.PROGRESS, self.chips)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(26)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(Column.ERROR, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(30)
        self.widths = self.content_widths()
        for column, width in self.widths.items():
            header.resizeSection(column, width)
        header.sectionResized.connect(self._resized)

    def content_widths(self) -> dict[Column, int]:
        cells, titles = self.fontMetrics(), self.horizontalHeader().fontMetrics()
        model = self.model()
        widths = {
            column: max(
                cells.horizontalAdvance(sample) + CELL_MARGIN,
                titles.horizontalAdvance(str(model.headerData(column, Qt.Orientation.Horizontal)))
                + SORT_ARROW,
            )
            for column, sample in SAMPLES.items()
        }
        option = QStyleOptionViewItem()
        option.font = self.font()
        widths[Column.PROGRESS] = self.chips.sizeHint(option, QModelIndex()).width()
        return widths

    def fold_columns(self) -> None:
        """Show each foldable column, most needed first, that fits while the Error column
        keeps its room; fold the others."""
        header = self.horizontalHeader()
        used = ERROR_ROOM + sum(w for c, w in self.widths.items() if c not in FOLD_FIRST)
        for column in reversed(FOLD_FIRST):
            fits = used + self.widths[column] <= self.viewport().width()
            used += self.widths[column] if fits else 0
            header.setSectionHidden(column, not fits)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fold_columns()

    def _resized(self, column: int, _old: int, new: int) -> None:
        if new > 0 and column in self.widths:  # the operator's own width counts from now on
            self.widths[Column(column)] = new
