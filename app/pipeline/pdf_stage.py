"""The job's PDF step: the reading PDF composed from the cover and every page (their text
following the child), kept as a checkpoint; a resumed job that has one skips it. A whole
book's pages are in memory only while it holds one of the CPU pool's book slots."""

from __future__ import annotations

import time

from app.ai.prompt import personalized_title
from app.cpu import run_cpu, whole_book_slot
from app.domain import Book, Stage
from app.names import personalize_text
from app.pipeline import checkpoints as ck
from app.pipeline.stage import StageContext
from app.print.pdf import BookPage, PrintSpec, compose_book


async def book_pages(ctx: StageContext, book: Book) -> list[BookPage]:
    """Every page as made, with its text personalized."""
    who = ctx.item.personalization
    return [
        BookPage(
            await ctx.read(ck.page_name(p.index)),
            personalize_text(p.text, book.hero_name, book.hero_gender, who.child_name, who.gender),
            f"page {p.index}",
        )
        for p in book.pages
    ]


async def pdf_stage(ctx: StageContext, book: Book) -> list[str]:
    """Compose the reading PDF (once); its composer's warnings."""
    if await ctx.has(ck.PDF):
        return []
    await ctx.progress(Stage.PDF, 0, 1)
    who = ctx.item.personalization
    async with whole_book_slot():
        pages = await book_pages(ctx, book)
        started = time.perf_counter()
        composed = await run_cpu(
            compose_book,
            await ctx.read(ck.COVER),
            pages,
            PrintSpec.from_settings(ctx.settings),
            title=personalized_title(book, who),
            child_name=who.child_name,
        )
        del pages
        ctx.timings[Stage.PDF.value] = time.perf_counter() - started
        await ctx.write(ck.PDF, composed.pdf, "application/pdf")
    for warning in composed.warnings:
        ctx.say(30, warning)
    await ctx.progress(Stage.PDF, 1, 1)
    return composed.warnings
