"""The quality gate: before a book leaves, every generated image and the composed PDF are
checked, and a book with any failed blocking check goes to review — even in auto mode —
with the failed checks as the reason.

Per image (the cover and each page): composition kept and hero changed (measured,
app/quality/images.py), the native resolution, and the judge (the provider's `judge`,
through the job's retries, concurrency caps and cost ledger; a judge that fails or is
blocked makes the image doubtful, never passed). Then the PDF, read back from the file
(app/quality/pdf_checks.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from app.ai.provider import ChildAnalysis, JudgeTask, Provider
from app.config import Settings
from app.domain import Book, Box, Personalization
from app.imageio import sha256
from app.quality.images import image_checks
from app.quality.judge import CallWrapper, run_judge
from app.quality.pdf_checks import pdf_checks
from app.quality.report import Check, QualityReport


@dataclass(frozen=True)
class Target:
    label: str  # "cover", "page 3"
    original: bytes
    generated: bytes
    hero_regions: tuple[Box, ...]
    title: str | None = None  # the personalized title, for the cover


async def assess(
    *,
    provider: Provider,
    call: CallWrapper,
    settings: Settings,
    book: Book,
    who: Personalization,
    photo: bytes,
    child_analysis: ChildAnalysis,
    targets: list[Target],
    pdf: bytes,
    native_size: Callable[[str], tuple[int, int] | None],
    progress: Callable[[int, int], Awaitable[None]],
    earlier: dict[str, Any] | None = None,
) -> QualityReport:
    """Every check on every target and on the PDF, in one report (targets in book order).

    `earlier` holds each target's checks from a previous assessment with the hash of the
    image they judged; it is updated in place. A target whose image is unchanged (a book
    sent back for two pages) keeps its checks, so only what was redrawn is judged again."""
    earlier = earlier if earlier is not None else {}
    cover = next((t.generated for t in targets if t.label == "cover"), None)
    gate = asyncio.Semaphore(settings.pages_at_once)
    results: dict[str, tuple[list[Check], str]] = {}
    done = 0

    async def one(target: Target) -> None:
        nonlocal done
        digest = sha256(target.generated)
        kept = earlier.get(target.label)
        if kept and kept.get("sha256") == digest:
            results[target.label] = ([Check(**c) for c in kept["checks"]], kept.get("words", ""))
            done += 1
            return
        async with gate:
            measured = await asyncio.to_thread(
                image_checks,
                target.original,
                target.generated,
                hero_regions=target.hero_regions,
                target=target.label,
                native_size=native_size(target.label),
                trim_mm=settings.trim_mm,
                settings=settings,
            )
            task = JudgeTask(
                photo=photo,
                original=target.original,
                generated=target.generated,
                child_analysis=child_analysis,
                target=target.label,
                hero_name=book.hero_name,
                cover=None if target.label == "cover" else cover,
                hero_regions=target.hero_regions,
                title=target.title,
            )
            judged, words = await run_judge(provider, task, settings, call=call)
            results[target.label] = (measured + judged, words)
            earlier[target.label] = {
                "sha256": digest,
                "checks": [asdict(c) for c in measured + judged],
                "words": words,
            }
            done += 1
            await progress(done, len(targets) + 1)

    tasks = [asyncio.create_task(one(t)) for t in targets]
    try:
        await asyncio.gather(*tasks)
    except BaseException:  # a paused queue or a cancelled job: stop the other targets too
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    report = QualityReport()
    for target in targets:
        checks, words = results[target.label]
        report.add(checks)
        if words:
            report.judge_words[target.label] = words
    report.add(
        await asyncio.to_thread(
            pdf_checks,
            pdf,
            book=book,
            child_name=who.child_name,
            child_gender=who.gender,
            settings=settings,
        )
    )
    await progress(len(targets) + 1, len(targets) + 1)
    return report
