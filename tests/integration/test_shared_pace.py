"""One Gemini pace for every worker of a store (migrations/0016_shared_pace.sql on
PostgreSQL through PostgREST, app/store/embedded_pace.py on SQLite): a configured rate is
one budget, a 429 pauses and teaches every worker, a start given before a cut is taken
again, and what a worker that died was given for later is not counted as sent."""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import psycopg
import pytest

from app.domain import PACE_MARGIN
from app.store import open_stores
from app.store.ports import OrderStore
from tests.integration.conftest import Backend

MODEL = "gemini-3.1-flash-image"
WINDOW = 60.0


def other_worker(backend: Backend) -> OrderStore:
    """A second worker's own connection to the same store."""
    return open_stores(backend.settings)[0]


def started_times(backend: Backend) -> list[float]:
    """Every call's start as the store recorded it, in seconds, in order."""
    if backend.fake is None:
        db = sqlite3.connect(backend.settings.data_dir / "pressroom.sqlite3")
        rows = db.execute("select started_at from ai_calls order by started_at").fetchall()
        db.close()
        return [r[0] for r in rows]
    with psycopg.connect(backend.fake.database_url) as conn:
        rows = conn.execute(
            "select extract(epoch from started_at)::float from pressroom_ai_calls "
            "order by started_at"
        ).fetchall()
    return [r[0] for r in rows]


def taken_and_answered(store: OrderStore, holder: str, n: int, per_window: float | None) -> None:
    for _ in range(n):
        slot = store.pace_take(MODEL, per_window, WINDOW, holder)
        while slot.wait > 0:
            time.sleep(slot.wait)
            slot = store.pace_take(MODEL, per_window, WINDOW, holder, held=slot)
        store.pace_report(MODEL, slot.call_id, "ok", None, WINDOW)


def test_a_configured_rate_is_one_budget_for_every_worker(backend: Backend) -> None:
    second = other_worker(backend)
    asked = time.time()
    for n in range(8):
        store = (backend.store, second)[n % 2]
        slot = store.pace_take(MODEL, 120, WINDOW, f"worker-{n % 2}")
        assert slot.rate == 120
    starts = started_times(backend)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    interval = WINDOW / (120 * PACE_MARGIN)  # 0.51 s: both workers together keep 120 a minute
    assert len(starts) == 8 and all(gap == pytest.approx(interval, abs=1e-3) for gap in gaps)
    assert starts[-1] - asked == pytest.approx(7 * interval, abs=0.5)
    second.close()


def test_a_429_pauses_every_worker_and_teaches_them_the_rate_once_per_episode(
    backend: Backend,
) -> None:
    store, second = backend.store, other_worker(backend)
    ceiling = 6000.0  # configured far above the limit, which is found
    taken_and_answered(store, "worker-0", 24, ceiling)
    first = store.pace_take(MODEL, ceiling, WINDOW, "worker-0")
    late = second.pace_take(MODEL, ceiling, WINDOW, "worker-1")
    assert first.rate == ceiling  # nothing learned yet
    time.sleep(max(first.wait, late.wait))
    first = store.pace_take(MODEL, ceiling, WINDOW, "worker-0", held=first)  # both sent
    late = second.pace_take(MODEL, ceiling, WINDOW, "worker-1", held=late)

    # the later call's 429 comes back first: the window before it held 24 answered calls
    # and the earlier one, still in flight
    news = second.pace_report(MODEL, late.call_id, "rate limited", 3.0, WINDOW)
    assert news.cut and news.rate == 25
    assert news.paused_for == pytest.approx(3.0, abs=0.5)
    again = store.pace_report(MODEL, first.call_id, "rate limited", 3.0, WINDOW)
    assert not again.cut  # the same episode: one cut
    assert again.rate == 24  # the call in flight was counted, and was refused: taken back

    held = second.pace_take(MODEL, ceiling, WINDOW, "worker-1")
    assert held.wait >= 2.5 and held.rate == 24  # paused for everyone
    assert held.epoch == late.epoch + 1
    # and past the pause, until the window it learned from has room for 23 (the margin):
    # when the oldest but one of its 24 calls leaves it
    oldest_but_one = started_times(backend)[1]
    assert time.time() + held.wait == pytest.approx(oldest_but_one + WINDOW, abs=0.5)
    second.close()


