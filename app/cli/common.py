"""What every `pressroom` command shares: exit statuses and the settings a command runs
with (the console's saved settings and keyring keys, the environment winning, then the
command's own options)."""

from __future__ import annotations

import argparse
import unicodedata

from app.config import Settings

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_FAILED = 0, 1, 2, 3


def terminal_safe(text: str) -> str:
    """`text` as one line a terminal only displays: line breaks and tabs become spaces, and
    every other control or format character (ESC and the ANSI/OSC sequences it starts,
    direction overrides) becomes U+FFFD. Names and errors come from customers' rows."""
    out = []
    for char in text:
        if char in "\r\n\t\v\f":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf") and char not in "\u200c\u200d":
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out)


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    for name in ("data_dir", "orders_at_once", "pages_at_once", "trim_size"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "review", False):
        overrides["review_mode"] = True
    if getattr(args, "poll_interval", None):
        overrides["poll_interval_ms"] = args.poll_interval
    from app.user_settings import load_settings

    # The console's saved settings (and keyring keys) apply here too; the environment wins.
    return load_settings(**overrides)
