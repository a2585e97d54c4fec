"""The operator's decisions as flows: approve, reject, regenerate, retry — one item, the
selection, or everything the filter shows — and placing demo orders. Mixed into MainWindow.

Every decision runs off the UI thread and lands in the item's history with who and when.
Dialogs (a reason, a confirmation) are asked before a flow starts, never inside one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QInputDialog, QMessageBox, QProgressBar, QStatusBar, QWidget

from app.domain import PressroomError, Status
from app.events import MessageEvent
from app.pipeline import review
from app.ui.orders_page import ELIGIBLE
from app.ui.regenerate_dialog import RegenerateDialog

if TYPE_CHECKING:
    from app.runtime import JobServices
    from app.ui.bridge import MonitorBridge
    from app.ui.detail import ItemDetail
    from app.ui.flows import Flows
    from app.ui.log_view import LogView
    from app.ui.order_model import OrderFilterModel
    from app.ui.orders_page import OrdersPage

log = logging.getLogger(__name__)

Task = asyncio.Task[Any] | None
BULK_CHUNK = 25  # decisions per trip to the worker pool: progress moves, overhead stays low
VERBS = {"approve": "Approve and publish", "reject": "Reject", "retry": "Retry"}


class DecisionsMixin:
    """Needs from the window: services, bridge, flows, operator, detail, orders, proxy,
    log_view, bulk_progress, refresh, load_detail, statusBar and _selected."""

    services: JobServices
    bridge: MonitorBridge
    flows: Flows
    operator: str
    detail: ItemDetail
    orders: OrdersPage
    proxy: OrderFilterModel
    log_view: LogView
    bulk_progress: QProgressBar
    _selected: str | None

    if TYPE_CHECKING:  # provided by MainWindow / QMainWindow

        def refresh(self, full: bool = False) -> Task: ...
        def load_detail(self, item_id: str) -> Task: ...
        def statusBar(self) -> QStatusBar: ...

    # -- one item ----------------------------------------------------------------------------
    async def _decide(self, what: str, fn: Callable[..., Any], *args: Any) -> bool:
        try:
            await self.bridge.run_blocking(fn, *args)
        except PressroomError as error:
            self._could_not(what, str(error))
            return False
        except Exception as error:  # a bug or an outage: logged with its traceback
            log.exception("%s failed", what)
            self._could_not(what, repr(error))
            return False
        self.statusBar().showMessage(f"Done: {what}.", 5000)
        self._after_decisions()
        return True

    def _could_not(self, what: str, message: str) -> None:
        self.log_view.add(MessageEvent(logging.ERROR, f"{what} failed: {message}"))
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Pressroom",
            f"Could not {what}:\n{message}",
            parent=cast(QWidget, self),
        )
        box.open()  # not exec(): a flow never waits on a nested event loop
        self._after_decisions()

    def _after_decisions(self) -> None:
        self.bridge.wake()
        self.refresh()
        if self._selected:
            self.load_detail(self._selected)

    def _start_decision(self, item_id: str, what: str, fn: Callable[..., Any]) -> Task:
        return self.flows.start(f"decide:{item_id}", self._decide(what, fn), replace=False)

    def approve(self, item_id: str) -> Task:
        s = self.services
        return self._start_decision(
            item_id,
            "approve and publish",
            partial(review.approve, s.store, s.blobs, item_id, self.operator),
        )

    def reject(self, item_id: str, reason: str | None = None) -> Task:
        reason = reason if reason is not None else self._ask_reason("this book is")
        if not reason:
            return None
        return self._start_decision(
            item_id,
            "reject",
            partial(review.reject, self.services.store, item_id, self.operator, reason),
        )

    def regenerate(
        self, item_id: str, page_count: int, choice: tuple[bool, list[int], str] | None = None
    ) -> Task:
        if choice is None:
            dialog = RegenerateDialog(page_count, cast(QWidget, self))
            if dialog.exec() != RegenerateDialog.DialogCode.Accepted:
                return None
            choice = dialog.choice()
        cover, pages, instruction = choice
        s = self.services
        return self._start_decision(
            item_id,
            "regenerate",
            partial(
                review.regenerate,
                s.store,
                s.blobs,
                item_id,
                self.operator,
                cover=cover,
                pages=pages,
                instruction=instruction or None,
            ),
        )

    def regenerate_doubtful(self, item_id: str) -> Task:
        s = self.services
        return self._start_decision(
            item_id,
            "regenerate the doubtful pages",
            partial(review.regenerate_doubtful, s.store, s.blobs, item_id, self.operator),
        )

    def retry(self, item_id: str) -> Task:
        return self._start_decision(
            item_id,
            "retry",
            partial(review.retry, self.services.store, self.services.blobs, item_id, self.operator),
        )

    def resend(self, item_id: str) -> Task:
        """Send a finished book's e-mail and push again (the dispatcher's next round)."""
        store = self.services.store

        def again() -> str:
            sent = [d.channel for d in store.deliveries(item_id) if store.resend_delivery(d.id)]
            return f"will send again: {', '.join(sent)}" if sent else "nothing to resend"

        return self._start_decision(item_id, "resend", again)

    def _ask_reason(self, subject: str) -> str | None:
        reason, ok = QInputDialog.getText(cast(QWidget, self), "Reject", f"Why {subject} rejected?")
        return reason.strip() if ok and reason.strip() else None

    # -- many items --------------------------------------------------------------------------
    def bulk(
        self, action: str, whole_filter: bool, *, reason: str | None = None, confirm: bool = True
    ) -> Task:
        """Decide on the selection, or on every item the filter shows, after a confirmation
        that says how many. Items not in the right status are left alone and counted."""
        items = self.proxy.visible_items() if whole_filter else self.orders.selected_items()
        ids = [i.id for i in items if i.pressroom_status is ELIGIBLE[action]]
        skipped = len(items) - len(ids)
        wanted = ELIGIBLE[action].value.replace("_", " ")
        if not ids:
            self.statusBar().showMessage(
                f"Nothing to {VERBS[action].lower()}: none of the {len(items)} "
                f"{'shown' if whole_filter else 'selected'} items is {wanted}.",
                8000,
            )
            return None
        if action == "reject" and reason is None:
            reason = self._ask_reason(f"are these {len(ids)} books")
            if reason is None:
                return None
        if confirm:
            text = f"{VERBS[action]} {len(ids)} item{'s' * (len(ids) != 1)}?"
            if skipped:
                others = f"{skipped} other item{'s' * (skipped != 1)}"
                text += f"\n\n{others} (not {wanted}) stay as they are."
            answer = QMessageBox.question(cast(QWidget, self), "Pressroom", text)
            if answer != QMessageBox.StandardButton.Yes:
                return None
        return self.flows.start("bulk", self._bulk(action, ids, reason or ""), replace=False)

    def retry_all_failed(self) -> Task:
        return self.flows.start("bulk", self._retry_all_failed(), replace=False)

    async def _retry_all_failed(self) -> tuple[int, list[str]]:
        store = self.services.store
        failed = await self.bridge.run_blocking(store.list_items, Status.FAILED, 10_000)
        return await self._bulk("retry", [i.id for i in failed], "")

    def _decision(self, action: str, reason: str) -> Callable[[str], object]:
        s, who = self.services, self.operator
        return {
            "approve": lambda i: review.approve(s.store, s.blobs, i, who),
            "reject": lambda i: review.reject(s.store, i, who, reason),
            "retry": lambda i: review.retry(s.store, s.blobs, i, who),
        }[action]

    async def _bulk(self, action: str, ids: list[str], reason: str) -> tuple[int, list[str]]:
        decide = self._decision(action, reason)
        progress = self.bulk_progress
        progress.setRange(0, len(ids))
        progress.setValue(0)
        progress.setFormat(f"{VERBS[action]}: %v of %m")
        progress.show()
        done, refused = 0, []
        try:
            for start in range(0, len(ids), BULK_CHUNK):
                chunk = ids[start : start + BULK_CHUNK]
                results = await self.bridge.run_blocking(review.decide_many, decide, chunk)
                refused += [f"{i[:8]}: {why}" for i, why in results if why is not None]
                done += len(chunk)
                progress.setValue(done)
                self.bridge.wake()
        finally:
            progress.hide()
            self._after_decisions()
        decided = done - len(refused)
        summary = f"{VERBS[action]}: {decided} of {len(ids)} done"
        if refused:
            summary += f", {len(refused)} refused (they had moved on; see the log)"
            for line in refused:
                self.log_view.add(MessageEvent(logging.WARNING, f"{VERBS[action]} {line}"))
        self.statusBar().showMessage(summary + ".", 10_000)
        return decided, refused

    def place_demo_orders(self) -> Task:
        from app.catalog import load_demo_catalog, place_demo_orders
        from app.runtime import demo_refusal

        def place() -> int:
            refused = demo_refusal(self.services.settings)
            if refused:  # never the shop's catalog on Supabase
                raise PressroomError(refused)
            books = load_demo_catalog(self.services.store, self.services.blobs)
            return len(place_demo_orders(self.services.store, self.services.blobs, books))

        return self.flows.start("demo", self._decide("place demo orders", place), replace=False)
