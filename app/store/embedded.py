"""The default store: one SQLite file plus a folder of blobs, no account needed.

It gives the guarantees the Supabase store gives with Postgres: a claim is one write
transaction (BEGIN IMMEDIATE serializes writers across processes), and every later
change is a compare-and-set on (status, claimed_by, attempts).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from app.domain import (
    Book,
    Claim,
    LeaseLost,
    Notification,
    Order,
    OrderItem,
    Personalization,
    PressroomError,
    Stage,
    Status,
    check_transition,
)
from app.store import (
    embedded_books,
    embedded_erasure,
    embedded_links,
    embedded_pace,
    embedded_print,
)
from app.store.codec import (
    item_from_record,
    notification_from_record,
    personalization_to_dict,
)
from app.store.embedded_connection import SqliteFile
from app.store.embedded_faults import speaking
from app.store.embedded_figures import shop_figures
from app.store.embedded_lane import LaneMixin
from app.store.embedded_outbox import OUTBOX_SCHEMA, OutboxMixin
from app.store.embedded_pace import PaceMixin
from app.store.embedded_schema import LATE_SCHEMA, SCHEMA, upgrade
from app.store.ports import READY_TITLE, Erasure, ItemLinks, ShopFigures

_RELEASING = {Status.PENDING, Status.AWAITING_REVIEW, Status.FAILED, Status.COMPLETED}
_SETTABLE = {"last_error", "retry_at", "stage", "attempts", "progress_done", "progress_total"}


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _new_id() -> str:
    return uuid.uuid4().hex


@speaking
class EmbeddedOrderStore(SqliteFile, OutboxMixin, PaceMixin, LaneMixin):
    """OrderStore on SQLite. Safe to share between threads and processes."""

    def _create_schema(self) -> None:
        self._conn().executescript(SCHEMA)
        upgrade(self._conn())
        self._conn().executescript(LATE_SCHEMA)
        embedded_books.create(self._conn())
        self._conn().executescript(
            embedded_print.PRINT_SCHEMA
            + OUTBOX_SCHEMA
            + embedded_erasure.ERASURE_SCHEMA
            + embedded_pace.PACE_SCHEMA
        )
        version = self._conn().execute("pragma user_version").fetchone()[0]
        self._conn().execute(f"pragma user_version = {int(version)}")  # can it be written?

    # -- catalog -----------------------------------------------------------------------
    def save_book(self, book: Book) -> None:
        with self._tx() as db:
            embedded_books.save_book(db, book, self._clock())

    def get_book(self, book_id: str, version: int | None = None) -> Book:
        return embedded_books.get_book(self._conn(), book_id, version)

    def list_books(self) -> list[Book]:
        return embedded_books.list_books(self._conn())

    def item_book(self, item_id: str) -> Book:
        return embedded_books.item_book(self._conn(), item_id)

    # -- orders ------------------------------------------------------------------------
    def place_order(
        self,
        customer_id: str,
        items: Sequence[tuple[str, Personalization]],
        *,
        paid: bool = False,
        customer_name: str | None = None,
        customer_email: str | None = None,
    ) -> tuple[Order, list[OrderItem]]:
        now = self._clock()
        order_id = _new_id()
        item_ids = [_new_id() for _ in items]
        with self._refusing_books_not_on_sale(items), self._tx() as db:
            db.execute(
                "insert into orders(id, customer_id, payment_status, created_at, paid_at, "
                "customer_name, customer_email) values (?,?,?,?,?,?,?)",
                (
                    order_id,
                    customer_id,
                    "paid" if paid else "pending",
                    now,
                    now if paid else None,
                    customer_name,
                    customer_email,
                ),
            )
            for n, (item_id, (book_id, who)) in enumerate(zip(item_ids, items, strict=True)):
                db.execute(
                    "insert into order_items(id, order_id, book_id, personalization, "
                    "created_at, updated_at) values (?,?,?,?,?,?)",
                    (
                        item_id,
                        order_id,
                        book_id,
                        json.dumps(personalization_to_dict(who)),
                        now + n * 1e-6,
                        now,
                    ),
                )
        order = Order(order_id, customer_id, "paid" if paid else "pending", _ts(now))  # type: ignore[arg-type]
        return order, [self.get_item(i) for i in item_ids]

    @staticmethod
    @contextmanager
    def _refusing_books_not_on_sale(
        items: Sequence[tuple[str, Personalization]],
    ) -> Iterator[None]:
        try:
            yield
        except sqlite3.IntegrityError as exc:
            if embedded_books.NOT_ON_SALE not in str(exc):
                raise
            ids = ", ".join(sorted({book_id for book_id, _ in items}))
            raise PressroomError(
                f"{embedded_books.NOT_ON_SALE}: {ids} (a draft or retired book cannot be ordered)"
            ) from None

    def set_payment_status(self, order_id: str, payment_status: str) -> None:
        with self._tx() as db:
            db.execute(
                "update orders set payment_status = :status, paid_at = case when :status = 'paid' "
                "then coalesce(paid_at, :now) else paid_at end where id = :id",
                {"status": payment_status, "now": self._clock(), "id": order_id},
            )

    # -- work --------------------------------------------------------------------------
    def claim(self, worker_id: str, max_items: int, lease_seconds: float) -> list[OrderItem]:
        with self._tx() as db:
            now = self._clock()  # after the lock: a retry committed meanwhile came before us
            rows = db.execute(
                """
                select oi.id from order_items oi join orders o on o.id = oi.order_id
                where o.payment_status = 'paid' and (
                    (oi.pressroom_status = 'pending' and coalesce(oi.retry_at, 0) <= :now)
                    or (oi.pressroom_status in ('processing', 'publishing')
                        and oi.lease_expires_at < :now))
                order by oi.created_at limit :n
                """,
                {"now": now, "n": max_items},
            ).fetchall()
            ids = [r["id"] for r in rows]
            for item_id in ids:
                db.execute(
                    "update order_items set pressroom_status = 'processing', claimed_by = ?, "
                    "lease_expires_at = ?, attempts = attempts + 1, retry_at = null, "
                    "updated_at = ? where id = ?",
                    (worker_id, now + lease_seconds, now, item_id),
                )
                self._log_event(db, item_id, worker_id, "claimed", now=now)
        return [self.get_item(i) for i in ids]

    def heartbeat(self, claim: Claim, lease_seconds: float) -> bool:
        with self._tx() as db:
            now = self._clock()  # after the lock, so events keep the order they commit in
            cur = db.execute(
                "update order_items set lease_expires_at = ? where id = ? and claimed_by = ? "
                "and attempts = ? and pressroom_status in ('processing', 'publishing')",
                (now + lease_seconds, claim.item_id, claim.worker_id, claim.attempt),
            )
        return cur.rowcount == 1

    def report_progress(self, claim: Claim, stage: Stage, done: int, total: int) -> bool:
        """Also records a `stage` event the first time this attempt reports `stage`: when
        the stage starts (the two analyses interleave their reports; they start once)."""
        with self._tx() as db:
            now = self._clock()  # after the lock, so events keep the order they commit in
            cur = db.execute(
                "update order_items set stage = ?, progress_done = ?, progress_total = ?, "
                "updated_at = ? where id = ? and claimed_by = ? and attempts = ? "
                "and pressroom_status in ('processing', 'publishing')",
                (
                    stage.value,
                    done,
                    total,
                    now,
                    claim.item_id,
                    claim.worker_id,
                    claim.attempt,
                ),
            )
            if cur.rowcount != 1:
                return False
            started = db.execute(
                "select 1 from item_events where item_id = :id and action = 'stage' "
                "and note = :stage and id > coalesce((select max(id) from item_events "
                "where item_id = :id and action = 'claimed'), 0)",
                {"id": claim.item_id, "stage": stage.value},
            ).fetchone()
            if started is None:
                self._log_event(db, claim.item_id, claim.worker_id, "stage", stage.value, now=now)
        return True

    def transition(
        self,
        item_id: str,
        src: Status,
        dst: Status,
        *,
        claim: Claim | None = None,
        changes: Mapping[str, Any] | None = None,
        actor: str = "system",
        note: str = "",
        lease_seconds: float | None = None,
    ) -> OrderItem:
        check_transition(src, dst)
        now = self._clock()
        sets: dict[str, Any] = {"pressroom_status": dst.value, "updated_at": now}
        for key, value in (changes or {}).items():
            if key not in _SETTABLE:
                raise ValueError(f"transition cannot set {key!r}")
            sets[key] = value.value if isinstance(value, Stage) else value
        if dst in _RELEASING:
            sets.update(claimed_by=None, lease_expires_at=None)
        elif src is Status.AWAITING_REVIEW and dst is Status.PUBLISHING:
            sets.update(claimed_by=actor, lease_expires_at=now + (lease_seconds or 120))
        where = "id = :id and pressroom_status = :src"
        params: dict[str, Any] = {"id": item_id, "src": src.value}
        if claim is not None:
            where += " and claimed_by = :worker and attempts = :attempt"
            params.update(worker=claim.worker_id, attempt=claim.attempt)
        assignments = ", ".join(f"{k} = :set_{k}" for k in sets)
        params.update({f"set_{k}": v for k, v in sets.items()})
        with self._tx() as db:
            cur = db.execute(f"update order_items set {assignments} where {where}", params)
            if cur.rowcount != 1:
                raise LeaseLost(self._why_not(db, item_id, src, claim))
            self._log_event(db, item_id, actor, dst.value, note, now=now)
        return self.get_item(item_id)

    def complete(
        self, claim: Claim, *, pdf_url: str, cover_image_url: str, notification_body: str
    ) -> OrderItem:
        with self._tx() as db:
            now = self._clock()  # after the lock, so events keep the order they commit in
            cur = db.execute(
                "update order_items set pressroom_status = 'completed', pdf_url = ?, "
                "cover_image_url = ?, generated_at = ?, claimed_by = null, "
                "lease_expires_at = null, last_error = null, updated_at = ? "
                "where id = ? and pressroom_status = 'publishing' and claimed_by = ? "
                "and attempts = ?",
                (pdf_url, cover_image_url, now, now, claim.item_id, claim.worker_id, claim.attempt),
            )
            if cur.rowcount != 1:
                raise LeaseLost(self._why_not(db, claim.item_id, Status.PUBLISHING, claim))
            user_id = db.execute(
                "select o.customer_id from order_items oi join orders o on o.id = oi.order_id "
                "where oi.id = ?",
                (claim.item_id,),
            ).fetchone()[0]
            db.execute(
                "insert into notifications(id, user_id, order_item_id, kind, title, body, "
                "created_at) values (?,?,?,?,?,?,?) on conflict(order_item_id, kind) do nothing",
                (
                    _new_id(),
                    user_id,
                    claim.item_id,
                    "book_ready",
                    READY_TITLE,
                    notification_body,
                    now,
                ),
            )
            self._log_event(db, claim.item_id, claim.worker_id, "completed", now=now)
        return self.get_item(claim.item_id)

    # -- reading -----------------------------------------------------------------------
    _ITEM_SELECT = (
        "select oi.*, o.customer_id, o.payment_status, o.paid_at, o.customer_name, "
        "o.customer_email, o.needed_by from order_items oi "
        "join orders o on o.id = oi.order_id "
    )

    def get_item(self, item_id: str) -> OrderItem:
        row = self._conn().execute(self._ITEM_SELECT + "where oi.id = ?", (item_id,)).fetchone()
        if row is None:
            raise PressroomError(f"order item {item_id} does not exist")
        return self._item(row)

    def list_items(
        self,
        status: Status | None = None,
        limit: int = 1000,
        updated_since: datetime | None = None,
    ) -> list[OrderItem]:
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        if status is not None:
            where.append("oi.pressroom_status = ?")
            params.append(status.value)
        if updated_since is not None:
            where.append("oi.updated_at > ?")
            # datetimes hold microseconds; the stored floats a little more
            params.append(updated_since.timestamp() + 1e-6)
        rows = (
            self._conn()
            .execute(
                self._ITEM_SELECT
                + f"where {' and '.join(where)} order by oi.created_at desc limit ?",
                (*params, limit),
            )
            .fetchall()
        )
        return [self._item(r) for r in rows]

    def settled_items(
        self, updated_after: datetime | None, updated_before: datetime, limit: int = 200
    ) -> list[OrderItem]:
        where = "oi.pressroom_status in ('completed', 'failed') and oi.updated_at <= ?"
        params: list[object] = [updated_before.timestamp()]
        if updated_after is not None:
            where += " and oi.updated_at > ?"
            params.append(updated_after.timestamp())
        sql = self._ITEM_SELECT + f"where {where} order by oi.updated_at, oi.id limit ?"
        return [self._item(r) for r in self._conn().execute(sql, (*params, limit)).fetchall()]

    def items_of_customer(self, customer_id: str) -> list[OrderItem]:
        sql = self._ITEM_SELECT + "where o.customer_id = ? order by oi.created_at, oi.id"
        return [self._item(r) for r in self._conn().execute(sql, (customer_id,)).fetchall()]

    def items_with_photo(self, key: str) -> list[OrderItem]:
        sql = self._ITEM_SELECT + "where json_extract(oi.personalization, '$.photo') = ?"
        return [self._item(r) for r in self._conn().execute(sql, (key,)).fetchall()]

    # -- erasure (embedded_erasure) ----------------------------------------------------
    def start_erasure(self, erasure: Erasure) -> None:
        with self._tx() as db:
            embedded_erasure.start(db, erasure)

    def erase_items(
        self, erasure_id: str, customer_id: str | None, file_counts: Mapping[str, int]
    ) -> Erasure:
        with self._tx() as db:
            return embedded_erasure.erase(db, erasure_id, customer_id, file_counts, self._clock())

    def erasures(self, *, unfinished: bool = False, limit: int = 100) -> list[Erasure]:
        return embedded_erasure.erasures(self._conn(), unfinished, limit)

    def compact(self) -> None:
        if self.read_only:
            return
        embedded_erasure.compact(self._conn())

    def count_by_status(self) -> dict[Status, int]:
        rows = (
            self._conn()
            .execute("select pressroom_status, count(*) from order_items group by pressroom_status")
            .fetchall()
        )
        counts = dict.fromkeys(Status, 0)
        counts.update({Status(status): n for status, n in rows})
        return counts

    def list_notifications(self, user_id: str) -> list[Notification]:
        rows = (
            self._conn()
            .execute(
                "select * from notifications where user_id = ? order by created_at", (user_id,)
            )
            .fetchall()
        )
        return [notification_from_record(r, _ts) for r in rows]

    def history(self, item_id: str) -> list[dict[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "select at, actor, action, note from item_events where item_id = ? order by id",
                (item_id,),
            )
            .fetchall()
        )
        return [{**dict(r), "at": _ts(r["at"])} for r in rows]

    def save_provenance(self, item_id: str, data: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "insert into item_provenance(item_id, data, updated_at) values (?,?,?) "
                "on conflict(item_id) do update set data = excluded.data, "
                "updated_at = excluded.updated_at",
                (item_id, json.dumps(data, default=str), self._clock()),
            )

    def save_quality(
        self, item_id: str, summary: str, passed: bool, report: dict[str, Any]
    ) -> None:
        with self._tx() as db:
            db.execute(
                "insert into item_quality(item_id, summary, passed, report, updated_at) "
                "values (?,?,?,?,?) on conflict(item_id) do update set "
                "summary = excluded.summary, passed = excluded.passed, "
                "report = excluded.report, updated_at = excluded.updated_at",
                (item_id, summary, int(passed), json.dumps(report, default=str), self._clock()),
            )

    def save_print_files(self, item_id: str, files: Mapping[str, str]) -> None:
        with self._tx() as db:
            embedded_print.save_print_files(db, item_id, files, self._clock())

    def print_files(self, item_id: str) -> dict[str, str]:
        return embedded_print.print_files(self._conn(), item_id)

    def get_quality(self, item_id: str) -> dict[str, Any] | None:
        row = (
            self._conn()
            .execute("select report from item_quality where item_id = ?", (item_id,))
            .fetchone()
        )
        return dict(json.loads(row["report"])) if row is not None else None

    def quality_summaries(self, item_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        ids = list(item_ids)
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn().execute(
                f"select item_id, summary from item_quality where item_id in ({marks})", chunk
            )
            found.update({r["item_id"]: r["summary"] for r in rows})
        return found

    def get_provenance(self, item_id: str) -> dict[str, Any] | None:
        row = (
            self._conn()
            .execute("select data from item_provenance where item_id = ?", (item_id,))
            .fetchone()
        )
        return dict(json.loads(row["data"])) if row is not None else None

    def shop_figures(self, *, since: datetime, recent_since: datetime) -> ShopFigures:
        return shop_figures(self._conn(), since.timestamp(), recent_since.timestamp())

    def links_due(self, before: datetime, limit: int) -> list[ItemLinks]:
        return embedded_links.links_due(self._conn(), before, limit)

    def public_links(self, limit: int) -> list[ItemLinks]:
        return embedded_links.public_links(self._conn(), limit)

    def set_links(self, links: ItemLinks, actor: str) -> bool:
        with self._tx() as db:
            now = self._clock()  # after the lock, so events keep the order they commit in
            if not embedded_links.set_links(db, links, now):
                return False
            note = embedded_links.links_note(links)
            self._log_event(db, links.item_id, actor, "links", note, now=now)
        return True

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _item(row: sqlite3.Row) -> OrderItem:
        return item_from_record(dict(row), _ts)

    @staticmethod
    def _log_event(
        db: sqlite3.Connection,
        item_id: str,
        actor: str,
        action: str,
        note: str = "",
        *,
        now: float,
    ) -> None:
        db.execute(
            "insert into item_events(item_id, at, actor, action, note) values (?,?,?,?,?)",
            (item_id, now, actor, action, note),
        )

    @staticmethod
    def _why_not(db: sqlite3.Connection, item_id: str, src: Status, claim: Claim | None) -> str:
        row = db.execute(
            "select pressroom_status, claimed_by, attempts from order_items where id = ?",
            (item_id,),
        ).fetchone()
        if row is None:
            return f"order item {item_id} does not exist"
        if row["pressroom_status"] != src.value:
            return f"order item {item_id} is {row['pressroom_status']} now, not {src.value}"
        assert claim is not None
        return (
            f"order item {item_id} is no longer held by {claim.worker_id} "
            f"(attempt {claim.attempt}); held by {row['claimed_by']} attempt {row['attempts']}"
        )
