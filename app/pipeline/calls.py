"""Provider calls with retries (backoff, jitter, honouring retry hints) and a time ledger.

The ledger keeps the intervals during which provider calls were running, so the job can
tell its own overhead (wall time outside any provider call) from the provider's time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from app.config import Settings
from app.domain import TransientError

T = TypeVar("T")


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def runner_for(settings: Settings) -> CallRunner:
    """The book job's retry policy, for calls outside a book (one-off covers)."""
    return CallRunner(attempts=settings.call_retries, base_seconds=settings.retry_base_seconds)


class CallRunner:
    def __init__(
        self,
        attempts: int = 3,
        base_seconds: float = 2.0,
        max_seconds: float = 60.0,
        on_retry: Callable[[str, BaseException, float], None] | None = None,
    ) -> None:
        self.attempts = attempts
        self._backoff = wait_random_exponential(multiplier=base_seconds, max=max_seconds)
        self.on_retry = on_retry
        self.intervals: list[tuple[float, float]] = []
        self.calls = 0
        self.retries = 0

    def _wait(self, state: RetryCallState) -> float:
        backoff = float(self._backoff(state))
        exc = state.outcome.exception() if state.outcome else None
        hint = getattr(exc, "retry_after", None) or 0.0
        return max(float(hint), backoff)

    async def call(self, label: str, fn: Callable[[], Awaitable[T]]) -> T:
        def before_sleep(state: RetryCallState) -> None:
            self.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            if self.on_retry and exc is not None:
                delay = state.next_action.sleep if state.next_action else 0.0
                self.on_retry(label, exc, delay)

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                self.calls += 1
                started = time.perf_counter()
                try:
                    result = await fn()
                finally:
                    self.intervals.append((started, time.perf_counter()))
        return result

    @property
    def provider_seconds(self) -> float:
        return union_seconds(self.intervals)
