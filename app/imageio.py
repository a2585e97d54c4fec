"""Image intake: decode what customers and catalog editors send, or say clearly why not.

Accepted: JPEG (RGB or CMYK), PNG (alpha flattened onto white), WebP; EXIF orientation is
applied. Refused with a reason: missing file, zero bytes, not an image, an unsupported
format, a truncated file, more pixels than the configured limit (decompression bombs).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.domain import BadInput

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO", "HEIF"})
HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1", b"ftypavif")

try:  # HEIC is what iPhones upload; pillow-heif (libheif) decodes it
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - a build without it says what the file is
    pass

# Our own limit (checked before decoding) replaces Pillow's global one.
Image.MAX_IMAGE_PIXELS = None


MB = 1024 * 1024
MAX_FILE_BYTES = 100 * MB  # a photo or a picture: 60 MP as a PNG fits, /dev/zero does not


def read_file(path: Path | str, what: str = "image") -> bytes:
    """A picture's bytes from a regular file of at most MAX_FILE_BYTES (a device, a pipe or
    a file that never ends is refused before it is read)."""
    return read_capped(Path(path), MAX_FILE_BYTES, what)


def megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size < 10 * MB else f"{size / MB:,.0f} MB"


def read_capped_size(path: Path, limit: int, what: str) -> int:
    """The size of a regular file, refused when it is missing, not a regular file (a device,
    a pipe: reading it could never end) or larger than `limit`."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise BadInput(f"{path}: {what} not found") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise BadInput(f"{path}: is a folder, not {what}")
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"{path}: is not a regular file (a device, pipe or socket), not {what}")
    if info.st_size > limit:
        raise BadInput(
            f"{path}: {what} is {megabytes(info.st_size)}; the limit is {megabytes(limit)}"
        )
    return info.st_size


def read_capped(path: Path, limit: int, what: str) -> bytes:
    """A regular file's bytes, refused when larger than `limit` (checked before reading, and
    while reading, so a file that grows is still bounded)."""
    read_capped_size(path, limit, what)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise BadInput(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise BadInput(f"{path}: {what} is larger than the limit of {megabytes(limit)}")
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
        if data[4:12] in HEIF_BRANDS:
            raise BadInput(
                f"{name}: a HEIC/HEIF photo (as iPhones take), which this build cannot read; "
                "send it as JPEG"
            ) from None
        raise BadInput(f"{name}: not an image (expected JPEG, PNG, WebP or HEIC)") from None
    except Exception as exc:
        raise BadInput(f"{name}: cannot read the image ({exc})") from None
    if img.format not in ACCEPTED_FORMATS:
        raise BadInput(
            f"{name}: {img.format} images are not supported (use JPEG, PNG, WebP or HEIC)"
        )
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
    if img.mode.startswith("I") or img.mode == "F":
        return _deep_gray(img).convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if img.mode == "CMYK":
        # Adobe CMYK JPEGs are stored inverted; Pillow handles it when converting.
        return img.convert("RGB")
    return img.convert("RGB")


def _deep_gray(img: Image.Image) -> Image.Image:
    """16-bit (or 32-bit, or float) grayscale as 8-bit: Pillow's own convert clips every
    value above 255 to white, which would send an all-white picture of the child."""
    import numpy as np

    values = np.asarray(img, dtype=np.float64)
    top = 65535.0 if img.mode.startswith("I;16") else max(float(values.max()), 1.0)
    if img.mode == "I" and top <= 255:
        top = 255.0
    return Image.fromarray(np.clip(values * (255.0 / top), 0, 255).astype(np.uint8), "L")


# Metadata a photo may carry about where, when and on what it was taken.
_METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "gps", "dpi_exif")


def has_metadata(data: bytes) -> bool:
    """Whether a picture carries EXIF (GPS, device, time), XMP or a comment."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return bool(img.getexif()) or any(k in img.info for k in _METADATA_KEYS)
    except Exception:  # unreadable: the checks say why, not this
        return False


def scrub_photo(data: bytes, name: str, max_pixels: int) -> tuple[bytes, str]:
    """A child's photo as it is kept: upright (its EXIF orientation applied) and without any
    metadata — no GPS position, device or time. PNG stays PNG (lossless); everything else,
    HEIC included, becomes a JPEG at quality 95. Returns the bytes and their suffix."""
    img = decode_image(data, name, max_pixels)
    # Pillow writes what `info` carries (a JPEG's comment, a PNG's EXIF) back out
    img.info = {k: v for k, v in img.info.items() if k == "icc_profile"}
    with Image.open(io.BytesIO(data)) as source:
        was_png = source.format == "PNG"
    if was_png:
        return encode_png(img), ".png"
    return encode_jpeg(img, 95), ".jpg"


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
