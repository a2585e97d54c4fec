"""Per-item checkpoints in the blob store, so a reclaimed job resumes instead of paying
for the same AI call twice."""

from __future__ import annotations

import json
from typing import Any

from app.store.ports import BlobNotFound, BlobStore

COVER_ANALYSIS = "cover-analysis.json"
CHILD_ANALYSIS = "child-analysis.json"
PROMPTS = "prompts.json"
COVER = "cover.jpg"
PDF = "book.pdf"
PROVENANCE = "provenance.json"
APPROVED = "approved.json"
INSTRUCTIONS = "instructions.json"
QUALITY = "quality.json"  # the quality gate's report
PRINT_INTERIOR = "print-interior.pdf"  # for the printer profile (app/print), when not digital
PRINT_COVER = "print-cover.pdf"
PREFLIGHT = "preflight.json"  # preflight's reports on the two print files
QUALITY_TARGETS = "quality-targets.json"  # its checks per image, kept while the image is


def page_name(index: int) -> str:
    return f"pages/{index:03d}.jpg"


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
