"""The embedded store's part of an erasure (see migrations/0015_erasure.sql for the same on
PostgreSQL): the record, the rows' personal columns scrubbed in one transaction, and the
file compacted so that SQLite's free pages and WAL keep none of the erased bytes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime

from app.domain import PressroomError
from app.store.ports import Erasure

ERASURE_SCHEMA = """
create table if not exists erasures (
    id text primary key,
    scope text not null,
    item_ids text not null,
    actor text not null,
    started_at real not null,
    finished_at real,
    counts text not null default '{}'
);
"""
ERASED_ERROR = "personal data erased at the customer's request"
HELD = ("processing", "publishing")


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _erasure(row: sqlite3.Row) -> Erasure:
    started = _ts(row["started_at"])
    assert started is not None
    return Erasure(
        id=row["id"],
        scope=row["scope"],
        item_ids=tuple(json.loads(row["item_ids"])),
        actor=row["actor"],
        started_at=started,
        finished_at=_ts(row["finished_at"]),
        counts=json.loads(row["counts"]),
    )


def start(db: sqlite3.Connection, erasure: Erasure) -> None:
    db.execute(
        "insert or ignore into erasures(id, scope, item_ids, actor, started_at) values (?,?,?,?,?)",
        (
            erasure.id,
            erasure.scope,
            json.dumps(list(erasure.item_ids)),
            erasure.actor,
            erasure.started_at.timestamp(),
        ),
    )


def erasures(db: sqlite3.Connection, unfinished: bool, limit: int) -> list[Erasure]:
    where = "where finished_at is null " if unfinished else ""
    rows = db.execute(
        f"select * from erasures {where}order by started_at desc, id limit ?", (limit,)
    ).fetchall()
    return [_erasure(r) for r in rows]


def erase(
    db: sqlite3.Connection,
    erasure_id: str,
    customer_id: str | None,
    file_counts: Mapping[str, int],
    now: float,
) -> Erasure:
    """Scrub the erasure's items (inside the caller's write transaction)."""
    row = db.execute("select * from erasures where id = ?", (erasure_id,)).fetchone()
    if row is None:
        raise PressroomError(f"no erasure {erasure_id}")
    record = _erasure(row)
    ids = list(record.item_ids)
    marks = ",".join("?" * len(ids)) or "null"
    held = db.execute(
        f"select count(*) from order_items where id in ({marks}) and pressroom_status in {HELD}",
        ids,
    ).fetchone()[0]
    if held:
        raise PressroomError(
            f"{held} of the items are being made right now: erase them once they settle"
        )
    erased_at = datetime.fromtimestamp(now, UTC).isoformat()

    def run(sql: str, *params: object) -> int:
        return db.execute(sql, (*params, *ids)).rowcount

    counts = dict(file_counts)
    counts["items"] = run(
        "update order_items set personalization = ?, last_error = ?, pdf_url = null, "
        "cover_image_url = null, links_expire_at = null, updated_at = ? "
        f"where id in ({marks})",
        json.dumps({"erased_at": erased_at}),
        ERASED_ERROR,
        now,
    )
    # a stage event's note is the stage's name; every other note may quote a person
    run(f"update item_events set note = '' where action <> 'stage' and item_id in ({marks})")
    counts["notifications"] = run(f"delete from notifications where order_item_id in ({marks})")
    run(
        "update notification_outbox set last_error = ?, "
        "status = case when status in ('pending', 'sending') then 'failed' else status end, "
        f"claimed_by = null, lease_until = null where item_id in ({marks})",
        ERASED_ERROR,
    )
    counts["reports"] = sum(
        run(f"delete from {table} where item_id in ({marks})")
        for table in ("item_quality", "item_provenance", "item_print_files")
    )
    counts["orders"] = run(
        "update orders set customer_name = null, customer_email = null "
        "where (customer_name is not null or customer_email is not null) "
        "and not exists (select 1 from order_items x where x.order_id = orders.id "
        "and json_extract(x.personalization, '$.erased_at') is null) "
        f"and id in (select order_id from order_items where id in ({marks}))"
    )
    if customer_id is not None:
        counts["notifications"] += db.execute(
            "delete from notifications where user_id = ?", (customer_id,)
        ).rowcount
        counts["device_tokens"] = db.execute(
            "delete from device_tokens where user_id = ?", (customer_id,)
        ).rowcount
    db.executemany(
        "insert into item_events(item_id, at, actor, action, note) values (?,?,?,?,?)",
        [(i, now, record.actor, "erased", f"erasure {erasure_id}") for i in ids],
    )
    db.execute(
        "update erasures set finished_at = ?, counts = ? where id = ?",
        (now, json.dumps(counts), erasure_id),
    )
    return Erasure(**{**record.__dict__, "finished_at": _ts(now), "counts": counts})


def compact(db: sqlite3.Connection) -> None:
    """With secure_delete on (every connection sets it), freed pages are zeroed; VACUUM
    rebuilds the file without free pages, and TRUNCATE checkpoints empty the WAL, which
    still holds the pages as they were before the erasure."""
    db.execute("pragma wal_checkpoint(truncate)")
    db.execute("vacuum")
    busy, _, _ = db.execute("pragma wal_checkpoint(truncate)").fetchone()
    if busy:
        raise PressroomError(
            "the database's write-ahead log is still in use by another Pressroom: the erased "
            "rows are gone, and their old copies are removed at the next erase or sweep"
        )
