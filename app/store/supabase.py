"""The production store: Supabase (PostgREST + Storage) through supabase-py.

Thin on purpose: every state change is an rpc to a SQL function in migrations/ (claim,
heartbeat, progress, transition, complete), so the logic is the reviewed SQL; reads are
PostgREST selects on the `pressroom_items` view; files live in the private `books` bucket
and leave it through signed URLs. Transport faults are retried; a rejected key or a bad
URL becomes one clear sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.domain import (
    Book,
    Claim,
    Notification,
    Order,
    OrderItem,
    Personalization,
    PressroomError,
    Stage,
    Status,
    check_transition,
)
from app.store.codec import (
    book_from_dict,
    book_to_dict,
    item_from_record,
    notification_from_record,
    personalization_to_dict,
)
from app.store.ports import READY_TITLE, ItemLinks, ShopFigures
from app.store.supabase_connection import SupabaseConnection
from app.store.supabase_connection import ts as _ts
from app.store.supabase_erasure import SupabaseErasureMixin
from app.store.supabase_lane import SupabaseLaneMixin
from app.store.supabase_outbox import SupabaseOutboxMixin
from app.store.supabase_pace import SupabasePaceMixin

log = logging.getLogger(__name__)
# Items with their order embedded: the order's paid_at and customer name and e-mail, where
# the shop's orders table has them (migrations/0007); `*` so that a table without them works.
ITEM_COLUMNS = "*,orders(*)"


class SupabaseOrderStore(
    SupabaseOutboxMixin, SupabaseErasureMixin, SupabasePaceMixin, SupabaseLaneMixin
):
    def __init__(self, connection: SupabaseConnection) -> None:
        self.c = connection
        self.db = connection.client

    # -- catalog -----------------------------------------------------------------------
    def save_book(self, book: Book) -> None:
        self._rpc("pressroom_save_book", {"book": book_to_dict(book)})

    def get_book(self, book_id: str, version: int | None = None) -> Book:
        if version is None:
            query = self.db.table("books").select("*").eq("id", book_id)
        else:
            query = (
                self.db.table("book_versions")
                .select("*")
                .eq("book_id", book_id)
                .eq("version", version)
            )
        rows = self.c.call("reading a book", query.execute).data
        if not rows:
            which = f"book {book_id!r}" + (f" version {version}" if version is not None else "")
            raise PressroomError(f"{which} is not in the catalog")
        return book_from_dict(rows[0] if version is None else rows[0]["data"])

    def list_books(self) -> list[Book]:
        rows = self.c.call(
            "listing books", lambda: self.db.table("books").select("*").order("id").execute()
        ).data
        return [book_from_dict(r) for r in rows]

    def item_book(self, item_id: str) -> Book:
        data = self._rpc("pressroom_item_book", {"item_id": item_id})
        if not data:
            raise PressroomError(f"no order item {item_id}")
        return book_from_dict(data)

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
        status = "paid" if paid else "pending"
        row: dict[str, Any] = {"user_id": customer_id, "payment_status": status}
        # only what was given: a shop's orders table may lack the columns (paid_at: trigger)
        if customer_name is not None:
            row["customer_name"] = customer_name
        if customer_email is not None:
            row["customer_email"] = customer_email
        order = self.c.call(
            "placing an order", lambda: self.db.table("orders").insert(row).execute()
        ).data[0]
        rows = [
            {
                "order_id": order["id"],
                "book_id": book_id,
                "personalization": personalization_to_dict(who),
            }
            for book_id, who in items
        ]
        placed = self.c.call(
            "adding order items", lambda: self.db.table("order_items").insert(rows).execute()
        ).data
        created = _ts(order["created_at"])
        assert created is not None
        return Order(order["id"], customer_id, status, created), [
            self.get_item(r["id"]) for r in placed
        ]

    def set_payment_status(self, order_id: str, payment_status: str) -> None:
        self.c.call(
            "updating a payment",
            lambda: (
                self.db.table("orders")
                .update({"payment_status": payment_status})
                .eq("id", order_id)
                .execute()
            ),
        )

    # -- work --------------------------------------------------------------------------
    def _rpc(self, fn: str, args: dict[str, Any]) -> Any:
        return self.c.call(fn.replace("_", " "), lambda: self.db.rpc(fn, args).execute()).data

    def _rpc_items(self, fn: str, args: dict[str, Any]) -> list[OrderItem]:
        """A function returning items, with their orders embedded like every item read."""
        rows = self.c.call(
            fn.replace("_", " "), lambda: self.db.rpc(fn, args).select(ITEM_COLUMNS).execute()
        ).data
        return [self._item(r) for r in rows]

    def claim(self, worker_id: str, max_items: int, lease_seconds: float) -> list[OrderItem]:
        return self._rpc_items(
            "claim_order_items",
            {"worker_id": worker_id, "max_items": max_items, "lease_seconds": int(lease_seconds)},
        )

    def heartbeat(self, claim: Claim, lease_seconds: float) -> bool:
        return bool(
            self._rpc(
                "heartbeat_order_item",
                {
                    "item_id": claim.item_id,
                    "worker_id": claim.worker_id,
                    "attempt": claim.attempt,
                    "lease_seconds": int(lease_seconds),
                },
            )
        )

    def report_progress(self, claim: Claim, stage: Stage, done: int, total: int) -> bool:
        return bool(
            self._rpc(
                "report_order_item_progress",
                {
                    "item_id": claim.item_id,
                    "worker_id": claim.worker_id,
                    "attempt": claim.attempt,
                    "stage": stage.value,
                    "done": done,
                    "total": total,
                },
            )
        )

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
        values = {k: v.value if isinstance(v, Stage) else v for k, v in (changes or {}).items()}
        rows = self._rpc_items(
            "transition_order_item",
            {
                "item_id": item_id,
                "from_status": src.value,
                "to_status": dst.value,
                "worker_id": claim.worker_id if claim else None,
                "attempt": claim.attempt if claim else None,
                "changes": values,
                "actor": actor,
                "note": note,
                "lease_seconds": int(lease_seconds or 120),
            },
        )
        return rows[0]

    def complete(
        self, claim: Claim, *, pdf_url: str, cover_image_url: str, notification_body: str
    ) -> OrderItem:
        rows = self._rpc_items(
            "complete_order_item",
            {
                "item_id": claim.item_id,
                "worker_id": claim.worker_id,
                "attempt": claim.attempt,
                "pdf_url": pdf_url,
                "cover_image_url": cover_image_url,
                "notification_title": READY_TITLE,
                "notification_body": notification_body,
            },
        )
        return rows[0]

    # -- reading -----------------------------------------------------------------------
    def get_item(self, item_id: str) -> OrderItem:
        rows = self.c.call(
            "reading an item",
            lambda: (
                self.db.table("pressroom_items").select(ITEM_COLUMNS).eq("id", item_id).execute()
            ),
        ).data
        if not rows:
            raise PressroomError(f"order item {item_id} does not exist")
        return self._item(rows[0])

    def list_items(
        self,
        status: Status | None = None,
        limit: int = 1000,
        updated_since: datetime | None = None,
    ) -> list[OrderItem]:
        def query() -> Any:
            q = self.db.table("pressroom_items").select(ITEM_COLUMNS)
            if status is not None:
                q = q.eq("pressroom_status", status.value)
            if updated_since is not None:
                q = q.gt("updated_at", updated_since.isoformat())
            return q.order("created_at", desc=True).limit(limit).execute()

        return [self._item(r) for r in self.c.call("listing items", query).data]

    def settled_items(
        self, updated_after: datetime | None, updated_before: datetime, limit: int = 200
    ) -> list[OrderItem]:
        def query() -> Any:
            q = (
                self.db.table("pressroom_items")
                .select(ITEM_COLUMNS)
                .in_("pressroom_status", [Status.COMPLETED.value, Status.FAILED.value])
                .lte("updated_at", updated_before.isoformat())
            )
            if updated_after is not None:
                q = q.gt("updated_at", updated_after.isoformat())
            return q.order("updated_at").order("id").limit(limit).execute()

        return [self._item(r) for r in self.c.call("listing settled items", query).data]

    def items_of_customer(self, customer_id: str) -> list[OrderItem]:
        def query() -> Any:
            table = self.db.table("pressroom_items").select(ITEM_COLUMNS)
            return table.eq("customer_id", customer_id).order("created_at").order("id").execute()

        return [self._item(r) for r in self.c.call("listing a customer's items", query).data]

    def items_with_photo(self, key: str) -> list[OrderItem]:
        def query() -> Any:
            table = self.db.table("pressroom_items").select(ITEM_COLUMNS)
            return table.eq("personalization->>photo", key).execute()

        return [self._item(r) for r in self.c.call("finding a photo's items", query).data]

    def count_by_status(self) -> dict[Status, int]:
        rows = self._rpc("pressroom_status_counts", {})
        counts = dict.fromkeys(Status, 0)
        counts.update({Status(r["pressroom_status"]): int(r["items"]) for r in rows})
        return counts

    def list_notifications(self, user_id: str) -> list[Notification]:
        rows = self.c.call(
            "reading notifications",
            lambda: (
                self.db.table("notifications")
                .select("*")
                .eq("user_id", user_id)
                .order("created_at")
                .execute()
            ),
        ).data
        return [notification_from_record(r, _ts) for r in rows]

    def history(self, item_id: str) -> list[dict[str, Any]]:
        rows = self.c.call(
            "reading history",
            lambda: (
                self.db.table("order_item_events")
                .select("*")
                .eq("item_id", item_id)
                .order("id")
                .execute()
            ),
        ).data
        return [
            {"at": _ts(r["at"]), "actor": r["actor"], "action": r["action"], "note": r["note"]}
            for r in rows
        ]

    def save_provenance(self, item_id: str, data: dict[str, Any]) -> None:
        self.c.call(
            "saving provenance",
            lambda: (
                self.db.table("order_item_provenance")
                .upsert({"item_id": item_id, "data": data}, on_conflict="item_id")
                .execute()
            ),
        )

    def save_quality(
        self, item_id: str, summary: str, passed: bool, report: dict[str, Any]
    ) -> None:
        row = {"item_id": item_id, "summary": summary, "passed": passed, "report": report}
        self.c.call(
            "saving the quality report",
            lambda: (
                self.db.table("order_item_quality").upsert(row, on_conflict="item_id").execute()
            ),
        )

    def save_print_files(self, item_id: str, files: Mapping[str, str]) -> None:
        table = self.db.table("order_item_print_files")
        rows = [{"item_id": item_id, "kind": kind, "url": url} for kind, url in files.items()]
        self.c.call(
            "saving the print files",
            lambda: table.upsert(rows, on_conflict="item_id,kind").execute(),
        )

    def print_files(self, item_id: str) -> dict[str, str]:
        rows = self.c.call(
            "reading the print files",
            lambda: (
                self.db.table("order_item_print_files")
                .select("kind,url")
                .eq("item_id", item_id)
                .order("kind")
                .execute()
            ),
        ).data
        return {r["kind"]: r["url"] for r in rows}

    def get_quality(self, item_id: str) -> dict[str, Any] | None:
        rows = self.c.call(
            "reading the quality report",
            lambda: (
                self.db.table("order_item_quality")
                .select("report")
                .eq("item_id", item_id)
                .execute()
            ),
        ).data
        return dict(rows[0]["report"]) if rows else None

    def quality_summaries(self, item_ids: Sequence[str]) -> dict[str, str]:
        if not item_ids:
            return {}
        rows = self._rpc("pressroom_quality_summaries", {"ids": list(item_ids)}) or []
        return {str(r["item_id"]): str(r["summary"]) for r in rows}

    def get_provenance(self, item_id: str) -> dict[str, Any] | None:
        rows = self.c.call(
            "reading provenance",
            lambda: (
                self.db.table("order_item_provenance")
                .select("data")
                .eq("item_id", item_id)
                .execute()
            ),
        ).data
        return dict(rows[0]["data"]) if rows else None

    def _link_rows(self, fn: str, args: dict[str, Any]) -> list[ItemLinks]:
        return [
            ItemLinks(
                str(r["id"]),
                r["pdf_url"],
                r["cover_image_url"],
                _ts(r["links_expire_at"]),
            )
            for r in self._rpc(fn, args) or []
        ]

    def links_due(self, before: datetime, limit: int) -> list[ItemLinks]:
        return self._link_rows(
            "pressroom_links_due", {"before": before.isoformat(), "max_items": limit}
        )

    def public_links(self, limit: int) -> list[ItemLinks]:
        return self._link_rows("pressroom_public_links", {"max_items": limit})

    def set_links(self, links: ItemLinks, actor: str) -> bool:
        return bool(
            self._rpc(
                "pressroom_set_links",
                {
                    "item_id": links.item_id,
                    "pdf_url": links.pdf_url,
                    "cover_image_url": links.cover_image_url,
                    "links_expire_at": links.expires_at.isoformat() if links.expires_at else None,
                    "actor": actor,
                },
            )
        )

    def shop_figures(self, *, since: datetime, recent_since: datetime) -> ShopFigures:
        data = self._rpc(
            "pressroom_overview",
            {"since": since.isoformat(), "recent_since": recent_since.isoformat()},
        )
        counts = dict.fromkeys(Status, 0)
        counts.update({Status(k): int(v) for k, v in (data.get("counts") or {}).items()})
        return ShopFigures(
            counts=counts,
            completed=int(data["completed"]),
            completed_recent=int(data["completed_recent"]),
            failed=int(data["failed"]),
            failure_reasons=[(str(r), int(n)) for r, n in data.get("failure_reasons") or []],
            cost_usd=float(data["cost_usd"]),
            saved_usd=float(data.get("saved_usd") or 0.0),
        )

    def change_marker(self) -> object | None:
        return None  # no cheap signal over HTTP: the monitor polls every POLL_INTERVAL

    def close(self) -> None:
        self.c.close()

    @staticmethod
    def _item(row: Mapping[str, Any]) -> OrderItem:
        return item_from_record(row, _ts)
