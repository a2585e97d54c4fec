"""The production store: Supabase (PostgREST + Storage) through supabase-py.

Thin on purpose: every state change is an rpc to a SQL function in migrations/ (claim,
heartbeat, progress, transition, complete), so the logic is the reviewed SQL; reads are
PostgREST selects on the `pressroom_items` view; files live in the private `books` bucket
and leave it through signed URLs. Transport faults are retried; a rejected key or a bad
URL becomes one clear sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from postgrest import APIError
from storage3.exceptions import StorageApiError
from supabase import Client, ClientOptions, create_client
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from app.domain import (
    Book,
    Claim,
    CredentialsRejected,
    LeaseLost,
    Notification,
    Order,
    OrderItem,
    Personalization,
    PressroomError,
    Stage,
    Status,
    TransientError,
    check_transition,
)
from app.store.codec import (
    book_from_dict,
    book_to_dict,
    item_from_record,
    notification_from_record,
    personalization_to_dict,
)
from app.store.ports import READY_TITLE, BlobNotFound, ItemLinks, ShopFigures

log = logging.getLogger(__name__)
BUCKET = "books"
# Items with their order embedded: the order's paid_at and customer name and e-mail, where
# the shop's orders table has them (migrations/0007); `*` so that a table without them works.
ITEM_COLUMNS = "*,orders(*)"
# Retried at once: the request never reached the server, so even a POST is safe to resend.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Reported as transient (the monitor requeues with backoff): the request may have run.
_TRANSPORT = (httpx.TransportError, httpx.TimeoutException)


def _ts(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _is_auth_error(message: str, code: str | None) -> bool:
    text = message.lower()
    return code in {"PGRST301", "PGRST302", "401", "403", "42501"} or any(
        s in text for s in ("invalid api key", "jwt", "invalid signature", "unauthorized")
    )


class SupabaseConnection:
    """One supabase-py client with our timeouts, and the error policy every call shares."""

    def __init__(self, url: str, key: str, timeout: float = 30.0, attempts: int = 3) -> None:
        self.url = url
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))
        try:
            self.client: Client = create_client(
                url,
                key,
                # postgrest-py's own retry (GETs only, up to 7 s) is off: ours covers all calls.
                options=ClientOptions(
                    httpx_client=self._http,
                    postgrest_client_timeout=timeout,
                    postgrest_client_retry=False,
                ),
            )
        except Exception as exc:
            self._http.close()
            raise PressroomError(f"SUPABASE_URL {url!r} cannot be used: {exc}") from None
        self.attempts = attempts

    def call(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run one request with the shared policy; supabase-py's replies are untyped JSON."""
        retrying = Retrying(
            retry=retry_if_exception_type(_NOT_SENT),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=0.5, max=5),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return fn()
        except _TRANSPORT as exc:
            raise TransientError(f"cannot reach Supabase at {self.url} ({what}): {exc}") from None
        except APIError as exc:
            message = exc.message or str(exc)
            if message.startswith("lease lost: "):
                raise LeaseLost(message.removeprefix("lease lost: ")) from None
            if _is_auth_error(message, exc.code):
                raise CredentialsRejected(f"Supabase rejected the service key: {message}") from None
            # PGRST000-003: PostgREST cannot reach its database or schema cache (HTTP 503).
            transient_codes = {"408", "429", "PGRST000", "PGRST001", "PGRST002", "PGRST003"}
            if str(exc.code or "").startswith("5") or str(exc.code) in transient_codes:
                raise TransientError(f"Supabase is unavailable ({what}): {message}") from None
            raise PressroomError(f"Supabase refused {what}: {message}") from None
        except StorageApiError as exc:
            status = str(exc.status)
            if status in ("401", "403") or _is_auth_error(exc.message, exc.code):
                raise CredentialsRejected(
                    f"Supabase Storage rejected the key: {exc.message}"
                ) from None
            if status.startswith("5"):
                raise TransientError(f"Supabase Storage failed ({what}): {exc.message}") from None
            raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._http.close()


