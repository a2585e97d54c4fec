"""Logging: a rotating file with full detail (tracebacks included), short lines on the
console, and secrets (API and service keys) redacted from both."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
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
        handler._pressroom = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for noisy in ("PIL", "httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
