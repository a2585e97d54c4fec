"""Telling the operator when a book needs them: a signal for every item that enters review
or fails, a desktop notification from the tray icon while the window is in the background,
and the count awaiting review in the tray's tooltip (the window title shows it too)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from app.domain import Status
from app.events import StatusEvent
from app.ui.order_model import OrderTableModel

NEEDS_YOU = {
    Status.AWAITING_REVIEW: "A book is waiting for your review",
    Status.FAILED: "A book failed",
}


class Attention(QObject):
    needed = Signal(str, str, str)  # item id, title, message

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(window.windowIcon(), window)
            menu = QMenu(window)
            menu.addAction("Show Pressroom", self._raise)
            menu.addAction("Quit", window.close)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: self._raise())
            self.tray.setToolTip("Pressroom")
            self.tray.show()
        self.needed.connect(self._notify)

    def status_changed(self, event: StatusEvent, model: OrderTableModel) -> None:
        title = NEEDS_YOU.get(event.status)
        if title is None:
            return
        row = model.row_of(event.item_id)
        item = model.item_at(row) if row is not None else None
        who = ""
        if item is not None:
            book = model.book_titles.get(item.book_id, item.book_id)
            who = f"{book} for {item.personalization.child_name}"
        text = ": ".join(
            p for p in (who, (event.detail or "").splitlines()[0] if event.detail else "") if p
        )
        self.needed.emit(event.item_id, title, text or event.item_id)

    def _notify(self, _item_id: str, title: str, text: str) -> None:
        if self.tray is not None and not self.window.isActiveWindow():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def set_waiting(self, count: int) -> None:
        if self.tray is not None:
            self.tray.setToolTip(f"Pressroom — {count} awaiting review" if count else "Pressroom")

    def _raise(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()
