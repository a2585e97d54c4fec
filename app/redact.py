"""Secrets never leave as text: one registry of the values to hide (API keys, service
keys, passwords, and any key or password carried inside a configured URL — a gateway's
`?key=…`, a database URL's password), and one function that hides them. Errors are
redacted where they become text (PressroomError), and so are the log, the events, the
item's last_error, provenance and stderr."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus, urlsplit

MASK = "***"
_MIN_LENGTH = 4  # shorter values would mask ordinary words
_secrets: list[str] = []
_lock = threading.Lock()


_SECRET_PARAM = re.compile(r"key|token|secret|pass|sig|auth|credential", re.IGNORECASE)


def secrets_in_url(url: str | None) -> list[str]:
    """The password and the secret-looking query values of a URL (a gateway's `?key=…`,
    a DSN's password); ordinary parameters (`?alt=json`) are left alone."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [value for name, value in parse_qsl(parts.query) if _SECRET_PARAM.search(name)]
    for pair in parts.query.split("&"):  # as written too: `?key=A%2BB%2FC` stays encoded in logs
        name, _, raw = pair.partition("=")
        if raw and _SECRET_PARAM.search(unquote_plus(name)):
            found.append(raw)
    if parts.password:
        found += [parts.password, unquote(parts.password)]
    return list(dict.fromkeys(found))


def _spellings(value: str) -> set[str]:
    """A secret as it may appear in text: as it is, and percent-encoded as a URL carries it."""
    return {value, quote(value, safe=""), quote_plus(value, safe=""), quote(value)}


def register(values: Iterable[str | None]) -> None:
    with _lock:
        known = set(_secrets)
        for value in values:
            if value and len(value) >= _MIN_LENGTH:
                known.update(_spellings(value))
        _secrets[:] = sorted(known, key=len, reverse=True)  # longest first: no partial masks


def registered() -> list[str]:
    return list(_secrets)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_data(value: Any) -> Any:
    """`value` (JSON-like) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value
