"""The Gemini provider through the real google-genai SDK, against the fake Gemini server."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from app.ai.gemini import GeminiProvider
from app.ai.provider import ChildAnalysis, CoverAnalysis, ImageTask
from app.ai.usage import UsageLedger, current_ledger
from app.assets import demo_root
from app.catalog import demo_photo
from app.domain import (
    BudgetExceeded,
    CredentialsRejected,
    PermanentError,
    QuotaExhausted,
    SafetyBlocked,
    TransientError,
)
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini

ANALYSIS, IMAGE = "gemini-3.8-flash", "gemini-3.1-flash-image"
COVER = demo_root().joinpath("moon-boat", "cover.jpg").read_bytes()
PAGE = demo_root().joinpath("moon-boat", "page-02.jpg").read_bytes()
PHOTO = demo_photo("child-ada.jpg")


@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def provider_for(fake: FakeGemini, key: str = fakes.VALID_KEY, **kwargs: object) -> GeminiProvider:
    provider = GeminiProvider(key, base_url=fake.url, **kwargs)  # type: ignore[arg-type]
    PROVIDERS.append(provider)
    return provider


def task(reference: bytes | None = None, label: str = "cover") -> ImageTask:
    return ImageTask(
        source=COVER if reference is None else PAGE,
        photo=PHOTO,
        prompt="Replace the main character, Leo, with a 5-year-old girl named Ada",
        cover_analysis=CoverAnalysis(art_style="x"),
        child_analysis=ChildAnalysis(),
        child_name="Ada",
        reference=reference,
        label=label,
    )


def run(coro, provider: GeminiProvider | None = None):  # type: ignore[no-untyped-def]
    """Run on a fresh loop, closing the provider's connections for that loop at the end."""

    async def main():  # type: ignore[no-untyped-def]
        try:
            return await coro
        finally:
            for p in PROVIDERS:
                await p.aclose()

    return asyncio.run(main())


PROVIDERS: list[GeminiProvider] = []


def test_analyses_send_the_image_and_a_schema_and_read_back_the_model(fake: FakeGemini) -> None:
    provider = provider_for(fake)

    async def both() -> tuple[CoverAnalysis, ChildAnalysis]:
        return await asyncio.gather(provider.analyze_cover(COVER), provider.analyze_child(PHOTO))

    fake.meet = 2  # each waits for the other: they overlap only if sent together
    cover, child = run(both())
    assert fake.max_concurrent[ANALYSIS] == 2  # the two analyses ran concurrently
    assert cover.art_style == "model's art style" and cover.hero_position == [0.3, 0.2, 0.7, 0.6]
    assert child.hair_color == "model's hair color" and child.face_box is not None
    first = fake.requests[0]
    assert first.path == f"/v1beta/models/{ANALYSIS}:generateContent"
    assert first.headers["x-goog-api-key"] == fakes.VALID_KEY
    assert first.config["responseMimeType"] == "application/json"
    schemas = {tuple(sorted(r.config["responseSchema"]["properties"])) for r in fake.requests}
    assert any("hero_head_box" in s and "art_style" in s for s in schemas)
    assert any("eye_color" in s and "distinguishing_features" in s for s in schemas)
    assert all(len(r.images) == 1 for r in fake.requests)
    assert Image.open(io.BytesIO(fake.requests[0].images[0])).size[0] <= 1536


def test_cover_uses_both_references_and_comes_back_at_print_size(fake: FakeGemini) -> None:
    out = run(provider_for(fake).generate_cover(task()))
    [request] = fake.calls_to(IMAGE)
    assert len(request.images) == 2
    assert "Replace the main character, Leo" in request.text
    assert request.config["responseModalities"] == ["IMAGE"]
    assert request.config["imageConfig"] == {"aspectRatio": "1:1"}
    img = Image.open(io.BytesIO(out))
    assert img.format == "JPEG" and img.size == (2700, 2700)  # the demo cover's size


def test_pages_send_the_generated_cover_as_a_third_reference(fake: FakeGemini) -> None:
    run(provider_for(fake).personalize_page(task(reference=COVER, label="page 2")))
    [request] = fake.calls_to(IMAGE)
    assert len(request.images) == 3


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (fakes.rate_limited(7), TransientError, "Gemini rate limit"),
        (fakes.unavailable(), TransientError, "Gemini is unavailable (503 UNAVAILABLE)"),
        (fakes.daily_quota(), QuotaExhausted, "daily quota is used up"),
        (fakes.bad_request("Image too large."), PermanentError, "refused the request (400"),
        (fakes.image_safety(), SafetyBlocked, "declined (finish reason IMAGE_SAFETY)"),
        (fakes.prompt_blocked("PROHIBITED_CONTENT"), SafetyBlocked, "blocked: PROHIBITED_CONTENT"),
        (fakes.text_refusal("I can't draw that."), SafetyBlocked, "no image and said: I can't"),
    ],
)
def test_failures_become_readable_outcomes(
    fake: FakeGemini, reply: fakes.Reply, error: type[Exception], message: str
) -> None:
    fake.script(IMAGE, reply)
    with pytest.raises(error, match=re.escape(message)) as info:
        run(provider_for(fake).generate_cover(task()))
    if isinstance(info.value, TransientError) and "rate limit" in message:
        assert info.value.retry_after == 7.0
    assert len(fake.calls_to(IMAGE)) == 1  # classified by us: the SDK did not retry


