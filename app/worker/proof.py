"""Try a book before it goes live: personalize it with a sample child through the normal
pipeline, without an order in the shop. The job runs on a scratch embedded store in a
temporary folder, with the shop's own provider and settings (Gemini when a key is set),
so no order, notification or customer link is ever made; the PDF comes back, and is kept
in the shop's blob store under `proofs/` for the console's preview."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from app.catalog.demo import DEMO_CHILDREN, DemoChild, demo_photo, upload_photo
from app.domain import Book, BookStatus, Personalization, PressroomError, Stage, Status
from app.events import Event, EventBus, ProgressEvent
from app.pipeline import checkpoints as ck
from app.runtime import JobServices, build_services
from app.worker.monitor import Monitor

ProgressCallback = Callable[[Stage, int, int], None]


@dataclass(frozen=True)
class Proof:
    book: Book
    child: str
    outcome: Status  # completed, awaiting_review (the quality gate doubts it) or failed
    pdf: bytes | None
    key: str | None  # where the PDF is kept in the shop's blob store
    quality: str | None  # the quality gate's one-line summary
    error: str | None
    seconds: float

    def describe(self) -> str:
        head = f"proof of {self.book.title} (version {self.book.version}) for {self.child}"
        if self.pdf is None:
            return f"{head}: no PDF — {self.error or self.outcome.value}"
        said = f"{head}: {len(self.pdf) // 1024} KB PDF in {self.seconds:.1f} s"
        if self.quality:
            said += f"; quality: {self.quality}"
        return said


def make_proof(
    services: JobServices,
    book_id: str,
    *,
    photo: bytes | None = None,
    child: DemoChild = DEMO_CHILDREN[0],
    version: int | None = None,
    on_progress: ProgressCallback | None = None,
    timeout: float = 1800.0,
) -> Proof:
    """Blocking (runs its own event loop): call it from a thread or the command line."""
    started = time.monotonic()
    book = services.store.get_book(book_id, version)
    pictures = {
        k: services.blobs.get(k) for k in {book.cover_image, *(p.image for p in book.pages)}
    }
    with tempfile.TemporaryDirectory(prefix="pressroom-proof-") as tmp:
        settings = services.settings.model_copy(
            update={
                "data_dir": Path(tmp),
                "supabase_url": None,
                "supabase_service_key": None,
                "database_url": None,
                "review_mode": False,
                "orders_at_once": 1,
            }
        )
        events = EventBus()
        if on_progress is not None:
            report = on_progress

            def forward(event: Event) -> None:
                if isinstance(event, ProgressEvent):
                    report(event.stage, event.done, event.total)

            events.subscribe(forward)
        scratch = build_services(settings, events)
        try:
            for picture, data in pictures.items():
                scratch.blobs.put(picture, data, "image/jpeg")
            scratch.store.save_book(replace(book, status=BookStatus.LIVE))
            photo_key = upload_photo(scratch.blobs, "proof", photo or demo_photo(child.photo))
            who = Personalization(child.name, child.age, child.gender, photo_key)
            _, [item] = scratch.store.place_order("proof", [(book.id, who)], paid=True)
            asyncio.run(Monitor(scratch, "proof").run_until_idle({item.id}, timeout=timeout))
            done = scratch.store.get_item(item.id)
            checkpoints = ck.Checkpoints(scratch.blobs, item.id)
            pdf = checkpoints.get(ck.PDF) if checkpoints.has(ck.PDF) else None
            quality = scratch.store.quality_summaries([item.id]).get(item.id)
        finally:
            scratch.store.close()
    kept: str | None = None
    if pdf is not None:
        kept = f"proofs/{book.id}/v{book.version}-{time.strftime('%Y%m%d-%H%M%S')}.pdf"
        services.blobs.put(kept, pdf, "application/pdf")
    if done.pressroom_status is Status.FAILED and pdf is None and not done.last_error:
        raise PressroomError(f"the proof of {book.title} failed without a reason")
    return Proof(
        book,
        child.name,
        done.pressroom_status,
        pdf,
        kept,
        quality,
        done.last_error,
        time.monotonic() - started,
    )
