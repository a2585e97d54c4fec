"""The outbox delivered by the dispatcher, against a real SMTP server: sent once, a
refused recipient failed with its reason, a server that is down retried until it comes
back, retries given up, and a crash between sending and recording (the process killed)
resent with the same Message-ID and said so."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.config import Settings
from app.domain import Personalization
from app.notify.dispatcher import RESENT, Dispatcher, configured_channels
from app.store.embedded import EmbeddedOrderStore
from app.store.folder import FolderBlobStore
from tests.conftest import complete_an_order, make_settings
from tests.fakes.smtp import REFUSED, Inbox, free_port, message_ids, start_inbox


def completed_item(store: EmbeddedOrderStore, email: str = "grace@example.com") -> str:
    """A book completed with e-mail enabled: its delivery is in the outbox."""
    return complete_an_order(store, email=email, channels=("email",))


def settings_for(tmp_path: Path, port: int, **values: object) -> Settings:
    return make_settings(
        tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
        notify_retry_seconds=0, **values,
    )  # fmt: skip


def dispatcher(settings: Settings, store: EmbeddedOrderStore, lease: float = 60) -> Dispatcher:
    blobs = FolderBlobStore(settings.data_dir / "blobs")
    return Dispatcher(
        store, blobs, configured_channels(settings, store), settings, "w1", lease_seconds=lease
    )


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedOrderStore:
    return EmbeddedOrderStore(tmp_path / "data" / "pressroom.sqlite3")


def test_a_completed_book_is_e_mailed_once(
    tmp_path: Path, store: EmbeddedOrderStore, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    item_id = completed_item(store)
    [pending] = store.deliveries(item_id)
    assert (pending.channel, pending.status, pending.idempotency_key) == (
        "email",
        "pending",
        f"{item_id}:email",
    )
    runner = dispatcher(settings_for(tmp_path, port), store)
    assert runner.run_once() == 1
    assert runner.run_once() == 0  # nothing more to do
    [sent] = store.deliveries(item_id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    assert len(box.messages) == 1 and box.messages[0][1] == ["grace@example.com"]


def test_a_refused_recipient_fails_at_once_with_the_reason(
    tmp_path: Path, store: EmbeddedOrderStore, inbox: tuple[Inbox, int]
) -> None:
    _, port = inbox
    item_id = completed_item(store, email=REFUSED)
    dispatcher(settings_for(tmp_path, port), store).run_once()
    [failed] = store.deliveries(item_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error is not None and "refused the recipient" in failed.last_error


@pytest.mark.parametrize(
    "address", ["not-an-email", "x@y.example,second@example.com", "ada@example.com\r\nBcc: e@x.org"]
)
def test_a_stored_address_that_is_not_one_mailbox_fails_at_once_unsent(
    tmp_path: Path, store: EmbeddedOrderStore, inbox: tuple[Inbox, int], address: str
) -> None:
    """A row the app wrote is not checked at any door: the delivery checks it, and fails
    for good on the first try — no retries for a quarter of an hour, nothing sent."""
    box, port = inbox
    item_id = completed_item(store, email=address)
    dispatcher(settings_for(tmp_path, port), store).run_once()
    [failed] = store.deliveries(item_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error is not None and "cannot receive the book" in failed.last_error
    assert box.messages == []


def test_a_server_that_is_down_is_retried_until_it_comes_back(
    tmp_path: Path, store: EmbeddedOrderStore
) -> None:
    port = free_port()  # nobody listens yet
    item_id = completed_item(store)
    runner = dispatcher(settings_for(tmp_path, port), store)
    runner.run_once()
    [waiting] = store.deliveries(item_id)
    assert waiting.status == "pending" and waiting.attempts == 1
    assert (
        waiting.last_error is not None
        and f"cannot deliver through 127.0.0.1:{port}" in waiting.last_error
    )
    box = Inbox()
    controller = start_inbox(box, port)
    try:
        runner.run_once()
    finally:
        controller.stop()
    [sent] = store.deliveries(item_id)
    assert sent.status == "sent" and sent.attempts == 2 and len(box.messages) == 1


def test_retries_are_given_up_after_the_last_attempt(
    tmp_path: Path, store: EmbeddedOrderStore
) -> None:
    item_id = completed_item(store)
    runner = dispatcher(settings_for(tmp_path, free_port(), notify_max_attempts=3), store)
    for _ in range(5):
        runner.run_once()
    [given_up] = store.deliveries(item_id)
    assert given_up.status == "failed" and given_up.attempts == 3
    assert given_up.last_error is not None and given_up.last_error.startswith(
        "gave up after 3 attempts:"
    )


def test_the_retry_waits_double(tmp_path: Path, store: EmbeddedOrderStore) -> None:
    item_id = completed_item(store)
    runner = dispatcher(
        settings_for(tmp_path, free_port()).model_copy(update={"notify_retry_seconds": 30.0}), store
    )
    runner.run_once()
    [waiting] = store.deliveries(item_id)
    assert waiting.next_at is not None
    assert 25 < waiting.next_at.timestamp() - time.time() <= 30
    assert runner.run_once() == 0  # not due yet


CRASHING = """
import os, sys
from pathlib import Path
from app.store.embedded import EmbeddedOrderStore
from app.store.folder import FolderBlobStore
from app.notify.dispatcher import Dispatcher, configured_channels
from tests.conftest import make_settings

