"""The demo catalog shipped in resources/demo: books (folders `pressroom book import`
reads, loaded through that same import), sample photos and demo orders."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from importlib.resources import as_file
from typing import Any, NamedTuple

from app.assets import demo_root
from app.catalog.bundle import MANIFEST
from app.catalog.importing import read_folder
from app.catalog.shelf import add_book
from app.domain import Book, BookStatus, OrderItem, Personalization
from app.names import personalize_text
from app.orders.place import upload_photo
from app.print.pdf import BookPage, PrintSpec
from app.store.ports import BlobStore, OrderStore


@dataclass(frozen=True)
class DemoChild:
    name: str
    age: int
    gender: str
    photo: str  # file name in resources/demo/photos
    parent: str  # the demo customer who orders for this child
    email: str


DEMO_CHILDREN = (
    DemoChild("Ada", 5, "girl", "child-ada.jpg", "Grace Okafor", "grace@example.com"),
    DemoChild("Kofi", 6, "boy", "child-kofi.jpg", "Kwame Mensah", "kwame@example.com"),
    DemoChild("Rosie", 4, "girl", "child-rosie.jpg", "Ellen Byrne", "ellen@example.com"),
)


DEMO_BOOKS = ("moon-boat", "giant-garden")  # folders in resources/demo, in catalog order
DEMO_SPEC = PrintSpec()  # the reading PDF's page: what the demo books are checked against


def demo_catalog() -> dict[str, Any]:
    """The demo books' manifests (book.json) as {"books": [...]}; image fields are file
    names in resources/demo/<id>/."""
    root = demo_root()
    return {"books": [json.loads(root.joinpath(b, MANIFEST).read_text()) for b in DEMO_BOOKS]}


def load_demo_catalog(
    store: OrderStore, blobs: BlobStore, spec: PrintSpec = DEMO_SPEC
) -> list[Book]:
    """Import the demo books (live) unless the store has them as they are; a shop's own
    changes to them (a retired demo book) are kept."""
    books = []
    for book_id in DEMO_BOOKS:
        with as_file(demo_root().joinpath(book_id)) as folder:
            books.append(add_book(store, blobs, read_folder(folder), spec, BookStatus.LIVE))
    return books


def demo_photo(name: str) -> bytes:
    return demo_root().joinpath("photos", name).read_bytes()


def place_demo_orders(
    store: OrderStore, blobs: BlobStore, books: list[Book], *, paid: bool = True
) -> list[OrderItem]:
    """One paid order per book, each for a different demo child."""
    items: list[OrderItem] = []
    for n, book in enumerate(books):
        child = DEMO_CHILDREN[n % len(DEMO_CHILDREN)]
        # A uuid, as the mobile app's auth users are (orders.user_id may be a uuid column).
        customer = str(uuid.uuid5(uuid.NAMESPACE_URL, f"pressroom-demo-customer-{n + 1}"))
        photo = upload_photo(blobs, customer, demo_photo(child.photo))
        who = Personalization(child.name, child.age, child.gender, photo)
        _, placed = store.place_order(
            customer,
            [(book.id, who)],
            paid=paid,
            customer_name=child.parent,
            customer_email=child.email,
        )
        items.extend(placed)
    return items


class DemoPages(NamedTuple):
    title: str  # the title with the child's name
    cover: bytes
    pages: list[BookPage]  # every page's picture with its text personalized


def demo_pages(book_id: str = "moon-boat", name: str = "Ada") -> DemoPages:
    """A demo book's pictures with the text as it is printed for `name` (a girl): what the
    print bench and the print tests compose, without a pipeline run."""
    spec = next(b for b in demo_catalog()["books"] if b["id"] == book_id)
    root = demo_root().joinpath(book_id)
    pages = [
        BookPage(
            root.joinpath(p["image"]).read_bytes(),
            personalize_text(p["text"], spec["hero_name"], spec["hero_gender"], name, "girl"),
            f"page {p['index']}",
        )
        for p in spec["pages"]
    ]
    title = spec["title"].replace(spec["hero_name"], name)
    return DemoPages(title, root.joinpath(spec["cover_image"]).read_bytes(), pages)
