"""Calibration of the image checks on the demo books, for `pressroom bench --quality`.

The template provider personalizes every demo page and cover for each demo child: those
are the good pages, and every image check must pass them. Faults are then made from the
same pages, the way an image model gets a page wrong:

- composition: the original handed back unchanged (as is; as a ~1K answer upscaled, which
  is what a model returning its input looks like after the provider's resize; and drawn
  again at 1K, softer, brighter, paler and recompressed); a blank white page; random
  noise; the other demo book's picture; the child's photo handed back; the generated cover
  handed back for a page; the page mirrored; the page reframed (zoomed 1.67x on its
  centre); the page drained of colour (greyscale).
- hero_changed: the original unchanged (the three forms above); the page personalized but
  with the original hero pasted back over the hero region.
- resolution: a 1024 px native answer (a model that takes no image_size) and a 512 px one;
  the good pages' native sizes are what the template provider recorded in the ledger.

Faults are made at half the page's size (the checks compare at 256 px whatever the size;
full-size resizes would be most of the run's time), and from the first child's pages only.

Only the checks in this module are calibrated here (the judge and the PDF checks have
their own). The figures are the template provider's: a real model's redraw moves and
restyles more than a composited face does; `tests/unit/quality/test_images.py` also holds
simulated redraws (moved by up to 6%, scaled by 5%, answered at 1K) that must pass.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from app.ai.prompt import personalized_title
from app.ai.provider import ChildAnalysis, ImageTask
from app.ai.template import TemplateProvider
from app.ai.usage import UsageLedger, current_ledger
from app.assets import demo_root
from app.catalog import DEMO_CHILDREN, DemoChild, demo_catalog, demo_photo
from app.config import Settings
from app.domain import Book, Box, Personalization
from app.imageio import encode_jpeg
from app.quality.images import composition_check, hero_check, resolution_check
from app.quality.measure import measure_images
from app.store.codec import book_from_dict

CHECKS = ("composition", "hero_changed", "resolution")
GEMINI_NATIVE = (1024, 1024)


@dataclass(frozen=True)
class Sample:
    check: str  # "composition", "hero_changed", "resolution"
    kind: str  # "good", or the injected fault ("blank", "mirrored", …)
    where: str  # "moon-boat page 3 (Ada)"
    passed: bool
    score: float | None  # the check's own score (the figure that decided)
    figures: dict[str, float] = field(default_factory=dict)  # every figure measured


@dataclass(frozen=True)
class _Target:
    book: Book
    other: Book
    label: str  # "cover", "page 3"
    original: bytes
    other_original: bytes
    regions: tuple[Box, ...]


def calibrate_images(
    settings: Settings, children: Sequence[int] | None = None
) -> list[tuple[str, int, int, int]]:
    """Per check: (name, faults caught, faults injected, good pages wrongly flagged)."""
    return rows(image_samples(settings, children))


def rows(samples: list[Sample]) -> list[tuple[str, int, int, int]]:
    table = []
    for check in CHECKS:
        mine = [s for s in samples if s.check == check]
        faults = [s for s in mine if s.kind != "good"]
        flagged = [s for s in mine if s.kind == "good" and not s.passed]
        table.append((check, sum(not s.passed for s in faults), len(faults), len(flagged)))
    return table


def score_ranges(samples: list[Sample]) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """(check, figure) -> kind -> (least, largest): how far the good pages sit from faults."""
    found: dict[tuple[str, str], dict[str, list[float]]] = {}
    for s in samples:
        for figure, value in s.figures.items():
            found.setdefault((s.check, figure), {}).setdefault(s.kind, []).append(value)
    return {
        key: {kind: (min(v), max(v)) for kind, v in kinds.items()} for key, kinds in found.items()
    }


def ranges_text(samples: list[Sample]) -> str:
    lines = []
    for (check, figure), kinds in score_ranges(samples).items():
        lines.append(f"{check} — {figure}:")
        for kind, (low, high) in sorted(kinds.items(), key=lambda kv: (kv[0] != "good", kv[0])):
            lines.append(f"  {kind:<20} {low:9.3f} .. {high:<9.3f}")
    return "\n".join(lines)


def image_samples(settings: Settings, children: Sequence[int] | None = None) -> list[Sample]:
    """Every good page and every injected fault, checked. Runs its own event loop: call it
    from synchronous code (the CLI)."""
    chosen = list(range(len(DEMO_CHILDREN))) if children is None else list(children)
    return asyncio.run(_samples(settings, chosen))


async def _samples(settings: Settings, children: list[int]) -> list[Sample]:
    provider = TemplateProvider(settings.max_image_pixels)
    targets = _targets()
    gate = asyncio.Semaphore(2)  # the checks run in threads, two at a time

    async def one(
        first: bool,
        kid: DemoChild,
        photo: bytes,
        target: _Target,
        drawn: dict[str, bytes],
        native: tuple[int, int] | None,
    ) -> list[Sample]:
        async with gate:
            return await asyncio.to_thread(
                _target_samples, first, kid, photo, target, drawn, native, settings
            )

    work = []
    for n, child_index in enumerate(children):
        kid = DEMO_CHILDREN[child_index]
        photo = demo_photo(kid.photo)
        child = await provider.analyze_child(photo)
        for book_id in dict.fromkeys(t.book.id for t in targets):
            mine = [t for t in targets if t.book.id == book_id]
            ledger = UsageLedger()  # one per book, as one per job: labels "cover", "page 3"
            token = current_ledger.set(ledger)
            try:
                drawn = await _personalize(provider, mine, photo, child, kid)
            finally:
                current_ledger.reset(token)
            work += [
                asyncio.create_task(
                    one(n == 0, kid, photo, t, drawn, ledger.native_size_of(t.label))
                )
                for t in mine
            ]
    return [sample for found in await asyncio.gather(*work) for sample in found]


def _target_samples(
    first: bool,
    kid: DemoChild,
    photo: bytes,
    target: _Target,
    drawn: dict[str, bytes],
    native: tuple[int, int] | None,
    settings: Settings,
) -> list[Sample]:
    """The good page's checks; with the first child, the faults' too (making faults from
    every child's pages costs time and shows nothing more)."""
    where = f"{target.book.id} {target.label} ({kid.name})"
    good = drawn[target.label]
    samples = _checked("good", where, target, good, native, settings, CHECKS)
    if not first:
        return samples
    faults = _child_faults(target, good, photo, drawn["cover"])
    faults += _plain_faults(target, np.random.default_rng(sum(target.original[-64:])))
    for kind, image, checks in faults:
        samples += _checked(kind, where, target, image, native, settings, checks)
    for kind, size in (("1024 px answer", GEMINI_NATIVE), ("512 px answer", (512, 512))):
        samples += _checked(kind, where, target, good, size, settings, ("resolution",))
    return samples


def _checked(
    kind: str,
    where: str,
    target: _Target,
    image: bytes,
    native: tuple[int, int] | None,
    settings: Settings,
    checks: Sequence[str],
) -> list[Sample]:
    """The checks as image_checks makes them, with every figure kept for the ranges."""
    found: list[Sample] = []
    if "composition" in checks or "hero_changed" in checks:
        m = measure_images(target.original, image, target.regions)
        figures = {
            "layout": m.layout,
            "palette ΔE": m.palette_distance,
            "least tile": m.least_tile,
        }
        if "composition" in checks:
            c = composition_check(m, target=target.label, settings=settings)
            found.append(Sample(c.name, kind, where, c.passed, c.score, figures))
        if "hero_changed" in checks:
            c = hero_check(m, target=target.label, settings=settings)
            change = {} if m.hero_change is None else {"change": m.hero_change}
            found.append(Sample(c.name, kind, where, c.passed, c.score, change))
    if "resolution" in checks:
        c = resolution_check(native, settings.trim_mm, target=target.label, settings=settings)
        found.append(Sample(c.name, kind, where, c.passed, c.score, {"native ppi": c.score or 0}))
    return found


def _targets() -> list[_Target]:
    root = demo_root()
    specs = demo_catalog()["books"]
    books = [book_from_dict(spec) for spec in specs]
    files = {
        spec["id"]: {"cover": spec["cover_image"]}
        | {f"page {p['index']}": p["image"] for p in spec["pages"]}
        for spec in specs
    }
    targets = []
    for n, book in enumerate(books):
        other = books[(n + 1) % len(books)]
        regions = {"cover": book.cover_hero_regions} | {
            f"page {p.index}": p.hero_regions for p in book.pages
        }
        for label, name in files[book.id].items():
            other_name = files[other.id].get(label, files[other.id]["cover"])
            targets.append(
                _Target(
                    book,
                    other,
                    label,
                    root.joinpath(book.id, name).read_bytes(),
                    root.joinpath(other.id, other_name).read_bytes(),
                    regions[label],
                )
            )
    return targets


async def _personalize(
    provider: TemplateProvider,
    targets: list[_Target],
    photo: bytes,
    child: ChildAnalysis,
    kid: DemoChild,
) -> dict[str, bytes]:
    """The template provider's picture for each of one book's targets, as the job asks."""
    book = targets[0].book
    cover = next(t for t in targets if t.label == "cover")
    cover_analysis = await provider.analyze_cover(cover.original)
    who = Personalization(kid.name, kid.age, kid.gender, "photo")
    drawn: dict[str, bytes] = {}
    for target in targets:
        is_cover = target.label == "cover"
        task = ImageTask(
            source=target.original,
            photo=photo,
            prompt="",
            cover_analysis=cover_analysis,
            child_analysis=child,
            child_name=kid.name,
            hero_regions=target.regions,
            title=personalized_title(book, who) if is_cover else None,
            title_box=book.title_box if is_cover else None,
            reference=None if is_cover else drawn.get("cover"),
            label=target.label,
        )
        make = provider.generate_cover if is_cover else provider.personalize_page
        drawn[target.label] = await make(task)
    return drawn


def _open(data: bytes, half: bool = False) -> Image.Image:
    """Decoded; at half size for making faults (the checks compare at 256 px whatever the
    size, and full-size Lanczos resizes would be most of the bench's time)."""
    file = Image.open(io.BytesIO(data))
    if not half:
        return file.convert("RGB")
    file.draft("RGB", (file.width // 2, file.height // 2))
    img = file.convert("RGB")
    return img if img.width <= 1300 else img.reduce(2)


def _jpeg(img: Image.Image) -> bytes:
    return encode_jpeg(img, 90)


def _child_faults(
    target: _Target, good: bytes, photo: bytes, cover: bytes | None
) -> list[tuple[str, bytes, tuple[str, ...]]]:
    """Faults made from this child's personalized page."""
    page = _open(good, half=True)
    width, height = page.size
    original = _open(target.original, half=True).resize(page.size)
    hero_left = page.copy()
    for region in target.regions:
        box = region.to_pixels(width, height)
        hero_left.paste(original.crop(box), box[:2])
    reframed = page.crop((width // 5, height // 5, width * 4 // 5, height * 4 // 5))
    faults: list[tuple[str, bytes, tuple[str, ...]]] = [
        ("mirrored", _jpeg(ImageOps.mirror(page)), ("composition",)),
        ("reframed", _jpeg(reframed.resize((width, height))), ("composition",)),
        ("greyscale", _jpeg(ImageOps.grayscale(page).convert("RGB")), ("composition",)),
        ("photo returned", _jpeg(ImageOps.fit(_open(photo), (width, height))), ("composition",)),
    ]
    if target.regions:
        faults.append(("hero left in", _jpeg(hero_left), ("hero_changed",)))
    if target.label != "cover" and cover is not None:
        faults.append(("cover as page", cover, ("composition",)))
    return faults


def _plain_faults(
    target: _Target, rng: np.random.Generator
) -> list[tuple[str, bytes, tuple[str, ...]]]:
    """Faults that do not depend on the child."""
    original = _open(target.original, half=True)
    size = original.size
    small = (GEMINI_NATIVE[0], round(GEMINI_NATIVE[0] * size[1] / size[0]))
    one_k = original.resize(small, Image.Resampling.LANCZOS).resize(size, Image.Resampling.LANCZOS)
    # the input drawn again at 1K: softer, a little brighter and paler, recompressed
    redrawn = original.resize(small, Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(1.2))
    redrawn = ImageEnhance.Color(ImageEnhance.Brightness(redrawn).enhance(1.04)).enhance(0.92)
    redrawn = _open(encode_jpeg(redrawn, 70)).resize(size, Image.Resampling.LANCZOS)
    noise = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    unchanged = ("composition", "hero_changed")
    return [
        ("unchanged", _jpeg(original), unchanged),
        ("unchanged at 1K", _jpeg(one_k), unchanged),
        ("unchanged, redrawn", _jpeg(redrawn), unchanged),
        ("blank", _jpeg(Image.new("RGB", size, "white")), ("composition",)),
        ("noise", _jpeg(noise), ("composition",)),
        ("other book", target.other_original, ("composition",)),
    ]
