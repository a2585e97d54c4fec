"""A customer's e-mail address checked as the door checks it, and again before a book is
mailed to an address a row of the app's carries: one mailbox (email-validator's syntax
rules, no DNS)."""

from __future__ import annotations


def email_problem(address: str) -> str | None:
    """Why `address` cannot receive the book (one mailbox, no line breaks, at most 254
    characters, a domain with a dot: email-validator's syntax rules, no DNS), or None."""
    from email_validator import EmailNotValidError, validate_email

    shown = address if len(address) <= 60 else address[:57] + "…"
    shown = shown.encode("unicode_escape").decode("ascii") if not shown.isprintable() else shown
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"the e-mail address {shown!r} cannot receive the book: {exc}"
    return None