def test_a_start_given_before_a_cut_is_taken_again(backend: Backend) -> None:
    store = backend.store
    now = store.pace_take(MODEL, 60, WINDOW, "worker-0")
    later = store.pace_take(MODEL, 60, WINDOW, "worker-1")
    assert now.wait == 0 and later.wait == pytest.approx(WINDOW / (60 * PACE_MARGIN), abs=0.2)

    time.sleep(later.wait)
    same = store.pace_take(MODEL, 60, WINDOW, "worker-1", held=later)
    assert same.call_id == later.call_id and same.wait == 0  # no cut came: it is sent

    waiting = store.pace_take(MODEL, 60, WINDOW, "worker-1")
    store.pace_report(MODEL, now.call_id, "rate limited", 5.0, WINDOW)
    retaken = store.pace_take(MODEL, 60, WINDOW, "worker-1", held=waiting)
    assert retaken.call_id != waiting.call_id and retaken.wait >= 4.0  # after the pause


def test_what_a_worker_that_died_was_given_for_later_is_not_counted_as_sent(
    backend: Backend,
) -> None:
    store = backend.store
    dead = [store.pace_take(MODEL, 600, WINDOW, "died") for _ in range(5)]  # 0.1 s apart
    assert all(slot.wait > 0 for slot in dead[1:])
    fast = 6000.0  # a hundredth of a second apart, after the dead worker's starts
    taken_and_answered(store, "alive", 20, fast)
    refused = store.pace_take(MODEL, fast, WINDOW, "alive")
    time.sleep(refused.wait)
    news = store.pace_report(MODEL, refused.call_id, "rate limited", 1.0, WINDOW)
    assert news.cut and news.rate == 20 + 1  # the alive worker's, and the dead one's first
    # (sent at once); its four starts for later were never sent and are not in the window


def _take_in_another_process(data_dir: str, holder: str, n: int) -> None:
    from app.config import Settings

    store = open_stores(Settings(data_dir=Path(data_dir)))[0]
    for _ in range(n):
        store.pace_take(MODEL, 600, WINDOW, holder)
    store.close()


def test_processes_on_one_machine_share_the_embedded_pace(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    open_stores(settings)[0].close()
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_take_in_another_process, args=(str(settings.data_dir), f"w{n}", 10))
        for n in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    db = sqlite3.connect(settings.data_dir / "pressroom.sqlite3")
    starts = [r[0] for r in db.execute("select started_at from ai_calls order by started_at")]
    holders = {r[0] for r in db.execute("select holder from ai_calls")}
    db.close()
    interval = WINDOW / (600 * PACE_MARGIN)
    assert len(starts) == 30 and holders == {"w0", "w1", "w2"}
    assert all(b - a == pytest.approx(interval, abs=1e-6) for a, b in itertools.pairwise(starts))


