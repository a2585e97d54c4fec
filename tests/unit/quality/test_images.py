"""The image checks (composition kept, hero changed, native resolution), the native sizes
the providers record, and the calibration on the demo books. Faults are made here."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from app.ai.gemini import GeminiProvider
from app.ai.provider import ChildAnalysis, CoverAnalysis, ImageTask
from app.ai.template import TemplateProvider
from app.ai.usage import UsageLedger, current_ledger, native_size_of, native_sizes_in
from app.assets import demo_root
from app.catalog import demo_catalog, demo_photo
from app.config import Settings
from app.domain import Box
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini
from app.quality.calibration_images import image_samples, ranges_text, rows, score_ranges
from app.quality.images import image_checks, native_ppi, resolution_check
from app.quality.report import Check
from tests.conftest import make_settings

ROOT = demo_root()
CATALOG = demo_catalog()
TRIM = (203.2, 203.2)
PHOTO = demo_photo("child-ada.jpg")


def demo(book: str, name: str) -> bytes:
    return ROOT.joinpath(book, name).read_bytes()


def regions_of(book: int, page: int) -> tuple[Box, ...]:
    spec = CATALOG["books"][book]
    found = spec["cover_hero_regions"] if page == 0 else spec["pages"][page - 1]["hero_regions"]
    return tuple(Box.from_list(r) for r in found)


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def personalized(source: bytes, regions: tuple[Box, ...], label: str = "page 3") -> bytes:
    """What the template provider makes of a page, for Ada."""

    async def make() -> bytes:
        provider = TemplateProvider()
        task = ImageTask(
            source=source,
            photo=PHOTO,
            prompt="",
            cover_analysis=await provider.analyze_cover(source),
            child_analysis=await provider.analyze_child(PHOTO),
            child_name="Ada",
            hero_regions=regions,
            label=label,
        )
        return await provider.personalize_page(task)

    return asyncio.run(make())


@pytest.fixture(scope="module")
def page3() -> tuple[bytes, bytes, tuple[Box, ...]]:
    """Moon Boat page 3: the original, Ada's page, the hero regions."""
    source = demo("moon-boat", "page-03.jpg")
    regions = regions_of(0, 3)
    return source, personalized(source, regions), regions


def checks(
    original: bytes,
    generated: bytes,
    regions: tuple[Box, ...],
    settings: Settings | None = None,
    native: tuple[int, int] | None = (2475, 2475),
) -> dict[str, Check]:
    found = image_checks(
        original,
        generated,
        hero_regions=regions,
        target="page 3",
        native_size=native,
        trim_mm=TRIM,
        settings=settings or Settings(),
    )
    assert [c.name for c in found] == ["composition", "hero_changed", "resolution"]
    assert all(c.target == "page 3" for c in found)
    return {c.name: c for c in found}


# -- composition and hero --------------------------------------------------------------------
def test_a_personalized_page_passes_with_its_figures(page3: tuple[bytes, bytes, tuple]) -> None:
    source, good, regions = page3
    found = checks(source, good, regions)
    composition, hero = found["composition"], found["hero_changed"]
    assert composition.passed and composition.blocking
    assert (composition.score or 0) > 0.95 and composition.threshold == 0.75
    assert "layout similarity" in composition.sentence
    assert "palette ΔE" in composition.sentence
    assert hero.passed and (hero.score or 0) > 0.5


def test_an_unchanged_page_fails_both_checks(page3: tuple[bytes, bytes, tuple]) -> None:
    source, _, regions = page3
    for unchanged in (source, jpeg(Image.open(io.BytesIO(source)), 75)):
        found = checks(source, unchanged, regions)
        composition, hero = found["composition"], found["hero_changed"]
        assert not composition.passed and composition.blocking
        assert "nothing was personalized" in composition.sentence
        assert composition.threshold == Settings().quality_max_structure
        assert not hero.passed and "still there" in hero.sentence


def test_the_old_hero_left_on_a_retitled_cover_fails_hero_changed_only() -> None:
    """The model lettered the child's name in the title but left the old hero standing."""
    source, regions = demo("moon-boat", "cover.jpg"), regions_of(0, 0)
    spec = CATALOG["books"][0]
    page = Image.open(io.BytesIO(source)).convert("RGB")
    left, top, right, bottom = Box.from_list(spec["title_box"]).to_pixels(*page.size)
    draw = ImageDraw.Draw(page)
    draw.rounded_rectangle((left, top, right, bottom), radius=60, fill=(250, 222, 130))
    draw.text(
        ((left + right) / 2, (top + bottom) / 2),
        "Ada and the Moon Boat",
        "black",
        anchor="mm",
        font_size=150,
    )
    found = checks(source, jpeg(page), regions)
    assert found["composition"].passed
    assert not found["hero_changed"].passed
    assert found["hero_changed"].score == pytest.approx(0, abs=0.01)


