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


def make_private(root: Path) -> int:
    """Folders 0700 and files 0600 under `root`, for what is already there (a data folder
    made 0755 by hand or by an older Pressroom holds children's photos); how many changed."""
    changed = 0
    for folder, _dirs, files in os.walk(root):
        for path, mode in [(folder, 0o700)] + [(os.path.join(folder, f), 0o600) for f in files]:
            with contextlib.suppress(OSError):  # not ours to change: reading still works
                if os.stat(path, follow_symlinks=False).st_mode & 0o077:
                    os.chmod(path, mode, follow_symlinks=False)
                    changed += 1
    return changed


def _private_folder(folder: Path) -> None:
    """`folder` and its missing parents made 0700 (mkdir's mode skips the parents)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)


class FolderBlobStore:
    """BlobStore on a local folder; writes are atomic (temp file, then rename) and private
    to the user (folders 0700, files 0600, whatever the umask)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        _private_folder(self.root)
        make_private(self.root)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            _private_folder(path.parent)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
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
