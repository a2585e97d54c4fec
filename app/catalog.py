"""The demo catalog shipped in resources/demo: books, sample photos and demo orders."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from app.assets import demo_root
from app.domain import Book, OrderItem, Personalization
from app.store.codec import book_from_dict
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


def _catalog() -> dict[str, Any]:
    return dict(json.loads(demo_root().joinpath("catalog.json").read_text()))


def load_demo_catalog(store: OrderStore, blobs: BlobStore) -> list[Book]:
    """Copy the demo books' images into the blob store (once) and save the books."""
    root = demo_root()
    books = []
    for spec in _catalog()["books"]:
        prefix = f"catalog/{spec['id']}/"
        names = [spec["cover_image"], *(p["image"] for p in spec["pages"])]
        for name in names:
            if not blobs.exists(prefix + name):
                blobs.put(prefix + name, root.joinpath(spec["id"], name).read_bytes(), "image/jpeg")
        book = book_from_dict(
            {
                **spec,
                "cover_image": prefix + spec["cover_image"],
                "pages": [{**p, "image": prefix + p["image"]} for p in spec["pages"]],
            }
        )
        store.save_book(book)
        books.append(book)
    return books


def demo_photo(name: str) -> bytes:
    return demo_root().joinpath("photos", name).read_bytes()


def upload_photo(blobs: BlobStore, customer_id: str, data: bytes, suffix: str = ".jpg") -> str:
    key = f"photos/{customer_id}/{uuid.uuid4().hex}{suffix}"
    blobs.put(key, data, "image/png" if suffix == ".png" else "image/jpeg")
    return key


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
