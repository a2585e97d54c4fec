"""Links that never die while the book exists.

Books and children's photos stay private: the app holds signed URLs. Two things keep
those links alive. `resign` rewrites the public URLs the old server wrote into the rows
(they stop working the moment the `books` bucket turns private) — a dry run first, with
counts. `renew_due` re-signs links before they expire; the monitor runs it every hour,
so a customer's book outlives any one signature. Every rewrite is recorded with the new
expiry and lands in the item's history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

from app.domain import PressroomError
from app.store.ports import BlobStore, ItemLinks, OrderStore

log = logging.getLogger(__name__)

MARKERS = ("/storage/v1/object/public/", "/storage/v1/object/sign/")
ALL = 1_000_000  # a shop's whole history: one read of ids and links, then one write each


def storage_object(url: str | None) -> tuple[str, str] | None:
    """(bucket, key) of a Supabase Storage URL, public or signed; None for anything else."""
    if not url:
        return None
    path = urlsplit(url).path
    for marker in MARKERS:
        if marker in path:
            bucket, _, key = path.split(marker, 1)[1].partition("/")
            return (unquote(bucket), unquote(key)) if key else None
    return None


@dataclass
class LinkReport:
    items: int = 0  # items looked at
    rewritten: int = 0  # items whose links were (or, in a dry run, would be) rewritten
    refused: list[str] = field(default_factory=list)  # "item: why" for links left alone

    def line(self, what: str, dry_run: bool) -> str:
        verb = "would rewrite" if dry_run else "rewrote"
        text = f"{what}: {self.items} items, {verb} {self.rewritten}"
        return text + (f", {len(self.refused)} left alone" if self.refused else "")


def _signed(blobs: BlobStore, url: str | None, item_id: str) -> str | None:
    """A freshly signed URL for the object `url` points at (`url` itself if it is not a
    Storage URL, e.g. a local file)."""
    target = storage_object(url)
    if target is None:
        return url
    bucket, key = target
    ours = getattr(blobs, "bucket_name", None)
    if bucket != ours:
        raise PressroomError(f"{item_id}: its link is in bucket {bucket!r}, not {ours!r}")
    if not blobs.exists(key):
        raise PressroomError(f"{item_id}: {key} is not in Storage any more")
    return blobs.url(key)


def _rewrite(
    store: OrderStore,
    blobs: BlobStore,
    rows: list[ItemLinks],
    report: LinkReport,
    *,
    dry_run: bool,
    actor: str,
) -> None:
    for row in rows:
        report.items += 1
        try:
            if dry_run:
                for url in (row.pdf_url, row.cover_image_url):
                    target = storage_object(url)
                    if target and target[0] != getattr(blobs, "bucket_name", None):
                        raise PressroomError(f"{row.item_id}: its link is in bucket {target[0]!r}")
                report.rewritten += 1
                continue
            expires = blobs.url_expires_at()
            fresh = ItemLinks(
                row.item_id,
                _signed(blobs, row.pdf_url, row.item_id),
                _signed(blobs, row.cover_image_url, row.item_id),
                expires,
            )
            if store.set_links(fresh, actor):
                report.rewritten += 1
        except PressroomError as error:
            report.refused.append(str(error))
            log.warning("links of %s left alone: %s", row.item_id, error)


def resign(
    store: OrderStore, blobs: BlobStore, *, dry_run: bool = True, actor: str = "links --resign"
) -> LinkReport:
    """Rewrite public Storage links to signed ones (a dry run unless told otherwise)."""
    report = LinkReport()
    _rewrite(store, blobs, store.public_links(ALL), report, dry_run=dry_run, actor=actor)
    return report


def renew_due(
    store: OrderStore,
    blobs: BlobStore,
    *,
    margin: timedelta,
    now: datetime | None = None,
    actor: str = "link renewal",
) -> LinkReport:
    """Re-sign the links that expire within `margin` (or whose expiry is unknown)."""
    report = LinkReport()
    before = (now or datetime.now(UTC)) + margin
    _rewrite(store, blobs, store.links_due(before, ALL), report, dry_run=False, actor=actor)
    return report
