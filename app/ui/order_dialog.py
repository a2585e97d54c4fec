"""New order…: a paid order placed from the console, checked at the door like every order.

The book comes from the catalog, the child's name, age, gender and photo from the operator,
the customer's name and e-mail are optional. OK runs the order checks and places the order
off the UI thread (a flow); a refused order keeps the dialog open with one sentence per
problem, an accepted one closes it and the table shows the new order."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from app.domain import Book, BookStatus, OrderItem, PressroomError
from app.orders.checks import OrderRefused
from app.orders.place import OrderRequest, place_checked_order
from app.ui.flows import Flows

if TYPE_CHECKING:
    from app.ui.bridge import MonitorBridge

IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.webp *.heic *.heif)"
NO_AGE = -1


def customer_id_for(email: str) -> str:
    """The same id for every order with one e-mail (so their books share a folder); a new
    one without. A uuid, as the mobile app's user ids are."""
    address = email.strip().lower()
    if address:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pressroom-console-customer:{address}"))
    return str(uuid.uuid4())


class OrderDialog(QDialog):
    placed = Signal(object)  # the OrderItem just placed

    def __init__(self, bridge: MonitorBridge, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.flows = flows
        self.item: OrderItem | None = None
        self.setWindowTitle("New order")
        self.setMinimumWidth(460)
        self.book = QComboBox()
        self.name = QLineEdit()
        self.name.setPlaceholderText("as it will be printed")
        self.age = QSpinBox()
        self.age.setRange(NO_AGE, 99)
        self.age.setSpecialValueText("not given")
        self.age.setValue(NO_AGE)
        self.gender = QComboBox()
        for label, value in (("not given", ""), ("girl", "girl"), ("boy", "boy")):
            self.gender.addItem(label, value)
        self.photo = QLineEdit()
        self.photo.setPlaceholderText("the child's photo (JPEG, PNG or WebP)")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_photo)
        photo_row = QHBoxLayout()
        photo_row.addWidget(self.photo, 1)
        photo_row.addWidget(choose)
        self.customer_name = QLineEdit()
        self.customer_name.setPlaceholderText("optional")
        self.email = QLineEdit()
        self.email.setPlaceholderText("optional")
        form = QFormLayout()
        form.addRow("&Book:", self.book)
        form.addRow("Child's &name:", self.name)
        form.addRow("&Age:", self.age)
        form.addRow("&Gender:", self.gender)
        photo_label = QLabel("&Photo:")
        photo_label.setBuddy(self.photo)
        form.addRow(photo_label, photo_row)
        form.addRow("&Customer's name:", self.customer_name)
        form.addRow("&E-mail:", self.email)
        self.problems = QLabel()
        self.problems.setObjectName("order-problems")
        self.problems.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Place paid order")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self._say("")
        self.books_loaded = self.flows.start("order:books", self._load_books())

    # -- the form ------------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.problems.setStyleSheet("color: #a32020;" if error else "color: palette(mid);")
        self.problems.setText(text)
        self.problems.setVisible(bool(text))

    def show_problems(self, problems: list[str]) -> None:
        self._say("\n".join(f"• {p}" for p in problems), error=True)

    async def _load_books(self) -> None:
        try:
            books: list[Book] = await self.bridge.run_blocking(
                self.bridge.services.store.list_books
            )
        except Exception as error:
            self._say(f"Cannot read the catalog: {error}", error=True)
            return
        books = [b for b in books if b.status is BookStatus.LIVE]  # only these can be ordered
        for book in books:
            ages = f" ({book.age_range})" if book.age_range else ""
            self.book.addItem(f"{book.title}{ages}", book.id)
        if not books:
            self._say("The catalog has no books yet.", error=True)

    def _choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the child's photo", "", IMAGE_FILTER)
        if path:
            self.photo.setText(path)

    def request(self) -> OrderRequest:
        age = self.age.value()
        return OrderRequest(
            book_id=str(self.book.currentData() or ""),
            child_name=self.name.text(),
            photo_path=Path(self.photo.text().strip()) if self.photo.text().strip() else None,
            age=None if age == NO_AGE else age,
            gender=str(self.gender.currentData() or "") or None,
            customer_id=customer_id_for(self.email.text()),
            customer_name=self.customer_name.text().strip() or None,
            customer_email=self.email.text().strip() or None,
        )

    # -- placing -------------------------------------------------------------------------------
    def submit(self) -> asyncio.Task[Any] | None:
        """Check and place the order off the UI thread; a click while one is being placed
        is ignored."""
        return self.flows.start("order:place", self._place(self.request()), replace=False)

    async def _place(self, request: OrderRequest) -> OrderItem | None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self._say("Checking the order…")
        s = self.bridge.services
        try:
            item: OrderItem = await self.bridge.run_blocking(
                place_checked_order, s.store, s.blobs, s.settings, request
            )
        except OrderRefused as refused:
            self.show_problems(refused.problems)
            return None
        except PressroomError as error:
            self.show_problems([str(error)])
            return None
        except Exception as error:  # an outage or a bug: said, and the dialog stays
            self.show_problems([f"could not place the order: {error!r}"])
            return None
        finally:
            ok.setEnabled(True)
        self.item = item
        self.placed.emit(item)
        self.accept()
        return item


class OrderHost(Protocol):
    """What the dialog needs of the window it opens over."""

    bridge: MonitorBridge
    flows: Flows

    def refresh(self, full: bool = False) -> Any: ...
    def statusBar(self) -> QStatusBar: ...


def open_order_dialog(window: OrderHost) -> OrderDialog:
    """Open New order… over the window; a placed order wakes the monitor and is shown."""
    dialog = OrderDialog(window.bridge, window.flows, cast(QWidget, window))

    def placed(item: OrderItem) -> None:
        window.bridge.wake()
        window.refresh()
        who = item.personalization.child_name
        window.statusBar().showMessage(f"Placed a paid order for {who} ({item.id[:8]}).", 8000)

    dialog.placed.connect(placed)
    dialog.open()  # not exec(): its flow runs on the window's loop
    return dialog
