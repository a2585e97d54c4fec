"""Review mode: approve publishes once, reject fails with the reason, regenerate redoes
only what was asked, retry requeues a failed item. Every decision names its operator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.domain import LeaseLost, Status
from app.events import EventBus
from app.pipeline import checkpoints as ck
from app.pipeline.review import approve, regenerate, reject, retry
from app.runtime import JobServices, build_services
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider


@pytest.fixture
def reviewed(tmp_path: Path) -> tuple[JobServices, str, ScriptedProvider]:
    services = build_services(make_settings(tmp_path, review_mode=True), EventBus())
    provider = ScriptedProvider()
    services.provider = provider
    item = order_book(services, save_small_book(services, pages=3))
    process(services, item.id)
    return services, item.id, provider


def process(services: JobServices, item_id: str) -> None:
    asyncio.run(Monitor(services, worker_id="w").run_until_idle({item_id}, timeout=60))


def test_review_mode_stops_before_publishing(
    reviewed: tuple[JobServices, str, ScriptedProvider],
) -> None:
    services, item_id, _ = reviewed
    item = services.store.get_item(item_id)
    assert item.pressroom_status is Status.AWAITING_REVIEW and item.pdf_url is None
    assert ck.Checkpoints(services.blobs, item_id).has(ck.PDF)  # the draft to preview
    assert services.store.list_notifications(item.customer_id) == []


def test_approve_publishes_and_notifies_once(
    reviewed: tuple[JobServices, str, ScriptedProvider],
) -> None:
    services, item_id, _ = reviewed
    done = approve(services.store, services.blobs, item_id, "operator-jo")
    assert done.pressroom_status is Status.COMPLETED
    assert services.blobs.exists(f"books/{done.customer_id}/{item_id}.pdf")
    with pytest.raises(LeaseLost, match="is completed now"):
        approve(services.store, services.blobs, item_id, "operator-kim")
    assert len(services.store.list_notifications(done.customer_id)) == 1
    actors = [(h["actor"], h["action"]) for h in services.store.history(item_id)]
    assert ("operator-jo", "publishing") in actors and ("operator-jo", "completed") in actors


def test_reject_records_the_reason_and_who(
    reviewed: tuple[JobServices, str, ScriptedProvider],
) -> None:
    services, item_id, _ = reviewed
    failed = reject(services.store, item_id, "operator-jo", "the face is cut off")
    assert failed.pressroom_status is Status.FAILED
    assert failed.last_error == "rejected by operator-jo: the face is cut off"
    assert (
        retry(services.store, services.blobs, item_id, "operator-jo").pressroom_status
        is Status.PENDING
    )


def test_regenerating_one_page_redoes_only_that_page(
    reviewed: tuple[JobServices, str, ScriptedProvider],
) -> None:
    services, item_id, _ = reviewed
    again = ScriptedProvider()
    services.provider = again
    regenerate(
        services.store,
        services.blobs,
        item_id,
        "operator-jo",
        pages=[2],
        instruction="make the smile wider",
    )
    process(services, item_id)
    assert services.store.get_item(item_id).pressroom_status is Status.AWAITING_REVIEW
    # The template draws the same page again from the same inputs: its checks are kept
    # (tests/unit/quality/test_gate.py: a page that changed is judged again).
    assert dict(again.calls) == {"page 2": 1}
    prompts = ck.Checkpoints(services.blobs, item_id).get_json(ck.PROMPTS)
    assert prompts["pages"]["2"].endswith("Operator's note: make the smile wider")
    assert "Operator's note" not in prompts["pages"]["1"]


def test_regenerating_the_cover_redoes_the_pages_that_reference_it(
    reviewed: tuple[JobServices, str, ScriptedProvider],
) -> None:
    services, item_id, _ = reviewed
    again = ScriptedProvider()
    services.provider = again
    item = regenerate(services.store, services.blobs, item_id, "operator-jo", cover=True)
    assert item.pressroom_status is Status.PENDING and item.attempts == 0
    process(services, item_id)
    assert again.calls["cover"] == 1 and again.page_calls == 3
    assert again.calls["cover analysis"] == 0
