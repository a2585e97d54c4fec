"""Books in the shop's stores: pictures in the blob store under content-addressed keys
(`catalog/{book}/{sha256}.jpg`, so versions share what they did not change and an old
version's pictures are never overwritten), the book in the order store (through
app.catalog.versions, which decides version numbers)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from app.catalog.bundle import BookFiles, image_suffix, write_bundle
from app.catalog.manifest import BOOK_ID, ID_RULE
from app.catalog.versions import refuse_unready, save_edit
from app.domain import BadInput, Book, BookStatus, PressroomError
from app.imageio import sha256
from app.print.pdf import PrintSpec
from app.store.ports import BlobStore, OrderStore

_CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def picture_key(book_id: str, data: bytes, name: str) -> str:
    suffix = image_suffix(data, name)
    return f"catalog/{book_id}/{sha256(data)[:20]}{suffix}"


def store_pictures(blobs: BlobStore, files: BookFiles) -> Book:
    """Upload the pictures (those not there yet) and return the book naming their keys."""
    book = files.book
    keys: dict[str, str] = {}
    for name in {book.cover_image, *(p.image for p in book.pages)}:
        data = files.images[name]
        key = picture_key(book.id, data, name)
        if not blobs.exists(key):
            blobs.put(key, data, _CONTENT_TYPES[image_suffix(data, name)])
        keys[name] = key
    return replace(
        book,
        cover_image=keys[book.cover_image],
        pages=tuple(replace(p, image=keys[p.image]) for p in book.pages),
    )


def add_book(
    store: OrderStore,
    blobs: BlobStore,
    files: BookFiles,
    spec: PrintSpec,
    status: BookStatus = BookStatus.DRAFT,
) -> Book:
    """A new book (as `status`; live only when its checks pass), or, if the id is taken,
    the next version of that book (refused while it is live and the checks fail)."""
    if not re.fullmatch(BOOK_ID, files.book.id):
        raise BadInput(f"{files.book.id!r}: {ID_RULE}")
    book = store_pictures(blobs, files)
    try:
        store.get_book(book.id)
    except PressroomError:
        book = replace(book, version=1, status=status)
        if status is BookStatus.LIVE:
            refuse_unready(blobs, book, spec)
        store.save_book(book)
        return book
    return save_edit(store, book, blobs=blobs, spec=spec)


def files_of(
    store: OrderStore, blobs: BlobStore, book_id: str, version: int | None = None
) -> BookFiles:
    book = store.get_book(book_id, version)
    keys = {book.cover_image, *(p.image for p in book.pages)}
    return BookFiles(book, {k: blobs.get(k) for k in keys})


def export_book(
    store: OrderStore, blobs: BlobStore, book_id: str, folder: Path, version: int | None = None
) -> Path:
    return write_bundle(files_of(store, blobs, book_id, version), folder)
