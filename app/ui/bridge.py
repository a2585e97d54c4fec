"""The bridge between the Qt-free core and the window.

The monitor runs in a QThread with its own asyncio loop (a SelectorEventLoop through
asyncio.Runner, as DESIGN.md advises), apart from the window's qasync loop. Core events
reach the window only as Qt signals (queued across threads). The window's flows await work
where it runs: coroutines (the Cover Lab's provider calls) on the monitor's loop, blocking
store work in a thread pool, PDF rendering in a preview process. Closing waits, without
blocking the window, for jobs in flight to be checkpointed and released.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from app.events import Event
from app.runtime import JobServices
from app.worker.monitor import Monitor, MonitorStatus

log = logging.getLogger(__name__)


class _LoopThread(QThread):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pressroom-monitor")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def run(self) -> None:
        with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
            runner.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.ready.set()
        await self._stop.wait()

    def quit_loop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)


class MonitorBridge(QObject):
    core_event = Signal(object)  # ProgressEvent | StatusEvent | MessageEvent
    running_changed = Signal(bool)

    def __init__(self, services: JobServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.monitor = Monitor(services)
        self._unsubscribe = services.events.subscribe(self._forward)
        self._thread = _LoopThread()
        self._thread.start()
        self._thread.ready.wait(10)
        self._run_future: concurrent.futures.Future[None] | None = None
        self._closed = False
        self._pool = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="pressroom-ui-io")
        # PDF rendering holds the GIL, so previews get their own process: they never stall
        # the window and never wait behind the books in the shared CPU pool.
        self._previews: concurrent.futures.ProcessPoolExecutor | None = None

    def _forward(self, event: Event) -> None:
        self.core_event.emit(event)

    # -- the monitor ---------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self._run_future is not None and not self._run_future.done()

    def status(self) -> MonitorStatus:
        return self.monitor.status()

    def start_monitor(self) -> None:
        if self.is_running:
            return
        assert self._thread.loop is not None
        self._run_future = asyncio.run_coroutine_threadsafe(self.monitor.run(), self._thread.loop)
        self._run_future.add_done_callback(self._on_monitor_done)
        self.running_changed.emit(True)

    def _on_monitor_done(self, future: concurrent.futures.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.error("the monitor stopped with an error", exc_info=future.exception())
        self.running_changed.emit(False)

    def stop_monitor(self) -> None:
        """Ask the monitor to stop; its jobs are checkpointed and released (see `stopped`)."""
        loop = self._thread.loop
        if loop is not None and self.is_running:
            loop.call_soon_threadsafe(self.monitor.stop)

    async def stopped(self, timeout: float = 30.0) -> None:
        """Wait until the monitor has stopped and released its jobs."""
        if self._run_future is None or self._run_future.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._run_future)), timeout)
        except Exception:
            log.warning("the monitor did not stop cleanly", exc_info=True)

    def wake(self) -> None:
        loop = self._thread.loop
        if loop is not None:
            loop.call_soon_threadsafe(self.monitor.wake)

    def resume(self) -> None:
        loop = self._thread.loop
        if loop is not None:
            loop.call_soon_threadsafe(self.monitor.resume)

    # -- running work (awaited by the console's flows on the GUI thread's loop) --------------
    def _open(self) -> None:
        if self._closed:  # the window is closing: the flow asking is being cancelled anyway
            raise asyncio.CancelledError

    async def on_monitor_loop(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the monitor's loop and wait for its result."""
        self._open()
        assert self._thread.loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._thread.loop))

    async def run_blocking(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking work (store, blobs, small image work) in the thread pool."""
        self._open()
        return await asyncio.wrap_future(self._pool.submit(fn, *args))

    async def run_preview(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a picklable rendering function in the preview process."""
        self._open()
        if self._previews is None:
            self._previews = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn")
            )
        return await asyncio.wrap_future(self._previews.submit(fn, *args))

    async def aclose(self, timeout: float = 30.0) -> None:
        """Stop the monitor (jobs checkpointed, leases released), then the loop and pools.
        The caller cancels its flows first, so nothing is waiting on them."""
        if self._closed:
            return
        self._closed = True
        self.stop_monitor()
        await self.stopped(timeout)
        self._unsubscribe()
        # A thread of its own, not the loop's default executor: qasync's executor threads
        # would outlive the window.
        loop = asyncio.get_running_loop()
        closed: asyncio.Future[None] = loop.create_future()

        def close() -> None:
            try:
                self._close_threads(timeout)
            finally:
                loop.call_soon_threadsafe(closed.set_result, None)

        threading.Thread(target=close, name="pressroom-close", daemon=True).start()
        await closed

    def _close_threads(self, timeout: float) -> None:
        self._thread.quit_loop()
        self._thread.wait(int(timeout * 1000))
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._previews is not None:
            self._previews.shutdown(wait=True, cancel_futures=True)
