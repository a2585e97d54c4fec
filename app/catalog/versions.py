"""Versions and status of a book. A draft is edited in place (nobody has ordered it); an
edit of a live or retired book becomes the next version, and the items already ordered
keep the version they were ordered in (the stores pin it). Going live, and saving a live
book, are refused while validation finds anything."""

from __future__ import annotations

from dataclasses import replace

from app.catalog.bundle import content_of
from app.catalog.validate import Finding, check_book
from app.domain import Book, BookStatus, PressroomError
from app.print.pdf import PrintSpec
from app.store.ports import BlobStore, OrderStore


class NotReady(PressroomError):
    """The book has problems that keep it from being sold."""

    def __init__(self, book: Book, findings: list[Finding]) -> None:
        listed = "; ".join(str(f) for f in findings)
        super().__init__(f"{book.title or book.id} cannot go on sale yet: {listed}")
        self.findings = findings


def refuse_unready(blobs: BlobStore, book: Book, spec: PrintSpec) -> None:
    findings = check_book(blobs, book, spec)
    if findings:
        raise NotReady(book, findings)


def save_edit(store: OrderStore, edited: Book, *, blobs: BlobStore, spec: PrintSpec) -> Book:
    """Save `edited` over the book's current version. Returns what is stored now (the
    current book unchanged when nothing changed). An edit of a live book is validated
    first and refused with NotReady: no path makes a failing version live."""
    current = store.get_book(edited.id)
    if content_of(edited) == content_of(current):
        return current
    if current.status is BookStatus.DRAFT:
        saved = replace(edited, version=current.version, status=BookStatus.DRAFT)
    else:
        saved = replace(edited, version=current.version + 1, status=current.status)
        if saved.status is BookStatus.LIVE:
            refuse_unready(blobs, saved, spec)
    store.save_book(saved)
    return saved


def set_status(
    store: OrderStore, blobs: BlobStore, book_id: str, status: BookStatus, spec: PrintSpec
) -> Book:
    """Go live (after validation), retire, or take back to draft (only a book never sold:
    a version that was live stays promised, so a live book goes back to draft never)."""
    book = store.get_book(book_id)
    if book.status is status:
        return book
    if status is BookStatus.LIVE:
        refuse_unready(blobs, book, spec)
    if status is BookStatus.DRAFT:
        raise PressroomError(
            f"{book.title} has been on sale: edit it (that makes a new version) or retire it"
        )
    book = replace(book, status=status)
    store.save_book(book)
    return book
