"""Core events: what a job and the monitor report, for a UI, a log or the HTTP service.

Subscribers are plain callables. A failing subscriber is logged and never breaks the job.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.domain import Stage, Status
from app.redact import redact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProgressEvent:
    item_id: str
    stage: Stage
    done: int
    total: int


@dataclass(frozen=True)
class StatusEvent:
    item_id: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class MessageEvent:
    level: int  # logging level
    text: str
    item_id: str | None = None


@dataclass(frozen=True)
class PausedEvent:
    """The monitor stopped claiming (`reason`) or resumed (None): a banner and an alert."""

    reason: str | None


Event = ProgressEvent | StatusEvent | MessageEvent | PausedEvent
Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def emit(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("an event subscriber failed on %s", type(event).__name__)

    def message(self, level: int, text: str, item_id: str | None = None) -> None:
        text = redact(text)  # the console's log, the worker's lines, the service's events
        log.log(level, "%s%s", f"[{item_id[:8]}] " if item_id else "", text)
        self.emit(MessageEvent(level, text, item_id))
