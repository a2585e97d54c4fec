"""One-off covers (`pressroom cover`, the Cover Lab, `POST /generate-cover`) are as sturdy
as books: a per-minute 429 or a 503 is waited out with the job's retries and retry hints,
against the real client and the fake Gemini; a spent daily quota fails at once, clearly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ai.gemini import GeminiProvider
from app.ai.one_cover import personalize_cover
from app.assets import demo_root
from app.catalog import demo_photo
from app.domain import Book, Personalization, QuotaExhausted, TransientError
from app.pipeline.calls import CallRunner
from tests.fakes import gemini as fakes
from tests.fakes.gemini import FakeGemini

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
