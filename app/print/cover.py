"""The cover spread a printer takes: one page holding the back cover, the spine and the
front cover, with the profile's bleed (and, for a casewrap hardcover, the material wrapped
round the boards). The front is the personalized cover; the back carries the book's blurb
and leaves the barcode area clear; the spine carries the title and the child's name only
where the printer allows spine text (page count) and it fits."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pymupdf
from PIL import Image, ImageStat

from app.assets import TEXT_FONTS
from app.imageio import encode_jpeg
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


def _crop_to(image: bytes, aspect: float) -> bytes:
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
    return encode_jpeg(rgb.crop(box), quality=92)


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
    fonts: Sequence[str] = TEXT_FONTS,
) -> bytes:
    """The spread for an interior of `pages` pages (after padding)."""
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
        # the front fills its trim and the bleed and wrap beyond its three outer edges
        front_area = pymupdf.Rect(g.front.x0, 0, g.page.x1, g.page.y1)
        page.insert_image(
            front_area, stream=_crop_to(front_image, front_area.width / front_area.height)
        )
        safe = profile.cover.safe_margin * PT
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
        if g.barcode is not None:  # left clear: the printer (or the shop) prints the barcode here
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
        return doc.tobytes(garbage=3, deflate=True)
    finally:
        doc.close()
