"""Erasing a customer's or one item's personal data (GDPR Art. 17), on either store:
`pressroom erase`, the console's Erase action and the service's POST /erase.

In order, so that a crash anywhere resumes (`resume`, which `erase` and the monitor's
hourly sweep run first):

1. items not yet made (pending, in review) are failed, so no worker claims one meanwhile;
   an item a worker holds right now refuses the whole erasure, with nothing changed;
2. the erasure is recorded (ids and counts only: the record holds no personal data);
3. the files go: the child's photo (unless an item outside the erasure still uses it), the
   work files, the published book, cover and print files, the child's approved likeness —
   and, for a customer, whatever is left under their photos/, covers/, books/ and
   likeness/ folders. Deleting the Storage object is
   what revokes its signed links;
4. the rows are scrubbed in one transaction (OrderStore.erase_items), which finishes the
   record;
5. the database leaves no erased bytes in its files (OrderStore.compact).

Logs never carry names (app.logs hides them), so they need no rewriting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.domain import BadInput, OrderItem, PressroomError, Status, TransientError
from app.privacy.likeness import likeness_key
from app.store.item_files import published_keys
from app.store.ports import BlobStore, Erasure, OrderStore

STOPPED = "stopped before it was made: its data is being erased at the customer's request"
HELD = (Status.PROCESSING, Status.PUBLISHING)
CUSTOMER_FOLDERS = ("photos", "covers", "books", "likeness")


class NothingToErase(BadInput):
    """No such customer or item (the service answers 404)."""


@dataclass
class ErasurePlan:
    """What an erasure would remove: `lines()` says it in counts (a dry run's answer)."""

    scope: str  # "customer" or "item"
    customer_id: str | None  # set for a customer's erasure
    items: list[OrderItem]
    files: dict[str, list[str]] = field(default_factory=dict)  # kind -> stored keys
    kept_photos: int = 0  # photos another customer's or item's order still uses

    def lines(self) -> list[str]:
        made = sum(1 for i in self.items if i.pressroom_status is Status.COMPLETED)
        said = [
            f"{len(self.items)} order item(s) ({made} delivered): the child's name, age, "
            "gender and photo, links, errors, events' notes, notifications, quality reports "
            "and provenance"
        ]
        said += [f"{len(keys)} {kind} file(s)" for kind, keys in self.files.items() if keys]
        if self.customer_id is not None:
            said.append("the customer's name, e-mail, notifications and device tokens")
        if self.kept_photos:
            said.append(f"{self.kept_photos} photo(s) kept: other items still use them")
        return said


def _files(store: OrderStore, blobs: BlobStore, plan: ErasurePlan) -> None:
    erased = {i.id for i in plan.items}
    photos: set[str] = set()
    for item in plan.items:
        key = item.personalization.photo
        if not key:
            continue
        if all(other.id in erased for other in store.items_with_photo(key)):
            photos.update(blobs.list(key))
        else:
            plan.kept_photos += 1
    work = {k for item in plan.items for k in blobs.list(f"work/{item.id}/")}
    books = {
        k
        for item in plan.items
        for key in [*published_keys(item), likeness_key(item)]
        for k in blobs.list(key)
    }
    if plan.customer_id is not None:
        for folder in CUSTOMER_FOLDERS:
            found = set(blobs.list(f"{folder}/{plan.customer_id}/"))
            (photos if folder == "photos" else books).update(found)
    plan.files = {"photo": sorted(photos), "work": sorted(work), "book": sorted(books)}


def plan_erasure(
    store: OrderStore,
    blobs: BlobStore,
    *,
    customer_id: str | None = None,
    item_id: str | None = None,
) -> ErasurePlan:
    """What erasing the customer (or the one item) would remove; nothing changes."""
    if (customer_id is None) == (item_id is None):
        raise BadInput("erase either a customer (--customer ID) or an item (--item ID)")
    if customer_id is not None:
        items = store.items_of_customer(customer_id)
        if not items:
            raise NothingToErase(f"no order items for customer {customer_id!r}")
        plan = ErasurePlan("customer", customer_id, items)
    else:
        assert item_id is not None
        try:
            item = store.get_item(item_id)
        except TransientError:
            raise
        except PressroomError:
            raise NothingToErase(f"no order item {item_id}") from None
        plan = ErasurePlan("item", None, [item])
    _files(store, blobs, plan)
    return plan


def _stop_unmade(store: OrderStore, plan: ErasurePlan, actor: str) -> None:
    held = [i for i in plan.items if i.pressroom_status in HELD]
    if held:
        raise PressroomError(
            f"{len(held)} item(s) are being made right now ({held[0].id[:8]}…): erase once "
            "they settle (or stop the workers); nothing was erased"
        )
    for item in plan.items:
        if item.pressroom_status in (Status.PENDING, Status.AWAITING_REVIEW):
            store.transition(
                item.id,
                item.pressroom_status,
                Status.FAILED,
                actor=actor,
                changes={"last_error": STOPPED},
                note="erasure",
            )


def _finish(store: OrderStore, blobs: BlobStore, record: Erasure, plan: ErasurePlan) -> Erasure:
    counts = {kind: sum(blobs.delete_prefix(k) for k in keys) for kind, keys in plan.files.items()}
    done = store.erase_items(record.id, plan.customer_id, counts)
    store.compact()
    return done


def erase(store: OrderStore, blobs: BlobStore, plan: ErasurePlan, actor: str) -> Erasure:
    """Carry out `plan` (from plan_erasure); the finished record is returned."""
    resume(store, blobs)
    _stop_unmade(store, plan, actor)
    record = Erasure(
        id=str(uuid.uuid4()),
        scope=plan.scope,
        item_ids=tuple(i.id for i in plan.items),
        actor=actor,
        started_at=datetime.now(UTC),
    )
    store.start_erasure(record)
    return _finish(store, blobs, record, plan)


def resume(store: OrderStore, blobs: BlobStore) -> list[Erasure]:
    """Finish every erasure a crash left unfinished (its files are found again from the
    items, whose rows are scrubbed last)."""
    finished = []
    for record in reversed(store.erasures(unfinished=True)):
        items = [store.get_item(i) for i in record.item_ids]
        customers = {i.customer_id for i in items}
        customer = customers.pop() if record.scope == "customer" and len(customers) == 1 else None
        plan = ErasurePlan(record.scope, customer, items)
        _files(store, blobs, plan)
        finished.append(_finish(store, blobs, record, plan))
    return finished


def record_line(record: Erasure) -> str:
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(record.counts.items()) if n)
    when = (record.finished_at or record.started_at).strftime("%Y-%m-%d %H:%M UTC")
    counts = counts or "nothing left to remove"
    return f"erasure {record.id[:8]} by {record.actor}, {when}: {counts}"
