"""The cover spread a printer takes: one page holding the back cover, the spine and the
front cover, with the profile's bleed (and, for a casewrap hardcover, the material wrapped
round the boards). The front is the personalized cover; the back carries the book's blurb
and leaves the barcode area clear; the spine carries the title and the child's name only
where the printer allows spine text (page count) and it fits."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pymupdf
from PIL import Image, ImageStat

from app.assets import TEXT_FONTS
from app.domain import Box
from app.imageio import encode_jpeg
from app.print.barcode import draw_isbn_barcode
from app.print.pdf import Typesetter, text_css, text_html
from app.print.profiles import PT, PrinterProfile

SPINE_TEXT_PT = 10.0
SPINE_MIN_WIDTH = SPINE_TEXT_PT * 1.6 / PT  # inches: the lettering plus a little air


@dataclass(frozen=True)
class SpreadGeometry:
    """Rects of the spread in points."""

    page: pymupdf.Rect
    trim: pymupdf.Rect  # back + hinges + spine + front, without bleed and wrap
    back: pymupdf.Rect  # the back cover's trim
    spine: pymupdf.Rect
    front: pymupdf.Rect  # the front cover's trim
    barcode: pymupdf.Rect | None


@dataclass(frozen=True)
class CoverSpread:
    pdf: bytes
    art_regions: tuple[pymupdf.Rect, ...]  # where the front art's title and hero landed


def spread_geometry(profile: PrinterProfile, pages: int) -> SpreadGeometry:
    assert profile.cover is not None
    width, height = profile.spread_size(pages)
    edge = (profile.cover.bleed + profile.cover.wrap) * PT
    trim_w, trim_h = profile.trim[0] * PT, profile.trim[1] * PT
    hinge = profile.cover.hinge * PT
    spine_w = profile.spine_width(pages) * PT
    page = pymupdf.Rect(0, 0, width * PT, height * PT)
    back = pymupdf.Rect(edge, edge, edge + trim_w, edge + trim_h)
    spine = pymupdf.Rect(back.x1 + hinge, edge, back.x1 + hinge + spine_w, edge + trim_h)
    front = pymupdf.Rect(spine.x1 + hinge, edge, spine.x1 + hinge + trim_w, edge + trim_h)
    code = profile.cover.barcode
    barcode = None
    if code is not None:
        barcode = pymupdf.Rect(
            back.x1 - (code.right + code.width) * PT,
            back.y1 - (code.bottom + code.height) * PT,
            back.x1 - code.right * PT,
            back.y1 - code.bottom * PT,
        )
    return SpreadGeometry(
        page, pymupdf.Rect(back.x0, back.y0, front.x1, front.y1), back, spine, front, barcode
    )


def _crop_to(image: bytes, aspect: float) -> Image.Image:
    """The centre of `image` at `aspect` (width / height), so it fills its panel exactly."""
    with Image.open(io.BytesIO(image)) as img:
        rgb = img.convert("RGB")
    w, h = rgb.size
    if w / h > aspect:
        new_w = round(h * aspect)
        box = ((w - new_w) // 2, 0, (w - new_w) // 2 + new_w, h)
    else:
        new_h = round(w / aspect)
        box = (0, (h - new_h) // 2, w, (h - new_h) // 2 + new_h)
    return rgb.crop(box)


def art_scale(front: pymupdf.Rect, safe: pymupdf.Rect, keep: Sequence[Box]) -> float:
    """How much the art, filling the front board at 1, must shrink (about the board's
    centre) for everything in `keep` (its title, its hero) to stand inside `safe`."""
    if not keep:
        return 1.0
    cx, cy = (front.x0 + front.x1) / 2, (front.y0 + front.y1) / 2
    limits = [1.0]
    for low, high, centre, size, lo, hi in (
        (min(b.left for b in keep), max(b.right for b in keep), cx, front.width, safe.x0, safe.x1),
        (min(b.top for b in keep), max(b.bottom for b in keep), cy, front.height, safe.y0, safe.y1),
    ):
        if low < 0.5:
            limits.append((centre - lo) / ((0.5 - low) * size))
        if high > 0.5:
            limits.append((hi - centre) / ((high - 0.5) * size))
    return max(0.5, min(limits))


def extended_art(
    art: Image.Image, front: pymupdf.Rect, area: pymupdf.Rect, scale: float
) -> tuple[bytes, pymupdf.Rect]:
    """The art at `scale` centred on the front board, mirrored outwards to fill `area` (the
    board with its bleed and wrap): the picture is continued into the wrap, never enlarged
    into it. Returns the JPEG for `area` and where the art itself landed."""
    per_pt = art.width / (front.width * scale)
    placed = pymupdf.Rect(0, 0, front.width * scale, front.height * scale)
    placed += (
        (front.x0 + front.x1 - placed.width) / 2,
        (front.y0 + front.y1 - placed.height) / 2,
        (front.x0 + front.x1 - placed.width) / 2,
        (front.y0 + front.y1 - placed.height) / 2,
    )
    pads = [
        round((placed.x0 - area.x0) * per_pt),
        round((placed.y0 - area.y0) * per_pt),
        round((area.x1 - placed.x1) * per_pt),
        round((area.y1 - placed.y1) * per_pt),
    ]
    left, top, right, bottom = (max(0, p) for p in pads)
    pixels = np.asarray(art)
    grown = np.pad(pixels, ((top, bottom), (left, right), (0, 0)), mode="symmetric")
    return encode_jpeg(Image.fromarray(grown), quality=92), placed


def edge_colour(image: bytes) -> tuple[float, float, float]:
    """The mean colour of the cover's left edge: the back and the spine continue it."""
    with Image.open(io.BytesIO(image)) as img:
        rgb = img.convert("RGB")
        strip = rgb.crop((0, 0, max(1, rgb.width // 20), rgb.height))
        r, g, b = ImageStat.Stat(strip).mean
    return r / 255, g / 255, b / 255


def _text_colour(background: tuple[float, float, float]) -> str:
    luminance = 0.2126 * background[0] + 0.7152 * background[1] + 0.0722 * background[2]
    return "#1f1a29" if luminance > 0.55 else "#ffffff"


def build_cover(
    front_image: bytes,
    profile: PrinterProfile,
    pages: int,
    *,
    title: str,
    child_name: str,
    blurb: str,
    keep: Sequence[Box] = (),
    isbn: str | None = None,
    fonts: Sequence[str] = TEXT_FONTS,
) -> CoverSpread:
    """The spread for an interior of `pages` pages (after padding). `keep`: what on the
    front art must stay inside the board's safe area (its title box, its hero)."""
    g = spread_geometry(profile, pages)
    assert profile.cover is not None
    typesetter = Typesetter(fonts)
    background = edge_colour(front_image)
    ink = _text_colour(background)
    doc = pymupdf.open()
    try:
        page = doc.new_page(width=g.page.width, height=g.page.height)
        page.set_bleedbox(page.rect)
        page.set_trimbox(g.trim)
        page.draw_rect(page.rect, color=None, fill=background, overlay=False)
        # the art fills the front board (shrunk if its title or hero would leave the safe
        # area) and is continued by mirroring into the bleed and wrap beyond its outer edges
        safe = profile.cover.safe_margin * PT
        front_area = pymupdf.Rect(g.front.x0, 0, g.page.x1, g.page.y1)
        front_safe = pymupdf.Rect(g.front.x0 + safe, g.front.y0 + safe, g.front.x1 - safe,
                                  g.front.y1 - safe)  # fmt: skip
        art = _crop_to(front_image, g.front.width / g.front.height)
        scale = art_scale(g.front, front_safe, keep)
        jpeg, placed = extended_art(art, g.front, front_area, scale)
        page.insert_image(front_area, stream=jpeg)
        regions = [
            pymupdf.Rect(
                placed.x0 + b.left * placed.width,
                placed.y0 + b.top * placed.height,
                placed.x0 + b.right * placed.width,
                placed.y0 + b.bottom * placed.height,
            )
            for b in keep
        ]
        inset = max(safe, g.back.width * 0.12)
        blurb_box = pymupdf.Rect(
            g.back.x0 + inset,
            g.back.y0 + g.back.height * 0.28,
            g.back.x1 - inset,
            g.back.y0 + g.back.height * 0.62,
        )
        css = text_css(fonts, 18).replace("#1f1a29", ink)
        page.insert_htmlbox(
            blurb_box,
            text_html(blurb, typesetter.fonts),
            css=css,
            archive=typesetter.archive,
            scale_low=0.5,
        )
        code = profile.cover.barcode
        if g.barcode is not None and code is not None:
            if isbn:  # the book's own ISBN, as its EAN-13
                draw_isbn_barcode(page, g.barcode, isbn)
            elif code.printer_adds:  # left white: the printer prints its barcode here
                page.draw_rect(g.barcode, color=None, fill=(1, 1, 1), overlay=True)
        margin = (profile.spine.text_margin if profile.spine else 0.0625) * PT
        if profile.spine_has_text(pages) and g.spine.width >= SPINE_MIN_WIDTH * PT + 2 * margin:
            spine_text = f"{title} · {child_name}"
            box = pymupdf.Rect(
                g.spine.x0 + margin, g.spine.y0 + safe, g.spine.x1 - margin, g.spine.y1 - safe
            )
            spine_css = text_css(fonts, SPINE_TEXT_PT).replace("#1f1a29", ink)
            page.insert_htmlbox(
                box,
                text_html(spine_text, typesetter.fonts),
                css=spine_css,
                archive=typesetter.archive,
                rotate=90,
                scale_low=0.5,
            )
        doc.set_metadata(
            {
                "title": f"{title} — cover",
                "author": "Pressroom",
                "subject": f"Cover spread for {profile.label}, {pages} interior pages",
                "creator": "Pressroom",
                "producer": f"PyMuPDF {pymupdf.VersionBind}",
            }
        )
        doc.subset_fonts()
        return CoverSpread(doc.tobytes(garbage=3, deflate=True), tuple(regions))
    finally:
        doc.close()
