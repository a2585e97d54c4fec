"""The book's ISBN as the EAN-13 ("Bookland") symbol on the back cover, where the printer
does not place one itself (Lulu's one-piece covers: "The One-Piece Cover designer will NOT
add a barcode", https://connect.lulu.com/en/discussion/33338). The bars come from
python-barcode; the size is GS1's nominal EAN-13 (37.29 mm wide with its quiet zones,
22.85 mm bars, X = 0.33 mm, 80-200 % allowed: https://www.gs1ie.org/standards/data-carriers/
barcodes/ean-13/), with the ISBN printed above the bars as BISG asks
(https://www.bisg.org/barcoding-guidelines-for-the-us-book-industry)."""

from __future__ import annotations

import re

import pymupdf
from barcode import ISBN13
from barcode.errors import BarcodeError

from app.assets import font_bytes
from app.domain import BadInput

MM = 72 / 25.4
MODULE_MM = 0.33  # the X dimension at 100 %
BAR_MM = 22.85
QUIET = (11, 7)  # modules left and right
MIN_SCALE = 0.8


def normalized_isbn(text: str) -> str:
    """The ISBN-13 as 13 digits, or BadInput saying what is wrong with it."""
    digits = re.sub(r"[\s-]", "", text)
    if digits.upper().startswith("ISBN"):
        digits = digits[4:].lstrip(":")
    if not re.fullmatch(r"97[89]\d{10}", digits):
        raise BadInput(f"ISBN {text!r}: an ISBN-13 is 13 digits starting 978 or 979")
    try:
        full = str(ISBN13(digits[:12]).get_fullcode())
    except BarcodeError as exc:
        raise BadInput(f"ISBN {text!r}: {exc}") from None
    if full != digits:
        raise BadInput(f"ISBN {text!r}: its check digit should be {full[-1]}")
    return digits


def hyphenless(isbn: str) -> str:
    return f"ISBN {isbn[:3]}-{isbn[3:]}"


def draw_isbn_barcode(page: pymupdf.Page, box: pymupdf.Rect, isbn: str) -> pymupdf.Rect:
    """The symbol, as large as the box allows up to 100 % (never below 80 %), on white,
    centred in `box`; returns the rect it takes, quiet zones included."""
    digits = normalized_isbn(isbn)
    bits = ISBN13(digits[:12]).build()[0]
    modules = len(bits) + sum(QUIET)
    text_mm = 2.75  # the digits' height at 100 %
    height_mm = BAR_MM + 2 * text_mm + 2.0
    scale = min(1.0, box.width / (modules * MODULE_MM * MM), box.height / (height_mm * MM))
    if scale < MIN_SCALE:
        raise BadInput(f"the barcode box is too small for an EAN-13 at {MIN_SCALE:.0%}")
    x = MODULE_MM * MM * scale
    width, height = modules * x, height_mm * MM * scale
    x0, y0 = box.x0 + (box.width - width) / 2, box.y0 + (box.height - height) / 2
    area = pymupdf.Rect(x0, y0, x0 + width, y0 + height)
    page.draw_rect(area, color=None, fill=(0, 0, 0, 0), overlay=True)  # white: no ink
    text_h = text_mm * MM * scale
    top = area.y0 + text_h * 1.6
    bars = page.new_shape()
    left = area.x0 + QUIET[0] * x
    for n, bit in enumerate(bits):
        if bit == "1":
            bottom = top + BAR_MM * MM * scale
            bars.draw_rect(pymupdf.Rect(left + n * x, top, left + (n + 1) * x, bottom))
    bars.finish(color=None, fill=(0, 0, 0, 1))  # 100 % K
    bars.commit()
    writer = pymupdf.TextWriter(page.rect)
    font = pymupdf.Font(fontbuffer=font_bytes())  # embedded, as every font must be
    writer.append((left, area.y0 + text_h * 1.2), hyphenless(digits), font=font,
                  fontsize=text_h * 1.1)  # fmt: skip
    writer.write_text(page, color=(0, 0, 0, 1))
    return area
