"""The console's asynchronous flows, run as tasks on the GUI thread's qasync loop.

A flow is one coroutine that reads top to bottom: it awaits the work where it runs (the
monitor's loop, the blocking pool, the preview process) and catches its own errors. Each
flow runs under a key: starting a flow under a key whose flow is still running either
cancels the old one (a stale detail load is dropped by cancellation) or keeps it (a
periodic refresh does not pile up). Closing the window cancels every flow before any
pool closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Flow = Coroutine[Any, Any, Any]


class Flows:
    def __init__(self, on_error: Callable[[str, BaseException], None] | None = None) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._on_error = on_error
        self.closing = False

    def start(self, key: str, flow: Flow, *, replace: bool = True) -> asyncio.Task[Any] | None:
        """Run `flow` under `key`. With `replace`, a flow still running under the key is
        cancelled; without, the running one is kept and `flow` is dropped. Returns the task
        that now runs under the key, or None once the window is closing."""
        running = self._tasks.get(key)
        if self.closing or (running is not None and not running.done() and not replace):
            flow.close()
            return None if self.closing else running
        if running is not None and not running.done():
            running.cancel()
        task = asyncio.get_running_loop().create_task(flow, name=f"flow:{key}")
        self._tasks[key] = task
        task.add_done_callback(lambda t: self._finished(key, t))
        return task

    def running(self, key: str) -> bool:
        task = self._tasks.get(key)
        return task is not None and not task.done()

    def cancel(self, key: str) -> None:
        task = self._tasks.get(key)
        if task is not None:
            task.cancel()

    def _finished(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:  # a flow's own errors are caught in the flow; this is a bug
            log.error("the %s flow failed", key, exc_info=error)
            if self._on_error is not None and not self.closing:
                self._on_error(key, error)

    async def close(self) -> None:
        """Cancel every flow and wait until each has unwound."""
        self.closing = True
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
