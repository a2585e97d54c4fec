"""Delivering results of background work (futures) back on the UI thread."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Relay(QObject):
    finished = Signal(object, object)  # callback, future

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._call)

    @staticmethod
    def _call(callback: Callable[[concurrent.futures.Future[Any]], None], future: Any) -> None:
        if not future.cancelled():  # cancelled at shutdown: nobody is waiting for it
            callback(future)


_relay: _Relay | None = None


def init_relay() -> None:
    """Create the relay on the UI thread (call once, after the QApplication exists)."""
    global _relay
    if _relay is None:
        _relay = _Relay()


def when_done(
    future: concurrent.futures.Future[Any],
    callback: Callable[[concurrent.futures.Future[Any]], None],
) -> None:
    """Call `callback(future)` on the UI thread once `future` finishes."""
    init_relay()
    relay = _relay
    assert relay is not None
    future.add_done_callback(lambda f: relay.finished.emit(callback, f))
