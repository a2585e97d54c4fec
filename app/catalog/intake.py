"""The book-file door's limits: what a folder, a bundle or a book's PDF may hold before any
of it is read, decoded or stored. Bundles move between shops, so every file is treated as
hostile: a name must stay inside its folder (no `..`, no absolute path, no symlink that
leaves it), a file must be a regular file no larger than its cap, a picture's pixels are
counted from its header before anything decodes it, and a book has no more pages than the
chosen printer takes. Each refusal is one sentence naming the file and the figure."""

from __future__ import annotations

import io
import shutil
import tempfile
import warnings
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from PIL import Image, UnidentifiedImageError

from app.config import Settings
from app.domain import BadInput
from app.imageio import MB, read_capped

_SUFFIX_OF_FORMAT = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp"}


@dataclass(frozen=True)
class IntakeLimits:
    """Caps on one book file. `max_pages` and `max_pdf_bytes` are the chosen printer's
    (resources/print/*.json, each citing its printer); the rest are Pressroom's own."""

    max_pages: int = 800
    max_pixels: int = 60_000_000
    max_pdf_bytes: int = 650 * MB
    max_picture_bytes: int = 100 * MB
    max_manifest_bytes: int = 1 * MB
    max_text_bytes: int = 1 * MB

    @classmethod
    def from_settings(cls, settings: Settings) -> IntakeLimits:
        from app.print.profiles import load_profile

        profile = load_profile(settings.print_profile)
        return cls(
            max_pages=profile.pages.max,
            max_pixels=settings.max_image_pixels,
            max_pdf_bytes=round(profile.max_file_mb * MB),
        )


def inside(folder: Path, name: str, named_in: str) -> Path:
    """`name` (from `named_in`) as a path in `folder`, refused if it could leave it."""
    shown = name if len(name) <= 80 else name[:77] + "…"
    if not name or "\0" in name:
        raise BadInput(f"{named_in}: an empty or invalid file name ({shown!r})")
    pure = PurePosixPath(name)
    if pure.is_absolute() or PureWindowsPath(name).is_absolute() or PureWindowsPath(name).drive:
        raise BadInput(f"{named_in}: {shown!r} is an absolute path; name files in the folder")
    if ".." in pure.parts or ".." in PureWindowsPath(name).parts:
        raise BadInput(f"{named_in}: {shown!r} leaves the book's folder ('..')")
    root = folder.resolve()
    path = folder / name
    try:
        real = path.resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise BadInput(f"{path}: cannot be followed ({exc})") from None
    if not real.is_relative_to(root):
        raise BadInput(f"{path}: is a link that leaves the book's folder (to {real})")
    return path


def picture_format(data: bytes, name: str) -> tuple[str, tuple[int, int]]:
    """The file suffix and pixel size of a picture, read from its header only (nothing is
    decoded); refused when it is not a JPEG, PNG or WebP."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt, size = img.format or "", img.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise BadInput(f"{name}: not an image (expected JPEG, PNG or WebP)") from None
    if fmt not in _SUFFIX_OF_FORMAT:
        raise BadInput(f"{name}: {fmt} images are not supported (use JPEG, PNG or WebP)")
    return _SUFFIX_OF_FORMAT[fmt], size


def too_many_pixels(size: tuple[int, int], max_pixels: int) -> str | None:
    width, height = size
    if width * height <= max_pixels:
        return None
    return (
        f"{width}×{height} px is {width * height / 1e6:,.0f} MP; a picture may hold at most "
        f"{max_pixels / 1e6:,.0f} MP"
    )


def picture_header(data: bytes, name: str, max_pixels: int) -> tuple[str, tuple[int, int]]:
    """`picture_format`, refused also when the picture holds more than `max_pixels`."""
    suffix, size = picture_format(data, name)
    problem = too_many_pixels(size, max_pixels)
    if problem:
        raise BadInput(f"{name}: {problem}")
    return suffix, size


def check_page_count(count: int, limits: IntakeLimits, name: str) -> None:
    if count > limits.max_pages:
        raise BadInput(
            f"{name}: {count:,} pages; the printer takes at most {limits.max_pages} "
            "(a book's pages are checked before any is read)"
        )


class FolderImages(Mapping[str, bytes]):
    """A book's pictures read from a folder when asked for, one at a time, so that a book
    is never held in memory whole. Names were confined to the folder when it was made."""

    def __init__(self, folder: Path, names: list[str], limits: IntakeLimits, named_in: str):
        self._paths = {n: inside(folder, n, named_in) for n in dict.fromkeys(names)}
        self._limits = limits

    def path_of(self, name: str) -> Path:
        return self._paths[name]

    def __getitem__(self, name: str) -> bytes:
        data = read_capped(self._paths[name], self._limits.max_picture_bytes, "picture")
        if not data:
            raise BadInput(f"{self._paths[name]}: the file is empty (0 bytes)")
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def check_all(self) -> dict[str, tuple[int, int]]:
        """Every picture's pixel size (each read and header-checked, none decoded)."""
        return {
            n: picture_header(self[n], str(self._paths[n]), self._limits.max_pixels)[1]
            for n in self._paths
        }


class ScratchImages(FolderImages):
    """Pictures made during the import (a PDF's pages), written to a private temporary
    folder as they are rendered and removed with it."""

    def __init__(self, limits: IntakeLimits) -> None:
        self._scratch = Path(tempfile.mkdtemp(prefix="pressroom-import-"))
        weakref.finalize(self, shutil.rmtree, self._scratch, ignore_errors=True)
        super().__init__(self._scratch, [], limits, "import")

    def add(self, name: str, data: bytes) -> None:
        path = self._scratch / name
        path.write_bytes(data)
        self._paths[name] = path