def test_threads_of_many_workers_share_the_postgres_pace(pg_url: str, tmp_path: Path) -> None:
    from app.proving.fake_supabase import FakeSupabase
    from tests.integration.conftest import supabase_settings

    with FakeSupabase(pg_url) as fake:
        settings = supabase_settings(tmp_path, fake)
        stores = [open_stores(settings)[0] for _ in range(3)]

        def take(store: OrderStore, holder: str) -> None:
            for _ in range(10):
                store.pace_take(MODEL, 600, WINDOW, holder)

        threads = [threading.Thread(target=take, args=(s, f"w{n}")) for n, s in enumerate(stores)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with psycopg.connect(fake.database_url) as conn:
            starts = [
                r[0]
                for r in conn.execute(
                    "select extract(epoch from started_at)::float from pressroom_ai_calls "
                    "order by started_at"
                )
            ]
        for store in stores:
            store.close()
    interval = WINDOW / (600 * PACE_MARGIN)
    assert len(starts) == 30
    assert all(b - a == pytest.approx(interval, abs=1e-3) for a, b in itertools.pairwise(starts))


def test_a_call_sent_after_the_refused_one_and_taken_counts(backend: Backend) -> None:
    """Requests overtake each other on the way to Google: the one sent later may arrive
    first and be taken. Every call sent before the cut is counted, and each later refusal of
    that episode takes its call back out."""
    store = backend.store
    ceiling = 6000.0
    taken_and_answered(store, "w", 24, ceiling)
    refused = store.pace_take(MODEL, ceiling, WINDOW, "w")
    overtook = store.pace_take(MODEL, ceiling, WINDOW, "w")
    time.sleep(max(refused.wait, overtook.wait))
    refused = store.pace_take(MODEL, ceiling, WINDOW, "w", held=refused)
    overtook = store.pace_take(MODEL, ceiling, WINDOW, "w", held=overtook)
    store.pace_report(MODEL, overtook.call_id, "ok", None, WINDOW)
    news = store.pace_report(MODEL, refused.call_id, "rate limited", 1.0, WINDOW)
    assert news.cut and news.rate == 25


def test_at_a_learned_rate_the_pace_follows_the_windows_log_and_catches_up(
    backend: Backend,
) -> None:
    """A burst (the probe's) fills the window, a 429 teaches its count: past the pause the
    pace starts nothing until the burst ages out of the window, then takes the freed room
    back at once (up to PACE_CATCH_UP of a window ahead of its even spacing), and no window
    ever holds more starts than the learned rate allows."""
    store, window = backend.store, 20.0  # nothing waits for it: the starts are planned
    burst = []
    for _ in range(24):
        slot = store.pace_take(MODEL, 60000, window, "w")
        burst.append(slot)
        store.pace_report(MODEL, slot.call_id, "ok", None, window)
    refused = store.pace_take(MODEL, 60000, window, "w")
    news = store.pace_report(MODEL, refused.call_id, "rate limited", 0.5, window)
    assert news.cut and news.rate == 24
    old = started_times(backend)
    planned = [store.pace_take(MODEL, 60000, window, "w").wait for _ in range(40)]
    starts = started_times(backend)[len(old) :]

    limit = int(24 * PACE_MARGIN)  # 23 a window
    assert starts[0] == pytest.approx(old[len(old) - limit] + window, abs=1e-3)  # room, not 0.5 s
    assert min(planned) > 0.5  # all after the pause
    # each of the first takes the room of one burst call as it leaves the window (an even
    # spacing would have sent one every 0.85 s), as far as the catch-up allows
    caught_up = 11  # PACE_CATCH_UP of the window, at 0.85 s a call
    for n in range(caught_up):
        assert starts[n] == pytest.approx(old[n + 1] + window, abs=1e-3)
    everything = old + starts
    most = max(sum(1 for t in everything if s - window < t <= s) for s in starts)
    assert most == limit


def test_a_429_while_the_pace_catches_up_pauses_but_reads_no_new_rate(backend: Backend) -> None:
    """After a cut the log runs a little ahead of Google's count (which counts a request
    when it arrives): a 429 then is that lag, not a new limit, and reading the log would
    read the rate low."""
    store, ceiling = backend.store, 6000.0
    taken_and_answered(store, "w", 24, ceiling)
    refused = store.pace_take(MODEL, ceiling, WINDOW, "w")
    news = store.pace_report(MODEL, refused.call_id, "rate limited", 0.2, WINDOW)
    assert news.cut and news.rate == 24
    after = store.pace_take(MODEL, ceiling, WINDOW, "w")  # given after the cut
    again = store.pace_report(MODEL, after.call_id, "rate limited", 3.0, WINDOW)
    assert not again.cut and again.rate == 24  # no new reading, no taking back
    assert again.paused_for == pytest.approx(3.0, abs=0.5)  # but everyone waits
