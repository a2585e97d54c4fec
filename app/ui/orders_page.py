"""The Orders tab: saved views on the left; filters, the live table and the bulk-action bar
on the right. Decisions are the window's; this page only says what the operator asked."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QItemSelection, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import OrderItem, Status
from app.ui.order_model import OrderFilterModel, OrderTableModel
from app.ui.order_table import OrderTable
from app.ui.views import BUILT_IN, SavedView, load_views, save_views, with_view

ELIGIBLE = {
    "approve": Status.AWAITING_REVIEW,
    "reject": Status.AWAITING_REVIEW,
    "retry": Status.FAILED,
}
BULK_ACTIONS = (("approve", "Approve && publish"), ("retry", "Retry"), ("reject", "Reject…"))


class OrdersPage(QWidget):
    bulk_requested = Signal(str, bool)  # action, whole filter (else the selection)
    current_changed = Signal(str)  # item id
    open_requested = Signal(str)  # item id

    def __init__(self, model: OrderTableModel, proxy: OrderFilterModel) -> None:
        super().__init__()
        self.model, self.proxy = model, proxy
        self.table = self._make_table()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search book, customer, child, error…  (Ctrl+F)")
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

        self.scope_label = QLabel("")
        self.bulk_buttons: dict[str, QToolButton] = {}
        bulk = QHBoxLayout()
        bulk.addWidget(self.scope_label, 1)
        for action, label in BULK_ACTIONS:
            button = QToolButton()
            button.setText(label)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
            button.setToolTip(
                f"{label.replace('&&', '&')} the selected items (the arrow: all shown)"
            )
            button.clicked.connect(lambda _=False, a=action: self.bulk_requested.emit(a, False))
            menu = QMenu(button)
            for text, everything in (("the selected items", False), ("every item shown", True)):
                entry = menu.addAction(text)
                entry.triggered.connect(
                    lambda _=False, a=action, e=everything: self.bulk_requested.emit(a, e)
                )
            button.setMenu(menu)
            self.bulk_buttons[action] = button
            bulk.addWidget(button)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(filters)
        column.addWidget(self.table, 1)
        column.addLayout(bulk)

        self.views = QListWidget()
        self.views.itemActivated.connect(self._view_chosen)
        self.views.itemClicked.connect(self._view_chosen)
        save, delete = QPushButton("Save view…"), QPushButton("Delete")
        save.clicked.connect(self.save_view)
        delete.clicked.connect(self.delete_view)
        sidebar = QWidget()
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(QLabel("<b>Views</b>"))
        side.addWidget(self.views, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(delete)
        side.addLayout(buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([170, 1200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._user_views = load_views()
        self._fill_views()
        self.proxy.layoutChanged.connect(self._update_scope)
        self.proxy.rowsInserted.connect(self._update_scope)
        self.proxy.rowsRemoved.connect(self._update_scope)
        self.proxy.modelReset.connect(self._update_scope)
        self._update_scope()

    def _make_table(self) -> OrderTable:
        table = OrderTable(self.proxy)
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        table.activated.connect(lambda index: self._emit_item(index.row(), self.open_requested))
        return table

    # -- selection ---------------------------------------------------------------------------
    def _emit_item(self, proxy_row: int, signal: SignalInstance) -> None:
        item = self.model.item_at(self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row())
        if item is not None:
            signal.emit(item.id)

    def _selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        current = self.table.currentIndex()
        if current.isValid() and self.table.selectionModel().isRowSelected(current.row()):
            self._emit_item(current.row(), self.current_changed)
        elif selected.indexes():
            self._emit_item(selected.indexes()[0].row(), self.current_changed)
        self._update_scope()

    def selected_items(self) -> list[OrderItem]:
        items = []
        for index in self.table.selectionModel().selectedRows():
            item = self.model.item_at(self.proxy.mapToSource(index).row())
            if item is not None:
                items.append(item)
        return items

    def _update_scope(self) -> None:
        """Say what a bulk action would act on: the selection, by the statuses that count."""
        selected = self.selected_items()
        counts = Counter(i.pressroom_status for i in selected)
        which = ", ".join(
            f"{counts[s]} {s.value.replace('_', ' ')}"
            for s in (Status.AWAITING_REVIEW, Status.FAILED)
            if counts[s]
        )
        self.scope_label.setText(
            f"{len(selected)} selected{f' ({which})' if which else ''} · "
            f"{self.proxy.rowCount()} shown"
        )
        for action, wanted in ELIGIBLE.items():
            self.bulk_buttons[action].setToolTip(
                f"{counts[wanted]} of the selected items can be decided this way; "
                "the arrow offers every item shown"
            )

    # -- views -------------------------------------------------------------------------------
    def _fill_views(self) -> None:
        self.views.clear()
        for view in (*BUILT_IN, *self._user_views):
            entry = QListWidgetItem(view.name)
            entry.setData(Qt.ItemDataRole.UserRole, view)
            if view not in BUILT_IN:
                entry.setToolTip("your saved view")
            self.views.addItem(entry)

    def _view_chosen(self, entry: QListWidgetItem) -> None:
        view = entry.data(Qt.ItemDataRole.UserRole)
        if isinstance(view, SavedView):
            self.apply_view(view)

    def apply_view(self, view: SavedView) -> None:
        index = self.status_filter.findData(view.status)
        self.status_filter.setCurrentIndex(max(0, index))
        self.search.setText(view.text)
        self.table.sortByColumn(view.sort_column, view.sort_order)

    def current_view(self, name: str) -> SavedView:
        header = self.table.horizontalHeader()
        return SavedView(
            name,
            self.status_filter.currentData(),
            self.search.text().strip(),
            header.sortIndicatorSection(),
            header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
        )

    def save_view(self, name: str | None = None) -> None:
        if not name:
            name, ok = QInputDialog.getText(self, "Save view", "Name this view:")
            if not ok or not name.strip():
                return
        self._user_views = with_view(self._user_views, self.current_view(name.strip()))
        save_views(self._user_views)
        self._fill_views()

    def delete_view(self) -> None:
        entry = self.views.currentItem()
        view = entry.data(Qt.ItemDataRole.UserRole) if entry else None
        if isinstance(view, SavedView) and view in self._user_views:
            self._user_views.remove(view)
            save_views(self._user_views)
            self._fill_views()
