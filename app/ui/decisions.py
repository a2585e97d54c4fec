"""The operator's decisions, run off the UI thread and reported back: approve, reject,
regenerate, retry one or all failed, and placing demo orders. Mixed into MainWindow."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QInputDialog, QMessageBox, QStatusBar, QWidget

from app.domain import PressroomError, Status
from app.events import MessageEvent
from app.pipeline import review
from app.ui.regenerate_dialog import RegenerateDialog
from app.ui.tasks import when_done

if TYPE_CHECKING:
    from app.pipeline.job import JobServices
    from app.ui.bridge import MonitorBridge
    from app.ui.detail import ItemDetail
    from app.ui.log_view import LogView


class DecisionsMixin:
    """Needs from the window: services, bridge, operator, detail, log_view, refresh,
    load_detail, statusBar and the _closing/_selected flags."""

    services: JobServices
    bridge: MonitorBridge
    operator: str
    detail: ItemDetail
    log_view: LogView
    _closing: bool
    _selected: str | None

    if TYPE_CHECKING:  # provided by MainWindow / QMainWindow

        def refresh(self) -> None: ...
        def load_detail(self, item_id: str) -> None: ...
        def statusBar(self) -> QStatusBar: ...

    def _decide(
        self, what: str, fn: Callable[..., Any], *args: Any
    ) -> concurrent.futures.Future[Any]:
        future = self.bridge.run_blocking(fn, *args)
        when_done(future, lambda f: self._decided(f, what))
        return future

    def _decided(self, future: concurrent.futures.Future[Any], what: str) -> None:
        error = future.exception()
        if error is not None:
            message = str(error) if isinstance(error, PressroomError) else repr(error)
            self.log_view.add(MessageEvent(logging.ERROR, f"{what} failed: {message}"))
            if not self._closing:
                QMessageBox.warning(
                    cast(QWidget, self), "Pressroom", f"Could not {what}:\n{message}"
                )
        else:
            self.statusBar().showMessage(f"Done: {what}.", 5000)
        self.bridge.wake()
        self.refresh()
        if self._selected:
            self.load_detail(self._selected)

    def approve(self, item_id: str) -> concurrent.futures.Future[Any]:
        return self._decide(
            "approve and publish",
            review.approve,
            self.services.store,
            self.services.blobs,
            item_id,
            self.operator,
        )

    def reject(
        self, item_id: str, reason: str | None = None
    ) -> concurrent.futures.Future[Any] | None:
        if reason is None:
            reason, ok = QInputDialog.getText(
                cast(QWidget, self), "Reject", "Why is this book rejected?"
            )
            if not ok or not reason.strip():
                return None
        return self._decide(
            "reject", review.reject, self.services.store, item_id, self.operator, reason.strip()
        )

    def regenerate(
        self, item_id: str, page_count: int, choice: tuple[bool, list[int], str] | None = None
    ) -> concurrent.futures.Future[Any] | None:
        if choice is None:
            dialog = RegenerateDialog(page_count, cast(QWidget, self))
            if dialog.exec() != RegenerateDialog.DialogCode.Accepted:
                return None
            choice = dialog.choice()
        cover, pages, instruction = choice
        return self._decide(
            "regenerate",
            lambda: review.regenerate(
                self.services.store,
                self.services.blobs,
                item_id,
                self.operator,
                cover=cover,
                pages=pages,
                instruction=instruction or None,
            ),
        )

    def retry(self, item_id: str) -> concurrent.futures.Future[Any]:
        return self._decide("retry", review.retry, self.services.store, item_id, self.operator)

    def retry_all_failed(self) -> concurrent.futures.Future[Any]:
        store, operator = self.services.store, self.operator

        def all_failed() -> int:
            items = store.list_items(Status.FAILED, 10_000)
            for item in items:
                review.retry(store, item.id, operator)
            return len(items)

        return self._decide("retry all failed items", all_failed)

    def place_demo_orders(self) -> concurrent.futures.Future[Any]:
        from app.catalog import load_demo_catalog, place_demo_orders

        def place() -> int:
            books = load_demo_catalog(self.services.store, self.services.blobs)
            return len(place_demo_orders(self.services.store, self.services.blobs, books))

        return self._decide("place demo orders", place)
