"""The judge step on the provider port: Gemini's structured verdict through the real
google-genai SDK against the fake Gemini, and the template provider's offline judge on the
demo books, good pages against faults made here."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from app.ai.gemini import GeminiProvider
from app.ai.models import model_table
from app.ai.provider import ChildAnalysis, CoverAnalysis, ImageTask, JudgeTask, JudgeVerdict
from app.ai.template import TemplateProvider, stylized_face
from app.ai.template_judge import LIMITS, judge_offline
from app.ai.usage import UsageLedger, current_ledger
from app.assets import demo_root
from app.catalog import demo_catalog, demo_photo
from app.domain import Box, PermanentError, QuotaExhausted, SafetyBlocked
from app.pipeline.calls import CallRunner
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini
from app.quality.judge import run_judge
from tests.conftest import make_settings
from tests.fakes.provider import ScriptedProvider

ANALYSIS = "gemini-3.8-flash"
CATALOG = demo_catalog()
BOOKS = {b["id"]: b for b in CATALOG["books"]}
KIDS = {"Ada": "child-ada.jpg", "Kofi": "child-kofi.jpg", "Rosie": "child-rosie.jpg"}


def jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def demo_image(book: str, target: str) -> tuple[bytes, tuple[Box, ...]]:
    """A demo illustration and its hero regions: "cover" or "page N"."""
    meta = BOOKS[book]
    if target == "cover":
        name, regions = meta["cover_image"], meta["cover_hero_regions"]
    else:
        page = meta["pages"][int(target.split()[1]) - 1]
        name, regions = page["image"], page["hero_regions"]
    return demo_root().joinpath(book, name).read_bytes(), tuple(Box.from_list(r) for r in regions)


# -- Gemini --------------------------------------------------------------------------------
PROVIDERS: list[GeminiProvider] = []


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def gemini(fake: FakeGemini, **kwargs: Any) -> GeminiProvider:
    provider = GeminiProvider(fakes.VALID_KEY, base_url=fake.url, **kwargs)
    PROVIDERS.append(provider)
    return provider


def run(coro):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        try:
            return await coro
        finally:
            for p in PROVIDERS:
                await p.aclose()

    return asyncio.run(main())


def gemini_task(target: str = "page 3", *, with_cover: bool = True) -> JudgeTask:
    original, regions = demo_image("moon-boat", target)
    cover, _ = demo_image("moon-boat", "cover")
    return JudgeTask(
        photo=demo_photo("child-ada.jpg"),
        original=original,
        generated=original,
        child_analysis=ChildAnalysis(hair_color="brown"),
        target=target,
        hero_name="Leo",
        cover=cover if with_cover else None,
        hero_regions=regions,
        title="Ada and the Moon Boat" if target == "cover" else None,
    )


def test_a_page_is_judged_in_one_structured_call_with_four_images(fake: FakeGemini) -> None:
    verdict = run(gemini(fake).judge(gemini_task()))
    assert verdict == JudgeVerdict(**fakes.JUDGE_PASS)
    [request] = fake.requests
    assert request.model == ANALYSIS  # the analysis model, under its concurrency gate
    assert len(request.images) == 4  # photo, original, generated, generated cover
    assert request.config["responseMimeType"] == "application/json"
    schema = request.config["responseSchema"]
    assert set(schema["required"]) == {
        "reasons",
        "same_child",
        "likeness",
        "style_matches",
        "defects",
    }
    assert schema["properties"]["likeness"]["maximum"] == 1.0
    kinds = schema["properties"]["defects"]["items"]["properties"]["kind"]["enum"]
    assert kinds == [
        "extra_limbs",
        "garbled_text",
        "second_child",
        "original_hero_visible",
        "other",
    ]
    text = request.text
    assert "Image 1: a photo of the child" in text and "Image 4: the book's new cover" in text
    assert "instead of Leo" in text and "Leo still visible" in text
    assert "do not identify anyone" in text


def test_the_cover_is_judged_without_a_cover_and_with_its_title(fake: FakeGemini) -> None:
    run(gemini(fake).judge(gemini_task("cover", with_cover=False)))
    [request] = fake.requests
    assert len(request.images) == 3
    assert "Image 4" not in request.text
    assert 'must read exactly "Ada and the Moon Boat"' in request.text


def test_a_verdict_with_defects_is_read_back(fake: FakeGemini) -> None:
    fake.script(
        ANALYSIS,
        fakes.judge_verdict(
            same_child=False,
            likeness=0.2,
            defects=[
                {"kind": "second_child", "reason": "a second girl stands by the mast"},
                {"kind": "garbled_text", "reason": "the sail reads 'Moom'"},
            ],
        ),
    )
    verdict = run(gemini(fake).judge(gemini_task()))
    assert not verdict.same_child and verdict.likeness == 0.2
    assert [d.kind for d in verdict.defects] == ["second_child", "garbled_text"]


@pytest.mark.parametrize("reply", [fakes.judge_blocked(), fakes.judge_declined()])
def test_a_blocked_judge_raises_safety_blocked_and_the_page_is_doubtful(
    fake: FakeGemini, reply: fakes.Reply, tmp_path: Path
) -> None:
    fake.script(ANALYSIS, reply)
    with pytest.raises(SafetyBlocked, match="judge page 3"):
        run(gemini(fake).judge(gemini_task()))
    fake.script(ANALYSIS, reply)
    checks, words = run(run_judge(gemini(fake), gemini_task(), make_settings(tmp_path)))
    [check] = checks
    assert check.name == "judge" and not check.passed and check.blocking
    assert "could not answer" in check.sentence and "SAFETY" in check.sentence
    assert words.startswith("no verdict")


def test_a_malformed_verdict_is_asked_once_more(fake: FakeGemini) -> None:
    fake.script(ANALYSIS, fakes.judge_malformed())
    verdict = run(gemini(fake).judge(gemini_task()))
    assert verdict.same_child and len(fake.requests) == 2


def test_a_malformed_verdict_twice_is_a_permanent_error_and_a_doubtful_page(
    fake: FakeGemini, tmp_path: Path
) -> None:
    fake.script(ANALYSIS, fakes.judge_malformed(), fakes.malformed_json())
    with pytest.raises(PermanentError, match="did not fit the expected form twice"):
        run(gemini(fake).judge(gemini_task()))
    assert len(fake.requests) == 2
    fake.script(ANALYSIS, fakes.judge_malformed(), fakes.judge_malformed())
    checks, _ = run(run_judge(gemini(fake), gemini_task(), make_settings(tmp_path)))
    assert [(c.name, c.passed) for c in checks] == [("judge", False)]
    assert "did not fit" in checks[0].sentence
    assert len(fake.requests) == 4  # asked twice, never more


def test_judge_calls_are_in_the_ledger_like_every_call(fake: FakeGemini) -> None:
    ledger = UsageLedger()
    fake.script(ANALYSIS, fakes.judge_malformed())

    async def judged() -> JudgeVerdict:
        current_ledger.set(ledger)
        return await gemini(fake).judge(gemini_task())

    run(judged())
    assert [e["label"] for e in ledger.entries] == ["judge page 3", "judge page 3"]
    assert all(e["model"] == ANALYSIS and e["images"] == 0 for e in ledger.entries)
    # the malformed answer's tokens, then the default answer's (1200 + 258 per image)
    assert ledger.tokens_in == 2300 + 1200 + 4 * 258 and ledger.tokens_out == 150 + 180
    listed = model_table().get(ANALYSIS).token_prices()  # type: ignore[union-attr]
    assert listed.input_per_million > 0  # the table prices today's analysis model
    expected = 4532 * listed.input_per_million + 330 * listed.output_per_million
    assert ledger.cost_usd == pytest.approx(expected / 1e6)


def test_judge_calls_go_through_the_retries_and_a_paused_queue_propagates(
    fake: FakeGemini, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    runner = CallRunner(attempts=3, base_seconds=0.01)
    fake.script(ANALYSIS, fakes.unavailable(), fakes.rate_limited(0))
    checks, words = run(run_judge(gemini(fake), gemini_task(), settings, call=runner.call))
    assert [c.name for c in checks] == ["likeness", "style", "defects"]
    assert all(c.passed for c in checks) and words == fakes.JUDGE_PASS["reasons"]
    assert runner.retries == 2 and len(fake.requests) == 3

    fake.script(ANALYSIS, *[fakes.unavailable()] * 3)
    checks, _ = run(run_judge(gemini(fake), gemini_task(), settings, call=runner.call))
    assert checks[0].name == "judge" and "unavailable" in checks[0].sentence

    fake.script(ANALYSIS, fakes.daily_quota())
    with pytest.raises(QuotaExhausted):
        run(run_judge(gemini(fake), gemini_task(), settings, call=runner.call))


def test_judge_calls_share_the_analysis_models_concurrency_cap(fake: FakeGemini) -> None:
    provider = gemini(fake, concurrency_per_model=2, max_concurrency_per_model=2)
    fake.delay, fake.meet = 0.2, 2

    async def many() -> list[JudgeVerdict]:
        return await asyncio.gather(*(provider.judge(gemini_task()) for _ in range(5)))

    assert len(run(many())) == 5
    assert fake.max_concurrent[ANALYSIS] == 2


def test_the_scripted_provider_delegates_and_scripts_the_judge() -> None:
    scripted = ScriptedProvider(
        failures={"judge page 3": [SafetyBlocked("judge page 3: declined")]},
        verdicts={"judge cover": JudgeVerdict(**{**fakes.JUDGE_PASS, "likeness": 0.1})},
    )
    with pytest.raises(SafetyBlocked):
        asyncio.run(scripted.judge(gemini_task()))
    assert asyncio.run(scripted.judge(gemini_task("cover"))).likeness == 0.1
    verdict = asyncio.run(scripted.judge(gemini_task()))  # the offline judge: unchanged page
    assert not verdict.same_child
    assert scripted.judge_calls == 3 and scripted.page_calls == 0


# -- the offline judge ---------------------------------------------------------------------
class Demo:
    """Template output for a few demo targets and children, made once for the module."""

    def __init__(self) -> None:
        self.provider = TemplateProvider()
        self.photos = {name: demo_photo(f) for name, f in KIDS.items()}
        self.analyses = {
            name: asyncio.run(self.provider.analyze_child(p)) for name, p in self.photos.items()
        }
        self.made: dict[tuple[str, str, str], bytes] = {}

    def generated(self, book: str, target: str, child: str, photo: bytes | None = None) -> bytes:
        key = (book, target, child)
        if key not in self.made or photo is not None:
            source, regions = demo_image(book, target)
            analysis = (
                asyncio.run(self.provider.analyze_child(photo)) if photo else self.analyses[child]
            )
            task = ImageTask(
                source=source,
                photo=photo or self.photos[child],
                prompt="",
                cover_analysis=CoverAnalysis(art_style=""),
                child_analysis=analysis,
                child_name=child,
                hero_regions=regions,
                label=target,
            )
            made = asyncio.run(self.provider.personalize_page(task))
            if photo is not None:
                return made
            self.made[key] = made
        return self.made[key]

    def judge(
        self,
        book: str,
        target: str,
        generated: bytes,
        child: str,
        *,
        regions: bool = True,
        analysis: ChildAnalysis | None = None,
    ) -> JudgeVerdict:
        original, hero_regions = demo_image(book, target)
        task = JudgeTask(
            photo=self.photos[child],
            original=original,
            generated=generated,
            child_analysis=analysis or self.analyses[child],
            target=target,
            hero_name="Leo",
            hero_regions=hero_regions if regions else (),
        )
        verdict = asyncio.run(self.provider.judge(task))
        assert verdict == judge_offline(task)  # deterministic, same through the port
        return verdict


@pytest.fixture(scope="module")
def demo() -> Demo:
    return Demo()


TARGETS = [
    ("moon-boat", "cover"),
    ("moon-boat", "page 4"),
    ("giant-garden", "cover"),
    ("giant-garden", "page 9"),
]


def passes(verdict: JudgeVerdict, least: float = 0.5) -> bool:
    return (
        verdict.same_child
        and verdict.likeness >= least
        and verdict.style_matches
        and not verdict.defects
    )


@pytest.mark.parametrize(("book", "target"), TARGETS)
@pytest.mark.parametrize("child", sorted(KIDS))
def test_good_template_output_passes_with_its_limits_said(
    demo: Demo, book: str, target: str, child: str
) -> None:
    verdict = demo.judge(book, target, demo.generated(book, target, child), child)
    assert passes(verdict), verdict.reasons
    assert verdict.likeness >= 0.8
    assert verdict.reasons.startswith(LIMITS) and "cannot recognise faces" in verdict.reasons
    # without the book's regions, the head is found in the original
    assert passes(
        demo.judge(book, target, demo.generated(book, target, child), child, regions=False)
    )


@pytest.mark.parametrize(("book", "target"), TARGETS)
def test_an_unchanged_image_does_not_pass(demo: Demo, book: str, target: str) -> None:
    original, _ = demo_image(book, target)
    for regions in (True, False):
        verdict = demo.judge(book, target, original, "Ada", regions=regions)
        assert not verdict.same_child and verdict.likeness == 0.0
        assert [d.kind for d in verdict.defects] == ["original_hero_visible"]
        assert "Leo is still there" in verdict.defects[0].reason


@pytest.mark.parametrize(("book", "target"), TARGETS)
def test_a_blank_image_does_not_pass(demo: Demo, book: str, target: str) -> None:
    original, _ = demo_image(book, target)
    mean = np.asarray(Image.open(io.BytesIO(original)).convert("RGB")).reshape(-1, 3).mean(axis=0)
    for colour in ((255, 255, 255), tuple(int(v) for v in mean)):
        blank = jpeg(Image.new("RGB", (1200, 1200), colour))
        verdict = demo.judge(book, target, blank, "Ada")
        assert not verdict.same_child and verdict.likeness == 0.0
        assert not verdict.style_matches
        assert any(d.kind == "other" and "blank" in d.reason for d in verdict.defects)


@pytest.mark.parametrize(("book", "target"), TARGETS)
def test_an_unrelated_image_does_not_pass(demo: Demo, book: str, target: str) -> None:
    other_book = "giant-garden" if book == "moon-boat" else "moon-boat"
    noise = np.random.default_rng(7).integers(0, 256, (900, 900, 3), dtype=np.uint8)
    unrelated = [
        demo_image(other_book, target)[0],  # another book's illustration
        demo.generated(other_book, target, "Ada"),  # ... even with the child drawn in
        jpeg(Image.fromarray(noise)),
    ]
    for image in unrelated:
        verdict = demo.judge(book, target, image, "Ada")
        assert not verdict.same_child and verdict.likeness < 0.5 and not verdict.style_matches


@pytest.mark.parametrize(("book", "target"), TARGETS)
def test_a_child_of_another_skin_tone_is_not_the_same_child(
    demo: Demo, book: str, target: str
) -> None:
    for drawn, ordered in (("Kofi", "Ada"), ("Ada", "Kofi"), ("Rosie", "Kofi")):
        verdict = demo.judge(book, target, demo.generated(book, target, drawn), ordered)
        assert not verdict.same_child and verdict.likeness < 0.25, (drawn, ordered)


def test_its_stated_limit_two_children_of_one_skin_tone_look_alike(demo: Demo) -> None:
    """Ada drawn for Rosie's order passes: the hair differs by a shade the template's
    palette pull blurs. Said in the module and in every verdict; kept here so a change
    that claims otherwise has to show it."""
    verdict = demo.judge(
        "moon-boat", "page 4", demo.generated("moon-boat", "page 4", "Ada"), "Rosie"
    )
    assert verdict.same_child


@pytest.mark.parametrize(("book", "target"), TARGETS)
def test_a_second_face_is_a_defect(demo: Demo, book: str, target: str) -> None:
    page = Image.open(io.BytesIO(demo.generated(book, target, "Ada"))).convert("RGB")
    _, regions = demo_image(book, target)
    left, top, right, bottom = regions[0].to_pixels(*page.size)
    photo = Image.open(io.BytesIO(demo.photos["Ada"])).convert("RGB")
    face_box = Box.from_list(demo.analyses["Ada"].face_box or [0.2, 0.2, 0.8, 0.8])
    face = stylized_face(photo, face_box, (right - left, bottom - top), [])
    page.paste(face, (int(page.width * 0.62), int(page.height * 0.55)), face)
    verdict = demo.judge(book, target, jpeg(page), "Ada")
    assert [d.kind for d in verdict.defects] == ["second_child"]


def test_a_child_of_the_original_heros_colours_still_passes(demo: Demo) -> None:
    """Not flagged wrongly: a child whose skin and hair are the drawn hero's own colours
    leaves ~40 % of the head region as it was (on the demo books); the hero's head left
    whole is 100 %."""
    pixels = np.asarray(Image.open(io.BytesIO(demo.photos["Ada"])).convert("RGB")).astype(int)
    skin = np.abs(pixels - np.array([241, 205, 181])).sum(axis=-1) < 40
    hair = np.abs(pixels - np.array([110, 71, 40])).sum(axis=-1) < 40
    pixels[skin], pixels[hair] = (236, 188, 150), (92, 58, 30)
    twin = jpeg(Image.fromarray(pixels.astype(np.uint8)))
    analysis = asyncio.run(demo.provider.analyze_child(twin))
    for book, target in (("moon-boat", "page 4"), ("giant-garden", "cover")):
        made = demo.generated(book, target, "twin", photo=twin)
        verdict = demo.judge(book, target, made, "Ada", analysis=analysis)
        assert passes(verdict), verdict.reasons


def test_no_skin_colour_in_the_analysis_means_no_verdict_for_the_child(demo: Demo) -> None:
    made = demo.generated("moon-boat", "page 4", "Ada")
    verdict = demo.judge("moon-boat", "page 4", made, "Ada", analysis=ChildAnalysis())
    assert not verdict.same_child and verdict.likeness == 0.0
    assert "nothing to compare" in verdict.reasons
