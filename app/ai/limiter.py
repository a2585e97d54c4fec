"""How many calls one model gets at once, and how fast: found, not fixed.

A Gemini key has a per-minute request limit per model that Pressroom cannot ask about.
The limiter starts at the configured number of calls at once and grows while calls
succeed, up to a ceiling: by one per success until the first 429 (doubling each round, so
a slow model is soon given enough calls at once), then by about one per round (additive
increase). A per-minute 429 holds every new
call until the server's retry delay has passed, learns the rate the window really allows
(the calls it accepted in the last window) and halves the calls at once (multiplicative
decrease, once per episode: calls already in flight when it was cut do not cut it again),
but never below what carries that rate at the calls' own duration (Little's law: rate x
duration), since from then on calls are paced at that rate, not burst. The rate is raised
a tenth after each whole window without a 429, so a limit that grows is found again. A
configured requests-per-minute ceiling is paced from the first call.

With a shared pace (app/ai/shared_pace.py: every worker of a store on one pace), the
limiter keeps only the calls at once of this process; the pace, the pauses and the rate
learned from a 429 are the store's, which every worker goes by. It paces on its own again
while the store cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from app.ai.shared_pace import SharedPace
from app.domain import PACE_EVIDENCE, PACE_MARGIN, PaceNews, PaceSlot

WINDOW_SECONDS = 60.0
DEFAULT_PAUSE_SECONDS = 1.0  # a 429 that names no retry delay
MIN_EVIDENCE = PACE_EVIDENCE  # calls taken in the window before a 429 is read as the rate
MARGIN = PACE_MARGIN  # paced a hair under the rate


class Outcome(Enum):
    OK = "ok"
    RATE_LIMITED = "rate limited"
    OTHER = "other"  # a fault that says nothing about the limit (5xx, timeout, refusal)


@dataclass(frozen=True)
class Ticket:
    """A call's place: when it started, and its slot on the shared pace (if any)."""

    at: float
    slot: PaceSlot | None = None


class AdaptiveLimiter:
    def __init__(
        self,
        start: int,
        ceiling: int,
        per_minute: int | None = None,
        *,
        floor: int = 1,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedPace | None = None,
    ) -> None:
        self.shared = shared
        self.floor = floor
        self.ceiling = max(ceiling, floor)
        self.limit = float(min(max(start, floor), self.ceiling))
        self.configured_rate = float(per_minute) if per_minute else None
        self.learned_rate: float | None = None
        self.window = window_seconds
        self.clock = clock
        self.in_flight = 0
        self.paused_until = 0.0
        self.cuts = 0
        self._next_start = 0.0
        self._last_cut = float("-inf")
        self._rate_since = float("-inf")
        self._accepted: deque[float] = deque()  # start times of calls the server took
        self._duration: float | None = None  # of a successful call, smoothed
        self._changed = asyncio.Condition()

    @property
    def at_once(self) -> int:
        return int(self.limit)

    @property
    def rate(self) -> float | None:
        """Calls per window the limiter paces to, or None when it does not pace."""
        rates = [r for r in (self.configured_rate, self.learned_rate) if r]
        return min(rates) if rates else None

    @property
    def _paces_locally(self) -> bool:
        return self.shared is None or self.shared.down

    async def acquire(self) -> Ticket:
        """Wait for a slot (and for the pace and any pause); returns the call's ticket, to
        hand back to `release`."""
        now = await self._local_slot()
        if self.shared is None:
            return Ticket(now)
        try:
            slot = await self.shared.start()
        except BaseException:
            await self.release(Ticket(now), Outcome.OTHER)
            raise
        if slot is None:  # the store is out of reach: this call is paced here
            async with self._changed:
                self._advance_pace(now, self.rate)
        return Ticket(self.clock() if slot is not None else now, slot)

    async def _local_slot(self) -> float:
        async with self._changed:
            while True:
                now = self.clock()
                ready_at = max(self.paused_until, self._next_start)
                if self.in_flight < self.at_once and now >= ready_at:
                    break
                timeout = ready_at - now if self.in_flight < self.at_once else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            self.in_flight += 1
            self._advance_pace(now, self.rate if self._paces_locally else None)
            return now

    def _advance_pace(self, now: float, rate: float | None) -> None:
        if rate:
            self._next_start = max(now, self._next_start) + self.window / (rate * MARGIN)

    async def release(
        self, ticket: Ticket, outcome: Outcome, retry_after: float | None = None
    ) -> None:
        news: PaceNews | None = None
        if ticket.slot is not None and self.shared is not None:
            news = await self.shared.finish(ticket.slot, outcome.value, retry_after)
        started = ticket.at
        async with self._changed:
            self.in_flight -= 1
            now = self.clock()
            if outcome is Outcome.OK:
                self._accepted.append(started)
                self._forget(now)
                took = now - started
                self._duration = (
                    took if self._duration is None else 0.8 * self._duration + 0.2 * took
                )
                growth = 1.0 if self.cuts == 0 else 1 / self.limit
                self.limit = min(self.ceiling, self.limit + growth)
                self._raise_learned_rate(now)
            elif outcome is Outcome.RATE_LIMITED:
                if news is not None:  # the store's pause holds every worker, this one too
                    retry_after = news.paused_for
                self._back_off(started, now, retry_after, news)
            self._changed.notify_all()

    def _back_off(
        self, started: float, now: float, retry_after: float | None, news: PaceNews | None
    ) -> None:
        self.paused_until = max(self.paused_until, now + (retry_after or DEFAULT_PAUSE_SECONDS))
        if started <= self._last_cut:
            return  # in flight before the last cut: the same episode
        self.cuts += 1
        self._last_cut = self._rate_since = now
        self._forget(now)
        # the window holds the calls answered and those still in flight (taken, too); with
        # fewer than MIN_EVIDENCE, the window was filled by others (a shared key) or the 429 was
        # a passing fault: nothing to pace by, the retry delay alone is honoured
        taken = len(self._accepted) + self.in_flight
        if news is not None:
            self.learned_rate = news.rate  # read from the window all workers filled
        elif taken >= MIN_EVIDENCE:
            self.learned_rate = float(taken)
        carries = math.ceil((self.learned_rate or 0) / self.window * (self._duration or 0.0))
        self.limit = min(self.ceiling, max(float(self.floor), self.limit / 2, float(carries)))
        self._next_start = self.paused_until

    def _raise_learned_rate(self, now: float) -> None:
        if self.learned_rate is None or now - self._rate_since < self.window:
            return
        self.learned_rate *= 1.1
        self._rate_since = now

    def _forget(self, now: float) -> None:
        while self._accepted and self._accepted[0] <= now - self.window:
            self._accepted.popleft()
