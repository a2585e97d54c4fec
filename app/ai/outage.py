"""The outage breaker: when every call has failed to connect or timed out for longer than
a threshold (or this many times in a row: refused connections fail in milliseconds, and
an item's three attempts would be spent in seconds), the next such failure pauses the
queue instead of costing items their attempts (the monitor then probes with backoff and
resumes when Gemini answers).

Any answer — a success, or an HTTP error, which proves the service is reachable — closes
it again. One breaker per provider, shared by every event loop that uses it.
"""

from __future__ import annotations

import threading
import time


class OutageBreaker:
    def __init__(self, threshold_seconds: float, max_failures: int = 5) -> None:
        self.threshold = threshold_seconds
        self.max_failures = max_failures
        self._lock = threading.Lock()
        self._since: float | None = None  # monotonic time of the first failure in a row
        self._failures = 0

    def answered(self) -> None:
        with self._lock:
            self._since, self._failures = None, 0

    def failed(self) -> float | None:
        """Record a failure; returns how long the outage has lasted once it has lasted
        longer than the threshold (the breaker is open), else None."""
        now = time.monotonic()
        with self._lock:
            if self._since is None:
                self._since = now
            self._failures += 1
            down_for = now - self._since
            is_open = down_for >= self.threshold or self._failures >= self.max_failures
        return down_for if is_open else None

    @property
    def is_open(self) -> bool:
        with self._lock:
            if self._since is None:
                return False
            return (
                time.monotonic() - self._since >= self.threshold
                or self._failures >= self.max_failures
            )
