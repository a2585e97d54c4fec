"""The Catalog tab: the shop's books (cover, title, version, status) and the book editor.
Import a folder or the book's PDF (the hero's name proposed and confirmed, regions asked
of the provider), correct the regions and text, make a proof through the normal pipeline
without an order, save (a live book's edit is a new version), put on sale, retire. Every
action is a flow; the stores and the provider are reached through the bridge."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.catalog.bundle import BookFiles, content_of
from app.catalog.importing import read_source, with_answers
from app.catalog.intake import IntakeLimits
from app.catalog.locate import locate_regions
from app.catalog.shelf import add_book
from app.catalog.validate import GENDERS, catalog_spec, picture_sizes
from app.catalog.versions import save_edit, set_status
from app.domain import Book, BookStatus, Stage
from app.imageio import read_file
from app.ui.book_editor import BookEditor
from app.ui.cover_lab import DropZone
from app.ui.flows import Flows
from app.ui.images import pixmap, preview_png
from app.ui.pdf_preview import PdfPreview
from app.worker.proof import Proof, make_proof

if TYPE_CHECKING:
    from app.ui.bridge import MonitorBridge

THUMB = QSize(56, 56)


def _pictures(book: Book) -> list[str]:
    return [book.cover_image, *(p.image for p in book.pages)]


class CatalogPage(QWidget):
    message = Signal(str)
    proof_progress = Signal(str, int, int)  # from the proof's thread: stage, done, total

    def __init__(self, bridge: MonitorBridge, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge, self.flows = bridge, flows
        self.services = bridge.services
        self.spec = catalog_spec(self.services.settings)
        self.saved: Book | None = None  # the book as stored
        self.proof_photo: bytes | None = None
        self.last_proof: Proof | None = None

        self.books = QListWidget()
        self.books.setIconSize(THUMB)
        self.books.currentItemChanged.connect(lambda item, _: self._open_current(item))
        self.editor = BookEditor(self.spec)
        self.editor.changed.connect(self._update_buttons)
        buttons = {
            "import_folder": ("Import &folder…", self.import_folder),
            "import_pdf": ("Import &PDF…", self.import_pdf),
            "locate": ("Find &regions", self.find_regions),
            "save": ("&Save", self.save),
            "live": ("Put on sa&le", lambda: self.change_status(BookStatus.LIVE)),
            "retire": ("Re&tire", lambda: self.change_status(BookStatus.RETIRED)),
            "proof": ("Make a pr&oof", self.make_proof),
        }
        self.buttons: dict[str, QPushButton] = {}
        for name, (text, slot) in buttons.items():
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, s=slot: s())
            self.buttons[name] = button
        self.photo_drop = DropZone("child's photo for the proof")
        self.photo_drop.setText("Proof photo: drop\nor click (default: Ada)")
        self.photo_drop.setMinimumSize(150, 44)
        self.photo_drop.setMaximumHeight(52)
        self.photo_drop.file_chosen.connect(self._proof_photo_chosen)
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel("Import a book, or choose one to edit.")
        self.status.setWordWrap(True)
        self.proof_progress.connect(self._show_proof_progress)

        left = QVBoxLayout()
        left.addWidget(self.buttons["import_folder"])
        left.addWidget(self.buttons["import_pdf"])
        left.addWidget(self.books, 1)
        shelf = QWidget()
        shelf.setLayout(left)
        bar = QHBoxLayout()
        for name in ("locate", "save", "live", "retire", "proof"):
            bar.addWidget(self.buttons[name])
        bar.addWidget(self.photo_drop)
        bar.addWidget(self.progress)
        bar.addWidget(self.status, 1)
        right = QVBoxLayout()
        right.addLayout(bar)
        right.addWidget(self.editor, 1)
        work = QWidget()
        work.setLayout(right)
        self.splitter = QSplitter()
        self.splitter.addWidget(shelf)
        self.splitter.addWidget(work)
        self.splitter.setSizes([230, 1100])
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.splitter)
        self._update_buttons()

    # -- the shelf -----------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        self.flows.start("catalog:books", self._reload(select))

    async def _reload(self, select: str | None) -> None:
        store, blobs = self.services.store, self.services.blobs

        def read() -> list[tuple[Book, bytes | None]]:
            found: list[tuple[Book, bytes | None]] = []
            for book in store.list_books():
                try:
                    found.append((book, preview_png(blobs.get(book.cover_image), 120)))
                except Exception:
                    found.append((book, None))
            return found

        shelf = await self.bridge.run_blocking(read)
        current = select or (self.saved.id if self.saved else None)
        self.books.blockSignals(True)
        self.books.clear()
        for book, thumb in shelf:
            text = f"{book.title}\nv{book.version} · {book.status.value} · {len(book.pages)} pages"
            item = QListWidgetItem(text)
            if thumb:
                item.setIcon(QIcon(pixmap(thumb)))
            item.setData(Qt.ItemDataRole.UserRole, book.id)
            self.books.addItem(item)
            if book.id == current:
                self.books.setCurrentItem(item)
        self.books.blockSignals(False)
        if current and self.books.currentItem() is not None:
            self._open_current(self.books.currentItem())

    def _open_current(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.open_book(str(item.data(Qt.ItemDataRole.UserRole)))

    def open_book(self, book_id: str) -> None:
        self.flows.start("catalog:open", self._open(book_id))

    async def _open(self, book_id: str) -> None:
        store, blobs = self.services.store, self.services.blobs

        def read() -> tuple[Book, dict[str, tuple[int, int]], dict[str, bytes]]:
            book = store.get_book(book_id)
            previews = {k: preview_png(blobs.get(k), 1000) for k in set(_pictures(book))}
            return book, picture_sizes(blobs, book), previews

        book, sizes, previews = await self.bridge.run_blocking(read)
        self.saved = book
        self.editor.load(book, sizes, previews)
        self._say(f"{book.title}: version {book.version}, {book.status.value}")

    # -- editing -------------------------------------------------------------------------
    def is_dirty(self) -> bool:
        book, saved = self.editor.book, self.saved
        return book is not None and saved is not None and content_of(book) != content_of(saved)

    def _update_buttons(self) -> None:
        saved, dirty = self.saved, self.is_dirty()
        has = saved is not None
        self.buttons["save"].setEnabled(has and dirty)
        self.buttons["locate"].setEnabled(has)
        self.buttons["proof"].setEnabled(has)
        self.buttons["live"].setEnabled(
            has and saved.status is not BookStatus.LIVE and not self.editor.findings  # type: ignore[union-attr]
        )
        self.buttons["retire"].setEnabled(has and saved.status is BookStatus.LIVE)  # type: ignore[union-attr]
        if saved is not None and dirty:
            after = (
                f"makes version {saved.version + 1}"
                if saved.status is not BookStatus.DRAFT
                else "changes the draft"
            )
            self.buttons["save"].setToolTip(f"Saving {after}")
            self.status.setText(f"{saved.title}: unsaved changes (saving {after})")

    def save(self) -> None:
        self.flows.start("catalog:save", self._save())

    async def _save(self) -> Book | None:
        book = self.editor.book
        if book is None:
            return None
        services = self.services
        try:
            saved: Book = await self.bridge.run_blocking(
                lambda: save_edit(services.store, book, blobs=services.blobs, spec=self.spec)
            )
        except Exception as error:
            self._say(f"Not saved: {error}", error=True)
            return None
        self._say(f"Saved {saved.title}: version {saved.version}, {saved.status.value}")
        self.saved = saved
        self.reload(saved.id)
        return saved

    def change_status(self, status: BookStatus) -> None:
        self.flows.start("catalog:status", self._change_status(status))

    async def _change_status(self, status: BookStatus) -> None:
        if self.saved is None:
            return
        if status is BookStatus.RETIRED:
            answer = QMessageBox.question(
                self,
                "Retire the book",
                f"Stop selling {self.saved.title}? Books already ordered are still made.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        if self.is_dirty() and await self._save() is None:
            return
        services, book_id = self.services, self.saved.id
        try:
            book: Book = await self.bridge.run_blocking(
                set_status, services.store, services.blobs, book_id, status, self.spec
            )
        except Exception as error:
            self._say(str(error), error=True)
            return
        self._say(f"{book.title} is {book.status.value} (version {book.version})")
        self.reload(book.id)

    def find_regions(self) -> None:
        self.flows.start("catalog:locate", self._find_regions())

    async def _find_regions(self) -> None:
        book = self.editor.book
        if book is None:
            return
        blobs = self.services.blobs
        images = await self.bridge.run_blocking(
            lambda: {k: blobs.get(k) for k in set(_pictures(book))}
        )
        self._say("Asking where the hero and the title are…")
        files = await self.bridge.on_monitor_loop(
            locate_regions(self.services.provider, BookFiles(book, images))
        )
        self.editor.load(files.book, self.editor.sizes, self.editor.previews)
        self._say(" ".join(files.notes[-2:]))

    # -- importing -----------------------------------------------------------------------
    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a book: its folder of pictures")
        if folder:
            self.flows.start("catalog:import", self._import(Path(folder)))

    def import_pdf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a book from its PDF", "", "PDF (*.pdf)")
        if path:
            self.flows.start("catalog:import", self._import(Path(path)))

    async def _import(self, path: Path) -> Book | None:
        self._say(f"Reading {path.name}…")
        try:
            limits = IntakeLimits.from_settings(self.services.settings)
            files: BookFiles = await self.bridge.run_blocking(read_source, path, self.spec, limits)
        except Exception as error:
            self._say(f"Not imported: {error}", error=True)
            QMessageBox.warning(self, "Not imported", str(error))
            return None
        hero, ok = QInputDialog.getText(
            self,
            "The hero",
            f"{files.notes[0]}.\nThe hero's name in the text (the name a child's replaces):",
            text=files.book.hero_name or files.proposed_hero or "",
        )
        if not ok or not hero.strip():
            self._say("Import cancelled.")
            return None
        gender, ok = QInputDialog.getItem(
            self, "The hero", "The hero is a", list(GENDERS), 0, False
        )
        if not ok:
            self._say("Import cancelled.")
            return None
        files = with_answers(files, hero=hero.strip(), gender=gender)
        self._say("Asking where the hero and the title are…")
        files = await self.bridge.on_monitor_loop(locate_regions(self.services.provider, files))
        services = self.services
        book: Book = await self.bridge.run_blocking(
            add_book, services.store, services.blobs, files, self.spec
        )
        self._say(f"Imported {book.title} as a {book.status.value}. " + " ".join(files.notes[1:]))
        self.reload(book.id)
        return book

    # -- proofs --------------------------------------------------------------------------
    def _proof_photo_chosen(self, path: str) -> None:
        try:
            self.proof_photo = read_file(path, "photo")
        except Exception as error:
            self._say(str(error), error=True)
            return
        self.photo_drop.setText(f"Proof photo:\n{Path(path).name}")

    def make_proof(self) -> None:
        self.flows.start("catalog:proof", self._make_proof(), replace=False)

    async def _make_proof(self) -> Proof | None:
        if self.saved is None:
            return None
        if self.is_dirty() and await self._save() is None:
            return None
        services, book_id, photo = self.services, self.saved.id, self.proof_photo

        def report(stage: Stage, done: int, total: int) -> None:
            self.proof_progress.emit(stage.value, done, total)

        self.progress.setRange(0, 0)
        self.progress.show()
        self._say("Making a proof through the pipeline (no order)…")
        try:
            proof: Proof = await self.bridge.run_blocking(
                lambda: make_proof(services, book_id, photo=photo, on_progress=report)
            )
        except Exception as error:
            self._say(f"No proof: {error}", error=True)
            return None
        finally:
            self.progress.hide()
        self.last_proof = proof
        self._say(proof.describe(), error=proof.pdf is None)
        if proof.pdf is not None:
            self._show_proof(proof)
        return proof

    def _show_proof_progress(self, stage: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{stage} {done}/{total}")

    def _show_proof(self, proof: Proof) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(f"Proof — {proof.book.title} (version {proof.book.version})")
        preview = PdfPreview(self.bridge, self.flows, dialog)
        layout = QVBoxLayout(dialog)
        layout.addWidget(preview)
        dialog.resize(1100, 800)
        preview.set_pdf(proof.pdf, proof.describe())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.proof_dialog = dialog

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b3261e;" if error else "")
        self.message.emit(text)
