"""The window's menus and toolbar: which actions go where, and how an action is made
(text with its mnemonic, slot, standard shortcut, status tip)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTabWidget

    from app.ui.bridge import MonitorBridge
    from app.ui.detail import ItemDetail
    from app.ui.orders_page import OrdersPage

MENUS: dict[str, list[str | None]] = {  # None: a separator
    "&File": ["new_order", "demo", "settings", None, "quit"],
    "&Monitor": ["start", "stop", "resume", None, "refresh"],
    "&Orders": [
        "find",
        "open",
        "save_view",
        None,
        "approve",
        "reject",
        "regenerate",
        "retry",
        None,
        "bulk_approve",
        "bulk_reject",
        "bulk_retry",
        "retry_all",
        None,
        "erase",
    ],
    "&View": ["orders_tab", "item_tab", "lab_tab", "catalog_tab"],
    "&Help": ["about"],
}
TOOLBAR = ("start", "stop", "refresh", "demo", "retry_all", "settings")


def make_action(
    parent: QMainWindow, text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = ""
) -> QAction:
    action = QAction(text, parent)
    action.triggered.connect(lambda _=False: slot())
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip or text.replace("&", "").rstrip("…"))
    return action


def install(window: QMainWindow, actions: dict[str, QAction], log_dock: QDockWidget) -> None:
    """Put every action in its menu (the log dock's toggle in View) and on the toolbar."""
    for title, names in MENUS.items():
        menu = window.menuBar().addMenu(title)
        for name in names:
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[name])
        if title == "&View":
            menu.addAction(log_dock.toggleViewAction())
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("main-toolbar")
    for name in TOOLBAR:
        toolbar.addAction(actions[name])


class ConsoleSlots(Protocol):
    """The main window's public slots and parts, all that its actions call."""

    bridge: MonitorBridge
    orders: OrdersPage
    detail: ItemDetail
    tabs: QTabWidget

    def new_order(self) -> None: ...
    def place_demo_orders(self) -> Any: ...
    def open_settings(self) -> None: ...
    def close(self) -> bool: ...
    def bridge_start(self) -> None: ...
    def bridge_stop(self) -> None: ...
    def refresh(self, full: bool = False) -> Any: ...
    def focus_search(self) -> None: ...
    def open_current(self) -> None: ...
    def on_selected(self, fn: Callable[[str], Any]) -> None: ...
    def approve(self, item_id: str) -> Any: ...
    def reject(self, item_id: str, reason: str | None = None) -> Any: ...
    def regenerate(self, item_id: str, page_count: int) -> Any: ...
    def retry(self, item_id: str) -> Any: ...
    def erase(self, item_id: str) -> Any: ...
    def bulk(self, action: str, everything: bool) -> Any: ...
    def retry_all_failed(self) -> Any: ...
    def about(self) -> None: ...


def window_actions(window: QMainWindow, w: ConsoleSlots) -> dict[str, QAction]:
    """Every action of the main window, by name (MENUS says where each goes); the tabs
    are Orders, Item, Cover Lab and Catalog, in that order."""

    def act(text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
        return make_action(window, text, slot, shortcut)

    return {
        "new_order": act("&New order…", w.new_order, "Ctrl+N"),
        "demo": act("Place &demo orders", w.place_demo_orders, "Ctrl+D"),
        "settings": act("&Settings…", w.open_settings, "Ctrl+,"),
        "quit": act("&Quit", w.close, "Ctrl+Q"),
        "start": act("&Start monitor", w.bridge_start, "Ctrl+R"),
        "stop": act("S&top monitor", w.bridge_stop, "Ctrl+Shift+R"),
        "resume": act("&Resume paused queue", lambda: w.bridge.resume()),
        "refresh": act("Re&fresh", lambda: w.refresh(full=True), "F5"),
        "find": act("&Find…", w.focus_search, "Ctrl+F"),
        "open": act("&Open item", w.open_current, "Return"),
        "save_view": act("Save &view…", w.orders.save_view, "Ctrl+S"),
        "approve": act("&Approve && publish", lambda: w.on_selected(w.approve)),
        "reject": act("&Reject…", lambda: w.on_selected(w.reject)),
        "regenerate": act(
            "Re&generate…",
            lambda: w.on_selected(
                lambda i: w.regenerate(i, w.detail.data.page_count if w.detail.data else 0)
            ),
        ),
        "retry": act("Re&try", lambda: w.on_selected(w.retry)),
        "bulk_approve": act("Approve && publish all &shown…", lambda: w.bulk("approve", True)),
        "bulk_reject": act("Reject all sho&wn…", lambda: w.bulk("reject", True)),
        "bulk_retry": act("Retry all s&hown…", lambda: w.bulk("retry", True)),
        "erase": act("&Erase customer's data…", lambda: w.on_selected(w.erase)),
        "retry_all": act("Retry all &failed", w.retry_all_failed, "Ctrl+Shift+T"),
        "orders_tab": act("&Orders", lambda: w.tabs.setCurrentIndex(0), "Ctrl+1"),
        "item_tab": act("&Item", lambda: w.tabs.setCurrentIndex(1), "Ctrl+2"),
        "lab_tab": act("Cover &Lab", lambda: w.tabs.setCurrentIndex(2), "Ctrl+3"),
        "catalog_tab": act("&Catalog", lambda: w.tabs.setCurrentIndex(3), "Ctrl+4"),
        "about": act("&About Pressroom", w.about),
    }
