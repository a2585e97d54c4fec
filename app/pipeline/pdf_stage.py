"""The job's PDF step: the reading PDF composed from the cover and every page (their text
following the child), kept as a checkpoint; a resumed job that has one skips it. A whole
book's pages are in memory only while it holds one of the CPU pool's book slots."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from app.ai.prompt import personalized_title
from app.cpu import run_cpu, whole_book_slot
from app.domain import Book, Stage
from app.names import personalize_text
from app.pipeline import checkpoints as ck
from app.print.pdf import BookPage, PrintSpec, compose_book

if TYPE_CHECKING:
    from app.pipeline.job import BookJob


async def book_pages(job: BookJob, book: Book) -> list[BookPage]:
    """Every page as made, with its text personalized."""
    who = job.item.personalization
    return [
        BookPage(
            await job._io(job.ck.get, ck.page_name(p.index)),
            personalize_text(p.text, book.hero_name, book.hero_gender, who.child_name, who.gender),
            f"page {p.index}",
        )
        for p in book.pages
    ]


async def pdf_stage(job: BookJob, book: Book) -> list[str]:
    """Compose the reading PDF (once); its composer's warnings."""
    if await job._io(job.ck.has, ck.PDF):
        return []
    await job._progress(Stage.PDF, 0, 1)
    who = job.item.personalization
    async with whole_book_slot():
        pages = await book_pages(job, book)
        started = time.perf_counter()
        composed = await run_cpu(
            compose_book,
            await job._io(job.ck.get, ck.COVER),
            pages,
            PrintSpec.from_settings(job.s.settings),
            title=personalized_title(book, who),
            child_name=who.child_name,
        )
        del pages
        job.timings[Stage.PDF.value] = time.perf_counter() - started
        await job._io(job.ck.put, ck.PDF, composed.pdf, "application/pdf")
    for warning in composed.warnings:
        job.s.events.message(30, warning, job.item.id)
    await job._progress(Stage.PDF, 1, 1)
    return composed.warnings
