"""Placing an order and taking a claimed one: the child's photo uploaded, the order checked
at the door (app/orders/checks.py) and placed paid, or a claimed item's book and photo read
back and checked again before any AI call."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from app.config import Settings
from app.cpu import run_cpu
from app.domain import (
    BadInput,
    Book,
    BookStatus,
    OrderItem,
    Personalization,
    PressroomError,
    QueuePaused,
    TransientError,
)
from app.imageio import has_metadata, read_file, scrub_photo
from app.logs import register_personal
from app.orders.checks import (
    Problem,
    check_order,
    clean_name,
    raise_if_refused,
)
from app.privacy.likeness import NEEDS_PHOTO, ChildReference, erased_sentence, likeness_of
from app.store.ports import BlobNotFound, BlobStore, OrderStore

PHOTO_TYPES = {
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
}


def upload_photo(
    blobs: BlobStore, customer_id: str, data: bytes, suffix: str = ".jpg", *, max_pixels: int = 0
) -> str:
    """Store a child's photo under its customer; the key is what the order row keeps. With
    `max_pixels`, the photo is scrubbed first (upright, no EXIF/GPS: imageio.scrub_photo)."""
    if max_pixels:
        data, suffix = scrub_photo(data, "the photo", max_pixels)
    key = f"photos/{customer_id}/{uuid.uuid4().hex}{suffix}"
    blobs.put(key, data, PHOTO_TYPES.get(suffix, "image/jpeg"))
    return key


def find_book(store: OrderStore, book_id: str, item_id: str | None = None) -> Book | None:
    """The catalog's book (with `item_id`: the version that item was ordered in), or None
    when there is no such book. An outage is not an answer: it is raised."""
    try:
        return store.item_book(item_id) if item_id else store.get_book(book_id)
    except (TransientError, QueuePaused):
        raise
    except PressroomError:
        return None


@dataclass(frozen=True)
class OrderRequest:
    """A paid order as the CLI and the console's dialog take it."""

    book_id: str
    child_name: str
    photo_path: Path | None  # None: no photo was chosen
    age: int | None = None
    gender: str | None = None
    customer_id: str = "walk-in"
    customer_name: str | None = None
    customer_email: str | None = None


def place_checked_order(
    store: OrderStore,
    blobs: BlobStore,
    settings: Settings,
    request: OrderRequest,
) -> OrderItem:
    """Check the order, then upload the photo and place it paid; raises OrderRefused with
    every problem when it cannot be made."""
    register_personal((request.child_name, request.customer_name, request.customer_email))
    problems: list[Problem] = []
    photo: bytes | None = None
    if request.photo_path is None:
        problems.append(Problem("photo", "no photo of the child was given"))
    else:
        try:
            photo = read_file(request.photo_path, "photo")
        except BadInput as exc:
            problems.append(Problem("photo", str(exc)))
    books = [b for b in store.list_books() if b.status is BookStatus.LIVE]
    book = next((b for b in books if b.id == request.book_id), None)
    who = Personalization(clean_name(request.child_name), request.age, request.gender or None)
    problems += check_order(
        book,
        who,
        photo,
        settings,
        book_id=request.book_id,
        customer_id=request.customer_id,
        customer_email=request.customer_email,
        photo_name=str(request.photo_path or "the photo"),
        known_books=[b.id for b in books],
    )
    raise_if_refused(problems)
    assert book is not None and photo is not None and request.photo_path is not None
    suffix = request.photo_path.suffix.lower() or ".jpg"
    key = upload_photo(
        blobs, request.customer_id, photo, suffix, max_pixels=settings.max_image_pixels
    )
    _, items = store.place_order(
        request.customer_id,
        [(book.id, replace(who, photo=key))],
        paid=True,
        customer_name=request.customer_name or None,
        customer_email=request.customer_email or None,
    )
    return items[0]


async def checked_order(
    store: OrderStore, blobs: BlobStore, item: OrderItem, settings: Settings
) -> tuple[Book, ChildReference]:
    """A claimed item's book and what the child is drawn from, after the checks every order
    passes at the door: a row the app wrote can be as bad as any input, and is refused
    here, before any AI call, with one sentence per problem (no retry). Once the photo is
    gone (retention), the child's approved likeness stands in for it (app/privacy)."""
    erased = erased_sentence(item)
    if erased:
        raise_if_refused([erased])
    book = await asyncio.to_thread(find_book, store, item.book_id, item.id)
    key = item.personalization.photo
    problems: list[str] = []
    photo: bytes | None = None
    likeness: bytes | None = None
    if not key:
        problems.append("the order has no child photo")
    else:
        try:
            photo = await asyncio.to_thread(blobs.get, key)
        except BlobNotFound:
            likeness = await asyncio.to_thread(likeness_of, blobs, item)
            if likeness is None:
                problems.append(NEEDS_PHOTO)
        except ValueError:  # the folder store refuses keys that would leave its folder
            problems.append(f"child photo {key!r}: not a valid storage key")
    problems += await run_cpu(
        check_order,
        book,
        item.personalization,
        photo if likeness is None else likeness,
        settings,
        book_id=item.book_id,
        customer_id=item.customer_id,
        photo_name="the child's photo",  # the stored file name is a key, not words
    )
    raise_if_refused(problems)
    assert book is not None and key
    if likeness is not None:
        return book, ChildReference(likeness, likeness=True)
    assert photo is not None
    if await asyncio.to_thread(has_metadata, photo):  # the app uploaded it as taken
        photo = await run_cpu(_scrub_in_place, blobs, key, photo, settings.max_image_pixels)
    return book, ChildReference(photo)


def _scrub_in_place(blobs: BlobStore, key: str, photo: bytes, max_pixels: int) -> bytes:
    """The stored photo replaced by its scrubbed self under the same key, which the row
    keeps (the content is sniffed when read, never trusted from the name)."""
    scrubbed, suffix = scrub_photo(photo, "the child's photo", max_pixels)
    blobs.put(key, scrubbed, PHOTO_TYPES.get(suffix, "image/jpeg"))
    return scrubbed
