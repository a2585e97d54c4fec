"""Per-item checkpoints in the blob store, so a reclaimed job resumes instead of paying
for the same AI call twice."""

from __future__ import annotations

import json
from typing import Any

from app.store.item_files import (  # noqa: F401 - the names checkpoints are kept under
    APPROVED,
    BATCHES,
    CHILD_ANALYSIS,
    COVER,
    COVER_ANALYSIS,
    INSTRUCTIONS,
    LIVE_ASKED,
    PDF,
    PREFLIGHT,
    PRINT_COVER,
    PRINT_INTERIOR,
    PROMPTS,
    PROVENANCE,
    QUALITY,
    QUALITY_TARGETS,
    page_name,
)
from app.store.ports import BlobNotFound, BlobStore


class Checkpoints:
    def __init__(self, blobs: BlobStore, item_id: str) -> None:
        self.blobs = blobs
        self.prefix = f"work/{item_id}/"

    def key(self, name: str) -> str:
        return self.prefix + name

    def has(self, name: str) -> bool:
        return self.blobs.exists(self.key(name))

    def get(self, name: str) -> bytes:
        return self.blobs.get(self.key(name))

    def put(self, name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.blobs.put(self.key(name), data, content_type)

    def get_json(self, name: str, default: Any = None) -> Any:
        try:
            return json.loads(self.get(name))
        except BlobNotFound:
            return default

    def put_json(self, name: str, value: Any) -> None:
        self.put(name, json.dumps(value, indent=2, default=str).encode(), "application/json")

    def drop(self, *names: str) -> None:
        for name in names:
            self.blobs.delete_prefix(self.key(name))

    def drop_all(self) -> int:
        return self.blobs.delete_prefix(self.prefix)