data = Path(sys.argv[1])
port = int(sys.argv[2])
settings = make_settings(data.parent, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
store = EmbeddedOrderStore(data / "pressroom.sqlite3")
store.settle_delivery = lambda *a, **k: os._exit(9)  # killed after sending, before recording
channels = configured_channels(settings, store)
blobs = FolderBlobStore(data / "blobs")
runner = Dispatcher(store, blobs, channels, settings, "doomed", lease_seconds=1)
runner.run_once()
"""


def test_a_crash_between_sending_and_recording_resends_the_same_message_visibly(
    tmp_path: Path, store: EmbeddedOrderStore, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    item_id = completed_item(store)
    root = Path(__file__).resolve().parents[3]
    killed = subprocess.run(
        [sys.executable, "-c", CRASHING, str(tmp_path / "data"), str(port)],
        cwd=root,
        timeout=60,
        check=False,
    )
    assert killed.returncode == 9
    [stuck] = store.deliveries(item_id)
    assert stuck.status == "sending" and len(box.messages) == 1  # sent, never recorded
    time.sleep(1.2)  # the dead worker's lease runs out
    dispatcher(settings_for(tmp_path, port), store).run_once()
    [resent] = store.deliveries(item_id)
    assert resent.status == "sent" and resent.interrupted == 1 and resent.last_error == RESENT
    ids = message_ids(box)
    assert (
        len(ids) == 2 and len(set(ids)) == 1
    )  # one message as any inbox that deduplicates sees it


def test_the_monitor_e_mails_a_finished_book_with_its_cover(
    tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    import asyncio
    import email
    import email.policy

    from app.events import EventBus
    from app.runtime import build_services
    from app.worker.monitor import Monitor
    from tests.conftest import save_small_book, upload_photo

    box, port = inbox
    services = build_services(settings_for(tmp_path, port, poll_interval_ms=200), EventBus())
    book = save_small_book(services, pages=2)
    from app.catalog import demo_photo

    photo = upload_photo(services.blobs, "cust-1", demo_photo("child-ada.jpg"))
    _, [item] = services.store.place_order(
        "cust-1", [(book.id, Personalization("Ada", 5, "girl", photo))], paid=True,
        customer_email="grace@example.com",
    )  # fmt: skip

    async def scenario() -> None:
        monitor = Monitor(services, "w")
        runner = asyncio.create_task(monitor.run())
        for _ in range(600):
            if box.messages:
                break
            await asyncio.sleep(0.05)
        monitor.stop()
        await runner

    asyncio.run(scenario())
    services.store.close()
    [(_, to, raw)] = box.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert to == ["grace@example.com"] and "Ada" in str(message["Subject"])
    assert any(part.get_content_type() == "image/jpeg" for part in message.walk())  # the cover
    assert str(message["Message-ID"]).startswith(f"<{item.id}")


def test_status_shows_each_delivery_and_resend_sends_again(
    tmp_path: Path,
    store: EmbeddedOrderStore,
    inbox: tuple[Inbox, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli.main import main

    _, port = inbox
    item_id = completed_item(store, email=REFUSED)
    dispatcher(settings_for(tmp_path, port), store).run_once()
    assert main(["status", "--data-dir", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "email: failed, 1 try — the mail server refused the recipient" in out
    assert main(["resend", item_id[:8], "--data-dir", str(tmp_path / "data")]) == 0
    assert capsys.readouterr().out.strip() == "email: will be sent again"
    [again] = store.deliveries(item_id)
    assert again.status == "pending"
