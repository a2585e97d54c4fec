"""The e-mail channel: the "your book is ready" message and its delivery over SMTP.

The message is multipart/alternative — plain text, and HTML with the personalized cover
as an inline image (multipart/related, referenced by Content-ID) — in the customer's
language where the order carries one (texts in app/customer_texts.py). Its Message-ID is
derived from the delivery's idempotency key, so a message sent twice after a crash is the
same message to every server and mail client that deduplicates by Message-ID.

Delivery errors are classified the way the rest of Pressroom classifies them: a refused
recipient or a refused login is permanent (retrying will not help; the reason is kept), a
server that cannot be reached or answers 4xx is transient (retried with backoff).
"""

from __future__ import annotations

import html
import io
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from PIL import Image

from app.config import Settings
from app.customer_texts import (
    BOOK_READY_MAIL_HTML,
    BOOK_READY_MAIL_SUBJECT,
    BOOK_READY_MAIL_TEXT,
    text,
)
from app.domain import PermanentError, TransientError

Security = Literal["starttls", "ssl", "none"]
THUMBNAIL_SIDE = 480  # px: enough for a phone's mail app, small enough for every inbox


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security = "starttls"
    user: str | None = None
    password: str | None = None
    sender: str = "Pressroom <books@localhost>"
    timeout: float = 30.0


@dataclass(frozen=True)
class BookReadyMail:
    to: str
    child_name: str
    book_title: str
    link: str  # the (signed) link to the book's PDF
    idempotency_key: str  # one per item and channel: the outbox's key
    cover_jpeg: bytes | None = None
    language: str | None = None


def message_id(idempotency_key: str, sender: str) -> str:
    """A Message-ID that is the same every time this delivery is sent."""
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "pressroom.local"
    safe = "".join(c if c.isalnum() or c in "-." else "-" for c in idempotency_key)
    return f"<{safe}@{domain}>"


def _thumbnail(cover_jpeg: bytes) -> bytes:
    with Image.open(io.BytesIO(cover_jpeg)) as img:
        img.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        small = img.convert("RGB")
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=85)
        return out.getvalue()


def build_message(mail: BookReadyMail, sender: str) -> EmailMessage:
    values = {"child": mail.child_name, "title": mail.book_title, "link": mail.link}
    message = EmailMessage()
    message["Subject"] = text(BOOK_READY_MAIL_SUBJECT, mail.language, **values)
    message["From"] = sender
    message["To"] = mail.to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id(mail.idempotency_key, sender)
    message.set_content(text(BOOK_READY_MAIL_TEXT, mail.language, **values))
    escaped = {k: html.escape(v, quote=True) for k, v in values.items()}
    cover = ""
    if mail.cover_jpeg:
        cover = (
            f'<p><img src="cid:cover" alt="{escaped["title"]}" width="{THUMBNAIL_SIDE // 2}"></p>'
        )
    message.add_alternative(
        text(BOOK_READY_MAIL_HTML, mail.language, cover=cover, **escaped), subtype="html"
    )
    if mail.cover_jpeg:
        html_part = message.get_payload()[1]  # type: ignore[index]
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            _thumbnail(mail.cover_jpeg), "image", "jpeg", cid="<cover>", filename="cover.jpg"
        )
    return message


def server_from(settings: Settings, timeout: float = 30.0) -> SmtpServer:
    """The mail server the settings name (SMTP_HOST must be set)."""
    assert settings.smtp_host
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpServer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_security,
        settings.smtp_user,
        password,
        settings.smtp_from,
        timeout,
    )


@contextmanager
def session(server: SmtpServer) -> Iterator[smtplib.SMTP]:
    """Connected, secured as configured, logged in; smtplib's errors pass through."""
    if server.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=server.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    with smtp:
        if server.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if server.user:
            smtp.login(server.user, server.password or "")
        yield smtp


def send(message: EmailMessage, server: SmtpServer) -> None:
    """Deliver `message`; raises PermanentError or TransientError with a sentence."""
    where = f"{server.host}:{server.port}"
    try:
        with session(server) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(
            f"{to}: {code} {_said(why)}" for to, (code, why) in exc.recipients.items()
        )
        raise PermanentError(f"the mail server refused the recipient ({refused})") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentError(
            f"the mail server at {where} refused the login: {exc.smtp_code} {_said(exc.smtp_error)}"
        ) from None
    except smtplib.SMTPResponseException as exc:
        reason = f"{exc.smtp_code} {_said(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            raise TransientError(f"the mail server at {where} said: {reason}") from None
        raise PermanentError(f"the mail server at {where} said: {reason}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(f"cannot deliver through {where}: {exc}") from None


def _said(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer
