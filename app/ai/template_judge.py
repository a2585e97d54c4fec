"""The offline judge behind the template provider: colours and layout, measured.

It answers the same `JudgeVerdict` Gemini does, from measurements on the original and the
generated image (both reduced to ~384 px) and the child's analysis:

- *likeness*: inside the hero's head regions (the book's metadata, else the skin-toned head
  found in the original, else the area that changed), how much of the region is the
  child's skin colour (CIELAB ΔE to `child_analysis.skin_rgb`) and how close the nearest
  non-skin colour there is to the child's hair (`hair_rgb`). Pixels the original already
  had count for nothing: a head left as it was is the original hero, not the child.
- *same_child*: a face of the child's skin tone fills the region, and the region is not
  the original's.
- *style*: CIELAB distance between the two images' palettes (median-cut, share-weighted,
  both directions).
- *defects*: the original hero still visible (the region unchanged), a second face of the
  child's skin tone outside the hero regions that the original did not have, a blank image.

Its limits, said plainly (and repeated in every verdict's `reasons`): it compares colours
and layout and cannot recognise faces. Two children of the same skin tone and similar hair
look the same to it (on the demo photos it cannot tell Ada from Rosie, whose hair differs
only in a shade the template's palette pull blurs); it does not look at eyes, features or
expression; it cannot see extra limbs or garbled lettering; it does not compare a page
with the generated cover. It is made to catch what the template provider can get wrong —
no face, the wrong place, the original left in, a blank or unrelated picture, a child of
another skin tone — not to certify a likeness.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from app.ai import imaging
from app.ai.provider import ChildAnalysis, Defect, JudgeTask, JudgeVerdict
from app.domain import BadInput, Box
from app.imageio import ACCEPTED_FORMATS, to_rgb

WORK_SIDE = 384  # the judge looks at images this size (long side)

LIMITS = (
    "offline judge: compares colours and layout, cannot recognise faces, see limbs or "
    "read lettering"
)

# Calibrated on the demo books with the template provider (see tests/unit/ai/test_judge.py):
UNCHANGED_DE = 5.0  # a pixel this close to the original's (CIELAB ΔE) was not redrawn
SKIN_DE = 20.0  # a pixel this close to the child's skin colour counts as the child's skin
SKIN_SHARE_FULL = 0.50  # this much of the head region in the child's skin: a full face
SKIN_SHARE_MIN = 0.35  # less than this: no face of the child's skin tone is there
SKIN_DE_MAX = 12.0  # the face's colour may be this far from the child's (palette pull)
HAIR_DE_OK = 15.0  # hair this close to the child's: full marks (the template pulls ~20)
HAIR_DE_NONE = 50.0  # hair this far: no credit
ORIGINAL_SHARE = 0.60  # this much of a head region unchanged: the original hero is there
STYLE_MAX_DE = 15.0  # largest palette distance (ΔE) for "the style is kept"
BLANK_SHARE = 0.90  # this much of the image in one colour: a blank picture
SECOND_FACE_SHARE = 0.004  # a skin blob this large (of the image) can be a face


def judge_offline(task: JudgeTask, max_pixels: int = 60_000_000) -> JudgeVerdict:
    original = _load(task.original, f"{task.target} original", max_pixels)
    generated = _load(task.generated, f"{task.target} generated", max_pixels, original.size)
    orig_lab, gen_lab = lab(np.asarray(original)), lab(np.asarray(generated))
    child = task.child_analysis
    defects: list[Defect] = []
    words: list[str] = []

    blank = _blank_share(gen_lab)
    if blank >= BLANK_SHARE:
        defects.append(
            Defect(kind="other", reason=f"the image is blank ({blank:.0%} of it one colour)")
        )

    regions, where = _regions(task, original, orig_lab, gen_lab)
    style_de = palette_distance(original, generated)
    style_matches = style_de <= STYLE_MAX_DE and blank < BLANK_SHARE
    words.append(
        f"palette {style_de:.1f} ΔE from the original's "
        f"({'kept' if style_matches else 'changed'}, limit {STYLE_MAX_DE:g})"
    )

    if child.skin_rgb is None:
        words.append("the child's analysis has no skin colour, so there is nothing to compare")
        return _not_the_child(words, style_matches, defects)
    if not regions:
        words.append("no hero region in the original and nothing changed: no child was drawn")
        defects.append(Defect(kind="other", reason="nothing in the image was changed"))
        return _not_the_child(words, style_matches, defects)

    scores: list[float] = []
    same = True
    for n, region in enumerate(regions, 1):
        name = "the hero's head" if len(regions) == 1 else f"head region {n}"
        found = _region_likeness(region, orig_lab, gen_lab, child)
        scores.append(found.likeness)
        same &= found.same_child
        words.append(f"{name} ({where}): {found.words}")
        if found.original_share >= ORIGINAL_SHARE:
            defects.append(
                Defect(
                    kind="original_hero_visible",
                    reason=f"{found.original_share:.0%} of {name} is as in the original: "
                    f"{task.hero_name or 'the original hero'} is still there",
                )
            )
    second = _second_face(regions, original, generated, child)
    if second is not None:
        defects.append(
            Defect(
                kind="second_child",
                reason=f"a second face of the child's skin tone at {second} that the "
                "original does not have",
            )
        )
    likeness = round(min(scores), 3)
    return JudgeVerdict(
        reasons=_reasons(words),
        same_child=same and blank < BLANK_SHARE,
        likeness=likeness,
        style_matches=style_matches,
        defects=defects,
    )


def _not_the_child(words: list[str], style_matches: bool, defects: list[Defect]) -> JudgeVerdict:
    """The verdict when no child could be found to compare: never a pass."""
    return JudgeVerdict(
        reasons=_reasons(words),
        same_child=False,
        likeness=0.0,
        style_matches=style_matches,
        defects=defects,
    )


def _reasons(words: list[str]) -> str:
    return f"{LIMITS}. " + "; ".join(words) + "."


# -- images ------------------------------------------------------------------------------
def _load(
    data: bytes, name: str, max_pixels: int, size: tuple[int, int] | None = None
) -> Image.Image:
    """Decode at reduced size (JPEG draft mode: a print page decodes 3x faster), with the
    same refusals as `decode_image`."""
    if not data:
        raise BadInput(f"{name}: the file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
        if img.format not in ACCEPTED_FORMATS:
            raise BadInput(f"{name}: {img.format} images are not supported")
        if img.width * img.height > max_pixels:
            raise BadInput(f"{name}: image too large ({img.width}x{img.height})")
        img.draft("RGB", (WORK_SIDE * 2, WORK_SIDE * 2))
        img.load()
    except UnidentifiedImageError:
        raise BadInput(f"{name}: not an image") from None
    except OSError as exc:
        raise BadInput(f"{name}: the image cannot be decoded ({exc})") from None
    with contextlib.suppress(Exception):
        img = ImageOps.exif_transpose(img)
    img = to_rgb(img)
    if size is not None:
        return img.resize(size, Image.Resampling.BILINEAR)
    img.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR)
    return img


def lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (uint8, ...x3) to CIELAB (D65), float32."""
    a = np.asarray(rgb, dtype=np.float32) / 255.0
    linear = np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)
    matrix = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]],
        dtype=np.float32,
    )
    xyz = linear @ matrix.T / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.sqrt(((a - b) ** 2).sum(axis=-1)))


