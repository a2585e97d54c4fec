"""The main window: live order table, item detail, Cover Lab, log dock, menus, toolbar and
status bar. Thin: it wires widgets to the bridge and the core's functions."""

from __future__ import annotations

import concurrent.futures
import getpass
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.domain import Status
from app.events import Event, MessageEvent, StatusEvent
from app.pipeline.job import JobServices
from app.runtime import build_services
from app.ui.bridge import MonitorBridge
from app.ui.cover_lab import CoverLab
from app.ui.decisions import DecisionsMixin
from app.ui.detail import ItemDetail
from app.ui.detail_data import load_detail
from app.ui.log_view import LogView
from app.ui.order_model import Column, OrderFilterModel, OrderTableModel
from app.ui.stage_delegate import StageDelegate
from app.ui.tasks import when_done

log = logging.getLogger(__name__)
REFRESH_MS = 2000


class MainWindow(DecisionsMixin, QMainWindow):
    def __init__(self, services: JobServices, *, start_monitor: bool | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Pressroom")
        self.operator = getpass.getuser()
        self.services = services
        self.bridge = self._make_bridge(services)
        self.model = OrderTableModel(self)
        self.proxy = OrderFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self._selected: str | None = None
        self._cursor: datetime | None = None
        self._closing = False
        self._build_ui()
        self._build_actions()
        self._restore_state()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.timeout.connect(self.refresh)
        self.refresh_timer.start(REFRESH_MS)
        self.status_timer = QTimer(self)
        self.status_timer.timeout.connect(self._update_status)
        self.status_timer.start(500)
        self.refresh()
        if start_monitor if start_monitor is not None else services.settings.auto_start_monitor:
            self.bridge.start_monitor()

    # -- building ----------------------------------------------------------------------------
    def _make_bridge(self, services: JobServices) -> MonitorBridge:
        bridge = MonitorBridge(services, self)
        bridge.core_event.connect(self._on_event)
        bridge.running_changed.connect(lambda _: self._update_status())
        return bridge

    def _build_ui(self) -> None:
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.AGE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setItemDelegateForColumn(Column.PROGRESS, StageDelegate(self.table))
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.ERROR, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (Column.CUSTOMER, 80),
            (Column.BOOK, 105),
            (Column.CHILD, 70),
            (Column.STATUS, 105),
            (Column.STAGE, 95),
            (Column.PROGRESS, 330),
            (Column.ATTEMPTS, 76),
            (Column.AGE, 60),
        ):
            header.resizeSection(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.activated.connect(self._open_item)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search customer, book, child, error…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", None)
        for status in Status:
            self.status_filter.addItem(status.value.replace("_", " "), status.value)
        self.status_filter.currentIndexChanged.connect(
            lambda _: self.proxy.set_status(self.status_filter.currentData())
        )
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.search, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        self.detail = ItemDetail(self.bridge.run_preview)
        self.detail.approve_requested.connect(self.approve)
        self.detail.reject_requested.connect(self.reject)
        self.detail.regenerate_requested.connect(self.regenerate)
        self.detail.retry_requested.connect(self.retry)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([880, 520])
        self.cover_lab = CoverLab(self.bridge)
        self.cover_lab.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.splitter, "&Orders")
        self.tabs.addTab(self.cover_lab, "Cover &Lab")
        self.setCentralWidget(self.tabs)
        self.log_view = LogView()
        self.log_dock = QDockWidget("Log", self)
        self.log_dock.setObjectName("log-dock")
        self.log_dock.setWidget(self.log_view)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.monitor_label = QLabel()
        self.statusBar().addPermanentWidget(self.monitor_label)

    def _action(
        self, text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip or text.replace("&", "").rstrip("…"))
        return action

    def _build_actions(self) -> None:
        a = self.actions_by_name = {
            "demo": self._action("Place &demo orders", self.place_demo_orders, "Ctrl+D"),
            "settings": self._action("&Settings…", self.open_settings, "Ctrl+,"),
            "quit": self._action("&Quit", self.close, "Ctrl+Q"),
            "start": self._action("&Start monitor", self.bridge_start, "Ctrl+R"),
            "stop": self._action("S&top monitor", self.bridge_stop, "Ctrl+Shift+R"),
            "resume": self._action("&Resume paused queue", lambda: self.bridge.resume()),
            "refresh": self._action("Re&fresh", self.refresh, "F5"),
            "find": self._action("&Find…", self._focus_search, "Ctrl+F"),
            "open": self._action("&Open item", self._open_current, "Return"),
            "approve": self._action("&Approve && publish", lambda: self._on_selected(self.approve)),
            "reject": self._action("&Reject…", lambda: self._on_selected(self.reject)),
            "regenerate": self._action(
                "Re&generate…",
                lambda: self._on_selected(
                    lambda i: self.regenerate(
                        i, self.detail.data.page_count if self.detail.data else 0
                    )
                ),
            ),
            "retry": self._action("Re&try", lambda: self._on_selected(self.retry)),
            "retry_all": self._action("Retry all &failed", self.retry_all_failed, "Ctrl+Shift+T"),
            "orders_tab": self._action("&Orders", lambda: self.tabs.setCurrentIndex(0), "Ctrl+1"),
            "lab_tab": self._action("Cover &Lab", lambda: self.tabs.setCurrentIndex(1), "Ctrl+2"),
            "about": self._action("&About Pressroom", self._about),
        }
        a["open"].setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(a["open"])
        menus: dict[str, list[str | None]] = {
            "&File": ["demo", "settings", None, "quit"],
            "&Monitor": ["start", "stop", "resume", None, "refresh"],
            "&Orders": [
                "find",
                "open",
                None,
                "approve",
                "reject",
                "regenerate",
                "retry",
                "retry_all",
            ],
            "&View": ["orders_tab", "lab_tab"],
            "&Help": ["about"],
        }
        for title, names in menus.items():
            menu = self.menuBar().addMenu(title)
            for name in names:
                if name is None:
                    menu.addSeparator()
                else:
                    menu.addAction(a[name])
            if title == "&View":
                menu.addAction(self.log_dock.toggleViewAction())
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        for name in ("start", "stop", "refresh", "demo", "retry_all", "settings"):
            toolbar.addAction(a[name])

    # -- state that persists -----------------------------------------------------------------
    def _restore_state(self) -> None:
        store = QSettings()
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        for key, restore in (
            ("window/state", self.restoreState),
            ("window/splitter", self.splitter.restoreState),
            ("window/columns", self.table.horizontalHeader().restoreState),
        ):
            value = store.value(key)
            if isinstance(value, QByteArray):
                restore(value)

    def _save_state(self) -> None:
        store = QSettings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())
        store.setValue("window/splitter", self.splitter.saveState())
        store.setValue("window/columns", self.table.horizontalHeader().saveState())
        store.sync()

    # -- live data ---------------------------------------------------------------------------
    def refresh(self, full: bool = False) -> None:
        """Read what changed since the last refresh (everything the first time)."""
        since = None if full else self._cursor
        future = self.bridge.run_blocking(self.services.store.list_items, None, 10_000, since)
        when_done(future, self._refreshed)

    def _refreshed(self, future: concurrent.futures.Future[Any]) -> None:
        if self._closing:
            return
        if future.exception() is not None:
            self.statusBar().showMessage(f"Cannot read orders: {future.exception()}", 10_000)
            return
        items = future.result()
        stamps = [i.updated_at for i in items if i.updated_at is not None]
        if stamps:  # a second of overlap: rows written in the same instant are not missed
            newest = max(stamps) - timedelta(seconds=1)
            self._cursor = max(self._cursor, newest) if self._cursor else newest
        self.model.merge(list(reversed(items)))

    def _on_event(self, event: Event) -> None:
        if self._closing:
            return
        self.model.apply_event(event)
        if isinstance(event, MessageEvent):
            self.log_view.add(event)
            if event.level >= logging.ERROR and event.item_id is None:
                self.statusBar().showMessage(event.text, 15_000)
        if isinstance(event, StatusEvent):
            if event.item_id == self._selected:
                self.load_detail(event.item_id)
            if self.model.row_of(event.item_id) is None:
                self.refresh()

    def _update_status(self) -> None:
        status = self.bridge.status()
        running = self.bridge.is_running
        text = (
            f"Monitor {'running' if running else 'stopped'} · {status.processing} in flight · "
            f"poll every {status.poll_interval_ms / 1000:g} s · "
            f"{self.services.provider.name} · {type(self.services.store).__name__}"
        )
        if status.paused_reason:
            text += f" · PAUSED: {status.paused_reason}"
        self.monitor_label.setText(text)
        self.actions_by_name["start"].setEnabled(not running)
        self.actions_by_name["stop"].setEnabled(running)

    # -- selection and detail ----------------------------------------------------------------
    def _selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            item = self.model.item_at(self.proxy.mapToSource(rows[0]).row())
            if item is not None:
                self._selected = item.id
                self.load_detail(item.id)

    def load_detail(self, item_id: str) -> None:
        future = self.bridge.run_blocking(load_detail, self.services, item_id)
        when_done(future, lambda f: self._detail_loaded(f, item_id))

    def _detail_loaded(self, future: concurrent.futures.Future[Any], item_id: str) -> None:
        if self._closing or item_id != self._selected:
            return
        if future.exception() is not None:
            self.detail.failed_to_load(future)
        else:
            self.detail.show_data(future.result())

    def _open_item(self, index: QModelIndex) -> None:
        item = self.model.item_at(self.proxy.mapToSource(index).row())
        if item is not None:
            self._selected = item.id
            self.load_detail(item.id)
            self.detail.tabs.setCurrentIndex(0)
            self.detail.setFocus()

    def _open_current(self) -> None:
        self._open_item(self.table.currentIndex())

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def _on_selected(self, fn: Callable[[str], Any]) -> None:
        if self._selected:
            fn(self._selected)

    # -- monitor, settings, closing ----------------------------------------------------------
    def bridge_start(self) -> None:
        self.bridge.start_monitor()

    def bridge_stop(self) -> None:
        self.bridge.stop_monitor()

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services.settings, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.save())

    def apply_settings(self, settings: Settings) -> None:
        """Restart on new settings: jobs in flight are released, not lost."""
        was_running = self.bridge.is_running
        self.bridge.shutdown()
        old_store = self.services.store
        self.services = build_services(settings, self.services.events)
        self.bridge = self._make_bridge(self.services)
        self.detail.pdf._run = self.bridge.run_preview
        self.cover_lab.bridge = self.bridge
        if type(old_store) is not type(self.services.store):
            self.model.clear()
            self._cursor = None
        old_store.close()
        self.refresh()
        if was_running or settings.auto_start_monitor:
            self.bridge.start_monitor()
        self.statusBar().showMessage("Settings saved and applied.", 5000)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Pressroom",
            "Pressroom turns paid orders into personalized children's books.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.statusBar().showMessage("Stopping: checkpointing and releasing jobs in flight…")
        self.refresh_timer.stop()
        self.status_timer.stop()
        self._save_state()
        self.bridge.shutdown()
        self.services.store.close()
        event.accept()
