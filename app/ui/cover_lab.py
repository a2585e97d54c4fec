"""Cover Lab: drop (or pick) an original cover and a child's photo, set the name, and see
the cover analysis (style, palette swatches), the child analysis, the dynamic prompt and
the generated cover beside the original. Work runs on the monitor's loop; the window
never waits. Bad files get a clear message in the panel."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.ai.one_cover import personalize_cover
from app.domain import Book, Personalization, PressroomError
from app.imageio import decode_image, read_file, sha256
from app.pipeline.calls import runner_for
from app.ui.analysis_view import AnalysisView
from app.ui.flows import Flows
from app.ui.images import CompareView, pixmap, preview_png

if TYPE_CHECKING:
    from app.runtime import JobServices
    from app.ui.bridge import MonitorBridge

IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.webp *.heic *.heif)"


class DropZone(QLabel):
    """A box that takes an image file by drag and drop or by click."""

    file_chosen = Signal(str)

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.path: str | None = None
        self.setAcceptDrops(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(140, 140)
        self.setWordWrap(True)
        self.setStyleSheet("QLabel { border: 2px dashed #8a94a6; border-radius: 8px; }")
        self.setText(f"Drop the {what} here\nor click to choose a file")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls:
            self.file_chosen.emit(urls[0].toLocalFile())
            event.acceptProposedAction()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the {self.what}", "", IMAGE_FILTER)
        if path:
            self.file_chosen.emit(path)


def catalog_book_with_cover(services: JobServices, cover: bytes) -> Book | None:
    """The catalog book whose cover this is (same bytes), for its title, hero and boxes."""
    wanted = sha256(cover)
    for book in services.store.list_books():
        try:
            if sha256(services.blobs.get(book.cover_image)) == wanted:
                return book
        except Exception:  # a book whose cover cannot be read is not this one
            continue
    return None


def _check(path: str, what: str, max_pixels: int) -> tuple[bytes, bytes]:
    """Read and validate a file; returns (bytes, preview PNG) or raises BadInput."""
    data = read_file(path, what)
    decode_image(data, Path(path).name, max_pixels)
    return data, preview_png(data, 600)


def _previews(cover: bytes, generated: bytes) -> tuple[bytes, bytes]:
    return preview_png(cover, 900), preview_png(generated, 900)


class CoverLab(QWidget):
    message = Signal(str)

    def __init__(self, bridge: MonitorBridge, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.flows = flows
        self.files: dict[str, bytes] = {}
        self.catalog_book: Book | None = None  # the catalog book whose cover was dropped
        self.result: bytes | None = None
        self.cover_drop, self.photo_drop = DropZone("original cover"), DropZone("child's photo")
        self.cover_drop.file_chosen.connect(lambda p: self.load(p, "cover"))
        self.photo_drop.file_chosen.connect(lambda p: self.load(p, "photo"))
        self.name = QLineEdit("Ada")
        self.age = QSpinBox()
        self.age.setRange(0, 14)
        self.age.setValue(5)
        self.gender = QComboBox()
        self.gender.addItems(["girl", "boy", "child"])
        self.title_edit = QLineEdit("")
        self.title_edit.setPlaceholderText("the book's title (optional)")
        self.hero = QLineEdit("")
        self.hero.setPlaceholderText("the hero's name in the book (optional)")
        self.generate_button = QPushButton("&Generate cover")
        self.generate_button.clicked.connect(self.generate)
        self.save_button = QPushButton("&Save result…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("Drop a cover and a photo to begin.")
        self.status.setWordWrap(True)
        self.analysis = AnalysisView()
        self.prompt = QPlainTextEdit()
        self.prompt.setReadOnly(True)
        self.compare = CompareView("Original cover", "Generated cover")

        form = QFormLayout()
        form.addRow("Child's name", self.name)
        form.addRow("Age", self.age)
        form.addRow("Gender", self.gender)
        form.addRow("Book title", self.title_edit)
        form.addRow("Hero's name", self.hero)
        left = QVBoxLayout()
        drops = QHBoxLayout()
        drops.addWidget(self.cover_drop)
        drops.addWidget(self.photo_drop)
        left.addLayout(drops)
        left.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.save_button)
        left.addLayout(buttons)
        left.addWidget(self.status)
        left.addWidget(QLabel("<b>Analysis</b>"))
        left.addWidget(self.analysis, 2)
        left.addWidget(QLabel("<b>Prompt</b>"))
        left.addWidget(self.prompt, 1)
        layout = QHBoxLayout(self)
        panel = QWidget()
        panel.setLayout(left)
        scroller = QScrollArea()  # small screens: the controls scroll, the covers stay
        scroller.setWidget(panel)
        scroller.setWidgetResizable(True)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setMinimumWidth(420)
        scroller.setMaximumWidth(540)
        layout.addWidget(scroller)
        layout.addWidget(self.compare, 1)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #a32020;" if error else "")
        self.status.setText(text)
        self.message.emit(text)

    def load(self, path: str, what: str) -> None:
        self.flows.start(f"lab:{what}", self._load(path, what))

    async def _load(self, path: str, what: str) -> None:
        drop = self.cover_drop if what == "cover" else self.photo_drop
        label = "cover" if what == "cover" else "photo"
        try:
            data, preview = await self.bridge.run_blocking(
                _check, path, label, self.bridge.services.settings.max_image_pixels
            )
        except Exception as error:
            self.files.pop(what, None)
            drop.setPixmap(pixmap(b""))
            drop.setText(f"Drop the {drop.what} here\nor click to choose a file")
            self._say(str(error) if isinstance(error, PressroomError) else f"{path}: {error}", True)
            return
        if what == "cover":  # the catalog knows a cover of its own: title, hero, boxes
            self.catalog_book = await self.bridge.run_blocking(
                catalog_book_with_cover, self.bridge.services, data
            )
        self.files[what] = data
        drop.path = path
        drop.setPixmap(
            pixmap(preview).scaled(
                drop.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        if what == "cover":
            self.compare.set_images(pixmap(preview), None)
            if self.catalog_book is not None:
                self.title_edit.setText(self.catalog_book.title)
                self.hero.setText(self.catalog_book.hero_name)
                self._say(f"{Path(path).name} is the cover of {self.catalog_book.title}.")
                return
        self._say(f"{Path(path).name} is ready.")

    def generate(self) -> None:
        missing = [w for w in ("cover", "photo") if w not in self.files]
        if missing:
            self._say(f"Add the {' and the '.join(missing)} first.", True)
            return
        if not self.name.text().strip():
            self._say("Type the child's name first.", True)
            return
        who = Personalization(
            self.name.text().strip(), self.age.value() or None, self.gender.currentText()
        )
        known = self.catalog_book
        book = Book(
            "lab",
            self.title_edit.text().strip(),
            "",
            "",
            self.hero.text().strip() or "the hero",
            "",
            (),
            title_box=known.title_box if known else None,
            cover_hero_regions=known.cover_hero_regions if known else (),
        )
        self.flows.start(
            "lab:generate", self._generate(self.files["cover"], self.files["photo"], book, who)
        )

    async def _generate(self, cover: bytes, photo: bytes, book: Book, who: Personalization) -> None:
        self.generate_button.setEnabled(False)
        self._say("Analyzing the cover and the photo…")
        try:
            result = await self.bridge.on_monitor_loop(
                personalize_cover(
                    self.bridge.services.provider,
                    cover,
                    photo,
                    book,
                    who,
                    runner_for(self.bridge.services.settings).call,
                )
            )
        except Exception as error:
            self._say(f"Could not generate the cover: {error}", True)
            return
        finally:
            self.generate_button.setEnabled(True)
        self.result = result.image
        self.save_button.setEnabled(True)
        self.analysis.show_sections(
            {
                "Cover analysis": result.cover_analysis.model_dump(),
                "Child analysis": result.child_analysis.model_dump(),
            }
        )
        self.prompt.setPlainText(result.prompt)
        before, after = await self.bridge.run_blocking(_previews, cover, result.image)
        self.compare.set_images(pixmap(before), pixmap(after))
        self._say("Done. Compare the covers, or save the result.")

    def save(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the generated cover", "cover.jpg", "JPEG (*.jpg)"
        )
        if path:
            Path(path).write_bytes(self.result)
            self._say(f"Saved {path}")
