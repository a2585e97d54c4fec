"""The outbox on both stores: the transaction that completes an item records one delivery
per enabled channel, and the claim / settle / resend cycle the dispatcher relies on."""

from __future__ import annotations

import uuid

from app.domain import Book, Page
from tests.conftest import complete_an_order
from tests.integration.conftest import Backend

BOOK = Book("b1", "Leo Sails", "", "", "Leo", "c.jpg", (Page(1, "p.jpg", "Leo sails."),))


def complete_one(backend: Backend) -> str:
    return complete_an_order(backend.store, str(uuid.uuid4()))


def test_completing_records_one_delivery_per_enabled_channel(backend: Backend) -> None:
    store = backend.store
    before = complete_one(backend)
    assert store.deliveries(before) == []  # no channel enabled then
    store.enable_channels(["email", "push"])
    item_id = complete_one(backend)
    deliveries = store.deliveries(item_id)
    assert [(d.channel, d.status, d.idempotency_key) for d in deliveries] == [
        ("email", "pending", f"{item_id}:email"),
        ("push", "pending", f"{item_id}:push"),
    ]


def test_claim_settle_and_resend(backend: Backend) -> None:
    store = backend.store
    store.enable_channels(["email", "push"])
    item_id = complete_one(backend)
    assert store.outbox_backlog() == 2  # e-mail and push, due
    [email] = store.claim_deliveries("w1", ["email"], 10, 60)
    assert store.outbox_backlog() == 2  # one of them being sent: not done yet
    assert (email.channel, email.status, email.attempts) == ("email", "sending", 1)
    assert store.claim_deliveries("w2", ["email"], 10, 60) == []  # held by w1
    assert store.settle_delivery(email.id, "w2", "sent") is None  # not w2's to settle
    waiting = store.settle_delivery(email.id, "w1", "retry", "the server is down", 0.0)
    assert (
        waiting is not None
        and waiting.status == "pending"
        and waiting.last_error == "the server is down"
    )
    [again] = store.claim_deliveries("w1", ["email"], 10, 60)
    assert again.attempts == 2
    sent = store.settle_delivery(again.id, "w1", "sent")
    assert sent is not None and sent.status == "sent" and sent.sent_at is not None
    assert store.outbox_backlog() == 1  # push is still due
    resent = store.resend_delivery(sent.id)
    assert resent is not None and resent.status == "pending"
    push = next(d for d in store.deliveries(item_id) if d.channel == "push")
    assert push.status == "pending"  # nobody serves push here


def test_device_tokens(backend: Backend) -> None:
    store = backend.store
    store.add_device_token("cust", "phone")
    store.add_device_token("cust", "tablet")
    store.add_device_token("other", "laptop")
    assert store.device_tokens("cust") == ["phone", "tablet"]
    store.remove_device_token("phone")
    assert store.device_tokens("cust") == ["tablet"]
