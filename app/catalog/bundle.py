"""A book as a folder: `book.json` (the format below) beside its image files. What
`pressroom book export` writes and `pressroom book import` reads back unchanged; the demo
books ship in it. In a bundle the book's image fields name files in the folder; in the
store they are blob keys (see app.catalog.shelf)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.catalog.intake import FolderImages, IntakeLimits, picture_format
from app.domain import BadInput, Book, BookStatus
from app.store.codec import book_from_dict, book_to_dict

FORMAT = "pressroom-book/1"
MANIFEST = "book.json"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# What a bundle does not carry: the shop's own state for the book.
_SHOP_STATE = ("version", "status")


def slug(title: str) -> str:
    """A book id from its title: lower-case letters and digits joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:64].strip("-") or "book"


@dataclass(frozen=True)
class BookFiles:
    """A book whose image fields are names in `images`, with what the import noticed."""

    book: Book
    images: Mapping[str, bytes]
    proposed_hero: str | None = None
    notes: tuple[str, ...] = field(default=())


def image_suffix(data: bytes, name: str) -> str:
    """The file suffix for an image's bytes (checked, so a renamed file is caught)."""
    return picture_format(data, name)[0]


def image_size(data: bytes, name: str = "picture") -> tuple[int, int]:
    """Width and height from the header (no decoding)."""
    return picture_format(data, name)[1]


def manifest_of(book: Book) -> dict[str, Any]:
    data = {"format": FORMAT, **book_to_dict(book)}
    for key in _SHOP_STATE:
        data.pop(key)
    return data


def content_of(book: Book) -> dict[str, Any]:
    """What makes two versions of a book the same book (not its version or status)."""
    return manifest_of(book)


def write_bundle(files: BookFiles, folder: Path) -> Path:
    """Write the book into `folder` (made if missing): cover and pages named by their role,
    and book.json naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    book = files.book

    def put(source: str, stem: str) -> str:
        data = files.images[source]
        name = stem + image_suffix(data, source)
        folder.joinpath(name).write_bytes(data)
        return name

    cover = put(book.cover_image, "cover")
    pages = tuple(replace(p, image=put(p.image, f"page-{p.index:02d}")) for p in book.pages)
    renamed = replace(book, cover_image=cover, pages=pages)
    folder.joinpath(MANIFEST).write_text(json.dumps(manifest_of(renamed), indent=2) + "\n")
    return folder


def read_bundle(folder: Path, data: dict[str, Any], limits: IntakeLimits) -> BookFiles:
    """A full manifest (an exported book, checked by app.catalog.manifest): read exactly as
    written, its pictures confined to the folder and read only when used."""
    manifest = folder / MANIFEST
    if data.get("format") != FORMAT:
        raise BadInput(f"{manifest}: format {data.get('format')!r}; expected {FORMAT!r}")
    for n, page in enumerate(data.get("pages") or (), 1):
        if not isinstance(page, dict) or "image" not in page:
            raise BadInput(f"{manifest}: pages → entry {n}: a bundle's page names its image")
    try:
        book = book_from_dict({k: v for k, v in data.items() if k not in _SHOP_STATE})
    except KeyError as exc:
        raise BadInput(f"{manifest}: the field {exc} is missing") from None
    if not book.pages:
        raise BadInput(f"{manifest}: a book needs a cover and at least one page")
    names = [book.cover_image, *(p.image for p in book.pages)]
    images = FolderImages(folder, names, limits, str(manifest))
    for name in names:
        path = images.path_of(name)
        if not path.exists() and not path.is_symlink():
            raise BadInput(f"{path}: named in {MANIFEST} but not in the folder")
    images.check_all()  # each picture: a regular file, under its caps, a picture
    # a bundle is a book for this shop to look at first: it arrives as a draft
    draft = replace(book, status=BookStatus.DRAFT)
    return BookFiles(draft, images, notes=(f"read {MANIFEST} ({len(book.pages)} pages)",))
