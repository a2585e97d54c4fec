"""Pressroom's own files into the printer's CMYK through LittleCMS (Pillow's ImageCms) with
the output profile: every picture transformed and written as a CMYK JPEG, every RGB fill
and stroke colour of the pages and their form XObjects transformed too — neutral greys and
black to K alone, so text prints in black ink only. Ghostscript's pdfwrite (10.0) was used
before and turned out to ignore -sOutputICCProfile: every file came out in its default
SWOP-like CMYK whatever profile was named (the same 272 % dark blue for 240 % and 320 %
profiles), so the printer's ink limit and condition never applied."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pymupdf
from PIL import Image, ImageCms

JPEG_QUALITY = 92
_NUMBER = rb"(-?\d*\.?\d+)"
_RGB = re.compile(
    rb"(?<![\w.])" + _NUMBER + rb"\s+" + _NUMBER + rb"\s+" + _NUMBER + rb"\s+(rg|RG)(?![\w])"
)
_GREY = re.compile(rb"(?<![\w.])" + _NUMBER + rb"\s+(g|G)(?![\w])")


@cache
def _transform(icc: Path) -> ImageCms.ImageCmsTransform:
    srgb = ImageCms.createProfile("sRGB")
    return ImageCms.buildTransform(
        srgb,
        ImageCms.getOpenProfile(str(icc)),
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.PERCEPTUAL,
    )


@cache
def cmyk_of(icc: Path, rgb: tuple[float, float, float]) -> tuple[float, ...]:
    """One colour through the profile; neutral ones to K alone."""
    if max(rgb) - min(rgb) < 1e-6:
        return (0.0, 0.0, 0.0, round(1 - rgb[0], 4))
    pixel = Image.new("RGB", (1, 1), tuple(round(c * 255) for c in rgb))
    out = ImageCms.applyTransform(pixel, _transform(icc))
    assert out is not None
    values = out.getpixel((0, 0))
    assert isinstance(values, tuple)
    return tuple(round(v / 255, 4) for v in values)


def _operators(icc: Path, data: bytes) -> bytes:
    def rgb(match: re.Match[bytes]) -> bytes:
        *values, op = match.groups()
        r, g, b = (min(1.0, max(0.0, float(v))) for v in values)
        c, m, y, k = cmyk_of(icc, (r, g, b))
        return f"{c:g} {m:g} {y:g} {k:g} {'k' if op == b'rg' else 'K'}".encode()

    def grey(match: re.Match[bytes]) -> bytes:
        value, op = match.groups()
        k = round(1 - min(1.0, max(0.0, float(value))), 4)
        return f"0 0 0 {k:g} {'k' if op == b'g' else 'K'}".encode()

    return _RGB.sub(rgb, _GREY.sub(grey, data))


def _picture(doc: pymupdf.Document, xref: int, icc: Path) -> bytes | None:
    """The picture as a CMYK JPEG, or None when it is not RGB (already CMYK, or grey)."""
    pix = pymupdf.Pixmap(doc, xref)
    if pix.alpha:
        pix = pymupdf.Pixmap(pix, 0)
    if pix.n != 3:
        return None
    image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    cmyk = ImageCms.applyTransform(image, _transform(icc))
    assert cmyk is not None
    out = io.BytesIO()
    cmyk.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def to_device_cmyk(pdf: bytes, icc: Path) -> bytes:
    """`pdf` with every picture and RGB colour in DeviceCMYK through `icc`."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        done: set[int] = set()
        streams: set[int] = set()
        for page in doc:
            for xref, *_ in page.get_images(full=True):
                if xref not in done:
                    done.add(xref)
                    jpeg = _picture(doc, xref, icc)
                    if jpeg is not None:
                        page.replace_image(xref, stream=jpeg)
                        # MuPDF tags a CMYK JPEG with its own SWOP profile; these values
                        # are the printer's, which the output intent names
                        doc.xref_set_key(xref, "ColorSpace", "/DeviceCMYK")
            streams.update(page.get_contents())
            streams.update(x[0] for x in page.get_xobjects() if x[0] > 0)
        for xref in sorted(streams):
            if not doc.xref_is_stream(xref) or doc.xref_get_key(xref, "Subtype")[1] == "/Image":
                continue
            data = doc.xref_stream(xref) or b""
            rewritten = _operators(icc, data)
            if rewritten != data:
                doc.update_stream(xref, rewritten)
        return doc.tobytes(garbage=3, deflate=True)
