"""A book on the Batch lane (app/ai/batch_lane.py): the real SDK's batch calls against the
fake Gemini's Batch API, through the whole pipeline and a monitor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain import Status
from app.pipeline import checkpoints as ck
from app.proving.fake_gemini import FakeGemini
from tests.conftest import order_book, save_small_book
from tests.e2e.test_gemini_pipeline import gemini_services, process

IMAGE = "gemini-3.1-flash-image"
FAST_BATCH: dict[str, object] = {
    "ai_lane": "batch",
    "batch_poll_seconds": 0.1,
    "batch_linger_seconds": 0.3,
}


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        server.batches.turnaround = 0.3
        yield server


def test_a_books_calls_go_as_batch_jobs_at_half_the_price(tmp_path: Path, fake: FakeGemini) -> None:
    services = gemini_services(tmp_path, fake, **FAST_BATCH)
    item = order_book(services, save_small_book(services, pages=3), child=1)
    process(services, {item.id})
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.COMPLETED, done.last_error
    assert all(r.batch for r in fake.requests), "every call went by batch"
    # analyses together, the cover, the pages together, the judges (cover's, pages')
    assert 4 <= fake.batches.created <= 6
    pages_job = [j for j in fake.batches.jobs.values() if j.model == IMAGE and len(j.requests) == 3]
    assert len(pages_job) == 1
    run = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROVENANCE)["runs"][-1]
    assert run["lane"] == "batch" and run["usage"]["calls"] == 10
    assert all(call.get("lane") == "batch" for call in run["calls"])
    assert run["usage"]["saved_usd"] == pytest.approx(run["usage"]["cost_usd"], rel=1e-3)
    lane, state = services.store.lane_states([item.id])[item.id]
    assert lane == "batch" and state.startswith("batch: ")
    assert not ck.Checkpoints(services.blobs, item.id).has(ck.BATCHES)  # nothing to resume


def test_an_expired_batch_goes_on_live_with_the_reason(tmp_path: Path, fake: FakeGemini) -> None:
    fake.batches.end_next.append("BATCH_STATE_EXPIRED")  # the analyses' job
    services = gemini_services(tmp_path, fake, **FAST_BATCH)
    item = order_book(services, save_small_book(services, pages=2), child=1)
    process(services, {item.id})
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.COMPLETED, done.last_error
    assert fake.batches.created == 1 and not any(r.batch for r in fake.requests)
    run = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROVENANCE)["runs"][-1]
    assert "expired" in run["lane_fell_back"] and "live lane" in run["lane_fell_back"]
    lane, state = services.store.lane_states([item.id])[item.id]
    assert lane == "live" and "expired" in state


def test_an_operators_regenerate_goes_out_live(tmp_path: Path, fake: FakeGemini) -> None:
    from app.pipeline.review import regenerate

    services = gemini_services(tmp_path, fake, review_mode=True, **FAST_BATCH)
    item = order_book(services, save_small_book(services, pages=1), child=1)
    process(services, {item.id})
    assert services.store.get_item(item.id).pressroom_status is Status.AWAITING_REVIEW
    assert all(r.batch for r in fake.requests)
    before = len(fake.requests)
    regenerate(services.store, services.blobs, item.id, "ana", cover=True, instruction="smile")
    process(services, {item.id})
    redrawn = fake.requests[before:]
    assert redrawn and not any(r.batch for r in redrawn)  # the operator waits: live
    lane, state = services.store.lane_states([item.id])[item.id]
    assert lane == "live" and "ana asked to regenerate the cover" in state


def test_books_waiting_on_a_batch_leave_their_place_to_the_next(
    tmp_path: Path, fake: FakeGemini
) -> None:
    fake.batches.turnaround = 2.0
    services = gemini_services(tmp_path, fake, orders_at_once=1, **FAST_BATCH)
    book = save_small_book(services, pages=1)
    ids = {order_book(services, book, child=n).id for n in range(3)}
    process(services, ids)
    assert all(services.store.get_item(i).pressroom_status is Status.COMPLETED for i in ids)
    first_jobs = {}
    for job in sorted(fake.batches.jobs.values(), key=lambda j: j.created):
        first_jobs.setdefault(job.display_name.split()[1], job.created)
    assert set(first_jobs) == ids
    # one book at a time, yet all three were waiting on their first job together
    assert max(first_jobs.values()) - min(first_jobs.values()) < fake.batches.turnaround


def test_a_worker_killed_while_its_batch_is_in_flight_is_resumed_without_submitting_again(
    tmp_path: Path, fake: FakeGemini
) -> None:
    """Real `pressroom worker` processes: the first is killed (SIGKILL) with the book's
    analyses' job in flight; the second takes the book over once the lease runs out, polls
    that job, and no request of the book is ever in two jobs."""
    import time

    from app.proving.chaos import start_worker

    fake.batches.turnaround = 5.0
    services = gemini_services(tmp_path, fake, **FAST_BATCH)
    item = order_book(services, save_small_book(services, pages=2), child=1)
    env = {
        "PRESSROOM_AI_LANE": "batch",
        "PRESSROOM_BATCH_POLL_SECONDS": "0.2",
        "PRESSROOM_BATCH_LINGER_SECONDS": "0.3",
        "PRESSROOM_LEASE_SECONDS": "5",
    }
    data = services.settings.data_dir
    checkpoints = ck.Checkpoints(services.blobs, item.id)
    first = start_worker(data, fake, "worker-1", env)
    try:
        deadline = time.monotonic() + 60
        while not (checkpoints.get_json(ck.BATCHES, {}) or {}).get("keys"):
            assert time.monotonic() < deadline and first.poll() is None, "no job submitted"
            time.sleep(0.1)
        first.kill()  # the job's name is written down; the worker dies with it in flight
        first.wait(10)
        assert fake.batches.created == 1
        second = start_worker(data, fake, "worker-2", env)
        try:
            deadline = time.monotonic() + 120
            while services.store.get_item(item.id).pressroom_status is not Status.COMPLETED:
                assert time.monotonic() < deadline, services.store.get_item(item.id).last_error
                time.sleep(0.3)
        finally:
            second.kill()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    keys = [r["metadata"]["key"] for j in fake.batches.jobs.values() for r in j.requests]
    assert len(keys) == len(set(keys)), "a request went out in two batch jobs"
    assert "cover analysis#1" in keys and fake.batches.jobs["fake0001"].polls >= 2


def test_the_cover_lab_goes_out_live_whatever_the_lane(tmp_path: Path, fake: FakeGemini) -> None:
    """A lane belongs to a book's run: a one-off cover (the Cover Lab, `pressroom cover`)
    runs no book job, so even with PRESSROOM_AI_LANE=batch its calls are live."""
    import asyncio

    from app.ai.one_cover import personalize_cover
    from app.domain import Personalization
    from tests.unit.ai.test_one_cover import BOOK, COVER, PHOTO

    services = gemini_services(tmp_path, fake, **FAST_BATCH)

    async def lab() -> bytes:
        try:
            who = Personalization("Ada", 5, "girl")
            made = await personalize_cover(services.provider, COVER, PHOTO, BOOK, who)
            return made.image
        finally:
            await services.provider.aclose()

    assert asyncio.run(lab())
    assert fake.requests and not any(r.batch for r in fake.requests)
    assert fake.batches.created == 0
