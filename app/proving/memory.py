"""Fewer malloc arenas, so memory freed by image work goes back to be reused.

glibc gives each thread that allocates under contention an arena of its own (up to eight
per core); Pillow's and NumPy's large buffers freed in one arena are not reused by another,
so a worker with a thread pool grows to the sum of every thread's peak. Two arenas keep
the peak near what is really in use: 20 books at once measured 494 MB with glibc's default
and 406 MB with two (`pressroom bench`). Must run before the threads start; a no-op where
libc is not glibc (macOS, Windows, musl).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h
ARENAS = 2


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Whether the cap was set (the MALLOC_ARENA_MAX environment variable wins)."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc
        return False
