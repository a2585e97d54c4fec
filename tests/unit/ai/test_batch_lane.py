"""The Batch lane against the fake Gemini's Batch API, through the real SDK: requests that
come together go as one job at the batch price, a killed worker's job is polled again and
never submitted twice, a job that ends badly sends the calls live, and an inlined error is
the error the live call would have raised."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import pytest
from PIL import Image

from app.ai.batch_lane import BatchLane, current_lane
from app.ai.gemini import GeminiProvider
from app.ai.usage import UsageLedger, current_ledger
from app.domain import PermanentError, TransientError
from app.proving.fake_gemini import VALID_KEY, FakeGemini
from app.proving.fake_gemini_replies import Reply, error_body, unavailable

ANALYSIS = "gemini-3.8-flash"


class Notes:
    """The item's checkpoint, in memory: what a killed worker leaves for the next one."""

    def __init__(self) -> None:
        self.kept: dict[str, Any] = {}

    def load(self) -> dict[str, Any]:
        return dict(self.kept)

    def save(self, notes: dict[str, Any]) -> None:
        self.kept = notes


def picture(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "PNG")
    return out.getvalue()


def lane_for(notes: Notes) -> BatchLane:
    return BatchLane(notes, "item-1", poll_seconds=0.05, linger_seconds=0.2)


async def analyses(provider: GeminiProvider, lane: BatchLane, n: int = 2) -> list[Any]:
    current_lane.set(lane)
    try:
        return await asyncio.gather(*(provider.analyze_cover(picture("red")) for _ in range(n)))
    finally:
        await lane.aclose()
        await provider.aclose()


def test_calls_that_come_together_go_as_one_job_at_the_batch_price() -> None:
    with FakeGemini() as fake:
        fake.batches.turnaround = 0.2
        provider = GeminiProvider(VALID_KEY, base_url=fake.url)
        ledger = UsageLedger()

        async def run() -> list[Any]:
            current_ledger.set(ledger)
            return await analyses(provider, lane_for(Notes()), 3)

        answers = asyncio.run(run())
    assert len(answers) == 3 and all(a.art_style for a in answers)  # parsed from the text
    keys = [r["metadata"]["key"] for r in fake.batches.jobs["fake0001"].requests]
    assert sorted(keys) == ["cover analysis#1", "cover analysis#2", "cover analysis#3"]
    assert fake.batches.created == 1 and len(fake.batches.jobs["fake0001"].requests) == 3
    assert [e["lane"] for e in ledger.entries] == ["batch"] * 3
    assert ledger.saved_usd == pytest.approx(ledger.cost_usd) and ledger.cost_usd > 0


def test_a_killed_worker_polls_its_job_again_and_never_submits_it_twice() -> None:
    with FakeGemini() as fake:
        fake.batches.turnaround = 1.5
        notes = Notes()

        async def killed() -> None:
            provider = GeminiProvider(VALID_KEY, base_url=fake.url)
            task = asyncio.create_task(analyses(provider, lane_for(notes)))
            while not notes.kept.get("keys"):
                await asyncio.sleep(0.05)
            task.cancel()  # the worker dies with its job in flight
            await asyncio.gather(task, return_exceptions=True)

        asyncio.run(killed())
        assert fake.batches.created == 1 and set(notes.kept["keys"]) == {
            "cover analysis#1",
            "cover analysis#2",
        }
        resumed = GeminiProvider(VALID_KEY, base_url=fake.url)
        answers = asyncio.run(analyses(resumed, lane_for(notes)))
    assert len(answers) == 2 and fake.batches.created == 1  # polled, not submitted again
    assert fake.batches.jobs["fake0001"].polls >= 2


def test_a_job_created_but_not_written_down_is_found_by_its_name() -> None:
    with FakeGemini() as fake:
        fake.batches.turnaround = 0.2
        first, second = Notes(), Notes()
        asyncio.run(analyses(GeminiProvider(VALID_KEY, base_url=fake.url), lane_for(first)))
        # the worker was killed between the create's answer and the checkpoint: it knows it
        # was submitting, not the name
        display = fake.batches.jobs["fake0001"].display_name
        second.kept = {"keys": {}, "submitting": {display: ANALYSIS}}
        asyncio.run(analyses(GeminiProvider(VALID_KEY, base_url=fake.url), lane_for(second)))
    assert fake.batches.created == 1


