"""One personalized cover outside any order: for `pressroom cover`, the Cover Lab,
`POST /generate-cover` and the self-check. The same steps a book job takes for its cover,
without checkpoints — and, given the job's call runner (app/pipeline/calls.py), the same
retries, backoff and retry hints on transient faults."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.ai.prompt import build_cover_prompt, personalized_title
from app.ai.provider import ChildAnalysis, CoverAnalysis, ImageTask, Provider
from app.domain import Book, Box, Personalization

T = TypeVar("T")
Call = Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]


async def _once(label: str, fn: Callable[[], Awaitable[T]]) -> T:
    return await fn()


@dataclass(frozen=True)
class CoverResult:
    cover_analysis: CoverAnalysis
    child_analysis: ChildAnalysis
    prompt: str
    image: bytes


async def personalize_cover(
    provider: Provider,
    cover: bytes,
    photo: bytes,
    book: Book,
    who: Personalization,
    call: Call = _once,
) -> CoverResult:
    """Analyze both images at once, build the prompt, and generate the cover with the hero
    where the analysis found it. `call(label, fn)` runs each provider call (with retries)."""
    cover_a, child_a = await asyncio.gather(
        call("cover analysis", lambda: provider.analyze_cover(cover)),
        call("photo analysis", lambda: provider.analyze_child(photo)),
    )
    prompt = build_cover_prompt(cover_a, child_a, book, who)
    # A book's own regions are its heads, hair and all; the analysis finds a face
    regions = (Box.from_list(cover_a.hero_position),) if cover_a.hero_position else ()
    title = personalized_title(book, who) if book.title else None
    task = ImageTask(
        cover,
        photo,
        prompt,
        cover_a,
        child_a,
        who.child_name,
        book.cover_hero_regions or regions,
        title=title,
        title_box=book.title_box,  # known: the title is lettered again with the child's name
    )
    image = await call("cover", lambda: provider.generate_cover(task))
    return CoverResult(cover_a, child_a, prompt, image)
