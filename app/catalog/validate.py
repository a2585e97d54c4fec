"""Is a book ready to be sold? Checked as the operator edits and before it goes live:
every page with text names the hero (or is marked as one the hero is not on), each region
lies inside its picture, and each picture has the pixels to print at the shop's size."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.catalog.bundle import image_size
from app.catalog.hero_name import mentions
from app.catalog.intake import too_many_pixels
from app.catalog.manifest import BOOK_ID, ID_RULE
from app.config import Settings
from app.domain import Book, Box
from app.print.pdf import PrintSpec
from app.store.ports import BlobStore

MIN_REGION_SIDE = 0.02  # a region narrower than 2 % of the picture is a slip of the mouse
GENDERS = ("girl", "boy", "child")  # "child": a hero who is neither


@dataclass(frozen=True)
class Finding:
    where: str  # "book", "cover", "page 3"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def print_ppi(size: tuple[int, int], spec: PrintSpec) -> float:
    """The resolution a picture of `size` pixels has on a page with bleed."""
    width_in, height_in = spec.page_size_in
    return min(size[0] / width_in, size[1] / height_in)


def resolution_problem(size: tuple[int, int], spec: PrintSpec) -> str | None:
    ppi = print_ppi(size, spec)
    if ppi >= spec.min_dpi:
        return None
    need_w, need_h = spec.pixels_needed(spec.min_dpi)
    return (
        f"{size[0]}×{size[1]} px is {ppi:.0f} ppi on a {spec.trim_mm[0] / 25.4:g}×"
        f"{spec.trim_mm[1] / 25.4:g} in page; printing needs at least {spec.min_dpi} ppi "
        f"({need_w}×{need_h} px, {spec.target_dpi} ppi recommended)"
    )


def _region_problems(where: str, boxes: tuple[Box, ...], what: str) -> list[Finding]:
    found = []
    for n, b in enumerate(boxes, 1):
        name = what if len(boxes) == 1 else f"{what} {n}"
        if not (0 <= b.left < b.right <= 1 and 0 <= b.top < b.bottom <= 1):
            found.append(Finding(where, f"{name} reaches outside the picture"))
        elif min(b.right - b.left, b.bottom - b.top) < MIN_REGION_SIDE:
            found.append(Finding(where, f"{name} is too small to hold the hero"))
    return found


def validate(book: Book, sizes: Mapping[str, tuple[int, int]], spec: PrintSpec) -> list[Finding]:
    """Everything that stops `book` going live (empty: it may)."""
    found: list[Finding] = []
    if not re.fullmatch(BOOK_ID, book.id):
        found.append(Finding("book", ID_RULE))
    if not book.title.strip():
        found.append(Finding("book", "the title is empty"))
    if not book.hero_name.strip():
        found.append(Finding("book", "the hero's name is empty"))
    if book.hero_gender not in GENDERS:
        found.append(Finding("book", "choose the hero's gender (girl, boy, or child when neither)"))
    if not book.pages:
        found.append(Finding("book", "the book has no pages"))
    if not book.cover_hero_regions:
        found.append(Finding("cover", "mark where the hero stands on the cover"))
    found += _region_problems("cover", book.cover_hero_regions, "hero region")
    if book.title_box is None:
        found.append(Finding("cover", "mark where the title is lettered"))
    else:
        found += _region_problems("cover", (book.title_box,), "title box")
    pictures = [("cover", book.cover_image)] + [(f"page {p.index}", p.image) for p in book.pages]
    for where, key in pictures:
        size = sizes.get(key)
        problem = (
            (too_many_pixels(size, spec.max_pixels) or resolution_problem(size, spec))
            if size
            else "picture missing"
        )
        if problem:
            found.append(Finding(where, problem))
    indexes = [p.index for p in book.pages]
    for index in sorted({i for i in indexes if indexes.count(i) > 1}):
        found.append(Finding(f"page {index}", "appears more than once; each page once"))
    for page in book.pages:
        where = f"page {page.index}"
        if page.hero_absent:
            if page.hero_regions:
                found.append(Finding(where, "marked 'hero not on this page' but has hero regions"))
            continue
        if page.text.strip() and not mentions(page.text, book.hero_name):
            found.append(
                Finding(
                    where,
                    f"the text does not name {book.hero_name or 'the hero'}; "
                    "fix the text or mark 'hero not on this page'",
                )
            )
        if not page.hero_regions:
            found.append(Finding(where, "mark where the hero stands, or 'hero not on this page'"))
        found += _region_problems(where, page.hero_regions, "hero region")
    return found


def catalog_spec(settings: Settings) -> PrintSpec:
    """The page a book's pictures must fill: the chosen printer's, or the reading PDF's."""
    return PrintSpec.from_settings(settings, printer=True)


def picture_sizes(blobs: BlobStore, book: Book) -> dict[str, tuple[int, int]]:
    """Each picture's pixel size, read from its header; a missing one is left out."""
    sizes = {}
    for key in (book.cover_image, *(p.image for p in book.pages)):
        if blobs.exists(key):
            sizes[key] = image_size(blobs.get(key), key)
    return sizes


def check_book(blobs: BlobStore, book: Book, spec: PrintSpec) -> list[Finding]:
    return validate(book, picture_sizes(blobs, book), spec)
