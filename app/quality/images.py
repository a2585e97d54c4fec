"""Checks on one generated image against its original: composition kept, hero changed,
native resolution, each with its sentence.

The figures they judge are measured in app/quality/measure.py (alignment, layout
similarity, palette distance, least tile, hero change). *Native resolution* is the pixel
size the model drew at (before the provider resized it to print size) over the trim size.

The thresholds are settings (app/config.py); `app/quality/calibration_images.py` measures
them on the demo books with faults injected (`pressroom bench --quality`).
"""

from __future__ import annotations

from dataclasses import replace

from app.config import Settings
from app.domain import Box
from app.quality.measure import ImageMeasures, measure_images
from app.quality.report import Check, check

MM_PER_INCH = 25.4


# -- the checks ------------------------------------------------------------------------------
def image_checks(
    original: bytes,
    generated: bytes,
    *,
    hero_regions: tuple[Box, ...],
    target: str,
    native_size: tuple[int, int] | None,
    trim_mm: tuple[float, float],
    settings: Settings,
    limit: str | None = None,
) -> list[Check]:
    """The "composition", "hero_changed" and "resolution" checks of one generated image
    (`target`: "cover", "page 3") against its original. `native_size` is the size the
    provider drew at (app/ai/usage.py: `native_size_of(label)`), None if unknown; `limit`
    why the model cannot draw finer (the provider's `resolution_note`)."""
    resolution = resolution_check(
        native_size, trim_mm, target=target, settings=settings, limit=limit
    )
    try:
        measures = measure_images(
            original, generated, hero_regions, max_pixels=settings.max_image_pixels
        )
    except Exception as exc:  # an unreadable image fails the image checks, it never passes
        why = f"the images could not be compared ({exc})"
        return [
            _check("composition", target, False, why, settings),
            _check("hero_changed", target, False, why, settings),
            resolution,
        ]
    return [
        composition_check(measures, target=target, settings=settings),
        hero_check(measures, target=target, settings=settings),
        resolution,
    ]


def composition_check(measures: ImageMeasures, *, target: str, settings: Settings) -> Check:
    """Layout and palette kept, and not the original unchanged. The score and threshold are
    those of the figure that decided: layout similarity, palette ΔE, or least tile similarity."""
    m = measures
    least, most = settings.quality_min_structure, settings.quality_max_structure
    palette_limit = settings.quality_max_palette_distance
    figures = (
        f"layout similarity {m.layout:.2f} (at least {least:.2f}), "
        f"palette ΔE {m.palette_distance:.1f} (at most {palette_limit:.0f})"
    )
    if m.blank:
        return _check(
            "composition",
            target,
            False,
            f"the generated image is blank (one flat colour); {figures}",
            settings,
            m.layout,
            least,
        )
    if m.layout < least:
        return _check(
            "composition",
            target,
            False,
            f"the layout outside the hero is not the original's — unrelated, or redrawn: {figures}",
            settings,
            m.layout,
            least,
        )
    if m.palette_distance > palette_limit:
        return _check(
            "composition",
            target,
            False,
            f"the colours are not the original's: {figures}{_alignment_words(m)}",
            settings,
            m.palette_distance,
            palette_limit,
        )
    if m.least_tile >= most:
        return _check(
            "composition",
            target,
            False,
            f"the image is the original unchanged: every part of it is at least "
            f"{m.least_tile:.3f} similar ({most:.3f} counts as unchanged); nothing was "
            "personalized",
            settings,
            m.least_tile,
            most,
        )
    return _check(
        "composition",
        target,
        True,
        f"layout and colours kept: {figures}{_alignment_words(m)}",
        settings,
        m.layout,
        least,
    )


def hero_check(measures: ImageMeasures, *, target: str, settings: Settings) -> Check:
    least = settings.quality_min_hero_change
    change = measures.hero_change
    if change is None:
        return Check(
            "hero_changed",
            target,
            True,
            "not checked: this page has no hero region in the book's metadata, so there is "
            "nowhere to look for the change",
            blocking=False,
        )
    if change < least:
        return _check(
            "hero_changed",
            target,
            False,
            f"the hero's region is unchanged (change {change:.2f}, at least {least:.2f}): "
            "the original hero is still there",
            settings,
            change,
            least,
        )
    return _check(
        "hero_changed",
        target,
        True,
        f"the hero's region was redrawn (change {change:.2f}, at least {least:.2f})",
        settings,
        change,
        least,
    )


def native_ppi(native_size: tuple[int, int], trim_mm: tuple[float, float]) -> float:
    """Pixels per inch the drawn image gives at trim size (the lower of the two axes)."""
    (width, height), (trim_w, trim_h) = native_size, trim_mm
    return min(width / (trim_w / MM_PER_INCH), height / (trim_h / MM_PER_INCH))


def resolution_check(
    native_size: tuple[int, int] | None,
    trim_mm: tuple[float, float],
    *,
    target: str,
    settings: Settings,
    limit: str | None = None,
) -> Check:
    least = settings.quality_min_native_ppi
    if limit:
        checked = resolution_check(native_size, trim_mm, target=target, settings=settings)
        return replace(checked, sentence=f"{checked.sentence}; {limit}")
    trim = "×".join(f"{v:g}" for v in trim_mm)
    if native_size is None:
        return Check(
            "resolution",
            target,
            True,
            "native size unknown: the provider did not record the size it drew at, so the "
            "native ppi cannot be given",
            blocking=False,
        )
    ppi = native_ppi(native_size, trim_mm)
    drawn = f"drawn at {native_size[0]}×{native_size[1]} px: {ppi:.0f} native ppi at {trim} mm"
    if ppi < least:
        return _check(
            "resolution",
            target,
            False,
            f"{drawn}, below {least:.0f}; the print file's pixels beyond that are upscaled",
            settings,
            ppi,
            least,
        )
    return _check(
        "resolution", target, True, f"{drawn} (at least {least:.0f})", settings, ppi, least
    )


def _check(
    name: str,
    target: str,
    passed: bool,
    sentence: str,
    settings: Settings,
    score: float | None = None,
    threshold: float | None = None,
) -> Check:
    rounded = None if score is None else round(score, 4)
    return check(name, target, passed, sentence, settings, rounded, threshold)


def _alignment_words(m: ImageMeasures) -> str:
    moved = max(abs(m.shift[0]), abs(m.shift[1]))
    if moved < 0.015 and m.zoom == 1.0:
        return ""
    return f"; matched after moving it {moved:.0%}" + (
        f" and scaling it to {m.zoom:.0%}" if m.zoom != 1.0 else ""
    )
