"""Draws Pressroom's icon (an open book with a star): python resources/icons/draw_icon.py"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent


def main() -> None:
    size = 1024
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((40, 40, size - 40, size - 40), radius=200, fill=(40, 52, 110, 255))
    ink = (40, 34, 48, 255)
    d.polygon(
        [(170, 330), (505, 400), (505, 820), (170, 750)],
        fill=(250, 244, 228, 255),
        outline=ink,
        width=14,
    )
    d.polygon(
        [(854, 330), (519, 400), (519, 820), (854, 750)],
        fill=(255, 250, 238, 255),
        outline=ink,
        width=14,
    )
    for y in (480, 560, 640):
        d.line((230, y, 450, y + 40), fill=(150, 150, 170, 255), width=14)
    cx, cy, r = 690, 540, 110
    d.polygon(
        [(cx, cy - r), (cx + r // 3, cy), (cx, cy + r), (cx - r // 3, cy)], fill=(245, 190, 40, 255)
    )
    d.polygon(
        [(cx - r, cy), (cx, cy + r // 3), (cx + r, cy), (cx, cy - r // 3)], fill=(245, 190, 40, 255)
    )
    for side in (256, 64):
        img.resize((side, side), Image.Resampling.LANCZOS).save(HERE / f"pressroom-{side}.png")
    img.resize((256, 256), Image.Resampling.LANCZOS).save(
        HERE / "pressroom.ico", sizes=[(256, 256), (64, 64), (32, 32)]
    )


if __name__ == "__main__":
    main()
