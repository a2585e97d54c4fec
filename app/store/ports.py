"""The two storage ports every backend implements: orders (a database) and blobs (files).

Every state change after a claim is a compare-and-set on (status, claimed_by, attempt):
a worker that lost its lease gets `LeaseLost` instead of overwriting newer state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from app.customer_texts import BOOK_READY_TITLE, text
from app.domain import (
    Book,
    Claim,
    Delivery,
    Notification,
    Order,
    OrderItem,
    PaceNews,
    PaceSlot,
    Personalization,
    Stage,
    Status,
)

READY_TITLE = text(BOOK_READY_TITLE)  # the in-app notification's title, as the old server's


@dataclass(frozen=True)
class ShopFigures:
    """What `OrderStore.shop_figures(since=..., recent_since=...)` counts."""

    counts: dict[Status, int]  # items per status now (every status present)
    completed: int  # items completed (generated_at) since `since`
    completed_recent: int  # items completed since `recent_since`
    failed: int  # `failed` events since `since` (an item failing twice counts twice)
    failure_reasons: list[tuple[str, int]]  # first line of those reasons, most common first, <= 3
    cost_usd: float  # AI spending of provenance runs that finished since `since`
    saved_usd: float = 0.0  # what the batch lane saved those runs (the live price less)


@dataclass(frozen=True)
class ItemLinks:
    """The links the mobile app holds for a completed item, and when they expire."""

    item_id: str
    pdf_url: str | None
    cover_image_url: str | None
    expires_at: datetime | None  # None: never (a file URL) or unknown (signed before 0009)


@dataclass(frozen=True)
class Erasure:
    """The record an erasure leaves (GDPR Art. 5(2), accountability): when, by whom, which
    items and how many of each kind went; no personal data. `finished_at` None: started and
    not yet finished (a crash mid-erase); `app.privacy.erasure.resume` finishes it."""

    id: str
    scope: str  # "customer" or "item"
    item_ids: tuple[str, ...]
    actor: str
    started_at: datetime
    finished_at: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)


class BlobNotFound(KeyError):
    def __str__(self) -> str:
        return f"no stored file at {self.args[0]!r}"


class OrderStore(Protocol):
    # catalog (versions are decided by app.catalog.versions; the store keeps them)
    def save_book(self, book: Book) -> None:
        """Save `book` as its `version` (replacing that version if it was saved before)
        and make it the book's current version."""
        ...

    def get_book(self, book_id: str, version: int | None = None) -> Book:
        """The current version, or the one asked for."""
        ...

    def list_books(self) -> list[Book]:
        """Every book's current version, drafts and retired ones included."""
        ...

    def item_book(self, item_id: str) -> Book:
        """The book as it was when the item was ordered (its pinned version)."""
        ...

    # orders, as the mobile app writes them
    def place_order(
        self,
        customer_id: str,
        items: Sequence[tuple[str, Personalization]],
        *,
        paid: bool = False,
        customer_name: str | None = None,
        customer_email: str | None = None,
    ) -> tuple[Order, list[OrderItem]]:
        """Placed paid, the order's paid_at is now; set_payment_status(..., "paid") sets
        it when it is not set yet."""
        ...

    def set_payment_status(self, order_id: str, payment_status: str) -> None: ...

    # work
    def claim(self, worker_id: str, max_items: int, lease_seconds: float) -> list[OrderItem]: ...
    def heartbeat(self, claim: Claim, lease_seconds: float) -> bool: ...
    def report_progress(self, claim: Claim, stage: Stage, done: int, total: int) -> bool: ...
    def set_lane(self, claim: Claim, lane: str, state: str) -> bool:
        """The held item's AI lane ("live", "batch") and its batch jobs' state in words,
        for the console (the item counts as changed); False when the claim no longer holds."""
        ...

    def lane_states(self, item_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """(lane, state) of each item whose run chose a lane."""
        ...

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
        """Move an item from `src` to `dst` if it is still there (and still `claim`'s).

        `changes` may set last_error, retry_at (unix seconds), stage and attempts.
        Entering pending/awaiting_review/failed releases the lease; entering publishing
        from awaiting_review makes `actor` the holder for `lease_seconds`.
        """
        ...

    def complete(
        self, claim: Claim, *, pdf_url: str, cover_image_url: str, notification_body: str
    ) -> OrderItem:
        """publishing -> completed with the URLs and generated_at, and the in-app
        notification, in one transaction: exactly one notification per item."""
        ...

    # reading
    def get_item(self, item_id: str) -> OrderItem: ...
    def list_items(
        self,
        status: Status | None = None,
        limit: int = 1000,
        updated_since: datetime | None = None,
    ) -> list[OrderItem]:
        """Newest first; with `updated_since`, only items changed after it."""
        ...

    def settled_items(
        self, updated_after: datetime | None, updated_before: datetime, limit: int = 200
    ) -> list[OrderItem]:
        """Completed and failed items last changed in (updated_after, updated_before],
        oldest change first: what the retention sweeper takes, a page at a time."""
        ...

    def items_of_customer(self, customer_id: str) -> list[OrderItem]:
        """Every item a customer ordered, oldest first (an access request's answer)."""
        ...

    def items_with_photo(self, key: str) -> list[OrderItem]:
        """Every item whose personalization names the photo `key` (an app may reuse one)."""
        ...

    # erasure (app.privacy.erasure decides what; the store removes the rows' part)
    def start_erasure(self, erasure: Erasure) -> None:
        """Record that `erasure` began, before any of its files go (so a crash resumes it)."""
        ...

    def erase_items(
        self, erasure_id: str, customer_id: str | None, file_counts: Mapping[str, int]
    ) -> Erasure:
        """In one transaction: the erasure's items lose their personal columns (the child,
        links, errors), their events' notes, notifications, quality reports, provenance and
        print files; their deliveries stop; their orders lose name and e-mail once every
        item of the order is erased; with `customer_id`, the customer's notifications and
        device tokens go too. The record is finished with the counts. Refused (nothing
        changed) while a worker holds one of the items."""
        ...

    def erasures(self, *, unfinished: bool = False, limit: int = 100) -> list[Erasure]:
        """Erasure records, newest first; `unfinished`: only those not finished."""
        ...

    def compact(self) -> None:
        """Leave no erased bytes in the database's files (SQLite: truncate the WAL, VACUUM
        with secure_delete on); a no-op where the database server owns its files."""
        ...

    def pace_take(
        self,
        model: str,
        per_window: float | None,
        window: float,
        holder: str,
        held: PaceSlot | None = None,
    ) -> PaceSlot:
        """A start for one call of `model` on the pace every worker of this store shares:
        now, or when the pace and a 429's pause allow. `per_window`: the configured ceiling.
        With `held` (a slot waited for): the same slot unless a cut came meanwhile."""
        ...

    def pace_report(
        self, model: str, call_id: int, outcome: str, retry_after: float | None, window: float
    ) -> PaceNews:
        """The outcome of call `call_id` ("ok", "rate limited", "other"): what every worker
        learns from it."""
        ...

    def count_by_status(self) -> dict[Status, int]: ...
    def list_notifications(self, user_id: str) -> list[Notification]: ...
    def history(self, item_id: str) -> list[dict[str, Any]]: ...
    def save_provenance(self, item_id: str, data: dict[str, Any]) -> None:
        """Keep the item's provenance (inputs, provider, model, usage) in the database."""
        ...

    def save_quality(
        self, item_id: str, summary: str, passed: bool, report: dict[str, Any]
    ) -> None:
        """Keep the quality gate's report for an item (replacing an earlier one)."""
        ...

    def get_quality(self, item_id: str) -> dict[str, Any] | None: ...
    def save_print_files(self, item_id: str, files: Mapping[str, str]) -> None:
        """The URLs of the item's print files (kind -> URL: interior, cover)."""
        ...

    def print_files(self, item_id: str) -> dict[str, str]: ...
    def quality_summaries(self, item_ids: Sequence[str]) -> dict[str, str]:
        """The one-line summary of each item that has a quality report."""
        ...

    def get_provenance(self, item_id: str) -> dict[str, Any] | None:
        """The provenance last saved for the item, or None if none was."""
        ...

    def shop_figures(self, *, since: datetime, recent_since: datetime) -> ShopFigures:
        """The shop at a glance, counted by the database (one query's worth of work
        however many items there are): see ShopFigures."""
        ...

    # the links the app holds
    def links_due(self, before: datetime, limit: int) -> list[ItemLinks]:
        """Completed items whose signed links expire before `before` (or at an unknown time)."""
        ...

    def public_links(self, limit: int) -> list[ItemLinks]:
        """Items whose links are public Storage URLs (what the old server wrote)."""
        ...

    def set_links(self, links: ItemLinks, actor: str) -> bool:
        """Record new links and their expiry (and an event in the item's history)."""
        ...

    # the outbox: e-mail and push deliveries, written when an item completes
    def enable_channels(self, channels: Sequence[str]) -> None:
        """Completing an item records a delivery on each of these channels from now on."""
        ...

    def claim_deliveries(
        self,
        worker_id: str,
        channels: Sequence[str],
        max_items: int = 10,
        lease_seconds: float = 120,
    ) -> list[Delivery]:
        """Due deliveries on `channels`, held by `worker_id` for `lease_seconds` (one whose
        holder stopped mid-attempt comes back with `interrupted` counted)."""
        ...

    def settle_delivery(
        self,
        delivery_id: str,
        worker_id: str,
        outcome: str,
        error: str | None = None,
        retry_seconds: float = 0.0,
    ) -> Delivery | None:
        """outcome: sent, failed (for good) or retry (after retry_seconds). None when the
        delivery is no longer this worker's."""
        ...

    def resend_delivery(self, delivery_id: str) -> Delivery | None: ...
    def deliveries(self, item_id: str) -> list[Delivery]: ...
    def outbox_backlog(self) -> int:
        """Deliveries not yet sent or given up (capped at 10,000 on Supabase)."""
        ...

    def add_device_token(self, user_id: str, token: str) -> None: ...
    def device_tokens(self, user_id: str) -> list[str]: ...
    def remove_device_token(self, token: str) -> None: ...

    def change_marker(self) -> object | None:
        """A cheap value that changes when another connection commits, or None if the
        backend has no such thing (then the monitor relies on its poll interval)."""
        ...

    def close(self) -> None: ...


class BlobStore(Protocol):
    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def url(self, key: str) -> str: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete_prefix(self, prefix: str) -> int: ...
    def url_expires_at(self) -> datetime | None:
        """When a URL made now by `url()` stops working; None: never."""
        ...
