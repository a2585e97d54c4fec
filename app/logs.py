"""Logging: a rotating file with full detail (tracebacks included), short lines on the
console, secrets (API and service keys) redacted from both — and no child's or customer's
name or e-mail in either: every one the process has read (app/store/codec.py registers
them as items are read) is written as [name], so a log never needs rewriting after an
erasure. Items are named by their ids."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from app.config import default_log_dir
from app.redact import redact, register, registered

CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


class RedactSecrets(logging.Filter):
    """Masks every registered secret (app/redact.py) in the message and the traceback."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        register(secrets)

    @property
    def secrets(self) -> list[str]:
        return registered()

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = registered()
        if not secrets:
            return True
        message = record.getMessage()
        text = message + (self._exc_text(record) or "")
        if any(s in text for s in secrets):
            record.msg, record.args = redact(message), None
            if record.exc_info:
                record.exc_text = redact(self._exc_text(record) or "")
                record.exc_info = None
        return True

    @staticmethod
    def _exc_text(record: logging.LogRecord) -> str | None:
        if record.exc_info:
            return logging.Formatter().formatException(record.exc_info)
        return record.exc_text


PERSONAL_MARK = "[name]"
_MAX_PERSONAL = 100_000  # the oldest are forgotten first: bounded memory in a long worker
_personal: dict[str, None] = {}  # an ordered set of words and e-mail addresses
_values_seen: dict[str, None] = {}  # the values as given, already split into _personal
_personal_lock = threading.Lock()
# a log line read as e-mail addresses and words, each looked up once: linear in the line,
# however many names the process has met
_TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\w+")


def register_personal(values: Iterable[str | None]) -> None:
    """Names and addresses that must never reach a log line: an address whole, a name word
    by word ("Grace Okafor" hides both words wherever they stand)."""
    fresh = [v for v in values if v and v not in _values_seen]
    if not fresh:  # every item read comes here: the common case costs a lookup
        return
    words: list[str] = []
    for value in fresh:
        words += [value.strip()] if "@" in value else _TOKEN.findall(value)
    with _personal_lock:
        if len(_values_seen) > _MAX_PERSONAL:
            _values_seen.clear()
        _values_seen.update(dict.fromkeys(fresh))
        for word in words:
            if len(word) >= 2 and word not in _personal:
                _personal[word] = None
        while len(_personal) > _MAX_PERSONAL:
            _personal.pop(next(iter(_personal)))


def hide_personal(text: str) -> str:
    if not _personal:
        return text
    return _TOKEN.sub(lambda m: PERSONAL_MARK if m.group(0) in _personal else m.group(0), text)


class HidePersonal(logging.Filter):
    """Writes every registered name and e-mail address as [name], traceback included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _personal:
            return True
        message = record.getMessage()
        hidden = hide_personal(message)
        trace = RedactSecrets._exc_text(record)
        if hidden != message or (trace and hide_personal(trace) != trace):
            record.msg, record.args = hidden, None
            if trace:
                record.exc_text, record.exc_info = hide_personal(trace), None
        return True


def _private(path: Path) -> None:
    with contextlib.suppress(OSError):  # a file someone else owns: the folder is private
        path.chmod(0o600)


def setup_logging(
    secrets: Iterable[str] = (),
    *,
    console_level: int = logging.WARNING,
    log_dir: Path | None = None,
) -> Path:
    """Configure the root logger; returns the log file's path."""
    folder = log_dir or default_log_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # private to the user
    path = folder / "pressroom.log"
    path.touch(mode=0o600, exist_ok=True)
    _private(path)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pressroom", False):
            root.removeHandler(handler)
            handler.close()
    redact = RedactSecrets(list(secrets))
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
    file_handler.setLevel(logging.DEBUG)
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter(CONSOLE_FORMAT, "%H:%M:%S"))
    console.setLevel(console_level)
    handlers: list[logging.Handler] = [file_handler, console]
    for handler in handlers:
        handler.addFilter(redact)
        handler.addFilter(HidePersonal())
        handler._pressroom = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for noisy in ("PIL", "httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
