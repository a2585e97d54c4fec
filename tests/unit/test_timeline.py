"""An item's timeline read from a real store's history: spans per attempt, failures, cost,
and the lines an operator reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.ai.usage import current_ledger
from app.domain import Book, Claim, Page, Personalization, Stage, Status, TransientError
from app.events import EventBus
from app.reports.timeline import (
    LEASE_LOST,
    Failure,
    StageSpan,
    duration,
    item_timeline,
    worker_words,
)
from app.runtime import JobServices
from app.store.embedded import EmbeddedOrderStore
from app.store.folder import FolderBlobStore
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider

T0 = 1_700_000_000.0


class BilledProvider(ScriptedProvider):
    """Records each call in the job's usage ledger, as the Gemini provider does."""

    async def _enter(self, label: str, child: str | None = None) -> None:
        ledger = current_ledger.get()
        assert ledger is not None
        ledger.record(label, self.model, tokens_in=1000, images=int("analysis" not in label))
        await super()._enter(label, child)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> EmbeddedOrderStore:
    store = EmbeddedOrderStore(tmp_path / "db.sqlite3", clock=clock)
    store.save_book(Book("b1", "Leo Sails", "", "", "Leo", "c.jpg", (Page(1, "p.jpg", "Hi"),)))
    return store


def test_attempts_stages_and_failures_of_a_late_book(
    store: EmbeddedOrderStore, clock: Clock
) -> None:
    _, [item] = store.place_order("c", [("b1", Personalization("Ada"))], paid=True)
    steps: list[tuple[float, str, str, object]] = [
        (10, "claim", "w1", None),
        (11, "stage", "w1", Stage.ANALYZE_COVER),
        (11, "stage", "w1", Stage.ANALYZE_CHILD),
        (15, "stage", "w1", Stage.ANALYZE_COVER),  # its 1/1 report: not a new start
        (20, "stage", "w1", Stage.PROMPT),
        (21, "stage", "w1", Stage.COVER),
        (51, "requeue", "w1", "429 per-minute limit (will retry in 30 s)"),
        (90, "claim", "w2", None),
        (91, "stage", "w2", Stage.COVER),
        (100, "stage", "w2", Stage.PAGES),
        # w2 dies; its lease runs out and w3 claims the item at 400
        (400, "claim", "w3", None),
        (401, "stage", "w3", Stage.PAGES),
        (460, "stage", "w3", Stage.PDF),
        (470, "review", "w3", None),
        (600, "reject", "operator-jo", "the face is cut off"),
        (700, "retry", "operator-jo", None),
        (710, "claim", "w1", None),
        (711, "stage", "w1", Stage.PDF),
        (715, "publish", "w1", None),
        (716, "stage", "w1", Stage.PUBLISH),
        (720, "complete", "w1", None),
    ]
    attempt = 0
    for seconds, step, actor, arg in steps:
        clock.now = T0 + seconds
        claim = Claim(item.id, actor, attempt)
        if step == "claim":
            if actor == "w3":
                store._conn().execute("update order_items set lease_expires_at = 0")
            [claimed] = store.claim(actor, 1, 60)
            attempt = claimed.attempts
        elif step == "stage":
            assert isinstance(arg, Stage)
            assert store.report_progress(Claim(item.id, actor, attempt), arg, 0, 1)
        elif step == "requeue":
            store.transition(
                item.id,
                Status.PROCESSING,
                Status.PENDING,
                claim=claim,
                changes={"retry_at": 0},
                actor=actor,
                note=str(arg),
            )
        elif step == "review":
            store.transition(
                item.id,
                Status.PROCESSING,
                Status.AWAITING_REVIEW,
                claim=claim,
                actor=actor,
                note="ready for review",
            )
        elif step == "reject":
            store.transition(
                item.id,
                Status.AWAITING_REVIEW,
                Status.FAILED,
                actor=actor,
                note=str(arg),
                changes={"last_error": f"rejected: {arg}"},
            )
        elif step == "retry":
            store.transition(
                item.id,
                Status.FAILED,
                Status.PENDING,
                actor=actor,
                note="retry",
                changes={"attempts": 0, "last_error": None},
            )
        elif step == "publish":
            store.transition(
                item.id, Status.PROCESSING, Status.PUBLISHING, claim=claim, actor=actor
            )
        elif step == "complete":
            store.complete(claim, pdf_url="p", cover_image_url="c", notification_body="ready")
    store.save_provenance(item.id, {"usage_total": {"calls": 9, "cost_usd": 0.4321}})

    timeline = item_timeline(store, item.id, now=at(800))

    assert timeline.spans == [
        StageSpan("analyze_cover", 1, at(11), 9.0, "done", "w1"),  # ends when prompt starts
        StageSpan("analyze_child", 1, at(11), 9.0, "done", "w1"),
        StageSpan("prompt", 1, at(20), 1.0, "done", "w1"),
        StageSpan(
            "cover", 1, at(21), 30.0, "requeued: 429 per-minute limit (will retry in 30 s)", "w1"
        ),
        StageSpan("cover", 2, at(91), 9.0, "done", "w2"),
        StageSpan("pages", 2, at(100), 300.0, f"abandoned: {LEASE_LOST}", "w2"),
        StageSpan("pages", 3, at(401), 59.0, "done", "w3"),
        StageSpan("pdf", 3, at(460), 10.0, "awaiting review", "w3"),
        StageSpan("pdf", 4, at(711), 4.0, "done", "w1"),
        StageSpan("publish", 4, at(716), 4.0, "published", "w1"),
    ]
    assert timeline.failures == [
        Failure(at(51), 1, "429 per-minute limit (will retry in 30 s)"),
        Failure(at(400), 2, LEASE_LOST),
        Failure(at(600), 3, "rejected by operator-jo: the face is cut off"),
    ]
    assert (timeline.attempts, timeline.ai_calls, timeline.cost_usd) == (4, 9, 0.4321)
    rows = timeline.rows()
    assert rows[0] == (
        "completed; 4 attempts; 3 failures; AI 9 calls, $0.43; made 12 min 00 s after payment"
    )
    assert rows[1] == f"{at(10).astimezone():%A %d %B %Y}"  # then times of that day
    body = [" ".join(r.split()[1:]) for r in rows[2:]]  # without the times and padding
    assert body[:5] == [
        "attempt 1: claimed by w1",
        "analyze_cover 9.0 s done",
        "analyze_child 9.0 s done",
        "prompt 1.0 s done",
        "cover 30.0 s requeued: 429 per-minute limit (will retry in 30 s)",
    ]
    assert "failed: rejected by operator-jo: the face is cut off" in body
    assert "retried by operator-jo" in body
    assert body[-1] == "publish 4.0 s published"
    assert timeline.text() == "\n".join(rows)


