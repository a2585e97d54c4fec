"""The pictures Gemini is sent and the ones it answers with.

Every reference (the child's photo, a book's cover and pages, the generated cover) is
decoded, resized and encoded once and kept by its content hash, however many calls send
it: a 12-page book sends the photo 26 times and the generated cover 12 times. An answer is
brought to the print size of the page it replaces, and the model's own picture is kept as
the reference later calls send, so the generated cover is never decoded again at print size.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from google.genai import types
from PIL import Image, ImageOps

from app.imageio import decode_image, encode_jpeg, sha256

REFERENCE_MAX_SIDE = 1536
REFERENCES_KEPT = 64  # at most ~20 MB: a few books' worth of 1536 px JPEGs


class References:
    """Reference parts by content hash, least recently used dropped first. Thread-safe:
    parts are made in worker threads."""

    def __init__(self, max_pixels: int, kept: int = REFERENCES_KEPT) -> None:
        self.max_pixels = max_pixels
        self.kept = kept
        self.made = 0  # parts encoded (the rest were found)
        self._parts: OrderedDict[str, types.Part] = OrderedDict()
        self._lock = threading.Lock()

    def part(self, data: bytes, label: str) -> types.Part:
        key = sha256(data)
        found = self._found(key)
        if found is not None:
            return found
        return self._keep(key, decode_image(data, label, self.max_pixels))

    def _found(self, key: str) -> types.Part | None:
        with self._lock:
            part = self._parts.get(key)
            if part is not None:
                self._parts.move_to_end(key)
            return part

    def _keep(self, key: str, img: Image.Image) -> types.Part:
        img = img.copy() if max(img.size) > REFERENCE_MAX_SIDE else img
        img.thumbnail((REFERENCE_MAX_SIDE, REFERENCE_MAX_SIDE), Image.Resampling.LANCZOS)
        part = types.Part.from_bytes(data=encode_jpeg(img, 90), mime_type="image/jpeg")
        with self._lock:
            self.made += 1
            self._parts[key] = part
            while len(self._parts) > self.kept:
                self._parts.popitem(last=False)
        return part

    def answer_to_print(self, data: bytes, size: tuple[int, int], label: str) -> bytes:
        """The model answers at ~1K; the page needs the original's print resolution. The
        answer itself becomes the reference for the print-size image."""
        img = decode_image(data, f"{label} from the model", self.max_pixels)
        printed = ImageOps.fit(img, size, Image.Resampling.LANCZOS) if img.size != size else img
        out = encode_jpeg(printed, 90, dpi=300)
        del printed
        self._keep(sha256(out), img)
        return out


ROTATED = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def header_size(data: bytes, upright: bool = False) -> tuple[int, int] | None:
    """An image's pixel size from its header (nothing decoded), or None if unreadable;
    `upright`: as decode_image turns it, by its EXIF orientation."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if upright and img.getexif().get(0x0112) in ROTATED:
                return height, width
            return width, height
    except Exception:
        return None
