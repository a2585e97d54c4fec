"""Stopping gracefully on SIGTERM and Ctrl-C, on every platform the bundle ships for."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable


def on_stop_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> None:
    """Call `stop` on the loop when SIGTERM or SIGINT arrives. Windows' event loops have no
    add_signal_handler: there the handler is a plain one that hands over to the loop."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop))
