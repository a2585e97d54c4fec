"""Hostile book files, built fresh for `pressroom bench --hostile-books`
(app/proving/hostile_books.py): valid bundles and PDFs, and the ways to spoil them — a
manifest edited, a file replaced, a link out of the folder, a pipe, a PDF cut, locked,
scripted or carrying a 900 MP picture."""

from __future__ import annotations

import json
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from importlib.resources import as_file
from pathlib import Path
from typing import Any

from app.assets import demo_root

Builder = Callable[[Path], Path]


def demo_bundle(into: Path, pages: int = 3) -> Path:
    """A valid exported bundle: the demo's moon-boat cut to `pages` pages."""
    folder = into / "bundle"
    with as_file(demo_root().joinpath("moon-boat")) as source:
        shutil.copytree(source, folder)
    data = json.loads((folder / "book.json").read_text())
    data["pages"] = data["pages"][:pages]
    (folder / "book.json").write_text(json.dumps(data))
    return folder


def edit_manifest(into: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    folder = demo_bundle(into)
    data = json.loads((folder / "book.json").read_text())
    change(data)
    (folder / "book.json").write_text(json.dumps(data))
    return folder


def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is `width`×`height` (its pixels are never there: only a bomb's
    header, which is all a header check should need to refuse it)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def book_pdf(path: Path, pages: int = 2, *, side_pt: float = 594.0, art_px: int = 2475) -> Path:
    """A valid book PDF: a cover with its title, then `pages` pages naming the hero, each
    with full-bleed art of `art_px` pixels a side."""
    import io

    import pymupdf
    from PIL import Image

    out = io.BytesIO()
    if art_px:
        Image.new("RGB", (64, 64), (120, 160, 200)).resize((art_px, art_px)).save(out, "JPEG")
    art = out.getvalue()
    doc = pymupdf.open()
    for n in range(pages + 1):
        page = doc.new_page(width=side_pt, height=side_pt)
        if art:  # else: vector art, which prints at any resolution
            page.insert_image(page.rect, stream=art)
        text = "The Sea Day" if n == 0 else f"Nora swam to the rock number {n}."
        page.insert_textbox(
            pymupdf.Rect(50, 40, side_pt - 50, 140), text, fontsize=36 if n == 0 else 18
        )
    doc.save(path)
    return path


def bomb_pdf(path: Path) -> Path:
    """A 1 MB PDF whose first page draws a 30000×30000 picture (900 MP once decoded)."""
    import io

    import pymupdf
    from PIL import Image

    side = 30_000
    doc = pymupdf.open(book_pdf(path.with_suffix(".base.pdf")))
    small = io.BytesIO()
    Image.new("L", (8, 8)).save(small, "PNG")
    xref = doc[1].insert_image(doc[1].rect, stream=small.getvalue())
    compressor = zlib.compressobj(9)
    row = b"\0" * side
    stream = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    doc.update_stream(xref, stream, compress=False)
    for key, value in (
        ("Width", str(side)),
        ("Height", str(side)),
        ("BitsPerComponent", "8"),
        ("ColorSpace", "/DeviceGray"),
        ("Filter", "/FlateDecode"),
        ("DecodeParms", "null"),
        ("SMask", "null"),
    ):
        doc.xref_set_key(xref, key, value)
    doc.save(path)
    return path


def with_doc(path: Path, change: Callable[[Any], None], **save: Any) -> Path:
    import pymupdf

    doc = pymupdf.open(book_pdf(path.with_suffix(".base.pdf")))
    change(doc)
    doc.save(path, **save)
    return path


def cut(share: float) -> Builder:
    def build(into: Path) -> Path:
        whole = book_pdf(into / "whole.pdf").read_bytes()
        cut = into / f"cut-{round(share * 100)}.pdf"
        cut.write_bytes(whole[: int(len(whole) * share)])
        return cut

    return build


def scripted(doc: Any) -> None:
    doc.embfile_add("setup.exe", b"MZ" + b"\0" * 4096, filename="setup.exe")
    catalog = doc.pdf_catalog()
    js = doc.get_new_xref()
    doc.update_object(js, "<< /S /JavaScript /JS (app.alert('hello')) >>")
    doc.xref_set_key(catalog, "OpenAction", f"{js} 0 R")


def fifo(into: Path) -> Path:
    folder = demo_bundle(into)
    (folder / "page-01.jpg").unlink()
    os.mkfifo(folder / "page-01.jpg")
    return folder


def symlink_out(into: Path) -> Path:
    folder = demo_bundle(into)
    secret = into / "another-customers-photo.jpg"
    shutil.copy(folder / "cover.jpg", secret)
    (folder / "page-01.jpg").unlink()
    (folder / "page-01.jpg").symlink_to(secret)
    return folder


def replace_file(name: str, data: bytes) -> Builder:
    def build(into: Path) -> Path:
        folder = demo_bundle(into)
        (folder / name).write_bytes(data)
        return folder

    return build


def page(field: str, value: Any, page: int = 0) -> Builder:
    return lambda into: edit_manifest(into, lambda d: d["pages"][page].__setitem__(field, value))


def field(field: str, value: Any) -> Builder:
    return lambda into: edit_manifest(into, lambda d: d.__setitem__(field, value))


def raw_manifest(text: bytes) -> Builder:
    return replace_file("book.json", text)


def many_pages(into: Path) -> Path:
    """A folder's manifest (no format: texts only) of 100,000 pages, 400 KB."""

    def change(d: dict[str, Any]) -> None:
        d.pop("format")
        d["pages"] = ["Mia"] * 100_000

    return edit_manifest(into, change)


def duplicate_index(into: Path) -> Path:
    def change(d: dict[str, Any]) -> None:
        for page in d["pages"]:
            page["index"] = 1

    return edit_manifest(into, change)


def huge_title(into: Path) -> Path:
    folder = demo_bundle(into)
    data = json.loads((folder / "book.json").read_text())
    data["title"] = "A" * 50_000_000
    data["blurb"] = "B" * 20_000_000
    (folder / "book.json").write_text(json.dumps(data))
    return folder


def deep(into: Path) -> Path:
    folder = demo_bundle(into)
    text = (folder / "book.json").read_text()
    (folder / "book.json").write_text(text[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return folder


def pictures_folder(text: bytes, *, pictures: int = 3) -> Builder:
    def build(into: Path) -> Path:
        folder = into / "pictures"
        folder.mkdir()
        with as_file(demo_root().joinpath("moon-boat")) as source:
            shutil.copy(source / "cover.jpg", folder / "cover.jpg")
            for n in range(1, pictures + 1):
                shutil.copy(source / f"page-{n:02d}.jpg", folder / f"page-{n:02d}.jpg")
        (folder / "text.txt").write_bytes(text)
        return folder

    return build


def garbage(into: Path) -> Path:
    path = into / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(4096))
    return path


def sparse_pdf(into: Path) -> Path:
    path = into / "huge.pdf"
    with open(path, "wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(700 * 1024 * 1024)  # a 700 MB file that takes no disk
    return path
