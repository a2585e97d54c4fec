"""The job's quality step (app/quality/gate.py), run alongside the images: the gate is
opened before the cover is drawn, each image joins it the moment it is made (its judge
call overlapping the page calls still in flight), and the report is closed after the PDF.
A resumed job reuses a saved report, and images made by an earlier run join at the end."""

from __future__ import annotations

import asyncio
import functools
import time

from app.ai.provider import ChildAnalysis
from app.ai.usage import native_size_of, native_sizes_in
from app.domain import Book, Page, Stage
from app.pipeline import checkpoints as ck
from app.pipeline.stage import StageContext
from app.privacy.likeness import ChildReference
from app.quality.gate import Assessment, Target
from app.quality.report import QualityReport


async def open_gate(
    ctx: StageContext, book: Book, child: ChildReference, child_a: ChildAnalysis
) -> Assessment | None:
    """The gate for this book, or None when it is switched off or already reported."""
    if not ctx.settings.quality_gate or await ctx.read_json(ck.QUALITY):
        return None
    earlier = native_sizes_in(ctx.earlier_runs)  # pages drawn by an earlier run
    judged = await ctx.read_json(ck.QUALITY_TARGETS) or {}
    return Assessment(
        provider=ctx.services.provider,
        call=ctx.calls.call,
        settings=ctx.settings,
        book=book,
        who=ctx.item.personalization,
        photo=child.image,
        photo_is_likeness=child.likeness,
        child_analysis=child_a,
        native_size=lambda label: native_size_of(label) or earlier.get(label),
        earlier=judged,
    )


async def page_target(ctx: StageContext, page: Page) -> Target:
    """A page as drawn and as made, read from storage when the gate gets to it."""
    original = await ctx.load_blob(page.image, f"page {page.index} of the book")
    generated = await ctx.read(ck.page_name(page.index))
    return Target(f"page {page.index}", original, generated, page.hero_regions)


async def close_gate(
    ctx: StageContext,
    gate: Assessment | None,
    book: Book,
    cover: Target,
) -> QualityReport | None:
    """The quality gate's report, kept with the item's artifacts and in the store; the
    saved one for a resumed job; None when the gate is switched off."""
    if not ctx.settings.quality_gate:
        return None
    if gate is None:
        saved = await ctx.read_json(ck.QUALITY)
        return QualityReport.from_json(saved) if saved else None
    gate.add(cover)
    order = ["cover"]
    for page in book.pages:
        if page.hero_absent:  # left as drawn: no child to look for
            continue
        label = f"page {page.index}"
        order.append(label)
        gate.add_later(label, functools.partial(page_target, ctx, page))  # if not yet added
    started = time.perf_counter()
    report = await gate.report(
        order,
        lambda: ctx.read(ck.PDF),
        lambda done, total: ctx.progress(Stage.CHECK, done, total),
    )
    await ctx.write_json(ck.QUALITY_TARGETS, gate.earlier)
    ctx.timings[Stage.CHECK.value] = time.perf_counter() - started
    data = report.to_json()
    await ctx.write_json(ck.QUALITY, data)
    await asyncio.to_thread(
        ctx.services.store.save_quality, ctx.item.id, report.summary(), report.passed, data
    )
    return report
