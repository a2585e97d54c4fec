"""Keeping a child's data no longer than the shop says. Three clocks, each counted from when
an item last changed after it settled (completed, or failed — a rejected book too):

- PRESSROOM_PHOTO_RETENTION_DAYS: the child's photo and the child analysis (hair, eyes,
  skin, face box); 0 = as soon as the book is delivered;
- PRESSROOM_WORK_RETENTION_DAYS: the item's checkpoints and intermediate images (work/);
- PRESSROOM_BOOK_RETENTION_DAYS: the published book, cover and print files, and the child's
  approved likeness (app/privacy/likeness.py); unset = kept while the customer may download
  them (the app's links are renewed as before).

The monitor sweeps every hour, one store at a time, a page of items at a time. Each kind
remembers how far it has swept (a watermark in the blob store), so a sweep stopped halfway
resumes, and deleting what is already gone does nothing. It says counts, never names. A
photo an app reused for several items goes only when every one of them is past its time."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.config import Settings
from app.domain import OrderItem
from app.privacy.likeness import likeness_key
from app.store.item_files import CHILD_ANALYSIS, published_keys
from app.store.ports import BlobNotFound, BlobStore, OrderStore

PAGE = 200
WATERMARKS = "pressroom/retention/{kind}.json"


@dataclass
class SweepReport:
    removed: dict[str, int] = field(default_factory=dict)  # kind -> files removed
    items: dict[str, int] = field(default_factory=dict)  # kind -> items swept

    def line(self) -> str:
        said = [
            f"{n} {kind} file(s) of {self.items[kind]} item(s)"
            for kind, n in self.removed.items()
            if n
        ]
        return "retention: removed " + "; ".join(said) if said else "retention: nothing due"


def _photo_files(store: OrderStore, item: OrderItem, cutoff: datetime) -> list[str]:
    keys = [f"work/{item.id}/{CHILD_ANALYSIS}"]
    photo = item.personalization.photo
    if photo:
        sharing = store.items_with_photo(photo)
        if all(_settled_before(other, cutoff) for other in sharing if other.id != item.id):
            keys.append(photo)
    return keys


def _settled_before(item: OrderItem, cutoff: datetime) -> bool:
    return (
        item.pressroom_status.value in ("completed", "failed")
        and item.updated_at is not None
        and item.updated_at <= cutoff
    )


def _work_files(_store: OrderStore, item: OrderItem, _cutoff: datetime) -> list[str]:
    return [f"work/{item.id}/"]


def _book_files(_store: OrderStore, item: OrderItem, _cutoff: datetime) -> list[str]:
    return [*published_keys(item), likeness_key(item)]


Files = Callable[[OrderStore, OrderItem, datetime], list[str]]
KINDS: dict[str, tuple[str, Files]] = {
    "photo": ("photo_retention_days", _photo_files),
    "work": ("work_retention_days", _work_files),
    "book": ("book_retention_days", _book_files),
}


def _watermark(blobs: BlobStore, kind: str) -> datetime | None:
    try:
        return datetime.fromisoformat(
            json.loads(blobs.get(WATERMARKS.format(kind=kind)))["through"]
        )
    except (BlobNotFound, KeyError, ValueError):
        return None


def _set_watermark(blobs: BlobStore, kind: str, through: datetime) -> None:
    body = json.dumps({"through": through.isoformat()}).encode()
    blobs.put(WATERMARKS.format(kind=kind), body, "application/json")


def sweep(
    store: OrderStore, blobs: BlobStore, settings: Settings, now: datetime | None = None
) -> SweepReport:
    """Remove what is past each configured clock; what is left is said in the report."""
    now = now or datetime.now(UTC)
    report = SweepReport()
    for kind, (setting, files_of) in KINDS.items():
        days = getattr(settings, setting)
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        since = _watermark(blobs, kind)
        removed = items = 0
        while True:
            page = store.settled_items(since, cutoff, PAGE)
            for item in page:
                for key in files_of(store, item, cutoff):
                    removed += blobs.delete_prefix(key)
                items += 1
            if len(page) < PAGE:
                break
            last = page[-1].updated_at
            assert last is not None
            since = last
            _set_watermark(blobs, kind, since)  # resumes here if stopped
        _set_watermark(blobs, kind, cutoff)
        report.removed[kind], report.items[kind] = removed, items
    return report
