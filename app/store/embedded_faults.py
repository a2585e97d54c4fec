"""SQLite's faults as sentences, as the folder store's write faults already are: a database
locked by another program, a full disk, a damaged file, one that cannot be opened. Every
public method of the embedded store passes through `speaking`, so no caller meets a bare
sqlite3 error ("unexpected error"). A lock or a full disk is transient (the item is
retried once the operator has acted); a damaged file is not."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from app.domain import PressroomError, TransientError

T = TypeVar("T")


def sqlite_fault(exc: sqlite3.Error, path: Path) -> PressroomError:
    message = str(exc)
    said = message.lower()
    if "locked" in said or "busy" in said:
        return TransientError(
            f"the store {path} is locked by another program (a second Pressroom writing to "
            "it through another copy, a backup or a database browser): close it; "
            "Pressroom retries"
        )
    if "disk is full" in said or "disk full" in said:
        return TransientError(
            f"the disk holding {path.parent} is full: free some space; Pressroom retries"
        )
    if "readonly" in said or "read-only" in said:
        return PressroomError(
            f"the data folder {path.parent} is read-only here, so nothing can be changed: "
            "make it writable (commands that only read still work)"
        )
    if "not a database" in said or "malformed" in said or "corrupt" in said:
        return PressroomError(
            f"the store {path} is damaged ({message}): restore it from a backup, or move it "
            "aside and Pressroom starts an empty one"
        )
    if "unable to open" in said:
        return PressroomError(
            f"cannot open the store {path} ({message}): check that the data folder exists and "
            "Pressroom's user may read it"
        )
    return PressroomError(f"the store {path} failed ({message})")


def _speaking(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise sqlite_fault(exc, self.path) from exc

    return call


C = TypeVar("C", bound=type)


def speaking(cls: C) -> C:
    """`cls` with every public method's sqlite3 errors said as sentences (its mixins'
    methods too)."""
    seen: set[str] = set()
    for klass in cls.__mro__[:-1]:  # not object's
        for name, value in list(vars(klass).items()):
            plain = not isinstance(value, staticmethod | classmethod | property | type)
            if name in seen or name.startswith("_") or not callable(value) or not plain:
                continue
            seen.add(name)
            setattr(cls, name, _speaking(value))
    return cls
