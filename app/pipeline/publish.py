"""Publishing: upload the cover and the PDF under the customer's folders, then complete the
item and notify the customer in one store transaction (exactly once, even if retried)."""

from __future__ import annotations

from app.customer_texts import BOOK_READY_BODY, text
from app.domain import Claim, OrderItem
from app.pipeline.checkpoints import COVER, PDF, Checkpoints
from app.store.item_files import PRINT_FILES, print_key, storage_keys
from app.store.ports import BlobStore, ItemLinks, OrderStore


def publish_item(
    store: OrderStore,
    blobs: BlobStore,
    claim: Claim,
    item: OrderItem,
    checkpoints: Checkpoints,
    title: str,
) -> OrderItem:
    """Upload and complete an item the caller holds in `publishing`. Safe to repeat: uploads
    overwrite, and the store completes and notifies only once."""
    cover_key, pdf_key = storage_keys(item)
    blobs.put(cover_key, checkpoints.get(COVER), "image/jpeg")
    blobs.put(pdf_key, checkpoints.get(PDF), "application/pdf")
    printed = {}
    for kind, name in PRINT_FILES:
        if checkpoints.has(name):  # a printer profile's files, beside the reading PDF
            key = print_key(pdf_key, kind)
            blobs.put(key, checkpoints.get(name), "application/pdf")
            printed[kind] = blobs.url(key)
    if printed:
        store.save_print_files(item.id, printed)
    expires = blobs.url_expires_at()  # taken before signing: the links last at least this
    pdf_url, cover_url = blobs.url(pdf_key), blobs.url(cover_key)
    done = store.complete(
        claim,
        pdf_url=pdf_url,
        cover_image_url=cover_url,
        notification_body=text(BOOK_READY_BODY, title=title),
    )
    if expires is not None:  # signed links: recorded, so the monitor renews them in time
        store.set_links(ItemLinks(item.id, pdf_url, cover_url, expires), claim.worker_id)
    return done
