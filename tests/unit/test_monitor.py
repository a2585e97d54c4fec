"""The monitor: retries, failure reasons, review on safety blocks, quota pauses, crash
isolation, clean stop, and fast pickup."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from app.catalog import demo_photo
from app.domain import (
    Personalization,
    QuotaExhausted,
    SafetyBlocked,
    Status,
    TransientError,
)
from app.events import EventBus, StatusEvent
from app.orders.place import upload_photo
from app.pipeline import checkpoints as ck
from app.privacy.likeness import NEEDS_PHOTO
from app.runtime import JobServices, build_services
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider


def services_with(tmp_path: Path, provider: ScriptedProvider, **settings: object) -> JobServices:
    services = build_services(make_settings(tmp_path, **settings), EventBus())
    services.provider = provider
    return services


def run_all(services: JobServices, ids: set[str], timeout: float = 60) -> Monitor:
    monitor = Monitor(services, worker_id="test-worker")
    asyncio.run(monitor.run_until_idle(ids, timeout=timeout))
    return monitor


def test_transient_errors_are_retried_with_backoff_and_the_book_completes(tmp_path: Path) -> None:
    provider = ScriptedProvider(
        {"page 2": [TransientError("503 from model"), TransientError("503")]}
    )
    services = services_with(tmp_path, provider, call_retries=3)
    item = order_book(services, save_small_book(services, pages=3))
    monitor = run_all(services, {item.id})
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.COMPLETED and done.attempts == 1
    assert provider.calls["page 2"] == 3
    run = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROVENANCE)["runs"][-1]
    assert run["retries"] == 2
    assert monitor.status().completed == 1


def test_persistent_transient_errors_requeue_then_fail_after_max_attempts(tmp_path: Path) -> None:
    provider = ScriptedProvider({"cover": [TransientError("429 per-minute limit")] * 10})
    services = services_with(tmp_path, provider, call_retries=2, max_attempts=2)
    item = order_book(services, save_small_book(services, pages=2))
    run_all(services, {item.id})
    failed = services.store.get_item(item.id)
    assert failed.pressroom_status is Status.FAILED
    assert failed.last_error == "429 per-minute limit (gave up after 2 attempts)"
    assert provider.calls["cover"] == 4
    history = [(h["action"], h["note"]) for h in services.store.history(item.id)]
    # the two analyses run at once: either may start first
    assert set(history[1:3]) == {("stage", "analyze_cover"), ("stage", "analyze_child")}
    assert history[:1] + history[3:] == [
        ("claimed", ""),
        ("stage", "prompt"),
        ("stage", "cover"),
        ("pending", "429 per-minute limit (will retry in 0 s)"),
        ("claimed", ""),
        ("stage", "cover"),  # resumed from the checkpoints: only the cover starts again
        ("failed", "429 per-minute limit (gave up after 2 attempts)"),
    ]


def test_unreadable_photo_fails_the_item_with_a_reason(tmp_path: Path) -> None:
    services = services_with(tmp_path, ScriptedProvider())
    item = order_book(
        services, save_small_book(services, pages=2), photo=b"\x89PNG\r\n\x1a\n broken"
    )
    run_all(services, {item.id})
    failed = services.store.get_item(item.id)
    assert failed.pressroom_status is Status.FAILED
    assert failed.last_error is not None
    assert failed.last_error.startswith("the child's photo: ")
    assert "cannot read the image" in failed.last_error or "not an image" in failed.last_error


def test_missing_photo_fails_the_item_with_a_reason(tmp_path: Path) -> None:
    services = services_with(tmp_path, ScriptedProvider())
    book = save_small_book(services, pages=2)
    _, [item] = services.store.place_order(
        "c1", [(book.id, Personalization("Ada", 5, "girl", "photos/c1/gone.jpg"))], paid=True
    )
    _, [no_photo] = services.store.place_order("c2", [(book.id, Personalization("Bo"))], paid=True)
    run_all(services, {item.id, no_photo.id})
    assert services.store.get_item(item.id).last_error == NEEDS_PHOTO
    assert services.store.get_item(no_photo.id).last_error == "the order has no child photo"


def test_safety_block_sends_the_item_to_review_with_the_reason(tmp_path: Path) -> None:
    provider = ScriptedProvider({"cover": [SafetyBlocked("IMAGE_SAFETY: the model declined")]})
    services = services_with(tmp_path, provider)
    item = order_book(services, save_small_book(services, pages=2))
    run_all(services, {item.id})
    held = services.store.get_item(item.id)
    assert held.pressroom_status is Status.AWAITING_REVIEW
    assert held.last_error == "blocked by the model: IMAGE_SAFETY: the model declined"


def test_daily_quota_pauses_the_queue_without_burning_attempts(tmp_path: Path) -> None:
    provider = ScriptedProvider({"cover analysis": [QuotaExhausted("daily quota exhausted")]})
    services = services_with(tmp_path, provider, orders_at_once=1)
    book = save_small_book(services, pages=2)
    first = order_book(services, book)
    second = order_book(services, book, customer="cust-2")

    async def scenario() -> Monitor:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        deadline = time.monotonic() + 30
        while monitor.paused_reason is None or monitor.status().processing:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # several polls while paused
        monitor.stop()
        await runner
        return monitor

    monitor = asyncio.run(scenario())
    assert monitor.paused_reason == "daily quota exhausted"
    paused = services.store.get_item(first.id)
    assert (paused.pressroom_status, paused.attempts) == (Status.PENDING, 0)
    assert services.store.get_item(second.id).attempts == 0
    assert provider.calls["cover analysis"] == 1


def test_one_crashing_job_does_not_stop_the_others(tmp_path: Path) -> None:
    provider = ScriptedProvider({"Ada/page 1": [ZeroDivisionError("boom")]})
    services = services_with(tmp_path, provider)
    book = save_small_book(services, pages=2)
    ada = order_book(services, book, child=0)
    kofi = order_book(services, book, child=1, customer="cust-2")
    run_all(services, {ada.id, kofi.id})
    crashed = services.store.get_item(ada.id)
    assert crashed.pressroom_status is Status.FAILED
    assert crashed.last_error == "internal error: ZeroDivisionError: boom"
    assert services.store.get_item(kofi.id).pressroom_status is Status.COMPLETED


def test_stopping_mid_job_releases_the_item_with_its_checkpoints(tmp_path: Path) -> None:
    provider = ScriptedProvider(stall_on={"page 2"})
    services = services_with(tmp_path, provider, pages_at_once=1)
    item = order_book(services, save_small_book(services, pages=3))

    async def scenario() -> None:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        await asyncio.wait_for(provider.stalled.wait(), 30)
        monitor.stop()
        await asyncio.wait_for(runner, 30)

    asyncio.run(scenario())
    released = services.store.get_item(item.id)
    assert released.pressroom_status is Status.PENDING
    assert released.claimed_by is None and released.attempts == 0
    assert ck.Checkpoints(services.blobs, item.id).has(ck.page_name(1))
    assert services.store.history(item.id)[-1]["note"] == "released at shutdown"


def test_an_idle_monitor_notices_a_new_paid_order_without_waiting_for_the_poll(
    tmp_path: Path,
) -> None:
    services = services_with(tmp_path, ScriptedProvider(), poll_interval_ms=60_000)
    book = save_small_book(services, pages=1)
    app_side = build_services(services.settings)  # the mobile app's own connection
    seen: dict[str, float] = {}
    services.events.subscribe(
        lambda e: (
            seen.setdefault(e.item_id, time.monotonic())
            if isinstance(e, StatusEvent) and e.status is Status.PROCESSING
            else None
        )
    )

    async def scenario() -> float:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        await asyncio.sleep(0.5)  # first poll done; now idle for a minute
        photo = upload_photo(app_side.blobs, "c", demo_photo("child-ada.jpg"))
        placed_at = time.monotonic()
        who = Personalization("Ada", 5, "girl", photo)
        _, [item] = app_side.store.place_order("c", [(book.id, who)], paid=True)
        while item.id not in seen and time.monotonic() - placed_at < 20:
            await asyncio.sleep(0.02)
        monitor.stop()
        await runner
        return seen.get(item.id, float("inf")) - placed_at

    assert asyncio.run(scenario()) < 10  # far below the 60 s poll interval