def _colour_lab(rgb: list[int]) -> np.ndarray:
    return lab(np.array(rgb[:3], dtype=np.uint8))


def palette_distance(a: Image.Image, b: Image.Image) -> float:
    """Share-weighted mean ΔE from each dominant colour of one image to the nearest of the
    other's, averaged over both directions: ~1 for a kept style, tens for another picture."""
    pa, pb = imaging.palette(a), imaging.palette(b)
    la = lab(np.array([c for c, _ in pa], dtype=np.uint8))
    lb = lab(np.array([c for c, _ in pb], dtype=np.uint8))
    wa = np.array([s for _, s in pa])
    wb = np.array([s for _, s in pb])
    d = np.sqrt(((la[:, None, :] - lb[None, :, :]) ** 2).sum(axis=-1))
    return float(((d.min(axis=1) * wa).sum() + (d.min(axis=0) * wb).sum()) / 2)


def _blank_share(gen_lab: np.ndarray) -> float:
    """Share of the image within a few ΔE of its median colour."""
    flat = gen_lab.reshape(-1, 3)
    return float((delta_e(flat, np.median(flat, axis=0)) < UNCHANGED_DE).mean())


def _ellipse(width: int, height: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    return np.asarray(
        ((xx + 0.5 - width / 2) / (width / 2)) ** 2 + ((yy + 0.5 - height / 2) / (height / 2)) ** 2
        <= 1
    )


def _regions(
    task: JudgeTask, original: Image.Image, orig_lab: np.ndarray, gen_lab: np.ndarray
) -> tuple[list[Box], str]:
    """Where to look for the child: the book's hero regions, else the head found in the
    original, else the largest area that changed (an inset portrait)."""
    if task.hero_regions:
        return list(task.hero_regions), "from the book"
    found = imaging.face_region(imaging.thumbnail(original, 96))
    if found is not None:
        return [found[0]], "found in the original"
    changed = delta_e(gen_lab, orig_lab) > 2 * UNCHANGED_DE
    step = max(1, max(changed.shape) // 256)  # a flood fill over a print-size mask takes minutes
    box = imaging.largest_blob(changed[::step, ::step], min_share=0.01)
    return ([box] if box is not None else []), "where the image changed"


# -- one head region ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Region:
    likeness: float
    same_child: bool
    original_share: float
    words: str


def _region_likeness(
    region: Box, orig_lab: np.ndarray, gen_lab: np.ndarray, child: ChildAnalysis
) -> _Region:
    height, width = gen_lab.shape[:2]
    left, top, right, bottom = region.to_pixels(width, height)
    left, top = min(max(0, left), width - 2), min(max(0, top), height - 2)
    right, bottom = min(max(right, left + 2), width), min(max(bottom, top + 2), height)
    inside = _ellipse(right - left, bottom - top)
    gen = gen_lab[top:bottom, left:right][inside]
    orig = orig_lab[top:bottom, left:right][inside]
    if len(gen) == 0:
        return _Region(0.0, False, 0.0, "the region is empty")
    redrawn = delta_e(gen, orig) >= UNCHANGED_DE
    original_share = 1.0 - float(redrawn.mean())

    skin = _colour_lab(child.skin_rgb or [0, 0, 0])
    to_skin = delta_e(gen, skin)
    is_skin = to_skin < SKIN_DE
    skin_share = float(is_skin.mean())
    skin_de = float(np.median(to_skin[is_skin])) if is_skin.any() else float(to_skin.min())

    hair_de: float | None = None
    if child.hair_rgb is not None and (~is_skin).any():
        to_hair = delta_e(gen[~is_skin], _colour_lab(child.hair_rgb))
        hair_de = float(np.percentile(to_hair, 10))  # the hair is a minority of the region

    skin_score = min(1.0, skin_share / SKIN_SHARE_FULL) * _ramp(skin_de, SKIN_DE_MAX, SKIN_DE)
    hair_score = _ramp(hair_de, HAIR_DE_OK, HAIR_DE_NONE) if hair_de is not None else 0.5
    likeness = (0.7 * skin_score + 0.3 * hair_score) * min(1.0, skin_share / SKIN_SHARE_MIN)
    # What the original already had cannot be credited to the child: a region left as it
    # was is the original hero. (Pixel by pixel would be wrong: a child of the hero's skin
    # tone keeps some of the original's pixels; on the demo books up to 40% of the region.)
    likeness *= _ramp(original_share, ORIGINAL_SHARE, 1.0)
    same = skin_share >= SKIN_SHARE_MIN and skin_de <= SKIN_DE_MAX
    same &= original_share < ORIGINAL_SHARE
    hair_words = f"hair {hair_de:.0f} ΔE away" if hair_de is not None else "no hair to compare"
    words = (
        f"{skin_share:.0%} in the child's skin tone ({skin_de:.0f} ΔE away), "
        f"{hair_words}, {original_share:.0%} as in the original"
    )
    return _Region(round(likeness, 3), same, original_share, words)


def _ramp(value: float, good: float, bad: float) -> float:
    """1 up to `good`, falling linearly to 0 at `bad`."""
    if value <= good:
        return 1.0
    if value >= bad:
        return 0.0
    return (bad - value) / (bad - good)


def _second_face(
    regions: list[Box], original: Image.Image, generated: Image.Image, child: ChildAnalysis
) -> str | None:
    """A face-shaped blob of the child's skin tone, outside the hero regions, where the
    original had none: where it is, in words, else None."""
    small_gen = imaging.thumbnail(generated, 128)
    small_orig = original.resize(small_gen.size, Image.Resampling.BILINEAR)
    g, o = lab(np.asarray(small_gen)), lab(np.asarray(small_orig))
    skin = _colour_lab(child.skin_rgb or [0, 0, 0])
    mask = (delta_e(g, skin) < SKIN_DE) & (delta_e(g, o) >= 2 * UNCHANGED_DE)
    h, w = mask.shape
    for region in regions:  # the hero's heads, with a margin for the neck and hair
        left, top, right, bottom = region.to_pixels(w, h)
        mx, my = (right - left) // 4, (bottom - top) // 4
        mask[max(0, top - my) : bottom + my, max(0, left - mx) : right + mx] = False
    for size, box in imaging.blobs(mask):
        if size < SECOND_FACE_SHARE * mask.size:
            break
        bw, bh = (box.right - box.left) * w, (box.bottom - box.top) * h
        if 0.5 <= bw / bh <= 1.8 and size / (bw * bh) >= 0.45:
            return f"the {imaging.position_words(box)}"
    return None
