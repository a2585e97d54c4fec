"""Erasing a customer's data from the console (Orders ▸ Erase customer's data…): what would
go is worked out off the UI thread and shown, in counts, in a confirmation that offers the
whole customer or only the selected item; only then is anything erased (app/privacy)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QMessageBox, QWidget

from app.privacy.erasure import ErasurePlan, erase, plan_erasure, record_line

if TYPE_CHECKING:
    from app.runtime import JobServices
    from app.ui.bridge import MonitorBridge
    from app.ui.flows import Flows

Task = asyncio.Task[Any] | None
CUSTOMER, ITEM = "customer", "item"


async def ask(parent: QWidget, plan: ErasurePlan, customer_id: str) -> str | None:
    """CUSTOMER, ITEM or None (cancelled), asked without a nested event loop."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Erase customer's data",
        f"Erase everything Pressroom holds about customer {customer_id}? This cannot be undone.",
        parent=parent,
    )
    box.setInformativeText("It removes:\n• " + "\n• ".join(plan.lines()))
    whole = box.addButton("Erase the &customer", QMessageBox.ButtonRole.DestructiveRole)
    one = box.addButton("Only this &item", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def finished(_: int) -> None:
        clicked = box.clickedButton()
        if not answer.done():
            answer.set_result(CUSTOMER if clicked is whole else ITEM if clicked is one else None)

    box.finished.connect(finished)
    box.open()
    return await answer


class EraseMixin:
    """Needs from the window: services, bridge, flows, operator and _decide."""

    services: JobServices
    bridge: MonitorBridge
    flows: Flows
    operator: str

    if TYPE_CHECKING:

        async def _decide(self, what: str, fn: Any, *args: Any) -> bool: ...
        def _could_not(self, what: str, message: str) -> None: ...

    def erase(self, item_id: str) -> Task:
        return self.flows.start(f"erase:{item_id}", self._erase(item_id), replace=False)

    async def _erase(self, item_id: str) -> bool:
        store, blobs = self.services.store, self.services.blobs
        try:
            item = await self.bridge.run_blocking(store.get_item, item_id)
            plan = await self.bridge.run_blocking(
                partial(plan_erasure, store, blobs, customer_id=item.customer_id)
            )
        except Exception as error:  # an outage: said, nothing changed
            self._could_not("work out what to erase", str(error))
            return False
        choice = await ask(cast(QWidget, self), plan, item.customer_id)
        if choice is None:
            return False
        actor = f"{self.operator} (console)"

        def run() -> str:
            chosen = plan if choice == CUSTOMER else plan_erasure(store, blobs, item_id=item_id)
            return record_line(erase(store, blobs, chosen, actor))

        return await self._decide("erase the customer's data", run)
