"""One bounded thread pool for CPU-heavy work (image processing, PDF), off the event loop.

Bounding it also bounds memory: however many books run at once, only this many full-size
page images are being worked on at a time.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_size = 2


def configure(workers: int) -> None:
    """Set the pool size; takes effect for the next pool created."""
    global _size, _pool
    with _lock:
        if _pool is not None and workers != _size:
            _pool.shutdown(wait=False)
            _pool = None
        _size = workers


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_size, thread_name_prefix="pressroom-cpu")
        return _pool


async def run_cpu(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(fn, *args, **kwargs))
