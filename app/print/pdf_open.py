"""Opening a PDF that came from outside (a book to import, a file to preflight) as a printer
would: MuPDF's own messages are captured instead of printed, a file MuPDF had to repair is
named as damaged, a password-locked file, one with no pages or more pages than the printer
takes is refused before any page is read, and what printers forbid in a file (encryption,
JavaScript, embedded files) is counted for preflight to judge. Each refusal is one sentence
naming the file and the figure."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pymupdf

from app.domain import BadInput

# PyMuPDF does not support threads ("multithreaded use is not supported", its docs):
# every in-process entry point takes this lock, so a thread's PDF work (the quality gate's
# checks in asyncio.to_thread, the console's preview on the GUI thread, composition when
# the CPU pool is threads) never overlaps another's. In a pool process it is uncontended.
MUPDF_LOCK = threading.RLock()
F = TypeVar("F", bound=Callable[..., Any])


def with_mupdf(fn: F) -> F:
    """`fn` run holding MUPDF_LOCK."""

    @functools.wraps(fn)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with MUPDF_LOCK:
            return fn(*args, **kwargs)

    return cast(F, locked)


# MuPDF prints its errors and warnings itself unless told not to; they are read back from
# its store instead (pymupdf.TOOLS.mupdf_warnings) and put in the sentence.
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

# https://kdp.amazon.com/help/topic/GYEKAVKMSE23PFTM ("File security")
KDP_SECURITY = "KDP: “do not lock or encrypt the files”"
# what MuPDF raises on objects it could not repair, wherever a page or object is read
MUPDF_ERRORS = (RuntimeError, ValueError, IndexError, pymupdf.mupdf.FzErrorBase)
_SCRIPT = re.compile(rb"/(?:JS|JavaScript|Launch)\b")


@dataclass(frozen=True)
class PdfFacts:
    """What the file is, beyond its pages."""

    repaired: bool
    messages: str  # MuPDF's first message about the file, "" when it had none
    encryption: str  # "" or the scheme of an owner password (opens, but is locked)
    scripts: int  # objects with JavaScript or launch actions
    embedded_files: int

    def damage(self, name: str) -> str | None:
        if not self.repaired:
            return None
        said = f" ({self.messages})" if self.messages else ""
        return f"{name} is damaged: MuPDF had to repair it{said}; export the PDF again"


def _first_message() -> str:
    lines = [ln for ln in pymupdf.TOOLS.mupdf_warnings().splitlines() if ln.strip()]
    return lines[0][:160] if lines else ""


def _count_scripts(doc: pymupdf.Document) -> int:
    found = 0
    for xref in range(1, doc.xref_length()):
        try:
            found += bool(_SCRIPT.search(doc.xref_object(xref, compressed=True).encode()))
        except MUPDF_ERRORS:  # a damaged object: the damage is said elsewhere
            continue
    return found


@contextmanager
def open_pdf(
    source: bytes | Path, name: str, *, max_pages: int, most: str = ""
) -> Iterator[tuple[pymupdf.Document, PdfFacts]]:
    """The document and its facts; BadInput when it cannot be a book for a printer. `most`
    says `max_pages` in the reader's terms (default: the number)."""
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        if isinstance(source, Path):
            doc = pymupdf.open(source, filetype="pdf")
        else:
            doc = pymupdf.open(stream=source, filetype="pdf")
    except Exception as exc:
        said = _first_message() or str(exc)
        raise BadInput(f"{name}: not a PDF that can be read ({said})") from None
    with doc:
        if not doc.is_pdf:  # MuPDF sniffs the bytes: a PDF overwritten by a PNG opens as one
            raise BadInput(f"{name}: not a PDF (its bytes are another kind of file)")
        if doc.needs_pass:
            raise BadInput(
                f"{name}: is locked with a password, which no printer opens ({KDP_SECURITY}); "
                "export it without a password"
            )
        try:
            count = doc.page_count
        except MUPDF_ERRORS as exc:
            raise BadInput(f"{name}: its pages cannot be read ({exc})") from None
        if count < 1:
            raise BadInput(f"{name}: has no pages")
        if count > max_pages:
            raise BadInput(
                f"{name}: {count:,} pages; the printer takes at most {most or max_pages} "
                "(refused before any page is read)"
            )
        try:
            facts = PdfFacts(
                repaired=bool(doc.is_repaired),
                messages=_first_message(),
                encryption=str((doc.metadata or {}).get("encryption") or ""),
                scripts=_count_scripts(doc),
                embedded_files=doc.embfile_count(),
            )
        except MUPDF_ERRORS as exc:
            raise BadInput(f"{name}: damaged beyond reading ({exc})") from None
        try:
            yield doc, facts
        except MUPDF_ERRORS as exc:  # a page or object that could not be repaired
            raise BadInput(f"{name}: damaged beyond reading ({exc})") from None


def page_of(doc: pymupdf.Document, number: int, name: str) -> pymupdf.Page:
    """Page `number` (0-based), or BadInput naming it when its objects are broken."""
    try:
        return doc[number]
    except MUPDF_ERRORS as exc:
        raise BadInput(f"{name}: page {number + 1} cannot be read ({exc})") from None


def image_pixels(page: pymupdf.Page) -> tuple[int, int, int]:
    """The largest picture the page uses, (pixels, width, height), from the pictures'
    dictionaries — nothing is decoded."""
    largest = (0, 0, 0)
    for entry in page.get_images(full=True):
        width, height = int(entry[2]), int(entry[3])
        largest = max(largest, (width * height, width, height))
    return largest
