"""The whole pipeline on the Gemini provider (real SDK, fake Gemini server)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pymupdf
import pytest

from app.domain import Status
from app.events import EventBus
from app.pipeline import checkpoints as ck
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini
from app.runtime import JobServices, build_services
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book

IMAGE = "gemini-3.1-flash-image"


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def gemini_services(tmp_path: Path, fake: FakeGemini, **settings: object) -> JobServices:
    values = {"GOOGLE_AI_API_KEY": fakes.VALID_KEY, "GEMINI_BASE_URL": fake.url, **settings}
    return build_services(make_settings(tmp_path, **values), EventBus())


def process(services: JobServices, ids: set[str]) -> Monitor:
    monitor = Monitor(services, worker_id="w")
    asyncio.run(monitor.run_until_idle(ids, timeout=120))
    return monitor


def test_a_book_is_made_on_gemini_with_usage_per_item(tmp_path: Path, fake: FakeGemini) -> None:
    services = gemini_services(tmp_path, fake)
    item = order_book(services, save_small_book(services, pages=3), child=1)
    process(services, {item.id})
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.COMPLETED, done.last_error
    assert [r.model for r in fake.requests].count(IMAGE) == 4  # cover + 3 pages
    page_calls = [r for r in fake.calls_to(IMAGE) if len(r.images) == 3]
    assert len(page_calls) == 3 and all("Kofi" in r.text for r in page_calls)
    provenance = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROVENANCE)
    assert provenance["provider"] == "gemini"
    assert provenance["usage_total"]["images"] == 4
    assert provenance["usage_total"]["calls"] == 10  # 2 analyses, 4 images, 4 judgements
    judged = [e["label"] for e in provenance["runs"][-1]["calls"] if e["label"].startswith("judge")]
    assert sorted(judged) == ["judge cover", "judge page 1", "judge page 2", "judge page 3"]
    assert provenance["usage_total"]["tokens_in"] > 0 and provenance["usage_total"]["cost_usd"] > 0
    prompts = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROMPTS)
    assert (
        "with model's hair color model's hair style hair" in prompts["cover"]
    )  # from the analysis


def test_rate_limits_are_retried_after_the_servers_hint(tmp_path: Path, fake: FakeGemini) -> None:
    services = gemini_services(tmp_path, fake)
    item = order_book(services, save_small_book(services, pages=1))
    fake.script(IMAGE, fakes.rate_limited(1), fakes.unavailable())
    started = time.monotonic()
    process(services, {item.id})
    assert services.store.get_item(item.id).pressroom_status is Status.COMPLETED
    assert time.monotonic() - started >= 1.0  # waited out the 1 s retryDelay
    usage = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROVENANCE)["usage_total"]
    assert usage["failed_calls"] == 2 and usage["calls"] == 8  # and 2 judgements


def test_daily_quota_pauses_the_monitor_without_a_retry_storm(
    tmp_path: Path, fake: FakeGemini
) -> None:
    services = gemini_services(tmp_path, fake, orders_at_once=1)
    book = save_small_book(services, pages=1)
    first, second = order_book(services, book), order_book(services, book, customer="c2")
    fake.script(IMAGE, fakes.daily_quota())

    async def scenario() -> Monitor:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        deadline = time.monotonic() + 60
        while monitor.paused_reason is None or monitor.status().processing:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.6)
        monitor.stop()
        await runner
        return monitor

    monitor = asyncio.run(scenario())
    assert monitor.paused_reason is not None and "daily quota" in monitor.paused_reason
    assert len(fake.calls_to(IMAGE)) == 1
    assert services.store.get_item(first.id).pressroom_status is Status.PENDING
    assert services.store.get_item(second.id).attempts == 0


def test_a_safety_block_goes_to_review_with_the_models_reason(
    tmp_path: Path, fake: FakeGemini
) -> None:
    services = gemini_services(tmp_path, fake)
    item = order_book(services, save_small_book(services, pages=2))
    fake.script(IMAGE, fakes.image_safety())
    process(services, {item.id})
    held = services.store.get_item(item.id)
    assert held.pressroom_status is Status.AWAITING_REVIEW
    assert (
        held.last_error
        == "blocked by the model: cover: the model declined (finish reason IMAGE_SAFETY)"
    )


def test_the_budget_ceiling_stops_a_runaway_item(tmp_path: Path, fake: FakeGemini) -> None:
    services = gemini_services(tmp_path, fake, budget_per_item_usd=0.05)
    item = order_book(services, save_small_book(services, pages=4))
    process(services, {item.id})
    failed = services.store.get_item(item.id)
    assert failed.pressroom_status is Status.FAILED
    assert failed.last_error is not None
    assert "the next would pass its budget of $0.05" in failed.last_error
    assert len(fake.calls_to(IMAGE)) == 1  # the cover fit; no page did


def test_demo_runs_end_to_end_on_gemini(tmp_path: Path, fake: FakeGemini) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE", "GEMINI"))},
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "GOOGLE_AI_API_KEY": fakes.VALID_KEY,
        "GEMINI_BASE_URL": fake.url,
        "PRESSROOM_TARGET_DPI": "100",  # 1K answers: at 300 ppi the fake draws 26 4K images
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "demo", "--quiet", "--data-dir", str(tmp_path / "d")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "processing with the gemini provider" in result.stdout
    pdfs = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if "file://" in line]
    assert len(pdfs) == 2
    for url in pdfs:
        with pymupdf.open(urlparse(url).path) as doc:
            assert doc.page_count == 13
    assert len(fake.calls_to(IMAGE)) == 26


def test_cover_command_says_plainly_when_the_key_is_wrong(tmp_path: Path, fake: FakeGemini) -> None:
    from app.assets import demo_root

    photo = tmp_path / "kid.jpg"
    photo.write_bytes(demo_root().joinpath("photos", "child-ada.jpg").read_bytes())
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "GOOGLE_AI_API_KEY": "wrong-key",
        "GEMINI_BASE_URL": fake.url,
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "cover",
            "--cover",
            str(demo_root().joinpath("moon-boat", "cover.jpg")),
            "--photo",
            str(photo),
            "--name",
            "Ada",
            "-o",
            str(tmp_path / "o.jpg"),
            "--data-dir",
            str(tmp_path / "d"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "pressroom: Gemini rejected the API key: API key not valid. Please pass a valid API key."
    )


def test_each_picture_is_made_into_a_reference_once_per_book(
    tmp_path: Path, fake: FakeGemini
) -> None:
    services = gemini_services(tmp_path, fake)
    item = order_book(services, save_small_book(services, pages=3), child=1)
    process(services, {item.id})
    assert services.store.get_item(item.id).pressroom_status is Status.COMPLETED
    sent = sum(len(r.images) for r in fake.requests)
    # the photo, the cover and 3 pages as drawn, the generated cover and 3 generated pages
    assert services.provider.references.made == 9  # type: ignore[attr-defined]
    assert sent == 2 + 2 + 3 * 3 + 3 + 3 * 4  # analyses, cover, pages, judges: 28 sent
