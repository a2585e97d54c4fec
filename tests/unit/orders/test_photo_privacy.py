"""A child's photo is kept without where, when and on what it was taken: scrubbed when the
door stores it, and, for a photo the app uploaded itself, when its item is claimed."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from PIL import Image

from app.catalog import demo_photo
from app.events import EventBus
from app.imageio import has_metadata
from app.orders.place import OrderRequest, checked_order, place_checked_order
from app.runtime import build_services
from tests.conftest import make_settings, order_book, save_small_book


def with_gps(photo: bytes) -> bytes:
    img = Image.open(io.BytesIO(photo))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def test_the_door_keeps_the_photo_without_its_metadata(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    save_small_book(services, pages=1)
    taken = with_gps(demo_photo("child-ada.jpg"))
    assert has_metadata(taken)
    (tmp_path / "kid.jpg").write_bytes(taken)
    request = OrderRequest("small", "Ada", tmp_path / "kid.jpg", age=5, gender="girl")
    item = place_checked_order(services.store, services.blobs, services.settings, request)
    kept = services.blobs.get(item.personalization.photo)
    assert not has_metadata(kept) and b"PhoneMaker" not in kept
    services.store.close()


def test_a_photo_the_app_uploaded_is_scrubbed_when_its_item_is_claimed(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    book = save_small_book(services, pages=1)
    item = order_book(services, book, photo=with_gps(demo_photo("child-ada.jpg")))
    key = item.personalization.photo
    assert has_metadata(services.blobs.get(key))  # as the app stored it
    _, child = asyncio.run(checked_order(services.store, services.blobs, item, services.settings))
    photo = child.image
    assert not has_metadata(photo) and services.blobs.get(key) == photo and not child.likeness
    again = asyncio.run(checked_order(services.store, services.blobs, item, services.settings))
    assert again[1].image == photo  # once scrubbed, left alone
    services.store.close()
