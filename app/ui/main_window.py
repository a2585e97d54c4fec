"""The main window: the overview strip and the order table (Orders), the item detail in a
tab of its own (Item), the Cover Lab, the log dock, menus, toolbar, tray and status bar.

Thin: it wires widgets to the bridge and the core's functions. Every asynchronous action is
a flow (app/ui/flows.py) on the window's qasync loop; quitting is one too."""

from __future__ import annotations

import asyncio
import getpass
import html
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.domain import ConfigurationError, Status
from app.events import Event, MessageEvent, PausedEvent, StatusEvent
from app.runtime import (
    JobServices,
    build_services,
    check_configuration,
    describe_setup,
    uses_supabase,
)
from app.ui import menus
from app.ui.attention import Attention
from app.ui.bridge import MonitorBridge
from app.ui.catalog_page import CatalogPage
from app.ui.cover_lab import CoverLab
from app.ui.decisions import DecisionsMixin, Task
from app.ui.detail import ItemDetail
from app.ui.detail_data import load_detail
from app.ui.erase_flow import EraseMixin
from app.ui.flows import Flows
from app.ui.live_refresh import LiveRefresh
from app.ui.log_view import LogView
from app.ui.order_dialog import open_order_dialog
from app.ui.order_model import Column, OrderFilterModel, OrderTableModel
from app.ui.orders_page import OrdersPage
from app.ui.overview_strip import OverviewStrip, load_overview

log = logging.getLogger(__name__)
REFRESH_MS = 2000
OVERVIEW_MS = 5000
ORDERS_TAB, ITEM_TAB, LAB_TAB, CATALOG_TAB = 0, 1, 2, 3


def first_size(available: tuple[int, int]) -> tuple[int, int]:
    """The first window: 1400×860 where the screen has room, else the screen's available
    area less a margin (1366×768 laptops: everything visible, nothing cut off)."""
    width, height = available
    return min(1400, width - 16), min(860, height - 48)


# The table's column widths and order, kept per set of columns: a state saved before a
# column was added would put every width on the wrong column.
COLUMNS_KEY = f"window/columns/{len(Column)}"


