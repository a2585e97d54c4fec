"""One model's share of the Gemini pace every worker of a store keeps together.

Google counts a key's requests per minute per project, so workers that each pace to their
own estimate overshoot by their number after every window. Through the store (the table
and functions of migrations/0016_shared_pace.sql, or the embedded store's SQLite file on
one machine), each call takes a start on one pace; a 429's retry delay and the rate read
from the window every worker filled are what all of them then go by; a configured rate
(`PRESSROOM_GEMINI_IMAGE_RPM` ...) is the budget of them all. A slot given before a cut is
taken again when its time comes. Nothing is held across a call, so a worker that dies
leaves only the calls it sent, which age out of the window as they do at Google's end.

When the store cannot be reached the worker paces on its own (the limiter's local pace)
for a minute, says so once, then tries the store again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Protocol

from app.domain import PaceNews, PaceSlot

log = logging.getLogger(__name__)

RETRY_STORE_SECONDS = 60.0


class PaceLedger(Protocol):
    """What a store offers for the shared pace (app/store/ports.py, OrderStore)."""

    def pace_take(
        self,
        model: str,
        per_window: float | None,
        window: float,
        holder: str,
        held: PaceSlot | None = None,
    ) -> PaceSlot: ...

    def pace_report(
        self, model: str, call_id: int, outcome: str, retry_after: float | None, window: float
    ) -> PaceNews: ...


class SharedPace:
    def __init__(
        self,
        ledger: PaceLedger,
        model: str,
        per_window: float | None,
        holder: str,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ledger = ledger
        self.model = model
        self.per_window = per_window
        self.holder = holder
        self.window = window
        self.clock = clock
        self.rate: float | None = None  # the shared rate, as last heard
        self._down_until = float("-inf")

    @property
    def down(self) -> bool:
        """The store did not answer lately: pace locally."""
        return self.clock() < self._down_until

    async def start(self) -> PaceSlot | None:
        """Wait for this call's start on the shared pace; None when pacing locally."""
        if self.down:
            return None
        slot: PaceSlot | None = None
        try:
            slot = await asyncio.to_thread(self._take, None)
            while slot.wait > 0:  # then confirmed: a cut meanwhile voids it
                await asyncio.sleep(slot.wait)
                slot = await asyncio.to_thread(self._take, slot)
        except asyncio.CancelledError:
            if slot is not None:  # a worker stopping hands its start back
                given = slot
                asyncio.get_running_loop().run_in_executor(None, self._hand_back, given)
            raise
        except Exception as exc:  # any store fault: pace locally for a while
            self._went_down(exc)
            return None
        self.rate = slot.rate
        return slot

    async def finish(
        self, slot: PaceSlot, outcome: str, retry_after: float | None
    ) -> PaceNews | None:
        try:
            news = await asyncio.to_thread(
                self.ledger.pace_report, self.model, slot.call_id, outcome, retry_after, self.window
            )
        except Exception as exc:
            self._went_down(exc)
            return None
        self.rate = news.rate if news.rate is not None else self.rate
        return news

    def _hand_back(self, slot: PaceSlot) -> None:
        with contextlib.suppress(Exception):
            self.ledger.pace_report(self.model, slot.call_id, "other", None, self.window)

    def _take(self, held: PaceSlot | None) -> PaceSlot:
        return self.ledger.pace_take(self.model, self.per_window, self.window, self.holder, held)

    def _went_down(self, exc: Exception) -> None:
        if not self.down:
            log.warning(
                "the shared Gemini pace for %s is out of reach (%s): this worker paces on "
                "its own for %g s",
                self.model,
                exc,
                RETRY_STORE_SECONDS,
            )
        self._down_until = self.clock() + RETRY_STORE_SECONDS
