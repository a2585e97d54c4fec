"""A real SMTP server for the tests (aiosmtpd): an inbox that keeps what it received,
refuses one address, and checks a PLAIN login; `Mailbox` deduplicates by Message-ID as
mail providers do."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REFUSED = "nobody@example.com"


@dataclass
class Inbox:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, _: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"shop", b"s3cret")
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,  # the test server speaks plain SMTP; STARTTLS is the default
        auth_exclude_mechanism=["LOGIN"],  # PLAIN only: one answer per login attempt
    )
    controller.start()
    yield box, port
    controller.stop()


def start_inbox(box: Inbox, port: int) -> Controller:
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    return controller


def message_ids(box: Inbox) -> list[str]:
    return [
        str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])
        for _, _, raw in box.messages
    ]
