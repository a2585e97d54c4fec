"""The job's quality step (app/quality/gate.py), run alongside the images: the gate is
opened before the cover is drawn, each image joins it the moment it is made (its judge
call overlapping the page calls still in flight), and the report is closed after the PDF.
A resumed job reuses a saved report, and images made by an earlier run join at the end."""

from __future__ import annotations

import asyncio
import functools
import time
from typing import TYPE_CHECKING

from app.ai.provider import ChildAnalysis
from app.ai.usage import native_size_of, native_sizes_in
from app.domain import Book, Page, Stage
from app.pipeline import checkpoints as ck
from app.quality.gate import Assessment, Target
from app.quality.report import QualityReport

if TYPE_CHECKING:
    from app.pipeline.job import BookJob


async def open_gate(
    job: BookJob, book: Book, photo: bytes, child_a: ChildAnalysis
) -> Assessment | None:
    """The gate for this book, or None when it is switched off or already reported."""
    if not job.s.settings.quality_gate or await job._io(job.ck.get_json, ck.QUALITY):
        return None
    earlier = native_sizes_in(job._previous)  # pages drawn by an earlier run
    judged = await job._io(job.ck.get_json, ck.QUALITY_TARGETS, {}) or {}
    return Assessment(
        provider=job.s.provider,
        call=job.calls.call,
        settings=job.s.settings,
        book=book,
        who=job.item.personalization,
        photo=photo,
        child_analysis=child_a,
        native_size=lambda label: native_size_of(label) or earlier.get(label),
        earlier=judged,
    )


async def page_target(job: BookJob, page: Page) -> Target:
    """A page as drawn and as made, read from storage when the gate gets to it."""
    original = await job._load_blob(page.image, f"page {page.index} of the book")
    generated = await job._io(job.ck.get, ck.page_name(page.index))
    return Target(f"page {page.index}", original, generated, page.hero_regions)


async def close_gate(
    job: BookJob,
    gate: Assessment | None,
    book: Book,
    cover: Target,
) -> QualityReport | None:
    """The quality gate's report, kept with the item's artifacts and in the store; the
    saved one for a resumed job; None when the gate is switched off."""
    if not job.s.settings.quality_gate:
        return None
    if gate is None:
        saved = await job._io(job.ck.get_json, ck.QUALITY)
        return QualityReport.from_json(saved) if saved else None
    gate.add(cover)
    order = ["cover"]
    for page in book.pages:
        if page.hero_absent:  # left as drawn: no child to look for
            continue
        label = f"page {page.index}"
        order.append(label)
        gate.add_later(label, functools.partial(page_target, job, page))  # if not yet added
    started = time.perf_counter()
    report = await gate.report(
        order,
        lambda: job._io(job.ck.get, ck.PDF),
        lambda done, total: job._progress(Stage.CHECK, done, total),
    )
    await job._io(job.ck.put_json, ck.QUALITY_TARGETS, gate.earlier)
    job.timings[Stage.CHECK.value] = time.perf_counter() - started
    data = report.to_json()
    await job._io(job.ck.put_json, ck.QUALITY, data)
    await asyncio.to_thread(
        job.s.store.save_quality, job.item.id, report.summary(), report.passed, data
    )
    return report
