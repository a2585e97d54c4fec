"""Every text a customer reads, in one place, ready for translation.

Keyed by language (ISO 639-1); English is complete and is the fallback. The in-app
notification keeps the old server's wording, which the mobile app's users already know.
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"

BOOK_READY_TITLE: dict[str, str] = {
    "en": "Your Book is Ready! \U0001f4da",
}
BOOK_READY_BODY: dict[str, str] = {
    "en": "\u201c{title}\u201d is ready to read and download.",
}


def text(table: dict[str, str], language: str | None = None, **values: str) -> str:
    """The text in `language` (or English), with `values` filled in."""
    template = table.get((language or DEFAULT_LANGUAGE).split("-")[0].lower())
    return (template or table[DEFAULT_LANGUAGE]).format(**values)


BOOK_READY_MAIL_SUBJECT: dict[str, str] = {
    "en": "{child}'s book is ready: {title}",
}
BOOK_READY_MAIL_TEXT: dict[str, str] = {
    "en": (
        "Hello,\n\n"
        "{child}'s own copy of \u201c{title}\u201d is ready to read and download:\n\n"
        "{link}\n\n"
        "{child} is the hero on the cover and on every page. We hope you enjoy it together.\n"
    ),
}
BOOK_READY_MAIL_HTML: dict[str, str] = {
    "en": (
        "<p>Hello,</p>"
        "<p><b>{child}</b>'s own copy of \u201c{title}\u201d is ready to read and download.</p>"
        "{cover}"
        '<p><a href="{link}">Open {child}\'s book</a></p>'
        "<p>{child} is the hero on the cover and on every page. "
        "We hope you enjoy it together.</p>"
    ),
}
