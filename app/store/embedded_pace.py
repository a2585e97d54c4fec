"""The embedded store's shared Gemini pace: the algorithm of migrations/0016_shared_pace.sql
on SQLite, each step one write transaction (BEGIN IMMEDIATE serializes the processes of
one machine), on the wall clock every process of that machine shares. A call is a row of
`ai_calls`: 'held' (a start given for later), 'flight' (sent), 'ok' (answered)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

from app.domain import (
    PACE_CATCH_UP,
    PACE_EVIDENCE,
    PACE_MARGIN,
    PACE_PROBE_DOUBLING_SECONDS,
    PACE_PROBE_PER_MINUTE,
    PaceNews,
    PaceSlot,
)

PACE_SCHEMA = """
create table if not exists ai_pace (
    model text primary key,
    next_start real not null default 0,
    paused_until real not null default 0,
    learned_rate real,
    rate_since real not null default 0,
    last_cut real not null default 0,
    probe_since real,
    cut_started real,
    epoch integer not null default 0
);
create table if not exists ai_calls (
    id integer primary key autoincrement,
    model text not null,
    started_at real not null,
    outcome text not null default 'flight',
    holder text not null
);
create index if not exists idx_ai_calls_window on ai_calls (model, started_at);
"""
DEFAULT_PAUSE_SECONDS = 1.0  # a 429 that names no retry delay


def _pace(db: sqlite3.Connection, model: str) -> sqlite3.Row:
    db.execute("insert or ignore into ai_pace(model) values (?)", (model,))
    row: sqlite3.Row = db.execute("select * from ai_pace where model = ?", (model,)).fetchone()
    return row


def _probe(db: sqlite3.Connection, pace: sqlite3.Row, now: float, window: float) -> float:
    """The rate calls go out at while none is known (domain.PACE_PROBE_PER_MINUTE), from
    the first call, or afresh after a window with none."""
    since = pace["probe_since"]
    if since is None or now - pace["next_start"] > window:
        db.execute("update ai_pace set probe_since = ? where model = ?", (now, pace["model"]))
        since = now
    doublings = min(30, int((now - since) // PACE_PROBE_DOUBLING_SECONDS))
    return float(PACE_PROBE_PER_MINUTE * 2**doublings)


def _log_bounds(db: sqlite3.Connection, model: str, rate: float, window: float) -> list[float]:
    """The window's own log: no start before the last one given (so the check below holds
    for every later window too), nor before the window holds room for one more, which is
    when the newest `limit`-th start leaves it."""
    limit = max(1, int(rate * PACE_MARGIN))
    last = db.execute("select max(started_at) from ai_calls where model = ?", (model,)).fetchone()
    row = db.execute(
        "select started_at from ai_calls where model = ? order by started_at desc limit 1 offset ?",
        (model, limit - 1),
    ).fetchone()
    return [last[0] or 0.0, row[0] + window if row is not None else 0.0]


def take(
    db: sqlite3.Connection,
    now: float,
    model: str,
    per_window: float | None,
    window: float,
    holder: str,
    held: PaceSlot | None,
) -> PaceSlot:
    pace = _pace(db, model)
    rates = [r for r in (per_window or None, pace["learned_rate"]) if r]
    rate = min(rates) if rates else _probe(db, pace, now, window)
    if held is not None:
        if pace["epoch"] == held.epoch and now >= pace["paused_until"]:
            db.execute("update ai_calls set outcome = 'flight' where id = ?", (held.call_id,))
            return PaceSlot(held.call_id, 0.0, pace["epoch"], rate)
        db.execute("delete from ai_calls where id = ?", (held.call_id,))
    db.execute("delete from ai_calls where model = ? and started_at < ?", (model, now - 2 * window))
    # catching up on what a cut's pause lost, until the learned rate is first raised: the
    # room a raise adds is probed at the even spacing, one call at a time, not in a burst
    # of which all past the limit would be refused
    learned = pace["learned_rate"] is not None and rate == pace["learned_rate"]
    recovering = learned and pace["rate_since"] == pace["last_cut"]
    catch_up = PACE_CATCH_UP * window if recovering else 0.0
    start = max(
        now,
        pace["paused_until"],
        pace["next_start"] - catch_up,
        *_log_bounds(db, model, rate, window),
    )
    next_start = max(pace["next_start"], start) + window / (rate * PACE_MARGIN)
    db.execute("update ai_pace set next_start = ? where model = ?", (next_start, model))
    cursor = db.execute(
        "insert into ai_calls(model, started_at, holder, outcome) values (?, ?, ?, ?)",
        (model, start, holder, "held" if start > now else "flight"),
    )
    assert cursor.lastrowid is not None
    return PaceSlot(cursor.lastrowid, start - now, pace["epoch"], rate)


def _counted(cut_started: float | None, started: float, window: float) -> bool:
    return cut_started is not None and started > cut_started - window


def report(
    db: sqlite3.Connection,
    now: float,
    model: str,
    call_id: int,
    outcome: str,
    retry_after: float | None,
    window: float,
) -> PaceNews:
    pace = _pace(db, model)
    cut = False
    if outcome == "ok":
        db.execute("update ai_calls set outcome = 'ok' where id = ?", (call_id,))
        if pace["learned_rate"] is not None and now - pace["rate_since"] >= window:
            # the catch-up ends here: what it ran ahead of the even spacing is not paid back
            # by a stall (the log keeps the window's count)
            db.execute(
                "update ai_pace set learned_rate = learned_rate * 1.1, rate_since = ?, "
                "next_start = min(next_start, ?) where model = ?",
                (now, now, model),
            )
    elif outcome == "rate limited":
        row = db.execute("select started_at from ai_calls where id = ?", (call_id,)).fetchone()
        db.execute("delete from ai_calls where id = ?", (call_id,))
        paused_until = max(pace["paused_until"], now + (retry_after or DEFAULT_PAUSE_SECONDS))
        db.execute("update ai_pace set paused_until = ? where model = ?", (paused_until, model))
        started = row["started_at"] if row is not None else None
        # While the pace catches up after a cut, its log runs a little ahead of Google's,
        # which counts a request when it arrives: such a 429 pauses, but is no new reading
        # of the rate (the log would read itself, low).
        recovering = (
            pace["learned_rate"] is not None
            and pace["rate_since"] == pace["last_cut"]
            and now - pace["last_cut"] < 2 * window
        )
        if started is not None and started > pace["last_cut"] and not recovering:
            cut = True
            taken = db.execute(
                "select count(*) from ai_calls where model = ? and outcome in ('flight', 'ok') "
                "and started_at > ?",
                (model, started - window),
            ).fetchone()[0]
            read = taken >= PACE_EVIDENCE
            db.execute("delete from ai_calls where model = ? and outcome = 'held'", (model,))
            db.execute(
                "update ai_pace set epoch = epoch + 1, last_cut = ?, rate_since = ?, "
                "learned_rate = ?, cut_started = ?, next_start = paused_until, "
                "probe_since = ? where model = ?",
                (  # a 429 with too few calls behind it says nothing of the rate: probe on
                    now,
                    now,
                    taken if read else pace["learned_rate"],
                    started if read else None,
                    None if read else pace["probe_since"],
                    model,
                ),
            )
        elif (
            started is not None
            and started <= pace["last_cut"]
            and _counted(pace["cut_started"], started, window)
        ):
            # sent before the cut, so counted, yet refused: not taken
            db.execute(
                "update ai_pace set learned_rate = learned_rate - 1 where model = ?", (model,)
            )
    else:
        db.execute("delete from ai_calls where id = ?", (call_id,))
    after = _pace(db, model)
    return PaceNews(after["learned_rate"], max(0.0, after["paused_until"] - now), cut)


class PaceMixin:
    """The pace half of EmbeddedOrderStore's port (it provides _tx and _clock)."""

    _clock: Callable[[], float]

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def pace_take(
        self,
        model: str,
        per_window: float | None,
        window: float,
        holder: str,
        held: PaceSlot | None = None,
    ) -> PaceSlot:
        with self._tx() as db:
            return take(db, self._clock(), model, per_window, window, holder, held)

    def pace_report(
        self, model: str, call_id: int, outcome: str, retry_after: float | None, window: float
    ) -> PaceNews:
        with self._tx() as db:
            now = self._clock()
            return report(db, now, model, call_id, outcome, retry_after, window)