def faults(source: bytes, good: bytes) -> dict[str, bytes]:
    page = Image.open(io.BytesIO(good)).convert("RGB")
    size = page.size
    noise = np.random.default_rng(3).integers(0, 256, (size[1] // 2, size[0] // 2, 3), np.uint8)
    w, h = size
    return {
        "blank": jpeg(Image.new("RGB", size, "white")),
        "noise": jpeg(Image.fromarray(noise)),
        "other book": demo("giant-garden", "page-03.jpg"),
        "photo returned": jpeg(ImageOps.fit(Image.open(io.BytesIO(PHOTO)).convert("RGB"), size)),
        "cover returned": demo("giant-garden", "cover.jpg"),
        "mirrored": jpeg(ImageOps.mirror(page)),
        "reframed": jpeg(page.crop((w // 5, h // 5, w * 4 // 5, h * 4 // 5)).resize(size)),
        "greyscale": jpeg(ImageOps.grayscale(page)),
    }


@pytest.mark.parametrize(
    "fault",
    [
        "blank",
        "noise",
        "other book",
        "photo returned",
        "cover returned",
        "mirrored",
        "reframed",
        "greyscale",
    ],
)
def test_composition_fails_on_a_wrong_picture(
    page3: tuple[bytes, bytes, tuple], fault: str
) -> None:
    source, good, regions = page3
    composition = checks(source, faults(source, good)[fault], regions)["composition"]
    assert not composition.passed and composition.blocking
    words = {"blank": "blank", "greyscale": "colours are not the original's"}
    assert words.get(fault, "layout outside the hero") in composition.sentence


def moved(img: Image.Image, dx: float, dy: float) -> Image.Image:
    w, h = img.size
    fill = img.getpixel((w // 2, 2))
    return img.transform(
        img.size, Image.Transform.AFFINE, (1, 0, -dx * w, 0, 1, -dy * h), fillcolor=fill
    )


def scaled(img: Image.Image, factor: float) -> Image.Image:
    w, h = img.size
    big = img.resize((round(w * factor), round(h * factor)), Image.Resampling.BICUBIC)
    if factor >= 1:
        left, top = (big.width - w) // 2, (big.height - h) // 2
        return big.crop((left, top, left + w, top + h))
    canvas = Image.new("RGB", img.size, img.getpixel((w // 2, 2)))
    canvas.paste(big, ((w - big.width) // 2, (h - big.height) // 2))
    return canvas


@pytest.mark.parametrize(("book", "page"), [(0, 3), (0, 9), (1, 5), (1, 0)])
def test_a_model_like_redraw_keeps_the_composition(book: int, page: int) -> None:
    """A model answers at ~1K and does not redraw pixel for pixel: the picture moves a few
    percent and its scale drifts. Such a page is not a composition fault."""
    spec = CATALOG["books"][book]
    name = spec["cover_image"] if page == 0 else spec["pages"][page - 1]["image"]
    source, regions = demo(spec["id"], name), regions_of(book, page)
    good = Image.open(io.BytesIO(personalized(source, regions))).convert("RGB")
    size = good.size
    one_k = good.resize((1024, 1024), Image.Resampling.LANCZOS)
    variants = {
        "1K answer": one_k.resize(size, Image.Resampling.LANCZOS),
        "moved 2%": moved(good, 0.02, -0.01),
        "moved 4%": moved(good, -0.04, 0.02),
        "moved 6%": moved(good, 0.06, 0.0),
        "drawn at 95%": scaled(good, 0.95),
        "drawn at 105%": scaled(good, 1.05),
    }
    for what, img in variants.items():
        found = checks(source, jpeg(img, 85), regions)
        assert found["composition"].passed, (what, found["composition"].sentence)
        assert found["hero_changed"].passed, what


def test_a_page_without_hero_regions_says_the_hero_was_not_checked(
    page3: tuple[bytes, bytes, tuple],
) -> None:
    source, good, _ = page3
    hero = checks(source, good, ())["hero_changed"]
    assert hero.passed and not hero.blocking and hero.score is None
    assert "not checked" in hero.sentence and "no hero region" in hero.sentence


def test_an_unreadable_image_fails_and_says_why(page3: tuple[bytes, bytes, tuple]) -> None:
    source, _, regions = page3
    found = checks(source, b"<html>oops</html>", regions)
    assert not found["composition"].passed and not found["hero_changed"].passed
    assert "not an image" in found["composition"].sentence


def test_a_check_left_out_of_the_blocking_setting_only_warns(
    page3: tuple[bytes, bytes, tuple], tmp_path: Path
) -> None:
    source, _, regions = page3
    settings = make_settings(tmp_path, quality_blocking="likeness")
    found = checks(source, source, regions, settings)
    assert not found["composition"].passed and not found["composition"].blocking


# -- resolution ------------------------------------------------------------------------------
def test_a_1k_answer_on_an_8_inch_page_is_128_native_ppi() -> None:
    check = resolution_check((1024, 1024), TRIM, target="cover", settings=Settings())
    assert not check.passed and not check.blocking  # warns by default
    assert check.score == 128.0 and check.threshold == 150.0
    assert "1024×1024 px" in check.sentence and "128 native ppi" in check.sentence
    assert "upscaled" in check.sentence


def test_resolution_at_print_size_passes_and_can_block(tmp_path: Path) -> None:
    assert resolution_check((2475, 2475), TRIM, target="cover", settings=Settings()).passed
    assert native_ppi((1024, 768), TRIM) == pytest.approx(96.0)  # the lower axis counts
    strict = make_settings(tmp_path, quality_blocking="resolution")
    check = resolution_check((1024, 1024), TRIM, target="page 1", settings=strict)
    assert check.blocking and not check.passed


def test_an_unknown_native_size_is_said_not_guessed() -> None:
    check = resolution_check(None, TRIM, target="page 2", settings=Settings())
    assert check.score is None and not check.blocking
    assert "native size unknown" in check.sentence


# -- native sizes recorded by the providers -------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def test_gemini_records_the_size_it_drew_at_not_the_print_size(fake: FakeGemini) -> None:
    provider = GeminiProvider(fakes.VALID_KEY, base_url=fake.url)
    ledger = UsageLedger()
    source = demo("moon-boat", "page-02.jpg")

    async def draw() -> tuple[bytes, tuple[int, int] | None]:
        current_ledger.set(ledger)
        try:
            task = ImageTask(
                source=source,
                photo=PHOTO,
                prompt="Replace Leo with Ada",
                cover_analysis=CoverAnalysis(art_style="x"),
                child_analysis=ChildAnalysis(),
                child_name="Ada",
                label="page 2",
            )
            image = await provider.personalize_page(task)
            return image, native_size_of("page 2")
        finally:
            await provider.aclose()

    image, native = asyncio.run(draw())
    assert Image.open(io.BytesIO(image)).size == (2700, 2700)  # resized to the source's size
    assert native == (1024, 1024)  # what the model answered
    assert ledger.native_size_of("page 2") == (1024, 1024)
    [entry] = [e for e in ledger.entries if e["label"] == "page 2"]
    assert entry["native_size"] == [1024, 1024] and entry["images"] == 1
    check = resolution_check(native, TRIM, target="page 2", settings=Settings())
    assert "128 native ppi" in check.sentence


def test_the_template_provider_records_the_sources_size() -> None:
    ledger = UsageLedger()
    token = current_ledger.set(ledger)
    try:
        personalized(demo("moon-boat", "cover.jpg"), regions_of(0, 0), label="cover")
    finally:
        current_ledger.reset(token)
    assert ledger.native_size_of("cover") == (2700, 2700)  # the demo art's
    assert ledger.calls == 0 and ledger.entries == []  # sizes are not calls: nothing is billed
    assert native_size_of("cover") is None  # no job running here


def test_native_sizes_are_read_back_from_the_provenance() -> None:
    ledger = UsageLedger()
    ledger.record("page 1", "m", images=1, native_size=(1024, 1024))
    ledger.record("page 2", "m", outcome="ServerError")
    ledger.note_native_size("page 3", (2475, 2475))
    provenance = {
        "runs": [
            {"calls": [{"label": "page 4", "native_size": [512, 512]}]},
            {"calls": ledger.entries, "native_sizes": {"page 3": [2475, 2475]}},
        ]
    }
    assert native_sizes_in(provenance) == {
        "page 4": (512, 512),
        "page 1": (1024, 1024),
        "page 3": (2475, 2475),
    }
    assert native_sizes_in({}) == {}


# -- calibration on the demo books -----------------------------------------------------------
def test_calibration_catches_every_injected_fault_and_flags_no_demo_page() -> None:
    settings = Settings()  # the shipped thresholds
    samples = image_samples(settings)
    table = rows(samples)
    assert [name for name, *_ in table] == ["composition", "hero_changed", "resolution"]
    for name, caught, injected, flagged in table:
        assert injected > 0 and caught == injected, (name, ranges_text(samples))
        assert flagged == 0, (name, [s for s in samples if s.kind == "good" and not s.passed])
    good = [s for s in samples if s.kind == "good"]
    assert len(good) == 3 * 26 * 3  # three children, two books of cover + 12 pages, 3 checks
    kinds = {s.kind for s in samples}
    assert {"unchanged", "blank", "noise", "other book", "mirrored", "hero left in"} <= kinds
    # margins: the good pages and the faults sit apart from each threshold
    ranges = score_ranges(samples)
    layout = ranges[("composition", "layout")]
    assert layout["good"][0] > settings.quality_min_structure + 0.15
    wrong = ("blank", "noise", "other book", "photo returned", "cover as page", "mirrored")
    assert max(layout[k][1] for k in (*wrong, "reframed")) < settings.quality_min_structure - 0.04
    palette = ranges[("composition", "palette ΔE")]
    assert palette["good"][1] < settings.quality_max_palette_distance - 5
    assert palette["greyscale"][0] > settings.quality_max_palette_distance + 5
    tile = ranges[("composition", "least tile")]
    assert tile["good"][1] < settings.quality_max_structure - 0.5
    assert tile["unchanged, redrawn"][0] > settings.quality_max_structure + 0.04
    change = ranges[("hero_changed", "change")]
    assert change["good"][0] > 5 * settings.quality_min_hero_change
    assert (
        max(v[1] for k, v in change.items() if k != "good") < settings.quality_min_hero_change / 2
    )
