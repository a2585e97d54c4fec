"""The e-mail channel against a real SMTP server (aiosmtpd) run in the test: the message's
MIME structure and inline cover read back from what the server received, login, a refused
recipient, a server that is down, and a Message-ID that is the same on every resend."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest

from app.catalog import demo_photo
from app.domain import PermanentError, TransientError
from app.notify.email import BookReadyMail, SmtpServer, build_message, message_id, send
from tests.fakes.smtp import REFUSED, Inbox, free_port


def mail(to: str = "grace@example.com") -> BookReadyMail:
    return BookReadyMail(
        to=to,
        child_name="Ada",
        book_title="Ada and the Moon Boat",
        link="https://p.supabase.co/storage/v1/object/sign/books/x.pdf?token=t",
        idempotency_key="item-123:email",
        cover_jpeg=demo_photo("child-ada.jpg"),
    )


def server(port: int, **values: Any) -> SmtpServer:
    return SmtpServer(
        "127.0.0.1", port, security="none", sender="Shop <books@shop.example>", **values
    )


def test_the_message_arrives_multipart_with_the_cover_inline(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    send(
        build_message(mail(), "Shop <books@shop.example>"),
        server(port, user="shop", password="s3cret"),
    )
    [(sender, recipients, raw)] = box.messages
    assert sender == "books@shop.example" and recipients == ["grace@example.com"]
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == "Ada's book is ready: Ada and the Moon Boat"
    assert received["Message-ID"] == "<item-123-email@shop.example>"
    assert received.get_content_type() == "multipart/alternative"
    plain, related = received.get_payload()  # type: ignore[misc]
    assert plain.get_content_type() == "text/plain"
    assert "https://p.supabase.co/storage/v1/object/sign/books/x.pdf?token=t" in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert 'src="cid:cover"' in html_part.get_content() and "<b>Ada</b>" in html_part.get_content()
    assert image.get_content_type() == "image/jpeg" and image["Content-ID"] == "<cover>"
    assert image.get_content()[:2] == b"\xff\xd8"


def test_a_resend_is_the_same_message_to_a_deduplicating_server() -> None:
    first = build_message(mail(), "Shop <books@shop.example>")
    again = build_message(mail(), "Shop <books@shop.example>")
    assert (
        first["Message-ID"] == again["Message-ID"] == message_id("item-123:email", "b@shop.example")
    )


def test_a_wrong_login_and_a_refused_recipient_are_permanent(inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    with pytest.raises(PermanentError, match="refused the login: 535"):
        send(build_message(mail(), "b@shop.example"), server(port, user="shop", password="wrong"))
    with pytest.raises(PermanentError, match=r"refused the recipient \(nobody@example.com: 550"):
        send(build_message(mail(REFUSED), "b@shop.example"), server(port))
    assert box.messages == []


def test_a_server_that_is_down_is_transient_and_named() -> None:
    port = free_port()  # nobody listens
    with pytest.raises(TransientError, match=f"cannot deliver through 127.0.0.1:{port}"):
        send(build_message(mail(), "b@shop.example"), server(port, timeout=2))
