"""What Pressroom holds about one customer, written out for an access request (GDPR Art. 15,
portability Art. 20): `pressroom export-customer ID FOLDER` writes `customer.json` — every
order item with its child's details, its history, quality report, provenance (the prompts
that named the child), deliveries, the customer's notifications and device tokens — and
`files/`, a copy of every stored file of theirs still kept (photos, work files, covers,
books), under the keys they have in the store."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any

from app.domain import BadInput
from app.store.ports import BlobNotFound, BlobStore, OrderStore

FORMAT = "pressroom-customer-export/1"


@dataclass(frozen=True)
class Export:
    folder: Path
    items: int
    files: int

    def line(self) -> str:
        return f"{self.items} item(s) and {self.files} file(s) written to {self.folder}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _keys_of(store_blobs: BlobStore, customer_id: str, items: list[Any]) -> list[str]:
    keys: set[str] = set()
    for folder in ("photos", "covers", "books", "likeness"):
        prefix = f"{folder}/{customer_id}/"
        keys.update(store_blobs.list(prefix))
    for item in items:
        keys.update(store_blobs.list(f"work/{item.id}/"))
        if item.personalization.photo:
            keys.add(item.personalization.photo)
    return sorted(keys)


def export_customer(store: OrderStore, blobs: BlobStore, customer_id: str, folder: Path) -> Export:
    """Write the export into `folder` (which must be new or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise BadInput(f"{folder}: not empty; give a new folder for the export")
    items = store.items_of_customer(customer_id)
    if not items:
        raise BadInput(f"no order items for customer {customer_id!r}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    records = []
    for item in items:
        records.append(
            {
                "item": _plain(asdict(item)),
                "history": _plain(store.history(item.id)),
                "quality": store.get_quality(item.id),
                "provenance": store.get_provenance(item.id),
                "deliveries": _plain([asdict(d) for d in store.deliveries(item.id)]),
            }
        )
    written = 0
    for key in _keys_of(blobs, customer_id, items):
        try:
            data = blobs.get(key)
        except BlobNotFound:  # gone by retention since it was listed
            continue
        parts = PurePosixPath(key).parts
        if PurePosixPath(key).is_absolute() or ".." in parts:  # a key an app wrote oddly
            continue
        target = folder.joinpath("files", *parts)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o600)
        written += 1
    summary = {
        "format": FORMAT,
        "customer_id": customer_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "items": records,
        "notifications": _plain([asdict(n) for n in store.list_notifications(customer_id)]),
        "device_tokens": store.device_tokens(customer_id),
        "files": written,
    }
    path = folder / "customer.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return Export(folder, len(items), written)
