"""A book job end to end on small pages, and resuming from checkpoints after a kill."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pymupdf
import pytest

from app.domain import Claim, Stage, Status
from app.events import EventBus, ProgressEvent
from app.pipeline import checkpoints as ck
from app.pipeline.job import BookJob
from app.runtime import JobServices
from app.store.embedded import EmbeddedOrderStore
from app.store.folder import FolderBlobStore
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider


class Clock:
    now = 2_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def job_services(tmp_path: Path, clock: Clock) -> JobServices:
    settings = make_settings(tmp_path, pages_at_once=1)
    return JobServices(
        store=EmbeddedOrderStore(settings.data_dir / "db.sqlite3", clock=clock),
        blobs=FolderBlobStore(settings.data_dir / "blobs"),
        provider=ScriptedProvider(),
        settings=settings,
        events=EventBus(),
    )


def test_a_job_makes_and_publishes_the_book(job_services: JobServices) -> None:
    book = save_small_book(job_services, pages=4)
    item = order_book(job_services, book, child=1)
    [claimed] = job_services.store.claim("w1", 1, 60)
    events: list[ProgressEvent] = []
    job_services.events.subscribe(
        lambda e: events.append(e) if isinstance(e, ProgressEvent) else None
    )
    done = asyncio.run(BookJob(job_services, claimed, Claim(item.id, "w1", 1)).run())

    assert done.pressroom_status is Status.COMPLETED
    pdf_key = f"books/{item.customer_id}/{item.id}.pdf"
    assert done.pdf_url == job_services.blobs.url(pdf_key)
    assert done.cover_image_url == job_services.blobs.url(
        f"covers/{item.customer_id}/{item.id}.jpg"
    )
    with pymupdf.open(stream=job_services.blobs.get(pdf_key), filetype="pdf") as doc:
        assert doc.page_count == 5
        assert doc.metadata["title"] == "Kofi and the Moon Boat"
        assert "Kofi" in doc[1].get_text() and "Leo" not in doc[1].get_text()
    stages = [e.stage for e in events]
    assert stages.index(Stage.COVER) < stages.index(Stage.PAGES) < stages.index(Stage.PDF)
    assert ProgressEvent(item.id, Stage.PAGES, 4, 4) in events
    provenance = ck.Checkpoints(job_services.blobs, item.id).get_json(ck.PROVENANCE)
    assert provenance["provider"] == "scripted-template"
    assert provenance["model"] == "pressroom-template-1"
    assert len(provenance["inputs"]["photo_sha256"]) == 64
    assert provenance["runs"][0]["pages_generated"] == 4
    assert provenance["runs"][0]["finished_at"] == pytest.approx(time.time(), abs=60)
    assert job_services.store.get_provenance(item.id) == provenance  # the database has it too
    checkpoints = ck.Checkpoints(job_services.blobs, item.id)
    assert "art_style" in checkpoints.get_json(ck.COVER_ANALYSIS)
    assert "Kofi" in checkpoints.get_json(ck.PROMPTS)["cover"]
    assert [n.order_item_id for n in job_services.store.list_notifications(item.customer_id)] == [
        item.id
    ]


def test_killed_job_resumes_without_redoing_finished_pages(
    job_services: JobServices, clock: Clock
) -> None:
    book = save_small_book(job_services, pages=5)
    item = order_book(job_services, book)
    first = ScriptedProvider(stall_on={"page 3"})
    job_services.provider = first
    [claimed] = job_services.store.claim("w1", 1, 60)

    async def run_until_killed() -> None:
        task = asyncio.create_task(BookJob(job_services, claimed, Claim(item.id, "w1", 1)).run())
        await asyncio.wait_for(first.stalled.wait(), 30)
        for _ in range(300):  # pages 1 and 2 recorded (written after their slots are freed)
            if job_services.store.get_item(item.id).progress_done == 2:
                break
            await asyncio.sleep(0.01)
        task.cancel()  # the worker dies mid-pages: no release, the lease just runs out
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run_until_killed())
    assert first.calls["page 1"] == first.calls["page 2"] == 1
    stuck = job_services.store.get_item(item.id)
    assert (stuck.pressroom_status, stuck.stage, stuck.progress_done) == (
        Status.PROCESSING,
        Stage.PAGES,
        2,
    )

    clock.now += 61
    [reclaimed] = job_services.store.claim("w2", 1, 60)
    assert reclaimed.attempts == 2
    second = ScriptedProvider()
    job_services.provider = second
    done = asyncio.run(BookJob(job_services, reclaimed, Claim(item.id, "w2", 2)).run())

    assert done.pressroom_status is Status.COMPLETED
    assert second.calls["cover analysis"] == second.calls["photo analysis"] == 0
    assert second.calls["cover"] == 0
    assert sorted(k for k in second.calls if k.startswith("page ")) == [
        "page 3",
        "page 4",
        "page 5",
    ]
    assert second.page_calls == 3


def test_a_page_marked_hero_not_on_it_is_kept_as_drawn_without_a_call(
    job_services: JobServices,
) -> None:
    from dataclasses import replace

    book = save_small_book(job_services, pages=3)
    pages = tuple(
        replace(p, hero_absent=p.index == 2, hero_regions=()) if p.index == 2 else p
        for p in book.pages
    )
    book = replace(book, pages=pages)
    job_services.store.save_book(book)
    item = order_book(job_services, book, child=1)
    [claimed] = job_services.store.claim("w1", 1, 60)
    done = asyncio.run(BookJob(job_services, claimed, Claim(item.id, "w1", 1)).run())

    assert done.pressroom_status is Status.COMPLETED
    provider = job_services.provider
    assert isinstance(provider, ScriptedProvider)
    assert provider.page_calls == 2 and "page 2" not in provider.calls
    checkpoints = ck.Checkpoints(job_services.blobs, item.id)
    assert checkpoints.get(ck.page_name(2)) == job_services.blobs.get(book.pages[1].image)
    targets = {c["target"] for c in checkpoints.get_json(ck.QUALITY)["checks"]}
    assert "page 1" in targets and "page 2" not in targets  # no child to look for there


def test_a_printer_profile_adds_print_files_that_preflight_holds_when_too_small(
    tmp_path: Path, clock: Clock
) -> None:
    """The small test book's pictures are far below print resolution: the interior and
    the cover spread are made and kept, and preflight holds the book in review, saying why."""
    settings = make_settings(tmp_path, pages_at_once=2, print_profile="kdp-paperback-8.5x8.5")
    services = JobServices(
        store=EmbeddedOrderStore(settings.data_dir / "db.sqlite3", clock=clock),
        blobs=FolderBlobStore(settings.data_dir / "blobs"),
        provider=ScriptedProvider(),
        settings=settings,
        events=EventBus(),
    )
    book = save_small_book(services, pages=3)
    item = order_book(services, book, child=1)
    [claimed] = services.store.claim("w1", 1, 60)
    done = asyncio.run(BookJob(services, claimed, Claim(item.id, "w1", 1)).run())

    assert done.pressroom_status is Status.AWAITING_REVIEW
    assert (
        done.last_error is not None and "interior: lowest effective resolution" in done.last_error
    )
    checkpoints = ck.Checkpoints(services.blobs, item.id)
    with pymupdf.open(stream=checkpoints.get(ck.PRINT_INTERIOR), filetype="pdf") as doc:
        assert doc.page_count == 24  # 3 pages padded to KDP's minimum
    assert checkpoints.has(ck.PRINT_COVER)
    quality = services.store.get_quality(item.id)
    assert quality is not None
    failed = {(c["name"], c["target"]) for c in quality["checks"] if not c["passed"]}
    assert ("preflight_ppi", "interior") in failed and ("preflight_ppi", "cover spread") in failed
    assert "print files doubtful" in services.store.quality_summaries([item.id])[item.id]
