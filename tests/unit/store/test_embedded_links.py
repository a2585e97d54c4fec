"""The embedded store keeps the same link bookkeeping as Supabase: public links found,
due links found by expiry, new links recorded with an event; its own file URLs never
fall due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain import Claim, Status
from app.pipeline.links import renew_due, resign
from app.runtime import JobServices
from app.store.ports import ItemLinks
from tests.conftest import order_book, save_small_book

BASE = "https://p.supabase.co/storage/v1/object"


def completed(services: JobServices, pdf_url: str) -> str:
    item = order_book(services, save_small_book(services, pages=1))
    store = services.store
    [claimed] = store.claim("w", 1, 60)
    store.transition(item.id, Status.PROCESSING, Status.PUBLISHING, claim=Claim(item.id, "w", 1))
    store.complete(
        Claim(item.id, "w", claimed.attempts),
        pdf_url=pdf_url,
        cover_image_url=pdf_url.replace(".pdf", ".jpg"),
        notification_body="ready",
    )
    return item.id


def test_links_are_found_by_kind_and_expiry(services: JobServices) -> None:
    store = services.store
    local = completed(services, "file:///books/a.pdf")
    public = completed(services, f"{BASE}/public/books/books/b.pdf")
    signed = completed(services, f"{BASE}/sign/books/books/c.pdf?token=t")
    now = datetime.now(UTC)
    assert [r.item_id for r in store.public_links(10)] == [public]
    assert [r.item_id for r in store.links_due(now, 10)] == [signed]  # unknown expiry: due
    later = ItemLinks(
        signed, f"{BASE}/sign/books/books/c.pdf?token=u", None, now + timedelta(days=90)
    )
    assert store.set_links(later, "tester")
    assert store.links_due(now + timedelta(days=30), 10) == []
    assert [r.item_id for r in store.links_due(now + timedelta(days=91), 10)] == [signed]
    assert store.get_item(signed).pdf_url.endswith("token=u")  # type: ignore[union-attr]
    assert store.history(signed)[-1]["action"] == "links"
    assert local not in {r.item_id for r in store.links_due(now + timedelta(days=999), 10)}


def test_a_public_link_into_another_bucket_is_left_alone_and_said(services: JobServices) -> None:
    item_id = completed(services, f"{BASE}/public/books/books/b.pdf")
    report = resign(services.store, services.blobs, dry_run=True)
    assert report.items == 1 and report.refused and "bucket 'books'" in report.refused[0]
    assert renew_due(services.store, services.blobs, margin=timedelta(days=30)).items == 0
    assert services.store.get_item(item_id).pdf_url == f"{BASE}/public/books/books/b.pdf"
