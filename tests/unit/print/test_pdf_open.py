"""PyMuPDF is not thread-safe: its in-process entry points take one lock."""

from __future__ import annotations

import contextlib
import threading
import time

from app.print.pdf import BookPage, PrintSpec, compose_book
from app.print.pdf_open import MUPDF_LOCK
from app.print.pdf_text import read_pdf
from app.print.preflight import preflight
from app.quality.pdf_checks import pdf_checks


def test_pdf_entry_points_wait_for_each_other() -> None:
    for entry in (compose_book, pdf_checks, read_pdf, preflight):
        assert entry.__wrapped__  # type: ignore[attr-defined]  (made by with_mupdf)
    done: list[float] = []
    page = BookPage(b"", "x")
    started = time.monotonic()

    def compose() -> None:
        with contextlib.suppress(Exception):  # an empty picture: what matters is when it ran
            compose_book([page], PrintSpec())
        done.append(time.monotonic() - started)

    with MUPDF_LOCK:
        worker = threading.Thread(target=compose)
        worker.start()
        time.sleep(0.3)
        assert done == []  # still waiting for the lock
    worker.join(10)
    assert done and done[0] >= 0.3
