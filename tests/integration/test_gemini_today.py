"""Gemini as Google serves it today, on both stores: the configured models checked at start,
a retired model or a refused parameter pausing the queue (not failing the items), an
outage paused and probed, and the queue resuming by itself when the model is served again
or Gemini answers. The real google-genai SDK against the fake Gemini (app/proving)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.domain import OrderItem, Status
from app.events import EventBus, PausedEvent
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini, Latency
from app.runtime import JobServices, build_services
from app.worker import monitor as monitor_module
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.integration.conftest import supabase_settings

IMAGE, TEXT = "gemini-3.1-flash-image", "gemini-3.8-flash"


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


@pytest.fixture(params=["embedded", "supabase"])
def make_services(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeGemini
) -> Iterator[Callable[..., JobServices]]:
    made: list[JobServices] = []

    def build(**values: object) -> JobServices:
        gemini = {"GOOGLE_AI_API_KEY": fakes.VALID_KEY, "GEMINI_BASE_URL": fake.url, **values}
        if request.param == "embedded":
            settings = make_settings(tmp_path, **gemini)
        else:
            settings = supabase_settings(
                tmp_path, request.getfixturevalue("supabase_fake"), **gemini
            )
        services = build_services(settings, EventBus())
        made.append(services)
        return services

    yield build
    for services in made:
        services.store.close()


@pytest.fixture(autouse=True)
def quick_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitor_module, "PROBE_FIRST_SECONDS", 0.3)


async def wait_for(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    """Until `condition` holds (the event a test needs), not a fixed sleep."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def all_completed(services: JobServices, items: list[OrderItem]) -> bool:
    return all(services.store.get_item(i.id).pressroom_status is Status.COMPLETED for i in items)


def test_a_retired_model_pauses_at_start_and_names_what_to_set(
    make_services: Callable[..., JobServices], fake: FakeGemini
) -> None:
    services = make_services(gemini_image_model="gemini-2.5-flash-image")
    item = order_book(services, save_small_book(services, pages=1))
    paused: list[str | None] = []
    services.events.subscribe(
        lambda e: paused.append(e.reason) if isinstance(e, PausedEvent) else None
    )

    async def scenario() -> Monitor:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        await wait_for(lambda: monitor.paused_reason is not None, "the pause")
        await asyncio.sleep(0.5)  # polls go by: nothing may be claimed
        monitor.stop()
        await runner
        return monitor

    monitor = asyncio.run(scenario())
    reason = monitor.status().as_dict()["pausedReason"]
    assert "gemini-2.5-flash-image is not served by Gemini (shut down on 2026-10-02" in reason
    assert "set PRESSROOM_GEMINI_IMAGE_MODEL to one it serves for image:" in reason
    assert "gemini-3.1-flash-image" in reason and "gemini-3-pro-image" in reason
    assert paused and paused[0] == reason
    assert not [r for r in fake.requests if r.path.endswith(":generateContent")]
    held = services.store.get_item(item.id)
    assert held.pressroom_status is Status.PENDING and held.attempts == 0


def test_a_model_withdrawn_mid_run_pauses_then_resumes_when_it_is_served_again(
    make_services: Callable[..., JobServices], fake: FakeGemini
) -> None:
    services = make_services(orders_at_once=2)
    book = save_small_book(services, pages=1)
    items = [order_book(services, book, customer=f"c{n}") for n in range(2)]
    sizes = fake.served[IMAGE]
    fake.latency = Latency(analysis=0.5)  # time to withdraw the model before the cover

    async def scenario() -> tuple[Monitor, list[Status], list[int]]:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())  # the start-up check sees it served
        await wait_for(lambda: bool(fake.calls_to(TEXT)), "the first analysis")
        fake.served.pop(IMAGE)  # then Google withdraws it
        fake.latency = Latency()
        await wait_for(lambda: monitor.paused_reason is not None, "the pause")
        await wait_for(lambda: not monitor.status().processing, "the items released")
        states = [services.store.get_item(i.id).pressroom_status for i in items]
        attempts = [services.store.get_item(i.id).attempts for i in items]
        fake.served[IMAGE] = sizes  # served again: a probe finds it
        await wait_for(lambda: all_completed(services, items), "the books made after the pause")
        monitor.stop()
        await runner
        return monitor, states, attempts

    monitor, states, attempts = asyncio.run(scenario())
    assert states == [Status.PENDING, Status.PENDING]
    assert attempts == [0, 0]  # the pause cost no attempt
    assert monitor.paused_reason is None and monitor.failed == 0
    refused = [c for c in fake.calls if c.status == 404]
    assert refused and len(refused) <= 2  # one per item in flight, then no retry storm


def test_an_image_size_the_model_refuses_pauses_until_the_setting_changes(
    make_services: Callable[..., JobServices], fake: FakeGemini
) -> None:
    fake.served[IMAGE] = {"1K": 1024}  # a model that no longer takes 512
    services = make_services()
    item = order_book(services, save_small_book(services, pages=1))

    async def scenario() -> Monitor:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        await wait_for(lambda: monitor.paused_reason is not None, "the pause")
        await wait_for(lambda: not monitor.status().processing, "the item released")
        await asyncio.sleep(1.0)  # probes would pass (the model is listed): still paused
        assert monitor.paused_reason is not None
        monitor.stop()
        await runner
        return monitor

    monitor = asyncio.run(scenario())
    assert monitor.paused_reason is not None
    assert "Gemini refused a setting for the image model gemini-3.1-flash-image" in (
        monitor.paused_reason
    )
    assert "PRESSROOM_GEMINI_IMAGE_MODEL" in monitor.paused_reason
    held = services.store.get_item(item.id)
    assert held.pressroom_status is Status.PENDING and held.attempts == 0
    assert len([c for c in fake.calls if c.status == 400]) == 1


def test_an_outage_pauses_the_queue_and_fails_nothing(
    make_services: Callable[..., JobServices], fake: FakeGemini
) -> None:
    services = make_services(gemini_outage_seconds=2, orders_at_once=2, max_attempts=2)
    book = save_small_book(services, pages=2)
    items = [order_book(services, book, customer=f"c{n}") for n in range(2)]

    async def scenario() -> Monitor:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        await wait_for(lambda: bool(fake.calls_to(TEXT)), "the first call")
        fake.unreachable = True
        await wait_for(lambda: monitor.paused_reason is not None, "the pause")
        assert "no call has reached Gemini" in (monitor.paused_reason or "")
        await asyncio.sleep(2.5)  # longer than the threshold, several probes
        assert all(
            services.store.get_item(i.id).pressroom_status is not Status.FAILED for i in items
        )
        fake.unreachable = False
        await wait_for(lambda: all_completed(services, items), "the books made after the outage")
        monitor.stop()
        await runner
        return monitor

    monitor = asyncio.run(scenario())
    assert monitor.failed == 0 and monitor.paused_reason is None
