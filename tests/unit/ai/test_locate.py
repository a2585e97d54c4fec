"""The locate step on the provider port: Gemini's boxes (its box_2d convention, y first on
0..1000) through the real google-genai SDK against the fake Gemini, turned into normalized
Boxes; the template provider's honest empty answer; the scripted provider's double."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from app.ai.gemini import GeminiProvider
from app.ai.gemini_schema import locate_instructions
from app.ai.provider import Located, LocateTask
from app.ai.template import TemplateProvider
from app.ai.usage import UsageLedger, current_ledger
from app.assets import demo_root
from app.domain import Box, PermanentError, SafetyBlocked
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini
from tests.fakes.provider import ScriptedProvider

ANALYSIS = "gemini-3.8-flash"
COVER = demo_root().joinpath("moon-boat", "cover.jpg").read_bytes()
PAGE = demo_root().joinpath("moon-boat", "page-02.jpg").read_bytes()
PROVIDERS: list[GeminiProvider] = []


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def gemini(fake: FakeGemini) -> GeminiProvider:
    provider = GeminiProvider(fakes.VALID_KEY, base_url=fake.url)
    PROVIDERS.append(provider)
    return provider


def run(coro: Any) -> Any:
    async def main() -> Any:
        try:
            return await coro
        finally:
            for p in PROVIDERS:
                await p.aclose()

    return asyncio.run(main())


def hero_task(**changes: Any) -> LocateTask:
    fields: dict[str, Any] = {
        "image": PAGE,
        "target": "hero",
        "hero_name": "Leo",
        "hint": "Leo rowed the moon boat across the bay.",
        "label": "page 2",
    }
    return LocateTask(**{**fields, **changes})


def test_the_default_answer_is_one_box_converted_from_y_first_thousandths(
    fake: FakeGemini,
) -> None:
    located = run(gemini(fake).locate(hero_task()))
    # box_2d [200, 250, 700, 600] = ymin, xmin, ymax, xmax
    assert located == Located((Box(0.25, 0.2, 0.6, 0.7),), "gemini", "")


def test_the_request_carries_the_image_the_schema_and_the_instructions(
    fake: FakeGemini,
) -> None:
    run(gemini(fake).locate(hero_task()))
    [request] = fake.requests
    assert request.model == ANALYSIS
    [image] = request.images
    sent = Image.open(io.BytesIO(image))
    original = Image.open(io.BytesIO(PAGE))
    assert max(sent.size) <= 1536
    assert abs(sent.width / sent.height - original.width / original.height) < 0.01
    assert request.config["responseMimeType"] == "application/json"
    assert request.config["temperature"] == 0.0
    boxes = request.config["responseSchema"]["properties"]["boxes"]
    box_2d = boxes["items"]["properties"]["box_2d"]
    assert box_2d["items"]["type"] == "INTEGER"
    # exactly four numbers (the SDK writes the proto's own field names, which the API reads)
    assert int(box_2d["min_items"]) == int(box_2d["max_items"]) == 4
    text = request.text
    assert "the main character named Leo" in text
    assert "every appearance" in text
    assert "head (hair, ears and any hat included; not the body)" in text
    assert "Return an empty list when the main character is not on the image" in text
    assert '"Leo rowed the moon boat across the bay."' in text
    assert "[ymin, xmin, ymax, xmax] as integers from 0 to 1000" in text


def test_the_title_instruction_asks_for_the_lettered_title(fake: FakeGemini) -> None:
    task = LocateTask(COVER, "title", hero_name="Leo", label="cover")
    located = run(gemini(fake).locate(task))
    assert located.boxes and located.found_by == "gemini"
    [request] = fake.requests
    assert "This is the cover" in request.text
    assert "the box around the lettered book title" in request.text
    assert "main character" not in request.text


def test_boxes_are_converted_clamped_and_the_degenerate_dropped(fake: FakeGemini) -> None:
    fake.script(
        ANALYSIS,
        fakes.locate_reply(
            [100, 50, 900, 400],  # a head on the left
            [-20, 600, 1040, 1200],  # past every edge: clamped to the image
            [100, 50, 900, 400],  # the same again: merged
            [500, 500, 500, 700],  # no height
            [300, 800, 600, 700],  # xmax before xmin
            [1100, 100, 1200, 300],  # below the image: nothing left after clamping
        ),
    )
    located = run(gemini(fake).locate(hero_task()))
    assert located.boxes == (Box(0.05, 0.1, 0.4, 0.9), Box(0.6, 0.0, 1.0, 1.0))
    assert all(0 <= v <= 1 for box in located.boxes for v in box.as_list())
    assert "3 box(es) with no area inside the image were left out" in located.note


@pytest.mark.parametrize(
    ("task", "words"),
    [
        (hero_task(), "Gemini did not find Leo on page 2"),
        (hero_task(hero_name="", label="cover"), "Gemini did not find the hero on the cover"),
        (LocateTask(COVER, "title", label="cover"), "Gemini found no lettered title on the cover"),
    ],
)
def test_an_empty_list_is_no_boxes_and_a_note(
    fake: FakeGemini, task: LocateTask, words: str
) -> None:
    fake.script(ANALYSIS, fakes.locate_reply())
    located = run(gemini(fake).locate(task))
    assert located.boxes == () and located.found_by == "gemini"
    assert located.note.startswith(words)


def test_a_malformed_answer_is_asked_once_more(fake: FakeGemini) -> None:
    fake.script(ANALYSIS, fakes.locate_malformed())
    located = run(gemini(fake).locate(hero_task()))
    assert located.boxes == (Box(0.25, 0.2, 0.6, 0.7),) and len(fake.requests) == 2


def test_a_malformed_answer_twice_is_a_permanent_error(fake: FakeGemini) -> None:
    fake.script(ANALYSIS, fakes.locate_malformed(), fakes.malformed_json())
    with pytest.raises(
        PermanentError, match="locate hero page 2: the model's boxes did not fit the expected"
    ):
        run(gemini(fake).locate(hero_task()))
    assert len(fake.requests) == 2


@pytest.mark.parametrize("reply", [fakes.prompt_blocked(), fakes.judge_declined()])
def test_a_block_raises_safety_blocked(fake: FakeGemini, reply: fakes.Reply) -> None:
    fake.script(ANALYSIS, reply)
    with pytest.raises(SafetyBlocked, match="locate hero page 2"):
        run(gemini(fake).locate(hero_task()))
    assert len(fake.requests) == 1


def test_locate_calls_are_in_the_ledger(fake: FakeGemini) -> None:
    ledger = UsageLedger()

    async def located() -> Located:
        current_ledger.set(ledger)
        return await gemini(fake).locate(hero_task())

    run(located())
    [entry] = ledger.entries
    assert entry["label"] == "locate hero page 2" and entry["model"] == ANALYSIS
    assert entry["images"] == 0 and ledger.tokens_in == 1200 + 258


def test_the_instructions_without_a_name_or_a_hint() -> None:
    text = locate_instructions("hero", label="page 5")
    assert "an illustration (page 5)" in text and "Find the main character:" in text
    assert "reads:" not in text


def test_the_template_provider_finds_nothing_and_says_so() -> None:
    for task in (hero_task(), LocateTask(COVER, "title", label="cover")):
        located = asyncio.run(TemplateProvider().locate(task))
        assert located.boxes == () and located.found_by == "template"
        assert located.note == (
            "The offline provider cannot find the hero or the title; draw the regions by hand."
        )


def test_the_scripted_provider_delegates_and_scripts_locate() -> None:
    scripted = ScriptedProvider(
        failures={"locate hero page 2": [SafetyBlocked("locate hero page 2: declined")]},
        locations={"locate title cover": Located((Box(0.1, 0.05, 0.9, 0.2),), "gemini")},
    )
    with pytest.raises(SafetyBlocked):
        asyncio.run(scripted.locate(hero_task()))
    title = asyncio.run(scripted.locate(LocateTask(COVER, "title", label="cover")))
    assert title.boxes == (Box(0.1, 0.05, 0.9, 0.2),)
    assert asyncio.run(scripted.locate(hero_task())).found_by == "template"
    assert scripted.locate_calls == 3 and scripted.judge_calls == 0
