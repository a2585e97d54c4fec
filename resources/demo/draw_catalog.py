"""Draws Pressroom's demo catalog: two picture books and three children's photos.

Everything here is drawn from shapes, so it is free to ship. Run it to refresh the files:

    python resources/demo/draw_catalog.py

It writes cover and page illustrations at print resolution (drawn on an 8x8 in + bleed
design grid, written at 2700 px: 300 ppi over 8.5x8.5 in + 1/8 in bleed), sample photos,
and each book's book.json (the format `pressroom book import` reads) with each page's text
and the hero's head boxes.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = HERE.parent / "fonts" / "DejaVuSerif-Bold.ttf"
SIDE = 2475  # the design grid: (8 in + 2 * 0.125 in) * 300 DPI, as the books were drawn
OUT = 2700  # pixels written: (8.5 in + 2 * 0.125 in) * 300 DPI = 2625, and a little more
K = OUT / SIDE
RGB = tuple[int, int, int]


def _scaled(value: Any) -> Any:
    if isinstance(value, int | float):
        return value * K
    if isinstance(value, list | tuple):
        return type(value)(_scaled(v) for v in value)
    return value


class ScaledDraw:
    """ImageDraw on an OUT-pixel image taking design-grid coordinates: every shape is drawn
    at the output's resolution (nothing is upscaled), the composition as designed."""

    def __init__(self, img: Image.Image) -> None:
        self.draw = ImageDraw.Draw(img)

    def textlength(self, text: str, font: ImageFont.FreeTypeFont) -> float:
        return float(self.draw.textlength(text, font=font))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.draw, name)

        def call(xy: Any, *args: Any, **kw: Any) -> Any:
            for key in ("width", "radius"):
                if key in kw:
                    kw[key] = max(1, round(kw[key] * K))
            if "font" in kw:
                kw["font"] = kw["font"].font_variant(size=round(kw["font"].size * K))
            return method(_scaled(xy), *args, **kw)

        return call


SKIN = (236, 188, 150)  # inside the YCbCr skin range, so the hero's head can be detected
INK = (40, 34, 48)


