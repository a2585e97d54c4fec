"""The cover's title lettering (app/ai/lettering.py): the shipped fonts for every script a
name is written in, right-to-left names in their place inside a left-to-right title, and
Latin titles lettered exactly as before."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from app.ai import lettering
from app.ai.lettering import Piece, letter_title, pieces
from app.assets import FONT_BOLD, TITLE_FONTS, demo_root, font_bytes, has_glyph
from app.catalog import demo_catalog
from app.domain import Box

NASKH, HEBREW = TITLE_FONTS[1], TITLE_FONTS[2]


def demo_cover(book_id: str = "moon-boat") -> tuple[Image.Image, Box]:
    catalog = demo_catalog()
    spec = next(b for b in catalog["books"] if b["id"] == book_id)
    data = demo_root().joinpath(book_id, "cover.jpg").read_bytes()
    return Image.open(io.BytesIO(data)).convert("RGB"), Box(*spec["title_box"])


def old_lettering(page: Image.Image, title: str, box: Box) -> None:
    """The lettering as it was before fallback fonts (DejaVu Serif Bold, one draw call)."""
    left, top, right, bottom = box.to_pixels(*page.size)
    ix, iy = (right - left) // 10, (bottom - top) // 10
    interior = np.asarray(page.crop((left + ix, top + iy, right - ix, bottom - iy))).reshape(-1, 3)
    r, g, b = (int(v) for v in np.median(interior, axis=0))
    draw = ImageDraw.Draw(page)
    draw.rounded_rectangle((left, top, right, bottom), radius=(bottom - top) // 5, fill=(r, g, b))
    size = max(8, int((bottom - top) * 0.55))
    while size > 8:
        font = ImageFont.truetype(io.BytesIO(font_bytes(FONT_BOLD)), size)
        x0, y0, x1, y1 = draw.textbbox((0, 0), title, font=font)
        if x1 - x0 <= (right - left) * 0.9 and y1 - y0 <= (bottom - top) * 0.8:
            break
        size = int(size * 0.9)
    font = ImageFont.truetype(io.BytesIO(font_bytes(FONT_BOLD)), size)
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    ink = (30, 30, 30) if luminance > 140 else (250, 250, 245)
    centre = ((left + right) / 2, (top + bottom) / 2)
    draw.text(centre, title, font=font, fill=ink, anchor="mm")


@pytest.mark.parametrize(
    ("book_id", "title"),
    [
        ("moon-boat", "Ada and the Moon Boat"),
        ("giant-garden", "Kofi's Garden of Giants"),
        ("moon-boat", "Nguyễn and the Moon Boat"),
        ("giant-garden", "Αλέξης's Garden of Giants"),
    ],
)
def test_titles_dejavu_draws_alone_are_lettered_exactly_as_before(book_id: str, title: str) -> None:
    ours, box = demo_cover(book_id)
    before = ours.copy()
    letter_title(ours, title, box)
    old_lettering(before, title, box)
    assert np.array_equal(np.asarray(ours), np.asarray(before))


def test_a_right_to_left_name_keeps_its_place_at_the_start_of_the_title() -> None:
    """ليلى + " and the Moon Boat": the name first, at the left, in Noto Naskh Arabic; before,
    it was drawn in DejaVu (boxes) and the line read right to left, putting it at the end."""
    assert pieces("ليلى and the Moon Boat") == [
        Piece(NASKH, "ليلى", True),
        Piece(FONT_BOLD, " and the Moon Boat", False),
    ]
    assert pieces("שירה's Garden of Giants") == [
        Piece(HEBREW, "שירה", True),
        Piece(FONT_BOLD, "'s Garden of Giants", False),
    ]


def test_a_two_word_right_to_left_name_reads_right_to_left_inside_the_title() -> None:
    # one right-to-left piece: Pillow (raqm) puts محمد at its right, علي at its left
    assert pieces("محمد علي and the Moon Boat") == [
        Piece(NASKH, "محمد علي", True),
        Piece(FONT_BOLD, " and the Moon Boat", False),
    ]
    # two scripts inside one right-to-left run: the run's pieces are drawn in reverse
    assert pieces("Noa ليلى שירה boat") == [
        Piece(FONT_BOLD, "Noa ", False),
        Piece(HEBREW, "שירה", True),
        Piece(FONT_BOLD, " ", True),
        Piece(NASKH, "ليلى", True),
        Piece(FONT_BOLD, " boat", False),
    ]


@pytest.mark.parametrize("name", ["ليلى", "שירה", "Αλέξης", "Иван", "Nguyễn", "Zoë", "Łucja"])
def test_every_letter_of_a_name_goes_to_a_font_that_has_it(name: str) -> None:
    for piece in pieces(f"{name} and the Moon Boat"):
        assert all(has_glyph(piece.font, c) for c in piece.text), piece


def _dark(img: Image.Image) -> np.ndarray:
    """Pixels of the dark grey lettering ink (not the navy sky at the banner's corners)."""
    rgb = np.asarray(img.convert("RGB")).astype(int)
    return (rgb.max(axis=2) < 110) & (np.ptp(rgb, axis=2) < 40)


def _ink(img: Image.Image) -> np.ndarray:
    """The ink of `img`, cropped to its bounding box."""
    mask = _dark(img)
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two ink masks, `b` resized to `a`'s box."""
    resized = np.asarray(Image.fromarray(b).resize((a.shape[1], a.shape[0]))) > 0
    return float((a & resized).sum() / max(1, (a | resized).sum()))


def test_the_arabic_name_is_drawn_in_its_own_font_not_as_boxes() -> None:
    """The ink at the start of the banner is ليلى in Noto Naskh Arabic Bold, not DejaVu's
    empty boxes."""
    title = "ليلى and the Moon Boat"
    cover, box = demo_cover()
    letter_title(cover, title, box)
    left, top, right, bottom = box.to_pixels(*cover.size)
    draw = ImageDraw.Draw(cover)
    size = lettering.fit_title_size(draw, title, right - left, bottom - top)
    naskh = ImageFont.truetype(io.BytesIO(font_bytes(NASKH)), size)
    width = naskh.getlength("ليلى", direction="rtl")
    inner = left + (bottom - top) // 5  # past the banner's rounded corner
    banner = _dark(cover.crop((inner, top, right, bottom)))
    start = inner + int(np.nonzero(banner.any(axis=0))[0].min())
    name_ink = _ink(cover.crop((start - 2, top, start + int(width) + 2, bottom)))

    def alone(font: ImageFont.FreeTypeFont, **kw: str) -> np.ndarray:
        img = Image.new("RGB", (3 * size * 2, 3 * size), "white")
        ImageDraw.Draw(img).text((size, size), "ليلى", font=font, fill="black", **kw)
        return _ink(img)

    boxes = ImageFont.truetype(io.BytesIO(font_bytes(FONT_BOLD)), size)
    assert _overlap(name_ink, alone(naskh, direction="rtl")) > 0.8
    assert _overlap(name_ink, alone(boxes)) < 0.5


def test_without_raqm_a_hebrew_name_is_still_drawn_right_to_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Some Pillow builds lack libraqm: the letters of a right-to-left piece are reversed by
    hand, so Hebrew reads the same (Arabic then stays unjoined; see lettering.py)."""
    with_raqm, box = demo_cover()
    letter_title(with_raqm, "שירה and the Moon Boat", box)
    monkeypatch.setattr(lettering, "_raqm", lambda: False)
    without, _ = demo_cover()
    letter_title(without, "שירה and the Moon Boat", box)
    a = np.asarray(with_raqm.convert("L")).astype(int)
    b = np.asarray(without.convert("L")).astype(int)
    # the same letters in the same order: the two letterings differ by antialiasing only
    assert (np.abs(a - b) > 128).mean() < 0.002
