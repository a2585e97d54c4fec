"""Push through FCM's HTTP v1 API, against a fake that speaks it (the service account's
OAuth token exchange included): delivered to every device of the customer with the
collapse key, an UNREGISTERED token removed, a 503 retried, no device a clear failure."""

from __future__ import annotations

import json
from pathlib import Path

from app.notify.dispatcher import Dispatcher, configured_channels
from app.proving.fake_fcm import PROJECT, FakeFcm
from app.store.embedded import EmbeddedOrderStore
from app.store.folder import FolderBlobStore
from tests.conftest import complete_an_order, make_settings


def completed_item(store: EmbeddedOrderStore) -> str:
    return complete_an_order(store, channels=("push",))


def runner(tmp_path: Path, fcm: FakeFcm, store: EmbeddedOrderStore) -> Dispatcher:
    account = tmp_path / "firebase.json"
    account.write_text(json.dumps(fcm.service_account()))
    settings = make_settings(
        tmp_path, fcm_service_account=account, fcm_base_url=fcm.url, notify_retry_seconds=0
    )
    channels = configured_channels(settings, store)
    return Dispatcher(store, FolderBlobStore(tmp_path / "blobs"), channels, settings, "w1")


def test_every_device_gets_it_and_an_unregistered_token_is_removed(tmp_path: Path) -> None:
    store = EmbeddedOrderStore(tmp_path / "db.sqlite3")
    item_id = completed_item(store)
    for token in ("phone", "tablet", "old-phone"):
        store.add_device_token("cust-1", token)
    with FakeFcm() as fcm:
        fcm.unregistered.add("old-phone")
        runner(tmp_path, fcm, store).run_once()
        [sent] = store.deliveries(item_id)
        assert sent.status == "sent"
        assert [m["token"] for m in fcm.sent] == ["phone", "tablet"]
        message = fcm.sent[0]
        assert message["notification"]["title"] == "Your Book is Ready! 📚"
        assert message["android"]["collapse_key"] == f"{item_id}:push"
        assert message["data"]["order_item_id"] == item_id
        assert fcm.token_requests == 1  # one OAuth exchange, its token reused
        assert PROJECT in fcm.service_account()["client_email"]
    assert store.device_tokens("cust-1") == ["phone", "tablet"]  # the stale one is gone


def test_a_503_is_retried_and_no_device_is_a_clear_failure(tmp_path: Path) -> None:
    store = EmbeddedOrderStore(tmp_path / "db.sqlite3")
    item_id = completed_item(store)
    store.add_device_token("cust-1", "phone")
    with FakeFcm() as fcm:
        fcm.unavailable = 1
        dispatcher = runner(tmp_path, fcm, store)
        dispatcher.run_once()
        [waiting] = store.deliveries(item_id)
        assert waiting.status == "pending" and "503 UNAVAILABLE" in (waiting.last_error or "")
        dispatcher.run_once()
        assert store.deliveries(item_id)[0].status == "sent"
        store.remove_device_token("phone")
        other = completed_item_for_second_customer(store)
        dispatcher.run_once()
        [failed] = store.deliveries(other)
        assert failed.status == "failed"
        assert failed.last_error == "the customer has no device registered for push"


def completed_item_for_second_customer(store: EmbeddedOrderStore) -> str:
    return complete_an_order(store, "cust-2", child="Kofi")
