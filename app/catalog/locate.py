"""Proposing a new book's regions: the provider's locate step finds the hero on the cover
and each page and the title on the cover (Gemini: structured boxes; the offline provider
says it cannot). Only empty regions are filled — an operator's own are never replaced —
and every proposal is confirmed or corrected in the book editor before the book goes live."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from app.ai.provider import Located, LocateTarget, LocateTask, Provider
from app.catalog.bundle import BookFiles


async def locate_regions(provider: Provider, files: BookFiles, pages_at_once: int = 4) -> BookFiles:
    book = files.book
    gate = asyncio.Semaphore(pages_at_once)

    async def ask(image: str, target: LocateTarget, hint: str, label: str) -> Located:
        async with gate:
            task = LocateTask(files.images[image], target, book.hero_name, hint, label)
            return await provider.locate(task)

    cover_hero = None if book.cover_hero_regions else ask(book.cover_image, "hero", "", "cover")
    title = None if book.title_box else ask(book.cover_image, "title", book.title, "cover")
    pages = {
        p.index: ask(p.image, "hero", p.text, f"page {p.index}")
        for p in book.pages
        if not p.hero_regions and not p.hero_absent
    }
    calls = [c for c in (cover_hero, title, *pages.values()) if c is not None]
    answers = iter(await asyncio.gather(*calls))
    notes: list[str] = []
    if cover_hero is not None:
        found = next(answers)
        book = replace(book, cover_hero_regions=found.boxes)
        notes += [found.note] if found.note else []
    if title is not None:
        found = next(answers)
        book = replace(book, title_box=found.boxes[0] if found.boxes else None)
        notes += [found.note] if found.note else []
    located = {index: next(answers) for index in pages}
    book = replace(
        book,
        pages=tuple(
            replace(p, hero_regions=located[p.index].boxes) if p.index in located else p
            for p in book.pages
        ),
    )
    notes += [a.note for a in located.values() if a.note]
    found_on = sum(1 for a in located.values() if a.boxes)
    summary = f"regions proposed on {found_on} of {len(located)} pages to look for"
    unique = list(dict.fromkeys(notes))
    return replace(files, book=book, notes=(*files.notes, summary, *unique))
