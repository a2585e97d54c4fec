"""One book job: turn one claimed order item into a personalized, published book.

Stages (DESIGN.md): analyze cover and child (concurrently), prompt, cover, pages (K at a
time), pdf, then publish — or stop at awaiting_review in review mode. Every finished stage
and page is a checkpoint in the blob store; a reclaimed job skips what is already there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from app.ai.batch_lane import BatchLane, current_lane
from app.ai.prompt import build_cover_prompt, build_page_prompt, personalized_title
from app.ai.provider import ChildAnalysis, CoverAnalysis, ImageTask
from app.ai.usage import (
    Prices,
    UsageLedger,
    current_ledger,
)
from app.domain import (
    Book,
    Box,
    Claim,
    LeaseLost,
    OrderItem,
    Page,
    Stage,
    Status,
)
from app.events import ProgressEvent
from app.imageio import sha256
from app.orders.place import checked_order
from app.pipeline import checkpoints as ck
from app.pipeline.calls import CallRunner
from app.pipeline.lane import LaneChoice, start_lane
from app.pipeline.pdf_stage import pdf_stage
from app.pipeline.print_stage import print_stage, with_preflight
from app.pipeline.provenance import with_run
from app.pipeline.publish import publish_item
from app.pipeline.quality_stage import close_gate, open_gate, page_target
from app.pipeline.stage import StageContext
from app.privacy.likeness import USING_LIKENESS, keep_likeness
from app.quality.gate import Assessment, Target
from app.redact import redact_data
from app.runtime import JobServices

log = logging.getLogger(__name__)
AnalysisT = TypeVar("AnalysisT", bound=BaseModel)


def cover_regions(book: Book, cover_a: CoverAnalysis) -> tuple[Box, ...]:
    """Where the hero stands on the cover: the book's metadata, else the analysis."""
    if book.cover_hero_regions:
        return book.cover_hero_regions
    return (Box.from_list(cover_a.hero_position),) if cover_a.hero_position else ()


