"""A child's data is kept no longer than the shop says, on both stores: past its clock a
settled item's photo and child analysis go, then its work files; the published book stays
unless its own clock is set; a photo another live item still uses stays; a sweep stopped
halfway resumes; the data folder keeps no photo bytes afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.domain import Book, Claim, Page, Personalization, Status
from app.privacy.retention import sweep
from app.store.item_files import published_keys
from tests.integration.conftest import Backend

PHOTO = b"\xff\xd8 a child's face \xff\xd9"


def settled_with_files(backend: Backend, photo_key: str, customer: str = "cust-1") -> str:
    """An item completed through the store, with its photo, work files and published book."""
    store, blobs = backend.store, backend.blobs
    store.save_book(Book("b1", "Leo Sails", "", "", "Leo", "c.jpg", (Page(1, "p.jpg", "Leo"),)))
    blobs.put(photo_key, PHOTO, "image/jpeg")
    who = Personalization("Ada", 5, "girl", photo_key)
    _, [item] = store.place_order(customer, [("b1", who)], paid=True)
    [claimed] = store.claim("w0", 1, 60)
    claim = Claim(item.id, "w0", claimed.attempts)
    store.transition(item.id, Status.PROCESSING, Status.PUBLISHING, claim=claim)
    store.complete(claim, pdf_url="u", cover_image_url="u", notification_body="ready")
    for name in ("child-analysis.json", "cover-analysis.json", "page-1.png"):
        blobs.put(f"work/{item.id}/{name}", b"{}", "application/json")
    for key in published_keys(store.get_item(item.id)):  # cover, book and print files
        blobs.put(key, b"%PDF", "application/pdf")
    return item.id


def test_past_their_clocks_a_settled_items_photo_then_its_work_go(backend: Backend) -> None:
    store, blobs = backend.store, backend.blobs
    settings = backend.settings.model_copy(
        update={"photo_retention_days": 0, "work_retention_days": 10}
    )
    done = settled_with_files(backend, "photos/cust-1/a.jpg")
    shared = "photos/cust-2/shared.jpg"
    other = settled_with_files(backend, shared, "cust-2")
    # the app reused the photo for a second book, not made yet
    store.place_order("cust-2", [("b1", Personalization("Kofi", 6, "boy", shared))], paid=True)
    now = datetime.now(UTC) + timedelta(seconds=5)

    first = sweep(store, blobs, settings, now)
    assert not blobs.exists("photos/cust-1/a.jpg")
    assert not blobs.exists(f"work/{done}/child-analysis.json")
    assert blobs.exists(f"work/{done}/page-1.png")  # its own clock: 10 days
    assert blobs.exists(shared)  # another item still needs it
    assert not blobs.exists(f"work/{other}/child-analysis.json")
    assert all(blobs.exists(k) for k in published_keys(store.get_item(done)))  # books stay
    assert first.removed["photo"] == 3 and "Ada" not in first.line()

    assert sweep(store, blobs, settings, now).removed["photo"] == 0  # resumes past its mark

    later = now + timedelta(days=11)
    assert sweep(store, blobs, settings, later).removed["work"] >= 4
    assert blobs.list(f"work/{done}/") == [] and blobs.list(f"work/{other}/") == []
    with_books = settings.model_copy(update={"book_retention_days": 30})
    assert sweep(store, blobs, with_books, later + timedelta(days=31)).removed["book"] == 8


def test_nothing_is_removed_before_its_time(backend: Backend) -> None:
    store, blobs = backend.store, backend.blobs
    settled_with_files(backend, "photos/cust-1/b.jpg")
    report = sweep(store, blobs, backend.settings)  # the defaults: 30 days, books kept
    assert report.removed == {"photo": 0, "work": 0}
    assert blobs.exists("photos/cust-1/b.jpg")


def test_a_photo_kept_for_0_days_leaves_no_byte_of_it_in_the_data_folder(tmp_path: Path) -> None:
    """A real book through the monitor, then the sweep: no file under the data folder holds
    the photo's bytes (the database file included)."""
    import asyncio

    from app.catalog import demo_photo
    from app.events import EventBus
    from app.runtime import build_services
    from app.worker.monitor import Monitor
    from tests.conftest import make_settings, order_book, save_small_book

    settings = make_settings(tmp_path, photo_retention_days=0)
    services = build_services(settings, EventBus())
    photo = demo_photo("child-ada.jpg")
    item = order_book(services, save_small_book(services, pages=1), photo=photo)
    asyncio.run(Monitor(services).run_until_idle({item.id}, timeout=120))
    assert services.store.get_item(item.id).pressroom_status is Status.COMPLETED
    stored = services.blobs.get(item.personalization.photo)  # as the claim scrubbed it
    sweep(services.store, services.blobs, settings, datetime.now(UTC) + timedelta(seconds=5))
    services.store.close()
    # 64 bytes from the middle of each (their picture data, past the JPEG's common tables)
    marks = {b[len(b) // 2 : len(b) // 2 + 64] for b in (photo, stored)}
    holders = [
        p
        for p in settings.data_dir.rglob("*")
        if p.is_file() and any(m in p.read_bytes() for m in marks)
    ]
    assert holders == []


def test_an_access_request_gets_everything_of_that_customer_and_nothing_else(
    backend: Backend, tmp_path: Path
) -> None:
    import json

    from app.privacy.export import export_customer

    mine = settled_with_files(backend, "photos/cust-1/a.jpg")
    theirs = settled_with_files(backend, "photos/cust-2/b.jpg", "cust-2")
    done = export_customer(backend.store, backend.blobs, "cust-1", tmp_path / "export")
    data = json.loads((tmp_path / "export" / "customer.json").read_text())
    assert data["customer_id"] == "cust-1" and done.items == 1
    [record] = data["items"]
    assert record["item"]["id"] == mine and record["item"]["personalization"]["child_name"] == "Ada"
    assert [h["action"] for h in record["history"]][:2] == ["claimed", "publishing"]
    files = sorted(p.relative_to(tmp_path / "export" / "files").as_posix()
                   for p in (tmp_path / "export" / "files").rglob("*") if p.is_file())  # fmt: skip
    assert (
        "photos/cust-1/a.jpg" in files
        and (tmp_path / "export/files/photos/cust-1/a.jpg").read_bytes() == PHOTO
    )
    assert f"work/{mine}/child-analysis.json" in files
    assert f"books/cust-1/{mine}.pdf" in files and f"covers/cust-1/{mine}.jpg" in files
    assert not any(theirs in f or "cust-2" in f for f in files) and done.files == len(files)
