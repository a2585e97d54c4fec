"""The fake Gemini's speed-bench modes, through the real SDK: fixed answer times per kind
of call, and a rolling per-minute request limit answered as Google answers it."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.ai.gemini import GeminiProvider
from app.domain import TransientError
from app.proving.fake_gemini import VALID_KEY, FakeGemini, Latency
from tests.unit.ai.test_gemini import ANALYSIS, COVER, IMAGE, PHOTO, task


async def _with(provider: GeminiProvider, coro):  # type: ignore[no-untyped-def]
    try:
        return await coro
    finally:
        await provider.aclose()


def test_latency_per_kind_of_call() -> None:
    with FakeGemini(latency=Latency(analysis=0.3, image=0.6)) as fake:
        provider = GeminiProvider(VALID_KEY, base_url=fake.url)

        async def both() -> None:
            await provider.analyze_child(PHOTO)
            await provider.generate_cover(task())

        asyncio.run(_with(provider, both()))
    took = {c.kind: c.answered - c.arrived for c in fake.calls}
    assert [c.model for c in fake.calls] == [ANALYSIS, IMAGE]
    assert took["analysis"] >= 0.3 and took["image"] >= 0.6
    assert all(c.status == 200 for c in fake.calls)


def test_a_rolling_per_minute_limit_is_answered_with_googles_429_and_its_delay() -> None:
    with FakeGemini(per_minute={ANALYSIS: 2}, window_seconds=1.5) as fake:
        provider = GeminiProvider(VALID_KEY, base_url=fake.url)

        async def over() -> None:
            await provider.analyze_cover(COVER)
            await provider.analyze_cover(COVER)
            with pytest.raises(TransientError, match="rate limit") as refused:
                await provider.analyze_cover(COVER)
            assert refused.value.retry_after == 2  # whole seconds until the oldest leaves
            await provider.generate_cover(task())  # the image model has no limit here
            await asyncio.sleep(1.6)  # the window rolled on
            await provider.analyze_cover(COVER)

        asyncio.run(_with(provider, over()))
    assert [c.status for c in fake.calls if c.model == ANALYSIS] == [200, 200, 429, 200]
    refusal = next(c for c in fake.calls if c.status == 429)
    assert refusal.answered - refusal.arrived < 0.5  # refused at once, not after a latency
    assert time.monotonic() - refusal.arrived >= 1.5
