"""One personalized cover outside any order: for `pressroom cover`, the Cover Lab,
`POST /generate-cover` and the self-check. The same steps a book job takes for its cover,
without checkpoints."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from app.ai.prompt import build_cover_prompt
from app.ai.provider import ChildAnalysis, CoverAnalysis, ImageTask, Provider
from app.domain import Book, Box, Personalization


@dataclass(frozen=True)
class CoverResult:
    cover_analysis: CoverAnalysis
    child_analysis: ChildAnalysis
    prompt: str
    image: bytes


async def personalize_cover(
    provider: Provider, cover: bytes, photo: bytes, book: Book, who: Personalization
) -> CoverResult:
    """Analyze both images at once, build the prompt, and generate the cover with the hero
    where the analysis found it."""
    cover_a, child_a = await asyncio.gather(
        provider.analyze_cover(cover), provider.analyze_child(photo)
    )
    prompt = build_cover_prompt(cover_a, child_a, book, who)
    regions = (Box.from_list(cover_a.hero_position),) if cover_a.hero_position else ()
    task = ImageTask(cover, photo, prompt, cover_a, child_a, who.child_name, regions)
    return CoverResult(cover_a, child_a, prompt, await provider.generate_cover(task))