class BookJob:
    def __init__(self, services: JobServices, item: OrderItem, claim: Claim) -> None:
        self.s = services
        self.item = item
        self.claim = claim
        self.ck = ck.Checkpoints(services.blobs, item.id)
        self.calls = CallRunner(
            attempts=services.settings.call_retries,
            base_seconds=services.settings.retry_base_seconds,
            on_retry=self._on_retry,
        )
        self.ctx = StageContext(item, services, self.ck, self.calls, self._progress)
        self.timings = self.ctx.timings
        self.generated_pages = 0
        self.warnings: list[str] = []
        self.inputs: dict[str, Any] = {}
        self.ledger = UsageLedger()
        self.gate: Assessment | None = None
        self.likeness = False  # the child drawn from their approved likeness (no photo)
        self.lane_choice = LaneChoice("live", "")
        self.lane: BatchLane | None = None  # open while the run's calls go by batch

    # -- the whole job -----------------------------------------------------------------
    async def run(self) -> OrderItem:
        """Run every stage not yet checkpointed; returns the item in its new state.
        Whatever happens, the run (timings, usage, outcome) is added to the provenance."""
        previous = await self.ctx.read_json(ck.PROVENANCE) or {}
        self.ctx.earlier_runs = previous
        settings = self.s.settings
        self.ledger = UsageLedger(
            prices=Prices(
                settings.price_input_per_million,
                settings.price_output_per_million,
                settings.price_per_image,
            ),
            budget_usd=self.s.item_budget_usd,
            prior_cost_usd=float((previous.get("usage_total") or {}).get("cost_usd", 0.0)),
        )
        token = current_ledger.set(self.ledger)
        lane_token = None
        outcome = "interrupted"
        try:
            self.lane_choice, self.lane = await start_lane(self.s, self.item, self.claim, self.ck)
            lane_token = current_lane.set(self.lane)
            item = await self._run_stages()
            outcome = item.pressroom_status.value
            self.ck.drop(ck.BATCHES)  # every answer is in: nothing left to resume
            return item
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            if lane_token is not None:
                current_lane.reset(lane_token)
            current_ledger.reset(token)
            if self.lane is not None:
                await self.lane.aclose()
            self._write_provenance(previous, outcome)

    async def _run_stages(self) -> OrderItem:
        started = time.perf_counter()
        book, child = await checked_order(self.s.store, self.s.blobs, self.item, self.s.settings)
        photo, self.likeness = child.image, child.likeness
        if child.likeness:
            self.ctx.say(logging.INFO, USING_LIKENESS)
        cover_src = await self.ctx.load_blob(book.cover_image, "the book's cover")
        self.inputs = {
            "book_id": book.id,
            "cover_sha256": sha256(cover_src),
            "photo_sha256": sha256(photo),
            "child_drawn_from": child.word,
            "page_images": {str(p.index): p.image for p in book.pages},
        }
        cover_a, child_a = await self._analyses(cover_src, photo)
        prompts = await self._prompts(book, cover_a, child_a)
        self.gate = await open_gate(self.ctx, book, child, child_a)
        try:
            # the pages get ready (sources loaded, references made) while the cover is drawn
            cover_task = asyncio.create_task(
                self._cover(book, cover_src, photo, cover_a, child_a, prompts)
            )
            cover = await self._pages(book, photo, cover_task, cover_a, child_a, prompts)
            self.warnings = await pdf_stage(self.ctx, book)
            printed = await print_stage(self.ctx, book)
            cover_target = self._cover_target(book, cover_src, cover, cover_a)
            report = await close_gate(self.ctx, self.gate, book, cover_target)
        finally:
            if self.gate is not None:
                await self.gate.close()
        if printed is not None:  # preflight's verdicts join the gate's
            merged = with_preflight(report, printed)
            await self.ctx.write_json(ck.QUALITY, merged.to_json())
            await asyncio.to_thread(
                self.s.store.save_quality,
                self.item.id,
                merged.summary(),
                merged.passed,
                merged.to_json(),
            )
            report = merged
        if report is None or not any(c.target == "cover" for c in report.failed):
            await asyncio.to_thread(keep_likeness, self.s.blobs, self.item, cover)
        self.timings["total"] = time.perf_counter() - started
        approved = await self.ctx.has(ck.APPROVED)
        if report is not None and not report.passed and not approved:
            # doubtful: a person looks, even in auto mode
            return await self._to_review(
                f"quality gate: {report.reason()}", f"quality: {report.summary()}"
            )
        if self.s.settings.review_mode and not approved:
            return await self._to_review(None, "ready for review")
        return await self._publish(book)

    # -- stages ------------------------------------------------------------------------
    async def _analyses(self, cover: bytes, photo: bytes) -> tuple[CoverAnalysis, ChildAnalysis]:
        provider = self.s.provider
        cover_a, child_a = await asyncio.gather(
            self._analysis(
                Stage.ANALYZE_COVER,
                ck.COVER_ANALYSIS,
                "cover analysis",
                CoverAnalysis,
                lambda: provider.analyze_cover(cover),
            ),
            self._analysis(
                Stage.ANALYZE_CHILD,
                ck.CHILD_ANALYSIS,
                "photo analysis",
                ChildAnalysis,
                lambda: provider.analyze_child(photo),
            ),
        )
        return cover_a, child_a

    async def _analysis(
        self,
        stage: Stage,
        checkpoint: str,
        label: str,
        model: type[AnalysisT],
        call: Callable[[], Awaitable[AnalysisT]],
    ) -> AnalysisT:
        cached = await self.ctx.read_json(checkpoint)
        if cached is not None:
            return model.model_validate(cached)
        await self._progress(stage, 0, 1)
        result = await self._timed(stage, self.calls.call(label, call))
        await self.ctx.write_json(checkpoint, result.model_dump())
        await self._progress(stage, 1, 1)
        return result

    async def _prompts(
        self, book: Book, cover_a: CoverAnalysis, child_a: ChildAnalysis
    ) -> dict[str, Any]:
        cached = await self.ctx.read_json(ck.PROMPTS)
        if cached is not None:
            return dict(cached)
        notes = await self.ctx.read_json(ck.INSTRUCTIONS) or {}
        page_notes = notes.get("pages", {})
        who = self.item.personalization
        prompts = {
            "cover": build_cover_prompt(
                cover_a, child_a, book, who, notes.get("cover"), likeness=self.likeness
            ),
            "pages": {
                str(p.index): build_page_prompt(
                    cover_a,
                    child_a,
                    book,
                    who,
                    p,
                    page_notes.get(str(p.index)),
                    likeness=self.likeness,
                )
                for p in book.pages
            },
        }
        await self.ctx.write_json(ck.PROMPTS, prompts)
        await self._progress(Stage.PROMPT, 1, 1)
        return prompts

    async def _cover(
        self,
        book: Book,
        source: bytes,
        photo: bytes,
        cover_a: CoverAnalysis,
        child_a: ChildAnalysis,
        prompts: dict[str, Any],
    ) -> bytes:
        if await self.ctx.has(ck.COVER):
            image = await self.ctx.read(ck.COVER)
            if self.gate is not None:
                self.gate.add(self._cover_target(book, source, image, cover_a))
            return bytes(image)
        await self._progress(Stage.COVER, 0, 1)
        regions = cover_regions(book, cover_a)
        task = ImageTask(
            source=source,
            photo=photo,
            prompt=prompts["cover"],
            cover_analysis=cover_a,
            child_analysis=child_a,
            child_name=self.item.personalization.child_name,
            hero_regions=regions,
            title=personalized_title(book, self.item.personalization),
            title_box=book.title_box,
            label="cover",
        )
        image = await self._timed(
            Stage.COVER, self.calls.call("cover", lambda: self.s.provider.generate_cover(task))
        )
        await self.ctx.write(ck.COVER, image, "image/jpeg")
        if self.gate is not None:
            self.gate.add(self._cover_target(book, source, image, cover_a))
        await self._progress(Stage.COVER, 1, 1)
        return image

    def _cover_target(
        self, book: Book, source: bytes, cover: bytes, cover_a: CoverAnalysis
    ) -> Target:
        title = personalized_title(book, self.item.personalization)
        return Target("cover", source, cover, cover_regions(book, cover_a), title)

    async def _pages(
        self,
        book: Book,
        photo: bytes,
        cover_task: asyncio.Task[bytes],
        cover_a: CoverAnalysis,
        child_a: ChildAnalysis,
        prompts: dict[str, Any],
    ) -> bytes:
        """Every page not yet made, K at a time; returns the cover. Each page task loads its
        source and has its references made before the cover is back, so a page call starts
        the moment a slot frees; its checkpoint is written after the slot is given back."""
        total, done = len(book.pages), 0
        # by batch, every page is one request of the same job
        at_once = len(book.pages) if self.lane is not None else self.s.settings.pages_at_once
        slots = asyncio.Semaphore(max(1, at_once))
        cover_ready = asyncio.shield(cover_task)  # one page cancelled must not cancel it

        async def one(page: Page) -> None:
            nonlocal done
            label = f"page {page.index}"
            async with slots:
                source = await self.ctx.load_blob(page.image, f"page {page.index} of the book")
                if page.hero_absent:  # the operator's word: nothing to redraw, no call paid
                    await cover_ready
                    image = source
                else:
                    await self.s.provider.prepare([source])
                    task = ImageTask(
                        source=source,
                        photo=photo,
                        prompt=prompts["pages"][str(page.index)],
                        cover_analysis=cover_a,
                        child_analysis=child_a,
                        child_name=self.item.personalization.child_name,
                        hero_regions=page.hero_regions,
                        reference=await cover_ready,
                        label=label,
                    )
                    image = await self.calls.call(
                        label, lambda: self.s.provider.personalize_page(task)
                    )
                    self.generated_pages += 1
            await self.ctx.write(ck.page_name(page.index), image, "image/jpeg")
            del source, image
            if self.gate is not None and not page.hero_absent:
                self.gate.add_later(label, lambda: page_target(self.ctx, page))
            done += 1
            await self._progress(Stage.PAGES, done, total)

        tasks: list[asyncio.Task[None]] = []
        try:
            for page in book.pages:
                if await self.ctx.has(ck.page_name(page.index)):
                    done += 1
                else:
                    tasks.append(asyncio.create_task(one(page)))
            cover = await cover_ready
            await self._progress(Stage.PAGES, done, total)
            started = time.perf_counter()
            await asyncio.gather(*tasks)
        except BaseException:
            for task in [*tasks, cover_task]:
                task.cancel()
            await asyncio.gather(*tasks, cover_task, return_exceptions=True)
            raise
        self.timings[Stage.PAGES.value] = time.perf_counter() - started
        return cover

    async def _to_review(self, reason: str | None, note: str) -> OrderItem:
        return await asyncio.to_thread(
            self.s.store.transition,
            self.item.id,
            Status.PROCESSING,
            Status.AWAITING_REVIEW,
            claim=self.claim,
            actor=self.claim.worker_id,
            changes={"last_error": reason},
            note=note,
        )

    async def _publish(self, book: Book) -> OrderItem:
        await asyncio.to_thread(
            self.s.store.transition,
            self.item.id,
            Status.PROCESSING,
            Status.PUBLISHING,
            claim=self.claim,
            actor=self.claim.worker_id,
        )
        await self._progress(Stage.PUBLISH, 0, 1)
        started = time.perf_counter()
        title = personalized_title(book, self.item.personalization)
        item = await asyncio.to_thread(
            publish_item, self.s.store, self.s.blobs, self.claim, self.item, self.ck, title
        )
        self.timings[Stage.PUBLISH.value] = time.perf_counter() - started
        return item

    # -- bookkeeping -------------------------------------------------------------------
    async def _timed(self, stage: Stage, awaitable: Any) -> Any:
        started = time.perf_counter()
        try:
            return await awaitable
        finally:
            self.timings[stage.value] = time.perf_counter() - started

    async def _progress(self, stage: Stage, done: int, total: int) -> None:
        self.s.events.emit(ProgressEvent(self.item.id, stage, done, total))
        held = await asyncio.to_thread(self.s.store.report_progress, self.claim, stage, done, total)
        if not held:
            raise LeaseLost(f"order item {self.item.id} is no longer held by this worker")

    def _on_retry(self, label: str, exc: BaseException, delay: float) -> None:
        self.s.events.message(30, f"{label}: {exc}; retrying in {delay:.1f} s", self.item.id)

    def _write_provenance(self, previous: dict[str, Any], outcome: str) -> None:
        """Synchronous on purpose: it also runs while the task is being cancelled."""
        run = {
            "attempt": self.claim.attempt,
            "worker": self.claim.worker_id,
            "outcome": outcome,
            "finished_at": round(time.time(), 3),  # unix s; the day's AI spending counts by it
            "stage_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "provider_seconds": round(self.calls.provider_seconds, 4),
            "provider_calls": self.calls.calls,
            "retries": self.calls.retries,
            "pages_generated": self.generated_pages,
            "warnings": self.warnings,
            "usage": self.ledger.summary(),
            "lane": self.lane_choice.lane,
            "lane_reason": self.lane_choice.reason,
            **(
                {"lane_fell_back": self.lane.fell_back} if self.lane and self.lane.fell_back else {}
            ),
            "native_sizes": {k: list(v) for k, v in self.ledger.native_sizes.items()},
            "calls": self.ledger.entries,
        }
        provenance = redact_data(with_run(previous, run, self.s.provider, self.inputs))
        try:
            self.ck.put_json(ck.PROVENANCE, provenance)
            self.s.store.save_provenance(self.item.id, provenance)
        except Exception:
            log.exception("could not record provenance for %s", self.item.id)
