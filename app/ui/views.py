"""Saved views of the order table: a status, a text filter and a sort, under a name.

A few views every shop needs are built in; the operator's own are kept in QSettings."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from PySide6.QtCore import QSettings, Qt

from app.ui.order_model import Column

KEY = "views/saved"


@dataclass(frozen=True)
class SavedView:
    name: str
    status: str | None = None
    text: str = ""
    sort_column: int = int(Column.WAITING)
    descending: bool = False  # ascending on "Waiting" puts the longest wait first

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self.descending else Qt.SortOrder.AscendingOrder


BUILT_IN: tuple[SavedView, ...] = (
    SavedView("All orders"),
    SavedView("Needs review", "awaiting_review"),
    SavedView("Failed", "failed"),
    SavedView("In progress", "processing"),
    SavedView("Waiting to start", "pending"),
    SavedView("Completed, newest first", "completed", descending=True),
)


def load_views() -> list[SavedView]:
    raw = QSettings().value(KEY, "[]")
    try:
        return [SavedView(**entry) for entry in json.loads(str(raw))]
    except (TypeError, ValueError):
        return []


def save_views(views: list[SavedView]) -> None:
    store = QSettings()
    store.setValue(KEY, json.dumps([asdict(v) for v in views]))
    store.sync()


def with_view(views: list[SavedView], view: SavedView) -> list[SavedView]:
    """The list with `view` added, or replacing the one of the same name."""
    return [v for v in views if v.name != view.name] + [view]
