"""The window's menus and toolbar: which actions go where, and how an action is made
(text with its mnemonic, slot, standard shortcut, status tip)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

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
