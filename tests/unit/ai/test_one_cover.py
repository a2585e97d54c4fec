"""One-off covers (`pressroom cover`, the Cover Lab, `POST /generate-cover`) are as sturdy
as books: a per-minute 429 or a 503 is waited out with the job's retries and retry hints,
against the real client and the fake Gemini; a spent daily quota fails at once, clearly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.ai.gemini import GeminiProvider
from app.ai.one_cover import personalize_cover
from app.ai.provider import ImageTask
from app.ai.template import TemplateProvider
from app.assets import demo_root
from app.catalog import demo_photo
from app.domain import Book, Box, Personalization, QuotaExhausted, TransientError
from app.pipeline.calls import CallRunner
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini

COVER = Path(str(demo_root().joinpath("moon-boat", "cover.jpg"))).read_bytes()
PHOTO = demo_photo("child-ada.jpg")
BOOK = Book("adhoc", "Leo and the Moon Boat", "", "", "Leo", "", ())
IMAGE = "gemini-3.1-flash-image"


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def make(fake: FakeGemini, call: CallRunner | None) -> bytes:
    provider = GeminiProvider(fakes.VALID_KEY, base_url=fake.url)

    async def go() -> bytes:
        try:
            who = Personalization("Ada", 5, "girl")
            if call is None:
                return (await personalize_cover(provider, COVER, PHOTO, BOOK, who)).image
            return (await personalize_cover(provider, COVER, PHOTO, BOOK, who, call.call)).image
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_transient_faults_are_waited_out_with_the_jobs_retries(fake: FakeGemini) -> None:
    fake.script(IMAGE, fakes.rate_limited(1), fakes.unavailable())
    runner = CallRunner(attempts=3, base_seconds=0.01)
    image = make(fake, runner)
    assert image[:2] == b"\xff\xd8"  # the cover, at print size
    assert len(fake.calls_to(IMAGE)) == 3 and runner.retries == 2


def test_without_retries_the_first_429_ends_it(fake: FakeGemini) -> None:
    fake.script(IMAGE, fakes.rate_limited(1))
    with pytest.raises(TransientError):
        make(fake, None)


def test_a_spent_daily_quota_fails_at_once_and_says_so(fake: FakeGemini) -> None:
    fake.script(IMAGE, fakes.daily_quota())
    with pytest.raises(QuotaExhausted, match="quota"):
        make(fake, CallRunner(attempts=3, base_seconds=0.01))
    assert len(fake.calls_to(IMAGE)) == 1  # not retried


def test_a_known_books_head_regions_win_over_the_analysis() -> None:
    """The catalog's regions are the hero's whole head; the analysis finds a face (Gemini's
    answer here is its own box): the cover is made on the book's."""
    seen: list[tuple[Box, ...]] = []

    class Recording(TemplateProvider):
        async def generate_cover(self, task: ImageTask) -> bytes:
            seen.append(task.hero_regions)
            return await super().generate_cover(task)

    heads = (Box(0.2, 0.2, 0.4, 0.4),)
    known = replace(BOOK, cover_hero_regions=heads)
    who = Personalization("Ada", 5, "girl")
    asyncio.run(personalize_cover(Recording(), COVER, PHOTO, known, who))
    asyncio.run(personalize_cover(Recording(), COVER, PHOTO, BOOK, who))
    assert seen[0] == heads
    assert seen[1] and seen[1] != heads  # without the book's, where the analysis found it
