"""The log dock: the monitor's messages in a bounded ring buffer, filterable by level and
by item. New lines are appended (rows inserted), never a reset."""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QListView, QVBoxLayout, QWidget

from app.events import MessageEvent

LEVELS = {
    "Debug": logging.DEBUG,
    "Info": logging.INFO,
    "Warning": logging.WARNING,
    "Error": logging.ERROR,
}
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2


class LogModel(QAbstractListModel):
    def __init__(self, capacity: int = 5000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._lines: deque[tuple[float, int, str, str, str]] = deque()  # at, level, item, who, text

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        at, level, item, who, text = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            stamp = time.strftime("%H:%M:%S", time.localtime(at))
            name = logging.getLevelName(level).lower()
            label = who or item[:8]
            return f"{stamp}  {name:<7} {label + '  ' if label else ''}{text}"
        if role == Qt.ItemDataRole.ToolTipRole and item:
            return f"item {item}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return (
                QColor(170, 30, 30)
                if level >= logging.ERROR
                else (QColor(150, 100, 0) if level >= logging.WARNING else None)
            )
        if role == LEVEL_ROLE:
            return level
        if role == ITEM_ROLE:
            return f"{item} {who}".lower()
        return None

    def add(self, event: MessageEvent, who: str = "") -> None:
        if len(self._lines) >= self.capacity:
            self.beginRemoveRows(QModelIndex(), 0, 0)
            self._lines.popleft()
            self.endRemoveRows()
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append((time.time(), event.level, event.item_id or "", who, event.text))
        self.endInsertRows()


class LogFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.min_level = logging.INFO
        self.item = ""

    def set_filter(self, min_level: int, item: str) -> None:
        self.beginFilterChange()
        self.min_level, self.item = min_level, item.strip()
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        index = self.sourceModel().index(row, 0, parent)
        if index.data(LEVEL_ROLE) < self.min_level:
            return False
        return not self.item or self.item.lower() in str(index.data(ITEM_ROLE))


class LogView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LogModel(parent=self)
        self.proxy = LogFilter(self)
        self.proxy.setSourceModel(self.model)
        self.level = QComboBox()
        self.level.addItems(list(LEVELS))
        self.level.setCurrentText("Info")
        self.item = QLineEdit()
        self.item.setPlaceholderText("child, book or item id…")
        self.item.setClearButtonEnabled(True)
        for signal in (self.level.currentTextChanged, self.item.textChanged):
            signal.connect(
                lambda _: self.proxy.set_filter(LEVELS[self.level.currentText()], self.item.text())
            )
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.setUniformItemSizes(True)
        bar = QHBoxLayout()
        bar.addWidget(self.level)
        bar.addWidget(self.item, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)

    def add(self, event: MessageEvent, who: str = "") -> None:
        """A line in the log; `who` names the item for people (child · book)."""
        at_bottom = (
            self.list.verticalScrollBar().value() >= self.list.verticalScrollBar().maximum() - 2
        )
        self.model.add(event, who)
        if at_bottom:
            self.list.scrollToBottom()
