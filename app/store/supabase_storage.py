"""Supabase Storage behind the BlobStore port: the private `books` bucket (made if missing,
never made public), uploads with upsert, downloads, and signed URLs whose expiry the
store records so they are renewed in time (app/pipeline/links.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage3.exceptions import StorageApiError

from app.store.ports import BlobNotFound
from app.store.supabase_connection import SupabaseConnection

BUCKET = "books"


class SupabaseBlobStore:
    """BlobStore on the private `books` bucket; URLs are signed."""

    def __init__(
        self,
        connection: SupabaseConnection,
        bucket: str = BUCKET,
        signed_url_seconds: int = 365 * 24 * 3600,
    ) -> None:
        self.c = connection
        self.bucket_name = bucket
        self.signed_url_seconds = signed_url_seconds
        self._bucket_checked = False

    @property
    def _bucket(self) -> Any:
        self._ensure_bucket()
        return self.c.client.storage.from_(self.bucket_name)

    def _ensure_bucket(self) -> None:
        if self._bucket_checked:
            return
        storage = self.c.client.storage
        try:
            self.c.call("checking the bucket", lambda: storage.get_bucket(self.bucket_name))
        except StorageApiError:
            self.c.call(
                "creating the bucket",
                lambda: storage.create_bucket(self.bucket_name, options={"public": False}),
            )
        self._bucket_checked = True

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.c.call(
            f"uploading {key}",
            lambda: self._bucket.upload(
                key, data, {"content-type": content_type, "upsert": "true", "cache-control": "3600"}
            ),
        )

    def get(self, key: str) -> bytes:
        try:
            return bytes(self.c.call(f"downloading {key}", lambda: self._bucket.download(key)))
        except StorageApiError as exc:
            if str(exc.status) in ("400", "404"):
                raise BlobNotFound(key) from None
            raise

    def exists(self, key: str) -> bool:
        return bool(self.c.call(f"looking for {key}", lambda: self._bucket.exists(key)))

    def url(self, key: str) -> str:
        signed = self.c.call(
            f"signing {key}", lambda: self._bucket.create_signed_url(key, self.signed_url_seconds)
        )
        return str(signed.get("signedURL") or signed.get("signedUrl"))

    def url_expires_at(self) -> datetime | None:
        return datetime.now(UTC) + timedelta(seconds=self.signed_url_seconds)

    def list(self, prefix: str) -> list[str]:
        folder = prefix.strip("/")
        if self.exists(folder):
            return [folder]
        found: list[str] = []
        pending = [folder]
        while pending:
            path = pending.pop()
            entries = self.c.call(
                f"listing {path}",
                lambda p=path: self._bucket.list(  # type: ignore[misc]
                    p, {"limit": 1000, "offset": 0}
                ),
            )
            for entry in entries:
                child = f"{path}/{entry['name']}" if path else entry["name"]
                if entry.get("id") is None:
                    pending.append(child)
                else:
                    found.append(child)
        return sorted(found)

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        if keys:
            self.c.call(f"deleting {prefix}", lambda: self._bucket.remove(keys))
        return len(keys)