def test_a_wrong_key_pauses_with_a_clear_sentence(fake: FakeGemini) -> None:
    with pytest.raises(CredentialsRejected, match="Gemini rejected the API key: API key not valid"):
        run(provider_for(fake, key="wrong").analyze_cover(COVER))


def test_a_timeout_is_transient(fake: FakeGemini) -> None:
    fake.delay = 2.0
    with pytest.raises(TransientError, match="did not answer in time"):
        run(provider_for(fake, timeout_seconds=0.5).analyze_child(PHOTO))


def test_an_unreachable_endpoint_is_transient() -> None:
    provider = GeminiProvider(fakes.VALID_KEY, base_url="http://127.0.0.1:9")
    PROVIDERS.append(provider)
    with pytest.raises(
        TransientError, match=re.escape("cannot reach Gemini at http://127.0.0.1:9")
    ):
        run(provider.analyze_cover(COVER))


def test_malformed_analysis_is_retried_once_then_reported(fake: FakeGemini) -> None:
    fake.script(ANALYSIS, fakes.malformed_json())
    assert run(provider_for(fake).analyze_cover(COVER)).art_style == "model's art style"
    fake.script(ANALYSIS, fakes.malformed_json(), fakes.malformed_json())
    with pytest.raises(PermanentError, match="cover analysis did not fit the expected form twice"):
        run(provider_for(fake).analyze_cover(COVER))
    assert len(fake.requests) == 4


def test_every_attempt_is_in_the_ledger_and_the_budget_stops_spending(fake: FakeGemini) -> None:
    provider = provider_for(fake)
    ledger = UsageLedger(budget_usd=0.30)

    async def spend() -> None:
        current_ledger.set(ledger)
        fake.script(IMAGE, fakes.unavailable())
        with pytest.raises(TransientError):
            await provider.generate_cover(task())
        await provider.generate_cover(task())
        await provider.analyze_cover(COVER)
        await provider.generate_cover(task())
        with pytest.raises(BudgetExceeded, match=r"the next would pass its budget of \$0.30"):
            for _ in range(10):
                await provider.generate_cover(task())

    run(spend())
    assert ledger.failed_calls == 1
    assert ledger.images >= 2 and ledger.tokens_in > 0 and ledger.tokens_out > 0
    assert [e["outcome"] for e in ledger.entries[:2]] == ["ServerError", "ok"]
    # each image at 3.1 Flash Image's ~1K price (no size asked), from the model table
    assert next(e["cost_usd"] for e in ledger.entries if e["images"]) > 0.067
    assert 0.22 < ledger.cost_usd <= 0.30


def test_one_concurrency_cap_per_model_across_callers(fake: FakeGemini) -> None:
    provider = provider_for(fake, concurrency_per_model=2, max_concurrency_per_model=2)
    fake.delay, fake.meet = 0.2, 2

    async def many() -> None:
        await asyncio.gather(
            *(provider.personalize_page(task(COVER, f"page {n}")) for n in range(6))
        )

    started = time.monotonic()
    run(many())
    assert fake.max_concurrent[IMAGE] == 2
    assert time.monotonic() - started >= 0.6  # 6 calls, 2 at a time, 0.2 s each


def test_settings_choose_gemini_when_a_key_is_set(fake: FakeGemini, tmp_path: Path) -> None:
    from app.config import Settings
    from app.runtime import make_provider

    settings = Settings(
        GOOGLE_AI_API_KEY=fakes.VALID_KEY,
        GEMINI_BASE_URL=fake.url,  # type: ignore[call-arg]
        gemini_image_model="custom-image-model",
    )
    fake.served["custom-image-model"] = None
    provider = make_provider(settings)
    assert isinstance(provider, GeminiProvider)
    PROVIDERS.append(provider)
    run(provider.generate_cover(task()))
    assert fake.requests[-1].model == "custom-image-model"
    assert make_provider(Settings()).name == "template"


@pytest.mark.parametrize(
    ("model", "side", "size"),
    [
        ("gemini-3-pro-image", 2588, "4K"),  # KDP 8.5 in + bleed at 300 ppi
        ("gemini-3-pro-image", 1900, "2K"),
        ("gemini-3.1-flash-image", 2588, "4K"),
        ("gemini-3.1-flash-image", 495, "512"),  # the smallest that covers the page
        ("gemini-3.1-flash-lite-image", 2588, None),  # takes no size: answers at ~1K
    ],
)
def test_models_that_can_are_asked_for_the_printers_size(
    fake: FakeGemini, model: str, side: int, size: str | None
) -> None:
    run(provider_for(fake, image_model=model, print_side_px=side).generate_cover(task()))
    [request] = fake.calls_to(model)
    expected = {"aspectRatio": "1:1"} | ({"imageSize": size} if size else {})
    assert request.config["imageConfig"] == expected
