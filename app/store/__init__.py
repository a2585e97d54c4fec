"""Storage ports and the factory that picks a backend from the settings."""

from __future__ import annotations

from app.config import Settings
from app.store.embedded import EmbeddedOrderStore, FolderBlobStore
from app.store.ports import BlobNotFound, BlobStore, OrderStore

__all__ = ["BlobNotFound", "BlobStore", "OrderStore", "open_stores"]


def open_stores(settings: Settings) -> tuple[OrderStore, BlobStore]:
    """The embedded store (SQLite + a folder under the data directory)."""
    root = settings.data_dir
    return EmbeddedOrderStore(root / "pressroom.sqlite3"), FolderBlobStore(root / "blobs")