class MainWindow(DecisionsMixin, EraseMixin, QMainWindow):
    review_count_changed = Signal(int)

    def __init__(self, services: JobServices, *, start_monitor: bool | None = None) -> None:
        super().__init__()
        self.operator = getpass.getuser()
        self.services = services
        self.flows = Flows(on_error=self._flow_failed)
        self.closed = asyncio.Event()
        self._quit_task: asyncio.Task[None] | None = None
        self._closing = False
        self._selected: str | None = None
        self._cursor: datetime | None = None
        self.bridge = self._make_bridge(services)
        self.model = OrderTableModel(self)
        self.proxy = OrderFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self._apply_thresholds(services.settings)
        self._build_ui()
        self._build_actions()
        self._restore_state()
        self._show_setup()
        self.attention = Attention(self)
        self.review_count_changed.connect(self.attention.set_waiting)
        self._update_title()
        self.timers = []
        for interval, slot in (
            (REFRESH_MS, self.refresh),
            (500, self._update_status),
            (OVERVIEW_MS, self.refresh_overview),
        ):
            timer = QTimer(self)
            timer.timeout.connect(lambda s=slot: s())
            timer.start(interval)
            self.timers.append(timer)
        self.live = self._make_live()
        self.refresh()
        self.refresh_overview()
        if start_monitor if start_monitor is not None else services.settings.auto_start_monitor:
            self.bridge.start_monitor()

    # -- building ----------------------------------------------------------------------------
    def _make_bridge(self, services: JobServices) -> MonitorBridge:
        bridge = MonitorBridge(services, self)
        bridge.core_event.connect(self._on_event)
        bridge.running_changed.connect(lambda _: self._update_status())
        return bridge

    def _make_live(self) -> LiveRefresh:
        """Refresh on the database's change notifications where they can be heard."""
        return LiveRefresh(
            self.services, self.timers[0], self.refresh, lambda: self.flows.running("refresh"), self
        )

    def _apply_thresholds(self, settings: Settings) -> None:
        self.model.wait_warn_seconds = settings.wait_warn_hours * 3600
        self.model.wait_late_seconds = settings.wait_late_hours * 3600

    def _build_ui(self) -> None:
        self.orders = OrdersPage(self.model, self.proxy)
        self.table, self.search = self.orders.table, self.orders.search
        self.status_filter = self.orders.status_filter
        self.orders.current_changed.connect(self._select)
        self.orders.open_requested.connect(self.open_item)
        self.orders.bulk_requested.connect(lambda action, everything: self.bulk(action, everything))
        self.overview = OverviewStrip()
        self.banner = QLabel()  # shown whenever books are not made by an AI model
        self.banner.setObjectName("template-banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "QLabel { background: #fff3c4; border: 1px solid #d9b44a; padding: 6px; }"
            'QLabel[alert="true"] { background: #fbe0e0; border: 1px solid #b83232; }'
        )
        orders_tab = QWidget()
        column = QVBoxLayout(orders_tab)
        column.setContentsMargins(4, 4, 4, 0)
        column.addWidget(self.banner)
        column.addWidget(self.overview)
        column.addWidget(self.orders, 1)
        self.detail = ItemDetail(self.bridge, self.flows)
        self.detail.approve_requested.connect(self.approve)
        self.detail.reject_requested.connect(self.reject)
        self.detail.regenerate_requested.connect(self.regenerate)
        self.detail.retry_requested.connect(self.retry)
        self.detail.resend_requested.connect(self.resend)
        self.detail.regenerate_doubtful_requested.connect(self.regenerate_doubtful)
        self.cover_lab = CoverLab(self.bridge, self.flows)
        self.cover_lab.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.catalog = CatalogPage(self.bridge, self.flows)
        self.catalog.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.tabs = QTabWidget()
        self.tabs.addTab(orders_tab, "&Orders")
        self.tabs.addTab(self.detail, "&Item")
        self.tabs.addTab(self.cover_lab, "Cover &Lab")
        self.tabs.addTab(self.catalog, "&Catalog")
        self.tabs.currentChanged.connect(self._tab_shown)
        self.setCentralWidget(self.tabs)
        self.log_view = LogView()
        self.log_dock = QDockWidget("Log", self)
        self.log_dock.setObjectName("log-dock")
        self.log_dock.setWidget(self.log_view)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.resizeDocks([self.log_dock], [120], Qt.Orientation.Vertical)
        self.bulk_progress = QProgressBar()
        self.bulk_progress.setMaximumWidth(260)
        self.bulk_progress.hide()
        self.statusBar().addPermanentWidget(self.bulk_progress)
        self.monitor_label = QLabel()
        self.statusBar().addPermanentWidget(self.monitor_label)

    def _tab_shown(self, index: int) -> None:
        if index == CATALOG_TAB:
            self.catalog.reload()

    def _build_actions(self) -> None:
        a = self.actions_by_name = menus.window_actions(self, self)
        a["open"].setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(a["open"])
        menus.install(self, a, self.log_dock)

    # -- state that persists -----------------------------------------------------------------
    def _restore_state(self) -> None:
        store = QSettings()
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(*first_size(self.screen().availableGeometry().size().toTuple()))
        for key, restore in (
            ("window/state", self.restoreState),
            ("window/sidebar", self.orders.splitter.restoreState),
            (COLUMNS_KEY, self.table.horizontalHeader().restoreState),
        ):
            value = store.value(key)
            if isinstance(value, QByteArray):
                restore(value)

    def _save_state(self) -> None:
        store = QSettings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())
        store.setValue("window/sidebar", self.orders.splitter.saveState())
        store.setValue(COLUMNS_KEY, self.table.horizontalHeader().saveState())
        store.sync()

    # -- live data ---------------------------------------------------------------------------
    def refresh(self, full: bool = False) -> Task:
        """Read what changed since the last refresh (everything the first time); a refresh
        still running is not started again."""
        return self.flows.start("refresh", self._refresh(full), replace=False)

    async def _refresh(self, full: bool) -> None:
        store = self.services.store
        since = None if full else self._cursor
        try:
            items = await self.bridge.run_blocking(store.list_items, None, 10_000, since)
            unknown = {i.book_id for i in items} - set(self.model.book_titles)
            if unknown:
                books = await self.bridge.run_blocking(store.list_books)
                self.model.book_titles.update({b.id: b.title for b in books})
                self.model.book_pages.update({b.id: len(b.pages) for b in books})
            checked = [i.id for i in items if i.pressroom_status is not Status.PENDING]
            if checked:
                summaries = await self.bridge.run_blocking(store.quality_summaries, checked)
                self.model.quality.update(summaries)
                self.model.lanes.update(await self.bridge.run_blocking(store.lane_states, checked))
        except Exception as error:
            self.statusBar().showMessage(f"Cannot read orders: {error}", 10_000)
            return
        stamps = [i.updated_at for i in items if i.updated_at is not None]
        if stamps:  # a second of overlap: rows written in the same instant are not missed
            newest = max(stamps) - timedelta(seconds=1)
            self._cursor = max(self._cursor, newest) if self._cursor else newest
        for item in items:  # changes made elsewhere (another worker, another desk) need you too
            row = self.model.row_of(item.id)
            before = self.model.item_at(row) if row is not None else None
            if before is not None and before.pressroom_status is not item.pressroom_status:
                event = StatusEvent(item.id, item.pressroom_status, item.last_error or "")
                self.attention.status_changed(event, self.model)
        self.model.merge(list(reversed(items)))
        self._update_title()

    def refresh_overview(self) -> Task:
        return self.flows.start("overview", self._refresh_overview(), replace=False)

    async def _refresh_overview(self) -> None:
        try:
            overview = await self.bridge.run_blocking(
                load_overview, self.services.store, self.services.settings.daily_budget_usd
            )
        except Exception as error:
            self.overview.unavailable(str(error))
            return
        self.overview.show_overview(overview, self.bridge.status(), self.bridge.is_running)

    def _on_event(self, event: Event) -> None:
        if self._closing:
            return
        self.model.apply_event(event)
        if isinstance(event, MessageEvent):
            self.log_view.add(event, self._who(event.item_id))
            if event.level >= logging.ERROR and event.item_id is None:
                self.statusBar().showMessage(event.text, 15_000)
        if isinstance(event, PausedEvent):
            self._show_pause(event.reason)
        if isinstance(event, StatusEvent):
            self.attention.status_changed(event, self.model)
            self._update_title()
            if event.item_id == self._selected:
                self.load_detail(event.item_id)
            if self.model.row_of(event.item_id) is None:
                self.refresh()

    def _show_pause(self, reason: str | None) -> None:
        """A red banner and a tray alert while the queue is paused (a missing model, an
        outage, a spent quota), naming what to do; the setup banner again when it resumes."""
        self.banner.setProperty("alert", reason is not None)
        if reason is None:
            self._show_setup()
        else:
            self.banner.setText(f"<b>The queue is paused</b>: {html.escape(reason)}")
            self.banner.setVisible(True)
            self.attention.needed.emit("", "The queue is paused", reason)
        self.banner.style().polish(self.banner)
        self._update_status()

    def _show_setup(self) -> None:
        """Say where orders come from, what makes the images and where books go; a banner
        while books are made by the offline template provider."""
        setup = describe_setup(self.services)
        log.info("%s", setup)
        self.monitor_label.setToolTip(setup)
        self.banner.setText(
            "Books are being made by the <b>offline template provider</b>, not by an AI model: "
            "fine for trying Pressroom, not for customers. Add a Gemini key in Settings (Ctrl+,)."
        )
        self.banner.setVisible(self.services.provider.name == "template")

    def _who(self, item_id: str | None) -> str:
        """An item as the log names it for people: the child and the book."""
        row = self.model.row_of(item_id) if item_id else None
        item = self.model.item_at(row) if row is not None else None
        if item is None:
            return ""
        book = self.model.book_titles.get(item.book_id, item.book_id)
        return f"{item.personalization.child_name} · {book}"

    def _update_title(self) -> None:
        waiting = self.model.count(Status.AWAITING_REVIEW)
        title = "Pressroom"
        if waiting:
            title += f" — {waiting} awaiting review"
        if self.windowTitle() != title:
            self.setWindowTitle(title)
            self.review_count_changed.emit(waiting)

    def _provider_words(self) -> str:
        provider = self.services.provider
        if provider.name == "template":
            return "offline template provider"
        return f"Gemini ({self.services.settings.gemini_image_model})"

    def _update_status(self) -> None:
        status = self.bridge.status()
        running = self.bridge.is_running
        text = (
            f"Monitor {'running' if running else 'stopped'} · {status.processing} in flight · "
            f"poll every {status.poll_interval_ms / 1000:g} s · "
            f"{self._provider_words()} · "
            f"{'Supabase' if uses_supabase(self.services.settings) else 'embedded store'}"
        )
        if status.paused_reason:
            text += f" · PAUSED: {status.paused_reason}"
        self.monitor_label.setText(text)
        self.actions_by_name["start"].setEnabled(not running)
        self.actions_by_name["stop"].setEnabled(running)

    def _flow_failed(self, key: str, error: BaseException) -> None:
        self.statusBar().showMessage(f"Something went wrong ({key}): {error}", 15_000)

    # -- selection and detail ----------------------------------------------------------------
    def _select(self, item_id: str) -> None:
        if item_id != self._selected:
            self._selected = item_id
            self.load_detail(item_id)

    def load_detail(self, item_id: str) -> Task:
        """Load an item's detail; a load still running for another item is cancelled."""
        return self.flows.start("detail", self._load_detail(item_id))

    async def _load_detail(self, item_id: str) -> None:
        try:
            data = await self.bridge.run_blocking(load_detail, self.services, item_id)
        except Exception as error:
            self.detail.failed_to_load(error)
            return
        self.detail.show_data(data)
        who = data.item.personalization
        self.tabs.setTabText(ITEM_TAB, f"&Item: {'(erased)' if who.erased_at else who.child_name}")

    def open_item(self, item_id: str) -> None:
        self._select(item_id)
        self.tabs.setCurrentIndex(ITEM_TAB)
        self.detail.tabs.setCurrentIndex(0)
        self.detail.setFocus()

    def open_current(self) -> None:
        item = self.model.item_at(self.proxy.mapToSource(self.table.currentIndex()).row())
        if item is not None:
            self.open_item(item.id)

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(ORDERS_TAB)
        self.search.setFocus()
        self.search.selectAll()

    def on_selected(self, fn: Callable[[str], Any]) -> None:
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

    def apply_settings(self, settings: Settings) -> Task:
        return self.flows.start("settings", self._apply_settings(settings), replace=False)

    async def _apply_settings(self, settings: Settings) -> None:
        """Restart on new settings: jobs in flight are released, not lost. Settings that
        would quietly do the wrong thing are refused and the running ones kept."""
        try:
            check_configuration(settings)
        except ConfigurationError as error:
            box = QMessageBox(QMessageBox.Icon.Warning, "Pressroom", str(error), parent=self)
            box.open()
            self.statusBar().showMessage(f"Settings not applied: {error}", 15_000)
            return
        was_running = self.bridge.is_running
        for key in ("refresh", "overview", "detail", "pdf:thumbs", "pdf:page"):
            self.flows.cancel(key)
        self.live.stop()
        await self.bridge.aclose()
        old_store = self.services.store
        self.services = build_services(settings, self.services.events)
        self.bridge = self._make_bridge(self.services)
        self.live = self._make_live()
        self.detail.pdf.bridge = self.bridge
        self.cover_lab.bridge = self.bridge
        self._apply_thresholds(settings)
        self._show_pause(None)  # a new monitor: not paused; the setup banner again
        if type(old_store) is not type(self.services.store):
            self.model.clear()
            self._cursor = None
        old_store.close()
        self.refresh()
        if was_running or settings.auto_start_monitor:
            self.bridge.start_monitor()
        self.statusBar().showMessage("Settings saved and applied.", 5000)

    def new_order(self) -> None:
        open_order_dialog(self)

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Pressroom",
            "Pressroom turns paid orders into personalized children's books.",
        )

    def quit(self) -> asyncio.Task[None]:
        """Close the window: flows cancelled, then the monitor's jobs checkpointed and
        released, then the pools; the window closes when all of that is done."""
        if self._quit_task is None:
            self._quit_task = asyncio.get_running_loop().create_task(self._quit())
        return self._quit_task

    async def _quit(self) -> None:
        self._closing = True
        self.statusBar().showMessage("Stopping: checkpointing and releasing jobs in flight…")
        for timer in self.timers:
            timer.stop()
        self.live.stop()
        self.model.stop()
        self._save_state()
        try:
            await self.flows.close()
            await self.bridge.aclose()
            self.services.store.close()
        finally:
            self.attention.hide()
            self.closed.set()
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.closed.is_set():
            event.accept()
            return
        event.ignore()  # the quit flow closes the window once jobs are released
        self.quit()