@pytest.mark.parametrize("end", ["BATCH_STATE_EXPIRED", "BATCH_STATE_FAILED"])
def test_a_job_that_ends_badly_sends_the_calls_live_with_the_reason(end: str) -> None:
    with FakeGemini() as fake:
        fake.batches.turnaround = 0.2
        fake.batches.end_next.append(end)
        lane = lane_for(Notes())
        answers = asyncio.run(analyses(GeminiProvider(VALID_KEY, base_url=fake.url), lane))
        live = [r for r in fake.requests if not r.batch]
    assert len(answers) == 2 and len(live) == 2
    word = {"BATCH_STATE_EXPIRED": "expired", "BATCH_STATE_FAILED": "failed"}[end]
    assert lane.fell_back is not None and word in lane.fell_back
    assert "live lane" in lane.fell_back and not lane.open


def test_an_inlined_error_is_the_error_the_live_call_would_raise() -> None:
    with FakeGemini() as fake:
        fake.batches.turnaround = 0.1
        fake.script(ANALYSIS, unavailable())
        with pytest.raises(TransientError, match="503"):
            asyncio.run(
                analyses(GeminiProvider(VALID_KEY, base_url=fake.url), lane_for(Notes()), 1)
            )
        fake.script(ANALYSIS, Reply(400, error_body(400, "INVALID_ARGUMENT", "bad picture")))
        with pytest.raises(PermanentError, match="bad picture"):
            asyncio.run(
                analyses(GeminiProvider(VALID_KEY, base_url=fake.url), lane_for(Notes()), 1)
            )


def test_a_group_over_the_inline_limit_goes_in_as_many_jobs_as_keep_each_under_it() -> None:
    with FakeGemini() as fake:
        fake.batches.turnaround = 0.2
        from app.ai.gemini_schema import COVER_INSTRUCTIONS

        provider = GeminiProvider(VALID_KEY, base_url=fake.url)
        sent = provider.references.part(picture("red"), "cover").inline_data
        assert sent is not None and sent.data is not None
        one = 1_000 + len(sent.data) * 4 // 3 + len(COVER_INSTRUCTIONS.encode())
        lane = BatchLane(Notes(), "item-1", poll_seconds=0.05, linger_seconds=0.2)
        lane.inline_bytes = 2 * one + 10  # two requests a job, not three
        answers = asyncio.run(analyses(provider, lane, 5))
    assert len(answers) == 5
    assert sorted(len(j.requests) for j in fake.batches.jobs.values()) == [1, 2, 2]


def test_the_fake_refuses_a_job_over_twenty_megabytes_as_google_does() -> None:
    from google import genai
    from google.genai import errors, types

    options = types.HttpOptions(base_url="", api_version="v1beta")
    with FakeGemini() as fake:
        options.base_url = fake.url
        with genai.Client(api_key=VALID_KEY, http_options=options) as sdk:
            big = types.Part.from_bytes(data=b"x" * 16_000_000, mime_type="image/png")
            with pytest.raises(errors.ClientError, match="payload size exceeds"):
                sdk.batches.create(
                    model=ANALYSIS,
                    src=[types.InlinedRequest(contents=[big])],
                    config={"display_name": "too big"},
                )
    assert fake.batches.created == 0


def test_a_call_cancelled_while_its_job_runs_leaves_the_others_their_answers() -> None:
    """On a resumed book too, where the calls poll a job submitted before."""
    with FakeGemini() as fake:
        fake.batches.turnaround = 1.0
        notes = Notes()

        async def run(cancel_one: bool) -> list[Any]:
            provider = GeminiProvider(VALID_KEY, base_url=fake.url)
            lane = lane_for(notes)
            current_lane.set(lane)
            calls = [asyncio.create_task(provider.analyze_cover(picture("red"))) for _ in "abc"]
            while not fake.batches.created:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            if cancel_one:
                calls[0].cancel()  # one page of the book is stopped; the job serves the rest
            try:
                return await asyncio.gather(*calls, return_exceptions=True)
            finally:
                await lane.aclose()
                await provider.aclose()

        asyncio.run(run(cancel_one=False))  # the job, and its name written down
        fake.batches.jobs["fake0001"].done_at = time.time() + 1.5  # running when it resumes
        results = asyncio.run(run(cancel_one=True))
    assert fake.batches.created == 1
    assert isinstance(results[0], asyncio.CancelledError)
    assert all(not isinstance(r, BaseException) for r in results[1:]), results
