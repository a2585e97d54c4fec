"""Image measurements the offline provider is built on: palettes, colour names, skin
regions and style cues; and the cover's title lettering. Pure functions of pixels,
deterministic."""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

from app.assets import TITLE_FONTS, font_bytes, font_runs
from app.domain import Box

RGB = tuple[int, int, int]

# A small vocabulary of colour names; the nearest (in Lab-ish weighted RGB) wins.
NAMED_COLOURS: dict[str, RGB] = {
    "black": (20, 20, 20),
    "charcoal": (60, 60, 65),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "white": (245, 245, 245),
    "cream": (250, 240, 210),
    "red": (200, 40, 40),
    "crimson": (150, 20, 40),
    "coral": (250, 128, 100),
    "pink": (240, 160, 190),
    "orange": (240, 140, 30),
    "amber": (250, 190, 40),
    "yellow": (250, 225, 60),
    "olive": (128, 128, 40),
    "lime": (160, 210, 60),
    "green": (50, 150, 60),
    "forest green": (30, 90, 45),
    "teal": (30, 130, 130),
    "turquoise": (60, 200, 200),
    "sky blue": (120, 190, 240),
    "blue": (40, 90, 200),
    "navy": (25, 35, 90),
    "lavender": (180, 160, 230),
    "purple": (120, 60, 160),
    "plum": (100, 40, 90),
    "brown": (120, 75, 40),
    "chestnut": (150, 80, 50),
    "tan": (210, 170, 120),
    "beige": (225, 205, 170),
    "gold": (212, 175, 55),
}

HAIR_COLOURS: dict[str, RGB] = {
    "black": (25, 20, 20),
    "dark brown": (60, 40, 25),
    "brown": (110, 70, 40),
    "light brown": (160, 115, 70),
    "auburn": (145, 60, 35),
    "red": (185, 80, 40),
    "strawberry blond": (215, 150, 100),
    "blond": (225, 190, 120),
    "platinum blond": (235, 225, 200),
    "grey": (150, 150, 150),
}

SKIN_TONES: dict[str, RGB] = {
    "very fair": (250, 225, 210),
    "fair": (240, 205, 180),
    "light": (225, 185, 150),
    "light olive": (205, 165, 125),
    "medium tan": (190, 140, 100),
    "olive": (170, 125, 85),
    "brown": (140, 95, 65),
    "dark brown": (100, 65, 45),
    "deep": (70, 45, 35),
}

