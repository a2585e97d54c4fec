"""Redrawing a book once the child's photo is gone. The photo goes on its own clock
(PRESSROOM_PHOTO_RETENTION_DAYS), often long before the book's; what stays is the child's
approved likeness: the generated cover, kept under likeness/<customer>/<item>.jpg once the
quality gate passed it (or an operator approved it), on the book's clock. A redraw (a
retry, a regenerate) then draws the child from that likeness, and says so; with neither
photo nor likeness it is refused in one sentence, since only the customer can help."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import OrderItem
from app.store.ports import BlobNotFound, BlobStore

LIKENESS = "likeness/{customer}/{item}.jpg"
USING_LIKENESS = (
    "the child's photo is no longer kept (PRESSROOM_PHOTO_RETENTION_DAYS): the child is drawn "
    "from their approved likeness, the cover made earlier"
)
NEEDS_PHOTO = (
    "the child's photo is not in storage (it is kept PRESSROOM_PHOTO_RETENTION_DAYS after its "
    "item settles) and no likeness of the child was approved: drawing this book needs a new "
    "photo from the customer"
)


def likeness_key(item: OrderItem) -> str:
    return LIKENESS.format(customer=item.customer_id, item=item.id)


@dataclass(frozen=True)
class ChildReference:
    """What the child is drawn from: their photo, or (`likeness`) their approved likeness."""

    image: bytes
    likeness: bool = False

    @property
    def word(self) -> str:
        return "approved likeness" if self.likeness else "photo"


def erased_sentence(item: OrderItem) -> str | None:
    """Why an erased item can never be made again; None when it was not erased."""
    if not item.personalization.erased_at:
        return None
    when = item.personalization.erased_at[:10]
    return (
        f"this item's personal data was erased on {when} at the customer's request: it "
        "cannot be made again"
    )


def likeness_of(blobs: BlobStore, item: OrderItem) -> bytes | None:
    try:
        return blobs.get(likeness_key(item))
    except BlobNotFound:
        return None


def keep_likeness(blobs: BlobStore, item: OrderItem, cover: bytes) -> None:
    """The approved cover, kept as the child's likeness for later redraws."""
    blobs.put(likeness_key(item), cover, "image/jpeg")


def redraw_problem(blobs: BlobStore, item: OrderItem) -> str | None:
    """Why the item cannot be drawn again now, in one sentence; None when it can."""
    erased = erased_sentence(item)
    if erased:
        return erased
    photo = item.personalization.photo
    if not photo:  # never had one: the claim's checks say so, as for any order
        return None
    try:
        if blobs.exists(photo):
            return None
    except ValueError:  # a key the folder store refuses: the claim's checks say so
        return None
    return None if blobs.exists(likeness_key(item)) else NEEDS_PHOTO
