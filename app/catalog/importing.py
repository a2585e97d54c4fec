"""Reading a book in: a folder of pictures (cover + pages in name order) with a book.json
or a text.txt holding one paragraph per page, or the book's own print PDF
(app.catalog.pdf_import). Pictures below the print resolution are refused here, with the
file and the figures, before anything is stored."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.catalog.bundle import IMAGE_SUFFIXES, MANIFEST, BookFiles, read_bundle, slug
from app.catalog.hero_name import propose_hero
from app.catalog.intake import (
    FolderImages,
    IntakeLimits,
    check_page_count,
    inside,
    picture_header,
    read_capped,
)
from app.catalog.manifest import MAX_PAGE_TEXT, load_manifest
from app.catalog.validate import resolution_problem
from app.domain import BadInput, Book, BookStatus, Box, Page
from app.print.pdf import PrintSpec

TEXT_FILE = "text.txt"


def read_source(
    path: Path,
    spec: PrintSpec,
    limits: IntakeLimits | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BookFiles:
    """A folder or a PDF, checked for print within `limits` (the chosen printer's: see
    IntakeLimits.from_settings; Pressroom's own ceilings when not given). `progress(done,
    total)` as a PDF's pages are rendered."""
    limits = limits or IntakeLimits()
    if path.is_dir():
        files = read_folder(path, limits)
    elif path.suffix.lower() == ".pdf":
        from app.catalog.pdf_import import read_pdf  # PyMuPDF only when a PDF comes in

        files = read_pdf(path, spec, limits, progress)
    elif not path.exists():
        raise BadInput(f"{path}: no such folder or file")
    else:
        raise BadInput(f"{path}: give a folder of pictures or the book's PDF")
    refuse_low_resolution(files, spec)
    return files


def refuse_low_resolution(files: BookFiles, spec: PrintSpec) -> None:
    book = files.book
    problems = []
    for where, name in [("cover", book.cover_image)] + [
        (f"page {p.index}", p.image) for p in book.pages
    ]:
        size = picture_header(files.images[name], f"{where} ({name})", spec.max_pixels)[1]
        problem = resolution_problem(size, spec)
        if problem:
            problems.append(f"{where} ({name}): {problem}")
    if problems:
        raise BadInput("pictures below the print resolution: " + "; ".join(problems))


def read_folder(folder: Path, limits: IntakeLimits | None = None) -> BookFiles:
    limits = limits or IntakeLimits()
    manifest = load_manifest(folder, limits) or {}
    if "format" in manifest:  # a bundle (read_bundle refuses a format it does not know)
        return read_bundle(folder, manifest, limits)
    pictures = sorted(
        p.name
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    )
    if len(pictures) < 2:
        raise BadInput(
            f"{folder}: expected a cover and at least one page picture (JPEG, PNG, WebP)"
        )
    check_page_count(len(pictures) - 1, limits, str(folder))
    cover = next((n for n in pictures if Path(n).stem.lower() == "cover"), pictures[0])
    page_files = [n for n in pictures if n != cover]
    images = FolderImages(folder, pictures, limits, str(folder))
    images.check_all()  # a renamed non-image, a link out of the folder, a bomb: named here
    texts = _page_texts(folder, manifest, len(page_files), limits)
    title = str(manifest.get("title") or folder.name.replace("-", " ").replace("_", " ").title())
    book = Book(
        id=str(manifest.get("id") or slug(title)),
        title=title[:200],
        genre=str(manifest.get("genre", "")),
        age_range=str(manifest.get("age_range", "")),
        hero_name=str(manifest.get("hero_name", "")),
        hero_gender=manifest.get("hero_gender") or None,
        cover_image=cover,
        pages=tuple(
            Page(n, name, text)
            for n, (name, text) in enumerate(zip(page_files, texts, strict=True), 1)
        ),
        title_box=Box.from_list(manifest["title_box"]) if manifest.get("title_box") else None,
        blurb=str(manifest.get("blurb") or ""),
        isbn=manifest.get("isbn") or None,
        status=BookStatus.DRAFT,
    )
    source = MANIFEST if manifest.get("pages") else TEXT_FILE if any(texts) else "no text"
    notes = (f"{len(page_files)} pages from {len(pictures)} pictures; text from {source}",)
    return BookFiles(book, images, propose_hero(texts), notes)


def _page_texts(
    folder: Path, manifest: dict[str, Any], count: int, limits: IntakeLimits
) -> list[str]:
    if manifest.get("pages"):
        texts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in manifest["pages"]]
        origin = f"{MANIFEST}'s pages"
    elif folder.joinpath(TEXT_FILE).exists():
        path = inside(folder, TEXT_FILE, str(folder))
        try:
            raw = read_capped(path, limits.max_text_bytes, TEXT_FILE).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput(f"{path}: not UTF-8 text") from None
        texts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw.strip()) if p.strip()]
        origin = f"{TEXT_FILE} (paragraphs separated by a blank line)"
    else:
        return [""] * count
    long = next((n for n, t in enumerate(texts, 1) if len(t) > MAX_PAGE_TEXT), None)
    if long is not None:
        raise BadInput(
            f"{folder}: {origin}: page {long}'s text is {len(texts[long - 1]):,} characters; "
            f"a page holds at most {MAX_PAGE_TEXT:,}"
        )
    if len(texts) != count:
        raise BadInput(
            f"{folder}: {origin} has {len(texts)} texts for {count} page pictures; "
            "give one per page, in the pages' name order"
        )
    return texts


def with_answers(
    files: BookFiles, *, hero: str | None, gender: str | None, book_id: str | None = None
) -> BookFiles:
    """The import's questions answered (the hero's name, their gender, the book's id)."""
    book = files.book
    return replace(
        files,
        book=replace(
            book,
            id=book_id or book.id,
            hero_name=hero or book.hero_name or files.proposed_hero or "",
            hero_gender=gender or book.hero_gender,
        ),
    )
