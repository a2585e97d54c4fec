"""The limiter on a shared pace (app/ai/shared_pace.py): paced once, by the store, not
again by itself; a 429 pauses it for the store's delay; a store out of reach leaves it
pacing on its own, said once. And the pace's own clock-bound rule, on explicit times:
a learned rate grows a tenth after a whole window without a cut."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from pathlib import Path

import pytest

from app.ai.limiter import AdaptiveLimiter, Outcome
from app.ai.shared_pace import SharedPace
from app.domain import PACE_MARGIN, PaceNews, PaceSlot
from app.store import embedded_pace
from app.store.embedded import EmbeddedOrderStore

MODEL = "gemini-3.1-flash-image"


def shared_limiter(store: object, per_minute: int | None) -> AdaptiveLimiter:
    pace = SharedPace(store, MODEL, per_minute, "test", 60.0)  # type: ignore[arg-type]
    return AdaptiveLimiter(8, 8, per_minute, shared=pace)


def test_a_configured_rate_is_paced_by_the_store_once(tmp_path: Path) -> None:
    store = EmbeddedOrderStore(tmp_path / "pressroom.sqlite3")

    async def go() -> list[float]:
        limiter = shared_limiter(store, 120)
        tickets = [await limiter.acquire() for _ in range(4)]
        assert all(t.slot is not None for t in tickets)
        return [t.at for t in tickets]

    starts = asyncio.run(go())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    interval = 60 / (120 * PACE_MARGIN)
    assert all(interval - 0.05 <= gap <= interval + 0.25 for gap in gaps), gaps  # not twice
    store.close()


def test_a_429_holds_this_worker_for_the_stores_pause(tmp_path: Path) -> None:
    store = EmbeddedOrderStore(tmp_path / "pressroom.sqlite3")

    async def go() -> None:
        limiter = shared_limiter(store, 6000)  # a ceiling far above the limit found
        for _ in range(20):
            await limiter.release(await limiter.acquire(), Outcome.OK)
        refused = await limiter.acquire()
        await limiter.release(refused, Outcome.RATE_LIMITED, retry_after=9)
        assert limiter.learned_rate == 20  # the store's reading of the window
        assert limiter.paused_until - limiter.clock() == pytest.approx(9, abs=0.5)

    asyncio.run(go())
    store.close()


class Unreachable:
    def pace_take(self, *args: object, **kwargs: object) -> PaceSlot:
        raise ConnectionError("the database is down")

    def pace_report(self, *args: object) -> PaceNews:
        raise ConnectionError("the database is down")


def test_a_store_out_of_reach_leaves_the_worker_pacing_on_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def go() -> list[float]:
        limiter = shared_limiter(Unreachable(), 120)
        tickets = [await limiter.acquire() for _ in range(3)]
        assert limiter.shared is not None and limiter.shared.down
        assert all(t.slot is None for t in tickets)
        return [t.at for t in tickets]

    with caplog.at_level(logging.WARNING, logger="app.ai.shared_pace"):
        starts = asyncio.run(go())
    assert all(b - a >= 0.5 for a, b in itertools.pairwise(starts))  # paced locally
    said = [r for r in caplog.records if "out of reach" in r.getMessage()]
    assert len(said) == 1


def test_a_learned_rate_grows_a_tenth_after_a_whole_window_without_a_cut() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.row_factory = sqlite3.Row
    db.executescript(embedded_pace.PACE_SCHEMA)
    now = 1000.0
    for _ in range(30):
        slot = embedded_pace.take(db, now, MODEL, None, 60.0, "w", None)
        embedded_pace.report(db, now, MODEL, slot.call_id, "ok", None, 60.0)
        now += 1
    slot = embedded_pace.take(db, now, MODEL, None, 60.0, "w", None)
    news = embedded_pace.report(db, now, MODEL, slot.call_id, "rate limited", 2.0, 60.0)
    assert news.cut and news.rate == 30
    paced = embedded_pace.take(db, now, MODEL, None, 60.0, "w", None)
    starts = [r[0] for r in db.execute("select started_at from ai_calls order by started_at")]
    # past the 2 s pause: the window it learned 30 from has room for 29 (the margin) once
    # the oldest but one leaves it
    assert paced.wait == pytest.approx(starts[1] + 60 - now) and paced.rate == 30
    later = embedded_pace.take(db, now + 59, MODEL, None, 60.0, "w", None)
    assert embedded_pace.report(db, now + 59, MODEL, later.call_id, "ok", None, 60.0).rate == 30
    whole = embedded_pace.take(db, now + 61, MODEL, None, 60.0, "w", None)
    grown = embedded_pace.report(db, now + 61, MODEL, whole.call_id, "ok", None, 60.0)
    assert grown.rate == pytest.approx(33.0)
    # and the room the raise adds is probed at the even spacing, not all at once
    first, second = (embedded_pace.take(db, now + 61, MODEL, None, 60.0, "w", None) for _ in "ab")
    assert first.wait == 0  # what the catch-up ran ahead is not paid back with a stall
    assert second.wait - first.wait == pytest.approx(60 / (33 * PACE_MARGIN))


def test_two_workers_on_one_store_keep_one_configured_rate_at_gemini(tmp_path: Path) -> None:
    """Through the wiring a worker uses (make_provider with its store), two providers with
    PRESSROOM_GEMINI_IMAGE_RPM=120 send 120 a minute together; each on its own would send
    twice that (the control)."""
    from app.ai.gemini import GeminiProvider
    from app.config import Settings
    from app.proving.fake_gemini import VALID_KEY, FakeGemini
    from app.runtime import make_provider
    from tests.unit.ai.test_gemini import COVER, task

    def arrivals(shared: bool) -> list[float]:
        store = EmbeddedOrderStore(tmp_path / f"{shared}" / "pressroom.sqlite3")
        with FakeGemini() as fake:
            settings = Settings(
                GOOGLE_AI_API_KEY=VALID_KEY,
                GEMINI_BASE_URL=fake.url,  # type: ignore[call-arg]
                gemini_image_rpm=120,
                gemini_shared_pace=shared,
            )
            workers = [make_provider(settings, store) for _ in range(2)]
            assert all(isinstance(w, GeminiProvider) for w in workers)

            async def both() -> None:
                await asyncio.gather(
                    *(
                        w.personalize_page(task(COVER, f"page {n}"))
                        for w in workers
                        for n in range(3)
                    )
                )
                for w in workers:
                    await w.aclose()  # type: ignore[attr-defined]

            asyncio.run(both())
            images = sorted(c.arrived for c in fake.calls if c.kind == "image")
        store.close()
        return images

    interval = 60 / (120 * PACE_MARGIN)
    shared = arrivals(True)
    assert len(shared) == 6
    # each request reaches Gemini with its own preparation time (hence the margin): the
    # starts are the store's, spaced exactly; the arrivals keep the rate on average
    assert (shared[-1] - shared[0]) / 5 >= interval * 0.9, shared
    alone = arrivals(False)
    assert min(b - a for a, b in itertools.pairwise(alone)) < interval / 2  # both at once
