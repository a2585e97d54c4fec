"""Image measurements the offline provider is built on: palettes, colour names, skin
regions and style cues; and the cover's title lettering. Pure functions of pixels,
deterministic."""

from __future__ import annotations

from collections import deque

import numpy as np
from PIL import Image, ImageFilter

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
