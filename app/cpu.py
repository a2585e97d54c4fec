"""One bounded pool for CPU-heavy work (image processing, PDF), off the event loop.

Bounding it also bounds memory: however many books run at once, only this many full-size
page images are being worked on at a time. Headless, the pool is threads (Pillow releases
the GIL while it decodes and encodes; memory stays in one process). Under the console it
is processes: PyMuPDF and NumPy-heavy steps hold the GIL, and in a thread they would
stall the window for hundreds of milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from app.domain import TransientError

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_pool: Executor | None = None
_size = 2
_processes = False


def configure(workers: int, processes: bool | None = None) -> None:
    """Set the pool's size (and kind); takes effect for the next pool created."""
    global _size, _pool, _processes
    with _lock:
        kind = _processes if processes is None else processes
        if _pool is not None and (workers != _size or kind != _processes):
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        _size, _processes = workers, kind


def _lower_priority() -> None:
    """Worker processes yield the CPU to the window: the operator's clicks come first."""
    import os

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


def _executor() -> Executor:
    global _pool
    with _lock:
        if _pool is None:
            if _processes:
                # spawn, not fork: the console process has threads (Qt, asyncio, I/O).
                _pool = ProcessPoolExecutor(
                    _size,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_lower_priority,
                )
            else:
                _pool = ThreadPoolExecutor(_size, thread_name_prefix="pressroom-cpu")
        return _pool


async def run_cpu(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run picklable CPU work (a module-level function or a method of a plain object).

    A worker process that dies (the kernel's OOM killer, a crash in a native library)
    breaks a ProcessPoolExecutor for good: the pool is replaced, and the work that was in it
    fails as transient, so its book is retried instead of failing with an internal error."""
    loop = asyncio.get_running_loop()
    pool = _executor()
    try:
        return await loop.run_in_executor(pool, functools.partial(fn, *args, **kwargs))
    except BrokenExecutor as exc:
        _replace_broken(pool)
        raise TransientError(
            "an image worker process stopped unexpectedly (out of memory?); the pool was "
            "restarted and the book will be retried"
        ) from exc


def _replace_broken(pool: Executor) -> None:
    """Drop `pool` if it is still the current one (another task may have replaced it)."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


_admissions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def whole_book_slot() -> asyncio.Semaphore:
    """Held while a whole book's pictures are in memory for one piece of CPU work (the
    PDF, the print files): however many books finish their pages together, only as many
    of them as the pool has workers hold their pages at once. (Per event loop.)"""
    loop = asyncio.get_running_loop()
    if loop not in _admissions:
        _admissions[loop] = asyncio.Semaphore(_size)
    return _admissions[loop]


def _noop() -> None:
    return None


def warm_up() -> None:
    """Start the pool's workers now (spawning processes takes a moment) rather than at
    the first job, while the operator is watching."""
    pool = _executor()
    for future in [pool.submit(_noop) for _ in range(_size)]:
        future.result()


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