def test_a_running_item_and_a_stalled_one(store: EmbeddedOrderStore, clock: Clock) -> None:
    _, [item] = store.place_order("c", [("b1", Personalization("Ada"))], paid=True)
    store.claim("w1", 1, 60)
    clock.now += 5
    store.report_progress(Claim(item.id, "w1", 1), Stage.PAGES, 3, 12)
    running = item_timeline(store, item.id, now=at(30))
    assert running.spans == [StageSpan("pages", 1, at(5), None, "running", "w1")]
    assert running.failures == []
    assert running.rows()[0].startswith(
        "processing (pages 3/12); 1 attempt; 0 failures; AI 0 calls"
    )
    assert running.rows()[-1].split()[1:] == ["pages", "25.0", "s", "so", "far", "running"]
    [stalled] = item_timeline(store, item.id, now=at(3600)).spans
    assert stalled.seconds is None and stalled.outcome.startswith("stalled: the worker's lease")


def test_a_failure_before_any_stage_is_still_in_the_story(store: EmbeddedOrderStore) -> None:
    _, [item] = store.place_order("c", [("b1", Personalization("Ada"))], paid=True)
    store.claim("w1", 1, 60)
    store.transition(
        item.id,
        Status.PROCESSING,
        Status.FAILED,
        claim=Claim(item.id, "w1", 1),
        changes={"last_error": "the order has no child photo"},
        actor="w1",
        note="the order has no child photo",
    )
    timeline = item_timeline(store, item.id)
    assert timeline.spans == [] and timeline.cost_usd == 0.0
    assert [f.error for f in timeline.failures] == ["the order has no child photo"]
    assert timeline.rows()[-1].endswith("failed: the order has no child photo")
    assert timeline.rows()[0].endswith("last error: the order has no child photo")


def test_a_monitor_run_with_a_retry_reads_as_two_attempts(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, call_retries=1, max_attempts=3)
    services = JobServices(
        store=EmbeddedOrderStore(settings.data_dir / "db.sqlite3"),
        blobs=FolderBlobStore(settings.data_dir / "blobs"),
        provider=BilledProvider({"cover": [TransientError("503 from the model")]}),
        settings=settings,
        events=EventBus(),
    )
    item = order_book(services, save_small_book(services, pages=2))
    monitor = Monitor(services, worker_id="test-worker")
    asyncio.run(monitor.run_until_idle({item.id}, timeout=60))

    timeline = item_timeline(services.store, item.id)
    assert timeline.item.pressroom_status is Status.COMPLETED
    assert timeline.attempts == 2
    [failure] = timeline.failures
    assert (failure.attempt, failure.error.split(" (")[0]) == (1, "503 from the model")
    assert [s.stage for s in timeline.spans if s.attempt == 2] == [
        "cover",
        "pages",
        "pdf",
        "check",
        "publish",
    ]
    assert timeline.spans[-1].outcome == "published"
    assert all(s.seconds is not None for s in timeline.spans)
    usage = services.store.get_provenance(item.id)["usage_total"]  # type: ignore[index]
    assert (timeline.ai_calls, timeline.cost_usd) == (usage["calls"], usage["cost_usd"])
    # 2 analyses + the failed cover, then cover + 2 pages and the judge on the 3 images
    assert timeline.ai_calls == 9


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(4.24, "4.2 s"), (192, "3 min 12 s"), (7500, "2 h 05 min"), (3 * 86400 + 4 * 3600, "3 d 4 h")],
)
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_a_generated_worker_id_reads_as_its_machine() -> None:
    assert worker_words("shop-pc-0074cfd2") == "the worker on shop-pc"
    assert worker_words("w1") == "w1"  # one the shop set stays as it is
