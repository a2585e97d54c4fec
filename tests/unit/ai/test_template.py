from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from PIL import Image

from app.ai.provider import ImageTask
from app.ai.template import TemplateProvider
from app.assets import demo_root
from app.catalog import demo_catalog, demo_photo
from app.domain import BadInput, Box

CATALOG = demo_root()


def book_image(book: str, name: str) -> bytes:
    return CATALOG.joinpath(book, name).read_bytes()


@pytest.fixture(scope="module")
def provider() -> TemplateProvider:
    return TemplateProvider()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_child_analysis_tells_the_demo_children_apart(provider: TemplateProvider) -> None:
    ada = run(provider.analyze_child(demo_photo("child-ada.jpg")))
    kofi = run(provider.analyze_child(demo_photo("child-kofi.jpg")))
    rosie = run(provider.analyze_child(demo_photo("child-rosie.jpg")))
    assert ada.hair_color in {"brown", "light brown"}
    assert kofi.hair_color == "black"
    assert rosie.hair_color in {"red", "auburn"}
    assert kofi.skin_tone in {"brown", "dark brown", "olive"}
    assert ada.skin_tone in {"fair", "very fair", "light"}
    assert ada.eye_color == "blue" and rosie.eye_color == "green"
    left, top, right, bottom = ada.face_box or [0, 0, 0, 0]
    assert 0.15 < left < 0.35 and 0.65 < right < 0.85 and top < 0.4 and bottom > 0.7


def test_exif_rotated_photo_gives_the_same_face(provider: TemplateProvider) -> None:
    upright = Image.open(io.BytesIO(demo_photo("child-ada.jpg")))
    exif = Image.Exif()
    exif[0x0112] = 8  # stored rotated; display needs a 90° turn back
    stored = upright.rotate(-90, expand=True)
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=exif.tobytes(), quality=92)
    a = run(provider.analyze_child(demo_photo("child-ada.jpg")))
    b = run(provider.analyze_child(out.getvalue()))
    assert a.face_box is not None and b.face_box is not None
    assert np.allclose(a.face_box, b.face_box, atol=0.03)


def iou(a: list[float], b: list[float]) -> float:
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


@pytest.mark.parametrize("book", [0, 1])
def test_detected_hero_is_where_the_catalog_says(provider: TemplateProvider, book: int) -> None:

    spec = demo_catalog()["books"][book]
    cover = run(provider.analyze_cover(book_image(spec["id"], "cover.jpg")))
    assert cover.hero_position is not None
    # the skin-toned title banner is not taken for a face, and the hair is the head's
    assert iou(cover.hero_position, spec["cover_hero_regions"][0]) > 0.7


def test_cover_analysis_measures_style_palette_and_hero(provider: TemplateProvider) -> None:
    moon = run(provider.analyze_cover(book_image("moon-boat", "cover.jpg")))
    garden = run(provider.analyze_cover(book_image("giant-garden", "cover.jpg")))
    assert moon.art_style and moon.palette and all(c.startswith("#") for c in moon.palette)
    assert "navy" in moon.palette_names
    assert moon.brightness < garden.brightness
    assert moon.palette != garden.palette
    assert moon.hero_position is not None
    cx = (moon.hero_position[0] + moon.hero_position[2]) / 2
    assert 0.1 < cx < 0.9 and "hero in the" in moon.composition


def _task(
    source: bytes,
    regions: tuple[Box, ...],
    provider: TemplateProvider,
    title: str | None = None,
    title_box: Box | None = None,
) -> ImageTask:
    photo = demo_photo("child-kofi.jpg")
    return ImageTask(
        source=source,
        photo=photo,
        prompt="p",
        cover_analysis=run(provider.analyze_cover(source)),
        child_analysis=run(provider.analyze_child(photo)),
        child_name="Kofi",
        hero_regions=regions,
        title=title,
        title_box=title_box,
    )


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def test_face_lands_in_the_hero_region_only(provider: TemplateProvider) -> None:
    source = book_image("moon-boat", "page-03.jpg")
    region = Box(0.3, 0.3, 0.5, 0.5)
    out = run(provider.personalize_page(_task(source, (region,), provider)))
    before, after = _pixels(source), _pixels(out)
    changed = np.abs(before - after).sum(axis=2) > 60
    h, w = changed.shape
    inside = changed[int(0.3 * h) : int(0.5 * h), int(0.3 * w) : int(0.5 * w)].mean()
    outside = changed.copy()
    outside[int(0.29 * h) : int(0.51 * h), int(0.29 * w) : int(0.51 * w)] = False
    assert inside > 0.3
    assert outside.mean() < 0.002


def test_a_detected_hero_loses_the_original_hair(provider: TemplateProvider) -> None:
    """Without declared regions (a cover dragged into the Cover Lab) the new face covers
    the hero's head: none of the drawn hero's hair is left round it."""
    spec = demo_catalog()["books"][1]  # Mia, black hair on a sky
    source = book_image(spec["id"], "cover.jpg")
    out = _pixels(run(provider.personalize_page(_task(source, (), provider))))
    before = _pixels(source)
    h, w = before.shape[:2]
    left, top, right, bottom = spec["cover_hero_regions"][0]
    head = (slice(int(top * h), int(bottom * h)), slice(int(left * w), int(right * w)))

    def hair(pixels: np.ndarray) -> int:
        return int((pixels[head].max(axis=2) < 45).sum())  # the drawn black hair

    assert hair(before) > 2000
    assert hair(out) < hair(before) * 0.25


def test_personalization_is_deterministic(provider: TemplateProvider) -> None:
    source = book_image("giant-garden", "page-02.jpg")
    task = _task(source, (), provider)
    assert run(provider.personalize_page(task)) == run(provider.personalize_page(task))


def test_without_a_hero_a_framed_portrait_is_inset(provider: TemplateProvider) -> None:
    plain = Image.new("RGB", (600, 600), (40, 90, 160))
    data = io.BytesIO()
    plain.save(data, "JPEG")
    out = _pixels(run(provider.personalize_page(_task(data.getvalue(), (), provider))))
    changed = np.abs(out - np.array([40, 90, 160])).sum(axis=2) > 60
    assert changed[400:560, 400:560].mean() > 0.5  # bottom-right inset
    assert changed[:300, :300].mean() < 0.01


def test_title_is_lettered_in_the_title_box(provider: TemplateProvider) -> None:
    source = book_image("moon-boat", "cover.jpg")
    box = Box(0.08, 0.05, 0.92, 0.2)
    with_title = _pixels(
        run(
            provider.generate_cover(
                _task(source, (), provider, title="Kofi and the Moon Boat", title_box=box)
            )
        )
    )
    without = _pixels(run(provider.generate_cover(_task(source, (), provider))))
    h, w, _ = with_title.shape
    band = (slice(int(0.07 * h), int(0.18 * h)), slice(int(0.1 * w), int(0.9 * w)))
    assert np.abs(with_title[band] - without[band]).sum(axis=2).mean() > 5


def test_a_broken_photo_is_reported_as_bad_input(provider: TemplateProvider) -> None:
    with pytest.raises(BadInput, match="photo: not an image"):
        run(provider.analyze_child(b"GIF89a-not-really"))
