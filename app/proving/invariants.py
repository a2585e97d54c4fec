"""What "nothing lost" means, checked after a chaos run from outside the code it attacked:
the store's rows and events, the blob folder, and the fake Gemini's own request log."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from google.genai import types

from app.ai.gemini import GeminiProvider
from app.domain import Book, Status
from app.pipeline import checkpoints as ck
from app.proving.fake_gemini import FakeGemini
from app.store.ports import BlobStore, OrderStore

# words in an item's reason that name each injected fault kind
FAULT_WORDS = {
    "503": ("503", "unavailable", "UNAVAILABLE"),
    "429": ("429", "rate limit", "RESOURCE_EXHAUSTED"),
    "malformed": ("expected form",),
    "slow": ("did not answer in time", "timed out", "timeout"),
    "kill": ("leases ran out",),  # the workers killed mid-job
}
SETTLED = {Status.COMPLETED, Status.FAILED, Status.AWAITING_REVIEW}
SLACK_SECONDS = 0.5  # clock and write latency between a checkpoint and a request


@dataclass(frozen=True)
class ChaosItem:
    item_id: str
    customer_id: str
    photo: bytes


def _reference_sha(provider: GeminiProvider, data: bytes, label: str) -> str:
    part: types.Part = provider._reference_part(data, label)
    assert part.inline_data is not None and part.inline_data.data is not None
    return hashlib.sha256(part.inline_data.data).hexdigest()


def check_invariants(
    store: OrderStore,
    blobs: BlobStore,
    book: Book,
    items: Iterable[ChaosItem],
    fake: FakeGemini,
    checkpoint_time: Callable[[str], float | None],
    database: Path | None = None,
) -> list[str]:
    """`checkpoint_time(key)`: when the blob was first written (None: never);
    `database`: the SQLite file, for its integrity check."""
    items = list(items)
    problems: list[str] = []
    provider = GeminiProvider("unused")
    sources = {_reference_sha(provider, blobs.get(book.cover_image), "cover"): ck.COVER}
    for page in book.pages:
        sources[_reference_sha(provider, blobs.get(page.image), "page")] = ck.page_name(page.index)
    photos = {_reference_sha(provider, i.photo, "photo"): i for i in items}
    requests: dict[tuple[str, str], list[float]] = {}
    for at, source, photo, _status in fake.image_log:
        sender = photos.get(photo)
        drawn = sources.get(source)
        if sender is not None and drawn is not None:
            requests.setdefault((sender.item_id, drawn), []).append(at)

    for chaos in items:
        short = chaos.item_id[:8]
        try:
            item = store.get_item(chaos.item_id)
        except Exception:
            problems.append(f"{short}: lost (not in the store)")
            continue
        status = item.pressroom_status
        if status not in SETTLED:
            problems.append(f"{short}: stuck in {status.value}")
        elif status is not Status.COMPLETED:
            reason = item.last_error or ""
            if not any(w in reason for words in FAULT_WORDS.values() for w in words):
                problems.append(
                    f"{short}: {status.value} for a reason that is no injected fault: {reason!r}"
                )
        problems += _holders(store, chaos.item_id)
        for (owner, target), times in requests.items():
            if owner != chaos.item_id:
                continue
            written = checkpoint_time(f"work/{chaos.item_id}/{target}")
            if written is not None:
                late = [t for t in times if t > written + SLACK_SECONDS]
                if late:
                    problems.append(
                        f"{short}: {target} asked of the model again after its checkpoint existed"
                    )
        notes = [
            n
            for n in store.list_notifications(chaos.customer_id)
            if n.order_item_id == chaos.item_id
        ]
        want = 1 if status is Status.COMPLETED else 0
        if len(notes) != want:
            problems.append(f"{short}: {len(notes)} in-app notifications (want {want})")
        if status is Status.COMPLETED:
            problems += _pdf(blobs, chaos, len(book.pages) + 1)
    if database is not None:
        with sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True) as db:
            verdict = db.execute("pragma integrity_check").fetchone()[0]
        if verdict != "ok":
            problems.append(f"the SQLite file fails its integrity check: {verdict}")
    return problems


def _holders(store: OrderStore, item_id: str) -> list[str]:
    """No worker wrote to the item after another had claimed it (overlapping leases)."""
    holder = None
    found = []
    for event in store.history(item_id):
        actor, action = event["actor"], event["action"]
        if action == "claimed":
            holder = actor
        elif holder and actor != holder and actor.startswith("chaos-"):
            found.append(f"{item_id[:8]}: {actor} wrote ({action}) while {holder} held it")
    return found


def _pdf(blobs: BlobStore, chaos: ChaosItem, pages: int) -> list[str]:
    key = f"books/{chaos.customer_id}/{chaos.item_id}.pdf"
    try:
        with pymupdf.open(stream=blobs.get(key), filetype="pdf") as doc:
            if doc.page_count != pages:
                return [f"{chaos.item_id[:8]}: the PDF has {doc.page_count} pages, not {pages}"]
    except Exception as exc:
        return [f"{chaos.item_id[:8]}: the published PDF does not open ({exc})"]
    return []