def lerp(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def gradient(top: RGB, bottom: RGB) -> Image.Image:
    column = Image.new("RGB", (1, OUT))
    for y in range(OUT):
        column.putpixel((0, y), lerp(top, bottom, y / (OUT - 1)))
    return column.resize((OUT, OUT))


def draw_hero(
    draw: ScaledDraw, cx: int, ground: int, scale: float, shirt: RGB, hair: RGB
) -> list[float]:
    """A child figure standing on `ground`; returns the head box, normalized."""
    head = int(170 * scale)
    body_h = int(330 * scale)
    body_w = int(250 * scale)
    leg = int(170 * scale)
    top_body = ground - leg - body_h
    for dx in (-body_w // 4, body_w // 4):  # legs
        draw.rounded_rectangle(
            (cx + dx - body_w // 9, ground - leg, cx + dx + body_w // 9, ground),
            radius=body_w // 10,
            fill=(60, 70, 120),
            outline=INK,
            width=max(3, int(6 * scale)),
        )
    for side in (-1, 1):  # arms
        x0 = cx + side * body_w // 2
        draw.line(
            (x0, top_body + body_h // 5, x0 + side * body_w // 3, top_body + body_h // 2),
            fill=SKIN,
            width=int(46 * scale),
        )
    draw.rounded_rectangle(
        (cx - body_w // 2, top_body, cx + body_w // 2, ground - leg + 10),
        radius=body_w // 4,
        fill=shirt,
        outline=INK,
        width=max(3, int(6 * scale)),
    )
    hy = top_body - head + int(20 * scale)
    box = (cx - head, hy - head, cx + head, hy + head)
    draw.ellipse(box, fill=SKIN, outline=INK, width=max(3, int(7 * scale)))
    draw.chord(
        (cx - head, hy - head - int(12 * scale), cx + head, hy + int(head * 0.2)),
        180,
        360,
        fill=hair,
        outline=INK,
        width=max(3, int(6 * scale)),
    )
    eye = int(16 * scale)
    for dx in (-head // 3, head // 3):
        draw.ellipse(
            (cx + dx - eye, hy + head // 5 - eye, cx + dx + eye, hy + head // 5 + eye), fill=INK
        )
    draw.arc(
        (cx - head // 3, hy + head // 4, cx + head // 3, hy + head * 2 // 3),
        20,
        160,
        fill=INK,
        width=max(3, int(8 * scale)),
    )
    pad = int(head * 0.12)
    left, top, right, bottom = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    return [round(v / SIDE, 4) for v in (left, top, right, bottom)]


def star(draw: ScaledDraw, x: int, y: int, r: int, colour: RGB) -> None:
    draw.polygon([(x, y - r), (x + r // 3, y), (x, y + r), (x - r // 3, y)], fill=colour)
    draw.polygon([(x - r, y), (x, y + r // 3), (x + r, y), (x, y - r // 3)], fill=colour)


def moon_scene(index: int) -> tuple[Image.Image, list[list[float]]]:
    rng = random.Random(f"moon-{index}")
    img = gradient((18, 28, 78), (70, 60, 140))
    draw = ScaledDraw(img)
    for _ in range(60):
        star(
            draw,
            rng.randrange(SIDE),
            rng.randrange(SIDE // 2),
            rng.randrange(12, 34),
            (250, 250, 230),
        )
    mx, my = rng.randrange(300, SIDE - 300), rng.randrange(250, 650)
    draw.ellipse((mx - 190, my - 190, mx + 190, my + 190), fill=(248, 248, 228))
    sea = int(SIDE * 0.68)
    for band in range(6):
        draw.rectangle(
            (0, sea + band * 130, SIDE, SIDE), fill=lerp((40, 90, 160), (20, 40, 90), band / 5)
        )
    for _ in range(14):
        x, y = rng.randrange(SIDE), rng.randrange(sea, SIDE)
        draw.arc((x - 120, y - 40, x + 120, y + 40), 200, 340, fill=(150, 200, 240), width=10)
    cx = rng.randrange(700, SIDE - 700)
    draw.polygon(
        [(cx - 600, sea - 40), (cx + 600, sea - 40), (cx + 420, sea + 180), (cx - 420, sea + 180)],
        fill=(190, 90, 50),
        outline=INK,
    )
    draw.line((cx + 250, sea - 40, cx + 250, sea - 900), fill=INK, width=22)
    draw.polygon(
        [(cx + 270, sea - 880), (cx + 270, sea - 160), (cx + 700, sea - 200)], fill=(245, 240, 225)
    )
    return img, [
        draw_hero(draw, cx - 150, sea - 40, 1.3 + 0.05 * (index % 3), (230, 180, 40), (90, 55, 30))
    ]


def garden_scene(index: int) -> tuple[Image.Image, list[list[float]]]:
    rng = random.Random(f"garden-{index}")
    img = gradient((150, 210, 250), (225, 245, 255))
    draw = ScaledDraw(img)
    sx, sy = rng.randrange(200, SIDE - 200), rng.randrange(150, 500)
    draw.ellipse((sx - 160, sy - 160, sx + 160, sy + 160), fill=(255, 215, 60))
    for _ in range(4):
        x, y = rng.randrange(SIDE), rng.randrange(200, 800)
        for dx in (-120, 0, 120):
            draw.ellipse((x + dx - 150, y - 90, x + dx + 150, y + 90), fill=(255, 255, 255))
    ground = int(SIDE * 0.76)
    draw.rectangle((0, ground, SIDE, SIDE), fill=(90, 170, 70))
    for _ in range(5):  # giant flowers
        x = rng.randrange(150, SIDE - 150)
        h = rng.randrange(700, 1500)
        petal = rng.choice([(230, 70, 120), (160, 90, 210), (250, 140, 40), (240, 90, 80)])
        draw.line((x, ground, x, ground - h), fill=(40, 120, 50), width=36)
        draw.ellipse((x - 140, ground - h // 2 - 60, x, ground - h // 2 + 20), fill=(60, 150, 60))
        for k in range(8):
            dx, dy = [(0, -1), (1, 0), (0, 1), (-1, 0), (1, -1), (1, 1), (-1, 1), (-1, -1)][k]
            px, py = x + dx * 150, ground - h + dy * 150
            draw.ellipse((px - 120, py - 120, px + 120, py + 120), fill=petal, outline=INK, width=6)
        draw.ellipse(
            (x - 110, ground - h - 110, x + 110, ground - h + 110),
            fill=(250, 210, 60),
            outline=INK,
            width=6,
        )
    for _ in range(40):
        x = rng.randrange(SIDE)
        draw.line(
            (x, ground, x + rng.randrange(-30, 30), ground - rng.randrange(40, 110)),
            fill=(50, 130, 50),
            width=10,
        )
    cx = rng.randrange(600, SIDE - 600)
    return img, [
        draw_hero(draw, cx, ground + 120, 1.2 + 0.05 * (index % 4), (200, 60, 110), (30, 25, 25))
    ]


def cover(
    scene: Callable[[int], tuple[Image.Image, list[list[float]]]], title: str, banner: RGB
) -> tuple[Image.Image, list[list[float]], list[float]]:
    img, heads = scene(0)
    draw = ScaledDraw(img)
    box = (int(SIDE * 0.08), int(SIDE * 0.05), int(SIDE * 0.92), int(SIDE * 0.2))
    draw.rounded_rectangle(box, radius=70, fill=banner, outline=INK, width=10)
    size = 190
    font = ImageFont.truetype(str(FONT), size)
    while draw.textlength(title, font=font) > (box[2] - box[0]) * 0.9:
        size -= 8
        font = ImageFont.truetype(str(FONT), size)
    draw.text(
        ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), title, font=font, fill=INK, anchor="mm"
    )
    return img, heads, [round(v / SIDE, 4) for v in box]


BOOKS = [
    {
        "id": "moon-boat",
        "title": "Leo and the Moon Boat",
        "genre": "Adventure",
        "age_range": "3-6 years",
        "hero_name": "Leo",
        "hero_gender": "boy",
        "scene": moon_scene,
        "banner": (250, 220, 120),
        "texts": [
            "One quiet night, Leo found a little boat tied to a moonbeam.",
            "Leo climbed aboard, and the boat began to float up, up, up.",
            "The stars leaned close to see Leo sailing so late.",
            '"Hello, stars!" said Leo. "I am going to visit the Moon."',
            "A wave of silver clouds rocked Leo's boat like a cradle.",
            "Leo's sail caught the night wind and hummed a sleepy song.",
            "A shooting star raced by, and Leo made a wish.",
            'The Moon smiled a wide, round smile. "Welcome, Leo!"',
            "Together Leo and the moon counted every star, all the way to a hundred.",
            "When Leo yawned, the Moon steered the boat back home.",
            "The sea below sparkled as Leo's boat drifted down.",
            "And Leo fell asleep, dreaming of the next voyage.",
        ],
    },
    {
        "id": "giant-garden",
        "title": "Mia's Garden of Giants",
        "genre": "Fantasy",
        "age_range": "4-7 years",
        "hero_name": "Mia",
        "hero_gender": "girl",
        "scene": garden_scene,
        "banner": (255, 235, 180),
        "texts": [
            "Mia planted one tiny seed behind her house.",
            "In the morning, Mia's seed had grown taller than the fence.",
            "By lunch, Mia's flowers were taller than the trees!",
            '"Who are you?" asked a giant daisy. "I am Mia," she said.',
            "The tulips bent down so Mia could climb their leaves.",
            "From the top, Mia could see the whole town.",
            "A bee as big as a bus buzzed hello to Mia.",
            "Mia shared her sandwich with the friendly bee.",
            "When the sun went low, the giants began to yawn, and so did Mia.",
            "Mia sang them a lullaby she had learned from her grandma.",
            "The garden folded its petals, and Mia tiptoed home to sleep.",
            "Mia's garden grew quiet, and she tiptoed home, smiling.",
        ],
    },
]

PHOTOS = [
    # name, skin, hair, eyes, curly, freckles
    ("child-ada.jpg", (240, 205, 180), (110, 70, 40), (70, 110, 170), False, False),
    ("child-kofi.jpg", (140, 95, 65), (25, 20, 20), (55, 35, 25), True, False),
    ("child-rosie.jpg", (245, 212, 190), (185, 80, 40), (80, 120, 70), False, True),
]


def photo(skin: RGB, hair: RGB, eyes: RGB, curly: bool, freckles: bool) -> Image.Image:
    width, height = 900, 1100
    img = Image.new("RGB", (width, height), (200, 225, 245))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((120, 860, 780, 1300), radius=160, fill=(90, 140, 200))
    draw.rectangle((390, 720, 510, 900), fill=skin)
    cx, cy, rx, ry = 450, 520, 230, 280
    if curly:
        for k in range(18):
            ang = 3.14159 * (k / 17)

            x = cx + int(math.cos(ang) * (rx + 10)) * -1
            y = cy - int(math.sin(ang) * (ry + 10))
            draw.ellipse((x - 95, y - 95, x + 95, y + 95), fill=hair)
    else:
        draw.ellipse((cx - rx - 40, cy - ry - 60, cx + rx + 40, cy + ry - 40), fill=hair)
        draw.rectangle((cx - rx - 40, cy - 60, cx - rx + 30, cy + 260), fill=hair)
        draw.rectangle((cx + rx - 30, cy - 60, cx + rx + 40, cy + 260), fill=hair)
    draw.ellipse((cx - rx, cy - ry + 40, cx + rx, cy + ry), fill=skin)
    draw.chord((cx - rx, cy - ry + 20, cx + rx, cy + 10), 180, 360, fill=hair)
    for dx in (-90, 90):
        draw.ellipse((cx + dx - 42, cy + 40 - 26, cx + dx + 42, cy + 40 + 26), fill=(250, 250, 250))
        draw.ellipse((cx + dx - 22, cy + 40 - 22, cx + dx + 22, cy + 40 + 22), fill=eyes)
        draw.ellipse((cx + dx - 9, cy + 40 - 9, cx + dx + 9, cy + 40 + 9), fill=(20, 20, 20))
    draw.arc((cx - 90, cy + 110, cx + 90, cy + 210), 15, 165, fill=(170, 60, 60), width=14)
    if freckles:
        rng = random.Random(7)
        for _ in range(24):
            x, y = cx + rng.randrange(-150, 150), cy + rng.randrange(80, 130)
            draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=(190, 120, 90))
    return img


def main() -> None:
    for spec in BOOKS:
        folder = HERE / str(spec["id"])
        folder.mkdir(exist_ok=True)
        img, heads, title_box = cover(spec["scene"], str(spec["title"]), spec["banner"])  # type: ignore[arg-type]
        img.save(folder / "cover.jpg", quality=88, dpi=(300, 300))
        pages = []
        for n, text in enumerate(spec["texts"], start=1):  # type: ignore[arg-type]
            page_img, page_heads = spec["scene"](n)  # type: ignore[operator]
            name = f"page-{n:02d}.jpg"
            page_img.save(folder / name, quality=88, dpi=(300, 300))
            pages.append(
                {
                    "index": n,
                    "image": name,
                    "text": text,
                    "hero_regions": page_heads,
                    "hero_absent": False,
                }
            )
        book = (
            {"format": "pressroom-book/1"}
            | {
                key: spec[key]
                for key in ("id", "title", "genre", "age_range", "hero_name", "hero_gender")
            }
            | {
                "cover_image": "cover.jpg",
                "cover_hero_regions": heads,
                "title_box": title_box,
                "pages": pages,
            }
        )
        (folder / "book.json").write_text(json.dumps(book, indent=2) + "\n")
    for name, *look in PHOTOS:
        photo(*look).save(HERE / "photos" / name, quality=90)  # type: ignore[arg-type]


if __name__ == "__main__":
    (HERE / "photos").mkdir(exist_ok=True)
    main()