EYE_COLOURS: dict[str, RGB] = {
    "dark brown": (55, 35, 25),
    "brown": (100, 65, 40),
    "hazel": (130, 110, 60),
    "green": (80, 120, 70),
    "blue": (70, 110, 170),
    "grey": (120, 125, 130),
}


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def nearest_name(rgb: RGB | list[int], table: dict[str, RGB] = NAMED_COLOURS) -> str:
    r, g, b = (int(v) for v in rgb)

    def distance(ref: RGB) -> float:
        rm = (r + ref[0]) / 2
        dr, dg, db = r - ref[0], g - ref[1], b - ref[2]
        return (2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db

    return min(table, key=lambda name: distance(table[name]))


def thumbnail(img: Image.Image, size: int = 256) -> Image.Image:
    small = img.copy()
    small.thumbnail((size, size), Image.Resampling.BILINEAR)
    return small


def palette(img: Image.Image, colours: int = 6) -> list[tuple[RGB, float]]:
    """Dominant colours by median-cut quantization, most frequent first."""
    small = thumbnail(img, 128).convert("RGB")
    quantized = small.quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
    flat = quantized.getpalette() or []
    counts: list[tuple[int, int]] = sorted(quantized.getcolors() or [], reverse=True)  # type: ignore[arg-type]
    total = sum(c for c, _ in counts) or 1
    return [((flat[i * 3], flat[i * 3 + 1], flat[i * 3 + 2]), count / total) for count, i in counts]


def brightness_saturation(img: Image.Image) -> tuple[float, float]:
    hsv = np.asarray(thumbnail(img, 128).convert("HSV"), dtype=np.float32) / 255.0
    return float(hsv[..., 2].mean()), float(hsv[..., 1].mean())


def edge_density(img: Image.Image) -> float:
    """Share of pixels on a strong edge: line art is high, soft paint is low."""
    edges = np.asarray(thumbnail(img, 256).convert("L").filter(ImageFilter.FIND_EDGES))
    return float((edges > 48).mean())


def flatness(img: Image.Image) -> float:
    """Share of the picture covered by its 8 most common exact colours (flat fills -> ~1)."""
    small = np.asarray(thumbnail(img, 128).convert("RGB")).reshape(-1, 3)
    _, counts = np.unique(small, axis=0, return_counts=True)
    return float(np.sort(counts)[-8:].sum() / len(small))


def style_label(brightness: float, saturation: float, edges: float, flat: float) -> tuple[str, str]:
    """(art style, medium) from measured cues."""
    if saturation < 0.12:
        return ("pencil sketch" if edges > 0.08 else "monochrome wash", "graphite and ink")
    if flat > 0.6:
        return ("flat vector cartoon", "digital flat colour")
    if edges > 0.12:
        return ("ink-outlined comic", "ink and digital colour")
    if saturation > 0.45 and brightness > 0.55:
        return ("bright gouache painting", "gouache")
    return ("soft watercolor illustration", "watercolor")


def skin_mask(img: Image.Image) -> np.ndarray:
    """Pixels in the classic YCbCr skin range (works for photos and drawn faces alike)."""
    ycc = np.asarray(img.convert("YCbCr"), dtype=np.int16)
    y, cb, cr = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    return (y > 60) & (cb >= 77) & (cb <= 127) & (cr >= 137) & (cr <= 173)


def blobs(mask: np.ndarray) -> list[tuple[int, Box]]:
    """Every 4-connected region of `mask`: (pixel count, normalized bounding box), largest
    first."""
    height, width = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    found: list[tuple[int, Box]] = []
    ys, xs = np.nonzero(mask)
    for sy, sx in zip(ys.tolist(), xs.tolist(), strict=True):
        if seen[sy, sx]:
            continue
        seen[sy, sx] = True
        queue = deque([(sy, sx)])
        size, left, top, right, bottom = 0, sx, sy, sx, sy
        while queue:
            y, x = queue.popleft()
            size += 1
            left, right = min(left, x), max(right, x)
            top, bottom = min(top, y), max(bottom, y)
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        box = Box(left / width, top / height, (right + 1) / width, (bottom + 1) / height)
        found.append((size, box))
    return sorted(found, key=lambda b: b[0], reverse=True)


def largest_blob(mask: np.ndarray, min_share: float = 0.004) -> Box | None:
    """Bounding box (normalized) of the largest 4-connected region of `mask`."""
    found = blobs(mask)
    if not found or found[0][0] < min_share * mask.size:
        return None
    return found[0][1]


def face_like_blob(mask: np.ndarray, min_share: float = 0.004) -> Box | None:
    """The largest region shaped like a face: roughly as tall as wide and filling most of its
    box. A skin-toned title banner or a sandy beach is not a face."""
    height, width = mask.shape
    for size, box in blobs(mask):
        if size < min_share * mask.size:
            return None
        w, h = (box.right - box.left) * width, (box.bottom - box.top) * height
        if 0.5 <= w / h <= 1.8 and size / (w * h) >= 0.45:
            return box
    return None


def median_colour(img: Image.Image, mask: np.ndarray | None = None) -> RGB | None:
    pixels = np.asarray(img.convert("RGB")).reshape(-1, 3)
    if mask is not None:
        pixels = pixels[mask.reshape(-1)]
    if len(pixels) == 0:
        return None
    r, g, b = (int(v) for v in np.median(pixels, axis=0))
    return (r, g, b)


def position_words(box: Box) -> str:
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    horizontal = "left" if cx < 0.38 else "right" if cx > 0.62 else "centre"
    vertical = "upper" if cy < 0.38 else "lower" if cy > 0.62 else "middle"
    return f"{vertical} {horizontal}"


def face_region(img: Image.Image, min_share: float = 0.004) -> tuple[Box, np.ndarray] | None:
    """The face: the largest skin-toned region, refined to the pixels close to its median
    colour (brown hair and skin share the YCbCr skin range; their colours differ)."""
    mask = skin_mask(img)
    rough = face_like_blob(mask, min_share)
    if rough is None:
        return None
    left, top, right, bottom = rough.to_pixels(img.width, img.height)
    inside = np.zeros_like(mask)
    inside[top:bottom, left:right] = mask[top:bottom, left:right]
    centre = median_colour(img, inside)
    if centre is None:
        return None
    pixels = np.asarray(img.convert("RGB"), dtype=np.int16)
    close = np.sqrt(((pixels - np.array(centre)) ** 2).sum(axis=2)) < 60
    refined = largest_blob(inside & close, min_share)
    if refined is None:
        return rough, inside
    l2, t2, r2, b2 = refined.to_pixels(img.width, img.height)
    face = np.zeros_like(mask)
    face[t2:b2, l2:r2] = (inside & close)[t2:b2, l2:r2]
    return refined, face


def head_region(img: Image.Image, face: Box) -> Box:
    """The face and the hair on it: the colour just above the face, where it differs from
    the skin, is the hair; the blob of that colour touching the face's top joins the box.
    A background of the hair's colour (a night sky above dark hair) leaves the face alone."""
    pixels = np.asarray(img.convert("RGB"), dtype=np.int16)
    height, width = pixels.shape[:2]
    left, top, right, bottom = face.to_pixels(width, height)
    fw, fh = right - left, bottom - top
    band = pixels[max(0, top - max(2, fh // 10)) : top, left + fw // 4 : right - fw // 4]
    skin = median_colour(img.crop((left, top, right, bottom)))
    if band.size == 0 or skin is None:
        return face
    hair = np.median(band.reshape(-1, 3), axis=0)
    if np.sqrt(((hair - np.array(skin)) ** 2).sum()) < 60:
        return face
    x0, x1 = max(0, left - fw // 4), min(width, right + fw // 4)
    y0, y1 = max(0, top - fh), top + fh // 2
    window = pixels[y0:y1, x0:x1]
    near = np.sqrt(((window - hair) ** 2).sum(axis=2)) < 60
    if near.mean() > 0.6:
        return face
    touching = (top - 1 - y0, (left + right) // 2 - x0)
    if not near[touching]:
        return face
    for _, blob in blobs(near):
        wl, wt, wr, wb = blob.to_pixels(x1 - x0, y1 - y0)
        if wt <= touching[0] < wb and wl <= touching[1] < wr:
            return Box(
                min(face.left, (x0 + wl) / width),
                min(face.top, (y0 + wt) / height),
                max(face.right, (x0 + wr) / width),
                face.bottom,
            )
    return face


# -- lettering ------------------------------------------------------------------------------
# The cover's title is lettered in DejaVu Serif Bold, with Noto for the scripts it lacks
# (app/assets.py), one piece per font and direction. Pillow shapes a piece (Arabic joins,
# marks) and orders a right-to-left one with libraqm; the pieces themselves are put in
# order here, as in any left-to-right sentence: a run of right-to-left pieces reads right to
# left, in its place. Without libraqm (some Pillow builds lack it) the letters of a
# right-to-left piece are reversed by hand: Hebrew reads right, Arabic reads right but its
# letters stay unjoined. The PDF's page text is laid out by MuPDF instead (app/print/pdf.py).

_STRONG_RTL = {"R", "AL"}
_RTL_EMBEDDING = {"RLE", "RLO", "RLI"}


@dataclass(frozen=True)
class Piece:
    """A stretch of a line drawn in one font in one direction."""

    font: str  # a shipped font file (app/assets.py)
    text: str
    rtl: bool


def _levels(text: str) -> list[bool]:
    """Right-to-left or not, per character, in a left-to-right paragraph: letters by their
    own direction, marks with their letter, spaces and punctuation right-to-left only between
    two right-to-left letters (digits count as left-to-right)."""
    kinds: list[str] = []
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _STRONG_RTL or kind in _RTL_EMBEDDING:
            kinds.append("R")
        elif kind == "L" or kind in {"EN", "AN", "LRE", "LRO", "LRI"}:
            kinds.append("L")
        elif kind == "NSM" and kinds:
            kinds.append(kinds[-1])
        else:
            kinds.append("N")
    rtl = [k == "R" for k in kinds]
    for start in range(len(kinds)):
        if kinds[start] != "N" or (start and kinds[start - 1] == "N"):
            continue
        end = start
        while end < len(kinds) and kinds[end] == "N":
            end += 1
        before = kinds[start - 1] if start else "L"
        after = kinds[end] if end < len(kinds) else "L"
        if before == after == "R":
            rtl[start:end] = [True] * (end - start)
    return rtl


def pieces(text: str, fonts: Sequence[str] = TITLE_FONTS) -> list[Piece]:
    """`text` as pieces in drawing order, left to right."""
    rtl = _levels(text)
    logical: list[Piece] = []
    at = 0
    for font, run in font_runs(text, fonts):
        for offset, char in enumerate(run):
            direction = rtl[at + offset]
            if logical and logical[-1].font == font and logical[-1].rtl == direction and offset:
                last = logical[-1]
                logical[-1] = Piece(font, last.text + char, direction)
            else:
                logical.append(Piece(font, char, direction))
        at += len(run)
    visual: list[Piece] = []
    group: list[Piece] = []
    for piece in logical:
        if piece.rtl:
            group.append(piece)
            continue
        visual.extend(reversed(group))
        group = []
        visual.append(piece)
    visual.extend(reversed(group))
    return visual


def _face(font: str, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if _raqm() else ImageFont.Layout.BASIC
    return _loaded_face(font, size, engine)


@functools.cache
def _loaded_face(font: str, size: int, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(font_bytes(font)), size, layout_engine=engine)


def _raqm() -> bool:
    return bool(features.check("raqm"))


def _draw_args(piece: Piece) -> tuple[str, str | None]:
    """The text and direction to hand Pillow for a piece."""
    if not _raqm():
        return (piece.text[::-1] if piece.rtl else piece.text), None
    return piece.text, ("rtl" if piece.rtl else "ltr")


def _layout(
    draw: ImageDraw.ImageDraw, line: list[Piece], size: int
) -> tuple[list[float], float, tuple[float, float, float, float]]:
    """Where each piece starts (x from the line's origin on the baseline), the line's
    advance, and its ink box around that origin."""
    starts: list[float] = []
    x = 0.0
    box = [math.inf, math.inf, -math.inf, -math.inf]
    for piece in line:
        text, direction = _draw_args(piece)
        face = _face(piece.font, size)
        left, top, right, bottom = draw.textbbox(
            (x, 0), text, font=face, anchor="ls", direction=direction
        )
        box = [min(box[0], left), min(box[1], top), max(box[2], right), max(box[3], bottom)]
        starts.append(x)
        x += face.getlength(text, direction=direction)
    return starts, x, (box[0], box[1], box[2], box[3])


def _simple(line: list[Piece], fonts: Sequence[str]) -> bool:
    return len(line) == 1 and line[0].font == fonts[0] and not line[0].rtl


def fit_title_size(
    draw: ImageDraw.ImageDraw,
    title: str,
    width: int,
    height: int,
    fonts: Sequence[str] = TITLE_FONTS,
) -> int:
    """The largest lettering size (from 55 % of the box's height, in 10 % steps, at least
    8 px) at which `title` fills at most 90 % of the box's width and 80 % of its height."""
    line = pieces(title, fonts)
    size = max(8, int(height * 0.55))
    while size > 8:
        if _simple(line, fonts):
            left, top, right, bottom = draw.textbbox((0, 0), title, font=_face(fonts[0], size))
        else:
            _, _, (left, top, right, bottom) = _layout(draw, line, size)
        if right - left <= width * 0.9 and bottom - top <= height * 0.8:
            return size
        size = int(size * 0.9)
    return size


def draw_title_text(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    title: str,
    size: int,
    fill: RGB,
    fonts: Sequence[str] = TITLE_FONTS,
) -> None:
    """Letter `title` centred on `centre` (its middle as the first font's "mm" anchor puts
    it). A title the first font draws alone is drawn in one call, as it always was."""
    line = pieces(title, fonts)
    first = _face(fonts[0], size)
    if _simple(line, fonts):
        draw.text(centre, title, font=first, fill=fill, anchor="mm")
        return
    # the baseline sits where the first font's middle anchor would put it
    baseline = centre[1] + first.getbbox("x", anchor="mm")[1] - first.getbbox("x", anchor="ls")[1]
    starts, advance, _ = _layout(draw, line, size)
    left = centre[0] - advance / 2
    for piece, start in zip(line, starts, strict=True):
        text, direction = _draw_args(piece)
        face = _face(piece.font, size)
        draw.text(
            (left + start, baseline), text, font=face, fill=fill, anchor="ls", direction=direction
        )


def letter_title(page: Image.Image, title: str, box: Box) -> None:
    """Paint over the original title's banner with its own colour and letter `title` on it,
    in the shipped fonts, right-to-left names in their place."""
    left, top, right, bottom = box.to_pixels(*page.size)
    inset_x, inset_y = (right - left) // 10, (bottom - top) // 10
    interior = np.asarray(
        page.crop((left + inset_x, top + inset_y, right - inset_x, bottom - inset_y))
    ).reshape(-1, 3)
    r, g, b = (int(v) for v in np.median(interior, axis=0))  # lettering is the minority
    draw = ImageDraw.Draw(page)
    radius = (bottom - top) // 5
    draw.rounded_rectangle((left, top, right, bottom), radius=radius, fill=(r, g, b))
    size = fit_title_size(draw, title, right - left, bottom - top)
    draw_title_text(
        draw, ((left + right) / 2, (top + bottom) / 2), title, size, contrast((r, g, b))
    )


def contrast(rgb: RGB) -> RGB:
    """Dark ink on a light ground, light ink on a dark one."""
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (30, 30, 30) if luminance > 140 else (250, 250, 245)
