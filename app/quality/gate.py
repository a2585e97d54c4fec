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
from app.cpu import whole_book_slot
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


class Assessment:
    """The gate's checks on one book, target by target as its images are made: each image
    is measured and judged as soon as it exists, so its judge call overlaps the page calls
    still in flight. `report` waits for the rest and reads the PDF back.

    `earlier` holds each target's checks from a previous assessment with the hash of the
    image they judged; it is updated in place. A target whose image is unchanged (a book
    sent back for two pages) keeps its checks, so only what was redrawn is judged again.
    Pages are added after the cover: a page's judge compares it with the generated cover."""

    def __init__(
        self,
        *,
        provider: Provider,
        call: CallWrapper,
        settings: Settings,
        book: Book,
        who: Personalization,
        photo: bytes,
        child_analysis: ChildAnalysis,
        native_size: Callable[[str], tuple[int, int] | None],
        earlier: dict[str, Any] | None = None,
        photo_is_likeness: bool = False,
    ) -> None:
        self.provider = provider
        self.call = call
        self.settings = settings
        self.book = book
        self.who = who
        self.photo = photo
        self.photo_is_likeness = photo_is_likeness
        self.child_analysis = child_analysis
        self.native_size = native_size
        self.earlier = earlier if earlier is not None else {}
        self.cover: bytes | None = None
        self.done = 0
        self._gate = asyncio.Semaphore(settings.pages_at_once)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._results: dict[str, tuple[list[Check], str]] = {}
        self._progress: Callable[[int, int], Awaitable[None]] | None = None
        self._total = 0

    def add(self, target: Target) -> None:
        """Start measuring and judging `target` (once per label)."""
        if target.label == "cover" and target.label not in self._tasks:
            self.cover = target.generated

        async def ready() -> Target:
            return target

        self.add_later(target.label, ready)

    def add_later(self, label: str, load: Callable[[], Awaitable[Target]]) -> None:
        """Measure and judge the target `load` reads when its turn comes: a page waiting
        for a slot holds no pictures (a book's backlog would hold them all)."""
        if label not in self._tasks:
            self._tasks[label] = asyncio.create_task(self._one(load))

    async def report(
        self,
        order: list[str],
        pdf: Callable[[], Awaitable[bytes]],
        progress: Callable[[int, int], Awaitable[None]],
    ) -> QualityReport:
        """Every check on every target (in `order`, all added) and on the PDF, read only
        once the targets are done (a whole book's PDF is not held while they are)."""
        self._progress, self._total = progress, len(order) + 1
        await progress(self.done, self._total)
        try:
            await asyncio.gather(*(self._tasks[label] for label in order))
        except BaseException:  # a paused queue or a cancelled job: stop the other targets too
            await self.close()
            raise
        report = QualityReport()
        for label in order:
            checks, words = self._results[label]
            report.add(checks)
            if words:
                report.judge_words[label] = words
        async with whole_book_slot():
            report.add(
                await asyncio.to_thread(
                    pdf_checks,
                    await pdf(),
                    book=self.book,
                    child_name=self.who.child_name,
                    child_gender=self.who.gender,
                    settings=self.settings,
                )
            )
        await progress(self._total, self._total)
        return report

    async def close(self) -> None:
        """Stop whatever is still being judged (the job failed or was cancelled)."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _one(self, load: Callable[[], Awaitable[Target]]) -> None:
        async with self._gate:
            target = await load()
            digest = sha256(target.generated)
            kept = self.earlier.get(target.label)
            if kept and kept.get("sha256") == digest:
                self._results[target.label] = (
                    [Check(**c) for c in kept["checks"]],
                    kept.get("words", ""),
                )
            else:
                await self._assess(target, digest)
            del target
        self.done += 1
        if self._progress is not None:
            await self._progress(self.done, self._total)

    async def _assess(self, target: Target, digest: str) -> None:
        """Measured (in a thread) while the judge call is in flight: neither waits."""
        settings = self.settings
        task = JudgeTask(
            photo=self.photo,
            photo_is_likeness=self.photo_is_likeness,
            original=target.original,
            generated=target.generated,
            child_analysis=self.child_analysis,
            target=target.label,
            hero_name=self.book.hero_name,
            cover=None if target.label == "cover" else self.cover,
            hero_regions=target.hero_regions,
            title=target.title,
        )
        judging = asyncio.ensure_future(run_judge(self.provider, task, settings, call=self.call))
        try:
            measured = await asyncio.to_thread(
                image_checks,
                target.original,
                target.generated,
                hero_regions=target.hero_regions,
                target=target.label,
                native_size=self.native_size(target.label),
                trim_mm=settings.trim_mm,
                settings=settings,
                limit=self.provider.resolution_note,
            )
        except BaseException:
            judging.cancel()
            await asyncio.gather(judging, return_exceptions=True)
            raise
        judged, words = await judging
        self._results[target.label] = (measured + judged, words)
        self.earlier[target.label] = {
            "sha256": digest,
            "checks": [asdict(c) for c in measured + judged],
            "words": words,
        }
