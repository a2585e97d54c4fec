"""Image intake: decode what customers and catalog editors send, or say clearly why not.

Accepted: JPEG (RGB or CMYK), PNG (alpha flattened onto white), WebP; EXIF orientation is
applied. Refused with a reason: missing file, zero bytes, not an image, an unsupported
format, a truncated file, more pixels than the configured limit (decompression bombs).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.domain import BadInput

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"})

# Our own limit (checked before decoding) replaces Pillow's global one.
Image.MAX_IMAGE_PIXELS = None


def read_file(path: Path | str, what: str = "image") -> bytes:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a folder, not an {what}") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    return data


def decode_image(data: bytes, name: str, max_pixels: int) -> Image.Image:
    """Decode to an RGB image, upright, or raise BadInput naming `name`."""
    if not data:
        raise BadInput(f"{name}: the file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise BadInput(f"{name}: not an image (expected JPEG, PNG or WebP)") from None
    except Exception as exc:
        raise BadInput(f"{name}: cannot read the image ({exc})") from None
    if img.format not in ACCEPTED_FORMATS:
        raise BadInput(f"{name}: {img.format} images are not supported (use JPEG, PNG or WebP)")
    width, height = img.size
    if width * height > max_pixels:
        raise BadInput(
            f"{name}: image too large ({width}x{height} = {width * height / 1e6:.0f} MP; "
            f"the limit is {max_pixels / 1e6:.0f} MP)"
        )
    try:
        img.load()
    except OSError as exc:
        raise BadInput(f"{name}: the image file is truncated or damaged ({exc})") from None
    except Exception as exc:
        raise BadInput(f"{name}: the image cannot be decoded ({exc})") from None
    with contextlib.suppress(Exception):  # a broken EXIF block should not reject a picture
        img = ImageOps.exif_transpose(img)
    return to_rgb(img)


def to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if img.mode == "CMYK":
        # Adobe CMYK JPEGs are stored inverted; Pillow handles it when converting.
        return img.convert("RGB")
    return img.convert("RGB")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode_jpeg(img: Image.Image, quality: int = 90, dpi: int | None = None) -> bytes:
    out = io.BytesIO()
    kwargs: dict[str, object] = {"quality": quality, "optimize": False}
    if dpi:
        kwargs["dpi"] = (dpi, dpi)
    img.convert("RGB").save(out, "JPEG", **kwargs)
    return out.getvalue()


def encode_png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1)
    return out.getvalue()
