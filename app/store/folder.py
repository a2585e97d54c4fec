"""The default blob store: a folder on this computer. Writes are atomic (temp file, then
rename), so a crash never leaves half a checkpoint."""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from datetime import datetime
from pathlib import Path

from app.domain import TransientError
from app.store.ports import BlobNotFound

_WHAT_TO_DO = {
    errno.EACCES: "Pressroom's user may not write there: give it write access",
    errno.EPERM: "Pressroom's user may not write there: give it write access",
    errno.EROFS: "the folder is on a read-only disk: make it writable or move the data folder",
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "the disk quota is used up: free some space",
}


def storage_error(exc: OSError, folder: Path) -> TransientError:
    """A write that failed, as a sentence naming the folder and what to do; transient, as
    the operator can fix it, and the item is retried like any other transient fault."""
    remedy = _WHAT_TO_DO.get(exc.errno or 0, "check the folder and the disk")
    reason = exc.strerror or type(exc).__name__
    return TransientError(f"cannot write to {folder} ({reason}): {remedy}; Pressroom retries")


class FolderBlobStore:
    """BlobStore on a local folder; writes are atomic (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)  # the previous file, if any, is untouched
            raise storage_error(exc, path.parent) from None

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def url(self, key: str) -> str:
        return self._path(key).resolve().as_uri()

    def url_expires_at(self) -> datetime | None:
        return None  # a file URL works as long as the file is there

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if base.is_file():
            return [prefix.rstrip("/")]
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for key in keys:
            self._path(key).unlink(missing_ok=True)
        return len(keys)
