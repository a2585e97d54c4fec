"""Storage ports and the factory that picks a backend from the settings."""

from __future__ import annotations

from app.config import Settings
from app.store.embedded import EmbeddedOrderStore
from app.store.folder import FolderBlobStore
from app.store.ports import BlobNotFound, BlobStore, OrderStore

__all__ = ["BlobNotFound", "BlobStore", "OrderStore", "open_stores"]


def open_stores(settings: Settings) -> tuple[OrderStore, BlobStore]:
    """Supabase when SUPABASE_URL and SUPABASE_SERVICE_KEY are set, else the embedded store
    (SQLite + a folder under the data directory)."""
    key = settings.supabase_service_key.get_secret_value() if settings.supabase_service_key else ""
    if settings.supabase_url and key:
        from app.store.supabase import SupabaseOrderStore
        from app.store.supabase_connection import SupabaseConnection
        from app.store.supabase_storage import SupabaseBlobStore

        connection = SupabaseConnection(settings.supabase_url, key)
        return SupabaseOrderStore(connection), SupabaseBlobStore(
            connection, signed_url_seconds=settings.signed_url_seconds
        )
    root = settings.data_dir
    return EmbeddedOrderStore(root / "pressroom.sqlite3"), FolderBlobStore(root / "blobs")
