"""What the job hands each of its stages (PDF, print files, quality gate) and uses itself:
the item, the services, typed checkpoint reads and writes (blob I/O runs in a thread: on
Supabase Storage it is a network call), progress that also renews the lease, and what
earlier runs of the item recorded. A stage never reaches into the job."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.domain import OrderItem, PermanentError, Stage
from app.pipeline import checkpoints as ck
from app.pipeline.calls import CallRunner
from app.runtime import JobServices
from app.store.ports import BlobNotFound

Progress = Callable[[Stage, int, int], Awaitable[None]]


@dataclass
class StageContext:
    item: OrderItem
    services: JobServices
    checkpoints: ck.Checkpoints
    calls: CallRunner  # provider calls with the job's retries
    progress: Progress  # reports a stage's progress; raises LeaseLost when the lease is gone
    earlier_runs: dict[str, Any] = field(default_factory=dict)  # the item's provenance so far
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, this run

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def say(self, level: int, text: str) -> None:
        self.services.events.message(level, text, self.item.id)

    # -- checkpoints ---------------------------------------------------------------------
    async def has(self, name: str) -> bool:
        return await asyncio.to_thread(self.checkpoints.has, name)

    async def read(self, name: str) -> bytes:
        return await asyncio.to_thread(self.checkpoints.get, name)

    async def read_json(self, name: str) -> dict[str, Any] | None:
        """A JSON checkpoint (always an object), or None when there is none yet."""
        found = await asyncio.to_thread(self.checkpoints.get_json, name)
        return found if isinstance(found, dict) else None

    async def write(self, name: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self.checkpoints.put, name, data, content_type)

    async def write_json(self, name: str, value: object) -> None:
        await asyncio.to_thread(self.checkpoints.put_json, name, value)

    # -- the book's own files ------------------------------------------------------------
    async def load_blob(self, key: str, what: str) -> bytes:
        try:
            return await asyncio.to_thread(self.services.blobs.get, key)
        except BlobNotFound:
            raise PermanentError(f"{what} is missing from storage ({key})") from None
