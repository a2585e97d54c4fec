"""The dispatcher: delivers the outbox's e-mails and pushes beside the monitor (console,
`worker`, `serve`). Each delivery is claimed with a lease, sent, then settled: sent; failed
for good with the reason (a refused recipient, no device); or retried with doubling waits
until PRESSROOM_NOTIFY_MAX_ATTEMPTS, then given up. A delivery whose sender stopped after
sending began comes back `interrupted` and is sent again with the same Message-ID /
collapse key, so mail clients and devices that deduplicate show it once — and the
delivery says it was resent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Protocol

from app.config import Settings
from app.customer_texts import BOOK_READY_BODY, text
from app.domain import Delivery, OrderItem, PermanentError, PressroomError
from app.events import EventBus
from app.names import replace_hero_name
from app.notify.email import (
    BookReadyMail,
    SmtpServer,
    build_message,
    send,
    server_from,
)
from app.notify.push import FcmClient, PushMessage, Unregistered, load_service_account
from app.orders.contact import email_problem
from app.store.ports import READY_TITLE, BlobNotFound, BlobStore, OrderStore

log = logging.getLogger(__name__)
RESENT = "resent after an interrupted attempt (same key: shown once where the channel deduplicates)"


@dataclass(frozen=True)
class Context:
    """What a delivery says, read from the stores."""

    item: OrderItem
    title: str
    link: str
    cover: bytes | None


class Channel(Protocol):
    name: str

    def deliver(self, delivery: Delivery, context: Context) -> str:
        """Send; returns what was done in words. Raises PermanentError / TransientError."""
        ...


class EmailChannel:
    name = "email"

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    def deliver(self, delivery: Delivery, context: Context) -> str:
        to = context.item.customer_email
        if not to:
            raise PermanentError("the order has no e-mail address")
        wrong = email_problem(to)  # a row the app wrote: checked as the door checks
        if wrong:
            raise PermanentError(wrong)
        who = context.item.personalization
        mail = BookReadyMail(
            to=to,
            child_name=who.child_name,
            book_title=context.title,
            link=context.link,
            idempotency_key=delivery.idempotency_key,
            cover_jpeg=context.cover,
            language=who.language,
        )
        send(build_message(mail, self.server.sender), self.server)
        return f"e-mailed {to}"


class PushChannel:
    name = "push"

    def __init__(self, client: FcmClient, store: OrderStore) -> None:
        self.client, self.store = client, store

    def deliver(self, delivery: Delivery, context: Context) -> str:
        customer = context.item.customer_id
        tokens = self.store.device_tokens(customer)
        if not tokens:
            raise PermanentError("the customer has no device registered for push")
        body = text(BOOK_READY_BODY, context.item.personalization.language, title=context.title)
        sent, removed = 0, 0
        for token in tokens:
            message = PushMessage(
                token,
                READY_TITLE,
                body,
                delivery.idempotency_key,
                {"order_item_id": context.item.id, "pdf_url": context.link},
            )
            try:
                self.client.send(message)
                sent += 1
            except Unregistered:
                self.store.remove_device_token(token)
                removed += 1
        if not sent:
            raise PermanentError(f"no registered device took it ({removed} stale token(s) removed)")
        return f"pushed to {sent} device(s)" + (
            f", {removed} stale token(s) removed" if removed else ""
        )


def delivery_line(d: Delivery) -> str:
    """One delivery as operators read it: channel, state, tries, and why."""
    when = f" {d.sent_at:%Y-%m-%d %H:%M}" if d.sent_at and d.status == "sent" else ""
    tries = f", {d.attempts} tr{'y' if d.attempts == 1 else 'ies'}" if d.attempts else ""
    why = f" — {d.last_error}" if d.last_error else ""
    return f"{d.channel}: {d.status}{when}{tries}{why}"


def configured_channels(settings: Settings, store: OrderStore) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.smtp_host:
        channels["email"] = EmailChannel(server_from(settings))
    if settings.fcm_service_account is not None:
        info = load_service_account(settings.fcm_service_account)
        channels["push"] = PushChannel(FcmClient(info, settings.fcm_base_url), store)
    return channels


class Dispatcher:
    def __init__(
        self,
        store: OrderStore,
        blobs: BlobStore,
        channels: dict[str, Channel],
        settings: Settings,
        worker_id: str,
        events: EventBus | None = None,
        lease_seconds: float = 120.0,
    ) -> None:
        self.store, self.blobs, self.channels = store, blobs, channels
        self.settings, self.worker_id = settings, worker_id
        self.events = events or EventBus()
        self.lease_seconds = lease_seconds

    def enable(self) -> None:
        if self.channels:
            self.store.enable_channels(sorted(self.channels))

    def run_once(self) -> int:
        """Deliver what is due now; how many were tried."""
        claimed = self.store.claim_deliveries(
            self.worker_id, sorted(self.channels), 10, self.lease_seconds
        )
        for delivery in claimed:
            self.deliver(delivery)
        return len(claimed)

    async def run(self, stopping: asyncio.Event, every: float = 2.0) -> None:
        while not stopping.is_set():
            try:
                busy = await asyncio.to_thread(self.run_once)
            except PressroomError as exc:  # the store is down: try again later
                log.warning("notifications: %s", exc)
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), every)

    def _context(self, item_id: str) -> Context:
        item = self.store.get_item(item_id)
        book = self.store.item_book(item_id)
        title = replace_hero_name(book.title, book.hero_name, item.personalization.child_name)
        try:  # the cover as published (app.store.item_files.storage_keys)
            cover = self.blobs.get(f"covers/{item.customer_id}/{item.id}.jpg")
        except BlobNotFound:
            cover = None
        return Context(item, title, item.pdf_url or "", cover)

    def deliver(self, delivery: Delivery) -> Delivery | None:
        channel = self.channels[delivery.channel]
        note = RESENT if delivery.interrupted else None
        try:
            said = channel.deliver(delivery, self._context(delivery.item_id))
        except PermanentError as exc:
            return self._settle(delivery, "failed", str(exc))
        except Exception as exc:  # transient: a server down, a timeout, a 5xx, an outage
            reason = str(exc) if isinstance(exc, PressroomError) else f"{type(exc).__name__}: {exc}"
            if delivery.attempts >= self.settings.notify_max_attempts:
                return self._settle(
                    delivery, "failed", f"gave up after {delivery.attempts} attempts: {reason}"
                )
            wait = self.settings.notify_retry_seconds * 2 ** (delivery.attempts - 1)
            return self._settle(delivery, "retry", reason, wait)
        self.events.message(logging.INFO, f"{delivery.channel}: {said}", delivery.item_id)
        return self._settle(delivery, "sent", note)

    def _settle(
        self, delivery: Delivery, outcome: str, error: str | None, wait: float = 0.0
    ) -> Delivery | None:
        if outcome != "sent":
            level = logging.WARNING if outcome == "failed" else logging.INFO
            self.events.message(level, f"{delivery.channel} {outcome}: {error}", delivery.item_id)
        return self.store.settle_delivery(delivery.id, self.worker_id, outcome, error, wait)