class SupabaseOrderStore:
    def __init__(self, connection: SupabaseConnection) -> None:
        self.c = connection
        self.db = connection.client

    # -- catalog -----------------------------------------------------------------------
    def save_book(self, book: Book) -> None:
        self.c.call(
            "saving a book",
            lambda: self.db.table("books").upsert(book_to_dict(book), on_conflict="id").execute(),
        )

    def get_book(self, book_id: str) -> Book:
        rows = self.c.call(
            "reading a book", lambda: self.db.table("books").select("*").eq("id", book_id).execute()
        ).data
        if not rows:
            raise PressroomError(f"book {book_id!r} is not in the catalog")
        return book_from_dict(rows[0])

    def list_books(self) -> list[Book]:
        rows = self.c.call(
            "listing books", lambda: self.db.table("books").select("*").order("id").execute()
        ).data
        return [book_from_dict(r) for r in rows]

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
        )

    def change_marker(self) -> object | None:
        return None  # no cheap signal over HTTP: the monitor polls every POLL_INTERVAL

    def close(self) -> None:
        self.c.close()

    @staticmethod
    def _item(row: Mapping[str, Any]) -> OrderItem:
        return item_from_record(row, _ts)


class SupabaseBlobStore:
    """BlobStore on the private `books` bucket; URLs are signed."""

    def __init__(
        self,
        connection: SupabaseConnection,
        bucket: str = BUCKET,
        signed_url_seconds: int = 365 * 24 * 3600,
    ) -> None:
        self.c = connection
        self.bucket_name = bucket
        self.signed_url_seconds = signed_url_seconds
        self._bucket_checked = False

    @property
    def _bucket(self) -> Any:
        self._ensure_bucket()
        return self.c.client.storage.from_(self.bucket_name)

    def _ensure_bucket(self) -> None:
        if self._bucket_checked:
            return
        storage = self.c.client.storage
        try:
            self.c.call("checking the bucket", lambda: storage.get_bucket(self.bucket_name))
        except StorageApiError:
            self.c.call(
                "creating the bucket",
                lambda: storage.create_bucket(self.bucket_name, options={"public": False}),
            )
        self._bucket_checked = True

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.c.call(
            f"uploading {key}",
            lambda: self._bucket.upload(
                key, data, {"content-type": content_type, "upsert": "true", "cache-control": "3600"}
            ),
        )

    def get(self, key: str) -> bytes:
        try:
            return bytes(self.c.call(f"downloading {key}", lambda: self._bucket.download(key)))
        except StorageApiError as exc:
            if str(exc.status) in ("400", "404"):
                raise BlobNotFound(key) from None
            raise

    def exists(self, key: str) -> bool:
        return bool(self.c.call(f"looking for {key}", lambda: self._bucket.exists(key)))

    def url(self, key: str) -> str:
        signed = self.c.call(
            f"signing {key}", lambda: self._bucket.create_signed_url(key, self.signed_url_seconds)
        )
        return str(signed.get("signedURL") or signed.get("signedUrl"))

    def url_expires_at(self) -> datetime | None:
        return datetime.now(UTC) + timedelta(seconds=self.signed_url_seconds)

    def list(self, prefix: str) -> list[str]:
        folder = prefix.strip("/")
        if self.exists(folder):
            return [folder]
        found: list[str] = []
        pending = [folder]
        while pending:
            path = pending.pop()
            entries = self.c.call(
                f"listing {path}",
                lambda p=path: self._bucket.list(  # type: ignore[misc]
                    p, {"limit": 1000, "offset": 0}
                ),
            )
            for entry in entries:
                child = f"{path}/{entry['name']}" if path else entry["name"]
                if entry.get("id") is None:
                    pending.append(child)
                else:
                    found.append(child)
        return sorted(found)

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        if keys:
            self.c.call(f"deleting {prefix}", lambda: self._bucket.remove(keys))
        return len(keys)
