"""The embedded store's outbox (see migrations/0013_outbox.sql for the same on PostgreSQL):
the channels a shop delivers on, one delivery per enabled channel written by a trigger in
the transaction that completes an item, claims with a lease, outcomes, device tokens."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from app.domain import Delivery

OUTBOX_SCHEMA = """
create table if not exists notification_channels (
    channel text primary key,
    enabled integer not null default 1
);
create table if not exists notification_outbox (
    id text primary key,
    item_id text not null,
    channel text not null,
    idempotency_key text not null unique,
    status text not null default 'pending',
    attempts integer not null default 0,
    next_at real not null,
    claimed_by text,
    lease_until real,
    last_error text,
    interrupted integer not null default 0,
    sent_at real,
    created_at real not null,
    unique (item_id, channel)
);
create table if not exists device_tokens (
    token text primary key,
    user_id text not null,
    platform text,
    created_at real not null
);
create trigger if not exists order_items_outbox
after update of pressroom_status on order_items
when new.pressroom_status = 'completed' and old.pressroom_status is not 'completed'
begin
    insert or ignore into notification_outbox (id, item_id, channel, idempotency_key,
                                                next_at, created_at)
    select lower(hex(randomblob(16))), new.id, c.channel, new.id || ':' || c.channel,
           new.updated_at, new.updated_at
    from notification_channels c where c.enabled;
end;
"""


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        item_id=row["item_id"],
        channel=row["channel"],
        idempotency_key=row["idempotency_key"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        interrupted=row["interrupted"],
        sent_at=_ts(row["sent_at"]),
        next_at=_ts(row["next_at"]),
    )


def enable_channels(db: sqlite3.Connection, channels: Sequence[str]) -> None:
    db.executemany(
        "insert into notification_channels(channel, enabled) values (?, 1) "
        "on conflict(channel) do update set enabled = 1",
        [(c,) for c in channels],
    )


def claim(
    db: sqlite3.Connection,
    worker_id: str,
    channels: Sequence[str],
    limit: int,
    lease: float,
    now: float,
) -> list[Delivery]:
    marks = ",".join("?" * len(channels))
    rows = db.execute(
        f"select id from notification_outbox where channel in ({marks}) and "
        "((status = 'pending' and next_at <= ?) or (status = 'sending' and lease_until < ?)) "
        "order by next_at limit ?",
        (*channels, now, now, limit),
    ).fetchall()
    ids = [r["id"] for r in rows]
    for delivery_id in ids:
        db.execute(
            "update notification_outbox set interrupted = interrupted + (status = 'sending'), "
            "status = 'sending', attempts = attempts + 1, claimed_by = ?, lease_until = ? "
            "where id = ?",
            (worker_id, now + lease, delivery_id),
        )
    return [get(db, i) for i in ids]


def settle(
    db: sqlite3.Connection,
    delivery_id: str,
    worker_id: str,
    outcome: str,
    error: str | None,
    retry_seconds: float,
    now: float,
) -> Delivery | None:
    cur = db.execute(
        "update notification_outbox set status = ?, last_error = ?, "
        "sent_at = case when ? = 'sent' then ? else sent_at end, next_at = ?, "
        "claimed_by = null, lease_until = null "
        "where id = ? and status = 'sending' and claimed_by = ?",
        (
            "pending" if outcome == "retry" else outcome,
            error,
            outcome,
            now,
            now + retry_seconds,
            delivery_id,
            worker_id,
        ),
    )
    return get(db, delivery_id) if cur.rowcount == 1 else None


def resend(db: sqlite3.Connection, delivery_id: str, now: float) -> Delivery | None:
    cur = db.execute(
        "update notification_outbox set status = 'pending', next_at = ?, claimed_by = null, "
        "lease_until = null where id = ? and status <> 'sending'",
        (now, delivery_id),
    )
    return get(db, delivery_id) if cur.rowcount == 1 else None


def get(db: sqlite3.Connection, delivery_id: str) -> Delivery:
    return delivery(
        db.execute("select * from notification_outbox where id = ?", (delivery_id,)).fetchone()
    )


def for_item(db: sqlite3.Connection, item_id: str) -> list[Delivery]:
    rows = db.execute(
        "select * from notification_outbox where item_id = ? order by channel", (item_id,)
    ).fetchall()
    return [delivery(r) for r in rows]


def add_device_token(db: sqlite3.Connection, user_id: str, token: str, now: float) -> None:
    db.execute(
        "insert into device_tokens(token, user_id, created_at) values (?,?,?) "
        "on conflict(token) do update set user_id = excluded.user_id",
        (token, user_id, now),
    )


def device_tokens(db: sqlite3.Connection, user_id: str) -> list[str]:
    rows = db.execute(
        "select token from device_tokens where user_id = ? order by created_at", (user_id,)
    ).fetchall()
    return [r["token"] for r in rows]


def remove_device_token(db: sqlite3.Connection, token: str) -> None:
    db.execute("delete from device_tokens where token = ?", (token,))


def new_id() -> str:
    return uuid.uuid4().hex


class OutboxMixin:
    """The outbox half of EmbeddedOrderStore's port (it provides _tx, _conn, _clock)."""

    _clock: Callable[[], float]

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def enable_channels(self, channels: Sequence[str]) -> None:
        with self._tx() as db:
            enable_channels(db, channels)

    def claim_deliveries(
        self,
        worker_id: str,
        channels: Sequence[str],
        max_items: int = 10,
        lease_seconds: float = 120,
    ) -> list[Delivery]:
        if not channels:
            return []
        with self._tx() as db:
            return claim(db, worker_id, channels, max_items, lease_seconds, self._clock())

    def settle_delivery(
        self,
        delivery_id: str,
        worker_id: str,
        outcome: str,
        error: str | None = None,
        retry_seconds: float = 0.0,
    ) -> Delivery | None:
        with self._tx() as db:
            return settle(db, delivery_id, worker_id, outcome, error, retry_seconds, self._clock())

    def resend_delivery(self, delivery_id: str) -> Delivery | None:
        with self._tx() as db:
            return resend(db, delivery_id, self._clock())

    def deliveries(self, item_id: str) -> list[Delivery]:
        return for_item(self._conn(), item_id)

    def outbox_backlog(self) -> int:
        sql = "select count(*) from notification_outbox where status in ('pending', 'sending')"
        return int(self._conn().execute(sql).fetchone()[0])

    def add_device_token(self, user_id: str, token: str) -> None:
        with self._tx() as db:
            add_device_token(db, user_id, token, self._clock())

    def device_tokens(self, user_id: str) -> list[str]:
        return device_tokens(self._conn(), user_id)

    def remove_device_token(self, token: str) -> None:
        with self._tx() as db:
            remove_device_token(db, token)
