"""The Gemini provider, through google-genai: structured analyses, cover and pages.

Errors are classified here, not by the SDK's retry (which ignores retry hints and would
retry a daily quota): per-minute 429, 5xx, timeouts and connection faults are transient
(with the server's retry hint); a daily-quota 429 pauses the queue; a rejected key pauses
it too; other 4xx are permanent; a refusal (block reason, safety finish, no image) is its
own outcome. Every HTTP attempt is recorded in the current item's usage ledger.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import weakref
from typing import Any, TypeVar

from google import genai
from google.genai import types
from pydantic import BaseModel

from app.ai.batch_lane import BatchFellBack, BatchLane, current_lane
from app.ai.gemini_errors import classify, is_rate_limit
from app.ai.gemini_images import References, header_size
from app.ai.gemini_replies import last_image, parsed_as, raise_if_blocked, reply_text
from app.ai.gemini_schema import (
    COVER_INSTRUCTIONS,
    PHOTO_INSTRUCTIONS,
    CoverAnalysisWire,
    LocateWire,
    PhotoAnalysisWire,
    judge_instructions,
    judge_labels,
    locate_instructions,
    nearest_aspect_ratio,
)
from app.ai.limiter import WINDOW_SECONDS, AdaptiveLimiter, Outcome
from app.ai.models import (
    DEFAULT_IMAGE_MODEL,
    DEFAULT_TEXT_MODEL,
    image_size_for,
    missing_models,
    resolution_note,
)
from app.ai.outage import OutageBreaker
from app.ai.provider import (
    ChildAnalysis,
    CoverAnalysis,
    ImageTask,
    JudgeTask,
    JudgeVerdict,
    Located,
    LocateTask,
)
from app.ai.shared_pace import PaceLedger, SharedPace
from app.ai.usage import current_ledger
from app.domain import (
    PermanentError,
    SafetyBlocked,
    TransientError,
)
from app.imageio import decode_image

WireT = TypeVar("WireT", bound=BaseModel)
log = logging.getLogger(__name__)


class GeminiProvider:
    name = "gemini"
    batch_capable = True  # its calls may go by batch jobs (app/ai/batch_lane.py)

    def __init__(
        self,
        api_key: str,
        *,
        analysis_model: str = DEFAULT_TEXT_MODEL,
        image_model: str = DEFAULT_IMAGE_MODEL,
        base_url: str | None = None,
        api_version: str = "v1beta",
        timeout_seconds: float = 120.0,
        concurrency_per_model: int = 4,
        max_concurrency_per_model: int = 16,
        requests_per_minute: dict[str, int] | None = None,
        max_pixels: int = 60_000_000,
        print_side_px: int | None = None,
        outage_seconds: float = 30.0,
        pace_ledger: PaceLedger | None = None,
        pace_holder: str = "",
    ) -> None:
        self.analysis_model = analysis_model
        self.image_model = image_model
        self.model = f"{analysis_model} + {image_model}"
        self.base_url = base_url
        self.max_pixels = max_pixels
        self.references = References(max_pixels)
        # the pixels the printer needs on a page's long side: asked of models that can
        self.image_size = image_size_for(image_model, print_side_px)
        self.resolution_note = resolution_note(image_model, print_side_px)
        self.breaker = OutageBreaker(outage_seconds)
        self._concurrency = (concurrency_per_model, max_concurrency_per_model)
        self._per_minute = {m: n for m, n in (requests_per_minute or {}).items() if n}
        # the store every worker of the shop shares: one pace per model for all of them
        self._pace = (pace_ledger, pace_holder or f"{socket.gethostname()}:{os.getpid()}")
        self._http_options = types.HttpOptions(
            base_url=base_url, api_version=api_version, timeout=int(timeout_seconds * 1000)
        )
        self._api_key = api_key
        # One client and one set of per-model limiters for each event loop that uses us: an
        # async HTTP pool and a condition belong to one loop. Kept referenced, since a
        # garbage-collected client closes its connection mid-call.
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[genai.Client, dict[str, AdaptiveLimiter]]
        ] = weakref.WeakKeyDictionary()

    def limiter(self, model: str) -> AdaptiveLimiter:
        """This event loop's limiter for `model` (app/ai/limiter.py)."""
        limiters = self._loop_state()[1]
        if model not in limiters:
            start, ceiling = self._concurrency
            per_minute = self._per_minute.get(model)
            ledger, holder = self._pace
            shared = (
                SharedPace(ledger, model, per_minute, holder, WINDOW_SECONDS) if ledger else None
            )
            limiters[model] = AdaptiveLimiter(start, ceiling, per_minute, shared=shared)
        return limiters[model]

    def _loop_state(self) -> tuple[genai.Client, dict[str, AdaptiveLimiter]]:
        loop = asyncio.get_running_loop()
        state = self._per_loop.get(loop)
        if state is None:
            client = genai.Client(api_key=self._api_key, http_options=self._http_options)
            state = self._per_loop[loop] = (client, {})
        return state

    async def aclose(self) -> None:
        """Close this event loop's connections (call before the loop ends)."""
        state = self._per_loop.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state[0].aio.aclose()

    # -- the port ----------------------------------------------------------------------
    async def analyze_cover(self, image: bytes) -> CoverAnalysis:
        wire = await self._analyze(image, "cover", COVER_INSTRUCTIONS, CoverAnalysisWire)
        return wire.to_analysis()

    async def analyze_child(self, photo: bytes) -> ChildAnalysis:
        wire = await self._analyze(photo, "photo", PHOTO_INSTRUCTIONS, PhotoAnalysisWire)
        return wire.to_analysis()

    async def prepare(self, images: list[bytes]) -> None:
        """Make the reference parts of pictures later calls will send (while other calls
        are in flight), so those calls start the moment a slot frees."""
        for n, data in enumerate(images, 1):
            await asyncio.to_thread(self.references.part, data, f"reference {n}")

    async def generate_cover(self, task: ImageTask) -> bytes:
        return await self._image(task, [task.source, task.photo])

    async def personalize_page(self, task: ImageTask) -> bytes:
        references = [task.source, task.photo] + ([task.reference] if task.reference else [])
        return await self._image(task, references)

    async def judge(self, task: JudgeTask) -> JudgeVerdict:
        """One structured call to the analysis model with the photo, the original, the
        generated image (and the generated cover, for pages). Through the same gate, error
        classification and ledger as every call; a block raises SafetyBlocked; an answer
        that does not fit the verdict is asked once more, then raises PermanentError."""
        label = f"judge {task.target}"
        images = [task.photo, task.original, task.generated]
        if task.cover is not None:
            images.append(task.cover)
        contents: list[Any] = []
        captions = judge_labels(task.cover is not None, task.photo_is_likeness)
        for caption, data in zip(captions, images, strict=True):
            contents.append(caption)
            contents.append(
                await asyncio.to_thread(self._reference_part, data, f"{label}: {caption}")
            )
        contents.append(
            judge_instructions(
                task.target,
                task.hero_name,
                with_cover=task.cover is not None,
                title=task.title,
                likeness=task.photo_is_likeness,
            )
        )
        return await self._structured(
            label, contents, JudgeVerdict, 0.0, f"{label}: the model's verdict"
        )

    async def locate(self, task: LocateTask) -> Located:
        """One structured call to the analysis model with the image: boxes in Gemini's
        box_2d convention (y first, 0..1000), turned into normalized Boxes, clamped, those
        with no area dropped. Same gate, classification, ledger and asking-again as judge."""
        label = f"locate {task.target} {task.label}"
        part = await asyncio.to_thread(self._reference_part, task.image, label)
        instructions = locate_instructions(task.target, task.hero_name, task.hint, task.label)
        wire = await self._structured(
            label, [part, instructions], LocateWire, 0.0, f"{label}: the model's boxes"
        )
        boxes, dropped = wire.to_boxes()
        where = "the cover" if task.label == "cover" else task.label
        if boxes:
            note = ""
        elif task.target == "hero":
            who = task.hero_name or "the hero"
            note = f"Gemini did not find {who} on {where}; if they are there, draw them by hand."
        else:
            note = f"Gemini found no lettered title on {where}; draw it by hand if there is one."
        if dropped:
            note = f"{note} {dropped} box(es) with no area inside the image were left out."
        return Located(boxes, "gemini", note.strip())

    # -- requests ----------------------------------------------------------------------
    async def _analyze(
        self, image: bytes, what: str, instructions: str, schema: type[WireT]
    ) -> WireT:
        part = await asyncio.to_thread(self._reference_part, image, what)
        return await self._structured(
            f"{what} analysis", [part, instructions], schema, 0.2, f"the model's {what} analysis"
        )

    async def _structured(
        self,
        label: str,
        contents: list[Any],
        schema: type[WireT],
        temperature: float,
        answer: str,
    ) -> WireT:
        """One structured call to the analysis model; a block raises SafetyBlocked, an
        answer that does not fit `schema` is asked once more, then PermanentError."""
        config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=schema, temperature=temperature
        )
        for attempt in (1, 2):
            response = await self._generate(label, self.analysis_model, contents, config)
            raise_if_blocked(response, label)
            parsed = parsed_as(response, schema)
            if parsed is not None:
                return parsed
            if attempt == 2:
                raise PermanentError(
                    f"{answer} did not fit the expected form twice "
                    f"(reply began: {(reply_text(response) or '')[:80]!r})"
                )
        raise AssertionError("unreachable")

    async def _image(self, task: ImageTask, references: list[bytes]) -> bytes:
        parts = [
            await asyncio.to_thread(self._reference_part, data, f"{task.label} reference {n}")
            for n, data in enumerate(references, 1)
        ]
        size = header_size(task.source, upright=True)
        if size is None:  # unreadable header: decode_image says why, naming the picture
            size = (
                await asyncio.to_thread(decode_image, task.source, task.label, self.max_pixels)
            ).size
        config = types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=types.ImageConfig(
                aspect_ratio=nearest_aspect_ratio(*size), image_size=self.image_size
            ),
        )
        response = await self._generate(
            task.label, self.image_model, [*parts, task.prompt], config, images=1
        )
        raise_if_blocked(response, task.label)
        image = last_image(response)
        if image is None:
            text = (reply_text(response) or "").strip()
            raise SafetyBlocked(
                f"{task.label}: the model returned no image"
                + (f" and said: {text[:200]}" if text else "")
            )
        return await asyncio.to_thread(self.references.answer_to_print, image, size, task.label)

    async def _generate(
        self,
        label: str,
        model: str,
        contents: list[Any],
        config: types.GenerateContentConfig,
        images: int = 0,
    ) -> types.GenerateContentResponse:
        """One call, live, or through the book's batch lane while one is open
        (app/ai/batch_lane.py); the same ledger, classification and checks either way."""
        lane = current_lane.get()
        if lane is not None and lane.open:
            try:
                return await self._batched(lane, label, model, contents, config, images)
            except BatchFellBack as fell:
                log.warning("%s: %s", label, fell)
        ledger = current_ledger.get()
        size = self.image_size if images else None
        estimate = ledger.estimate(model, images, size) if ledger is not None else 0.0
        client = self._loop_state()[0]
        limiter = self.limiter(model)
        ticket = await limiter.acquire()
        outcome, retry_after = Outcome.OTHER, None
        if ledger is not None:
            ledger.reserve(estimate)
        try:
            response = await client.aio.models.generate_content(
                model=model, contents=contents, config=config
            )
            outcome = Outcome.OK
            self.breaker.answered()
        except BaseException as exc:
            classified = self._failed(exc, label, model, "live")
            if is_rate_limit(exc) and isinstance(classified, TransientError):
                outcome, retry_after = Outcome.RATE_LIMITED, classified.retry_after
            raise classified from exc
        finally:
            if ledger is not None:
                ledger.release(estimate)
            await asyncio.shield(limiter.release(ticket, outcome, retry_after))
        self._record(response, label, model, images, "live")
        return response

    async def _batched(
        self,
        lane: BatchLane,
        label: str,
        model: str,
        contents: list[Any],
        config: types.GenerateContentConfig,
        images: int,
    ) -> types.GenerateContentResponse:
        """One call as a request of a batch job: at the batch price, outside the live pace
        (batch jobs have limits of their own)."""
        ledger = current_ledger.get()
        size = self.image_size if images else None
        estimate = ledger.estimate(model, images, size, lane="batch") if ledger else 0.0
        if ledger is not None:
            ledger.reserve(estimate)
        try:
            response = await lane.call(self._loop_state()[0], model, contents, config, label)
            self.breaker.answered()
        except BatchFellBack:
            raise
        except BaseException as exc:
            raise self._failed(exc, label, model, "batch") from exc
        finally:
            if ledger is not None:
                ledger.release(estimate)
        self._record(response, label, model, images, "batch")
        return response

    def _failed(self, exc: BaseException, label: str, model: str, lane: str) -> BaseException:
        """A call that raised: recorded in the ledger (not a cancel), and classified."""
        ledger = current_ledger.get()
        if ledger is not None and not isinstance(exc, asyncio.CancelledError):
            failed = "RateLimited" if is_rate_limit(exc) else type(exc).__name__
            ledger.record(label, model, outcome=failed, lane=lane)
        return self._classify(exc, model)

    def _record(
        self,
        response: types.GenerateContentResponse,
        label: str,
        model: str,
        images: int,
        lane: str,
    ) -> None:
        ledger = current_ledger.get()
        if ledger is None:
            return
        usage = response.usage_metadata
        image = last_image(response)
        produced = images if image is not None else 0
        ledger.record(
            label,
            model,
            tokens_in=(usage.prompt_token_count or 0) if usage else 0,
            tokens_out=(usage.candidates_token_count or 0) if usage else 0,
            images=produced,
            outcome="ok" if produced or not images else "no image",
            size=self.image_size if images else None,
            # the size the model drew at, before _to_print_size upscales it
            native_size=header_size(image) if produced and image is not None else None,
            lane=lane,
        )

    # -- replies -----------------------------------------------------------------------
    def _classify(self, exc: BaseException, model: str | None = None) -> BaseException:
        where = self.base_url or "Google's Gemini API"
        return classify(exc, model, self.image_model, where, self.breaker)

    # -- the models it serves ------------------------------------------------------------
    async def served_models(self) -> list[types.Model]:
        """Every model this key may call (ListModels, all pages)."""
        client = self._loop_state()[0]
        try:
            pager = await client.aio.models.list(config={"page_size": 1000})
            return [m async for m in pager]
        except Exception as exc:
            raise self._classify(exc) from exc

    async def check_models(self) -> list[str]:
        """One sentence per configured model Gemini does not serve for generateContent,
        naming the served ids that fit its role; empty when all are served. Raises the
        usual errors (a rejected key, an unreachable service) as they are classified."""
        served = await self.served_models()
        self.breaker.answered()
        return missing_models(
            [(m.name or "", list(m.supported_actions or [])) for m in served],
            {"image": self.image_model, "analysis": self.analysis_model},
        )

    # -- images ------------------------------------------------------------------------
    def _reference_part(self, data: bytes, label: str) -> types.Part:
        return self.references.part(data, label)
