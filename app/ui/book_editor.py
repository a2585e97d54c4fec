"""One book in the editor: a strip of the cover and pages, the selected picture large with
its regions (drag to move or resize, drag on an empty spot to draw one), the page's text
with the hero's name highlighted, "hero not on this page", and the checks that keep the
book from going live, run again on every change. Thin: the book is the core's `Book`,
changed with `dataclasses.replace`; the checks are app.catalog.validate."""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.catalog.validate import GENDERS, Finding, validate
from app.domain import Book, Page
from app.print.pdf import PrintSpec
from app.ui.images import pixmap
from app.ui.region_view import RegionView

COVER = -1  # the strip's row for the cover; pages are their index
THUMB = QSize(96, 96)


class HeroHighlighter(QSyntaxHighlighter):
    """Marks the hero's name wherever it stands as a word (possessives too)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.pattern: re.Pattern[str] | None = None
        self.look = QTextCharFormat()
        self.look.setBackground(QColor("#ffe08a"))
        self.look.setFontWeight(700)

    def set_name(self, name: str) -> None:
        self.pattern = re.compile(rf"\b{re.escape(name)}\b") if name.strip() else None
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        if self.pattern is None:
            return
        for match in self.pattern.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), self.look)


class BookEditor(QWidget):
    changed = Signal()  # the book being edited changed (and was checked again)

    def __init__(self, spec: PrintSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.book: Book | None = None
        self.sizes: dict[str, tuple[int, int]] = {}
        self.previews: dict[str, bytes] = {}
        self.findings: list[Finding] = []
        self._place = COVER
        self._loading = False

        self.strip = QListWidget()  # one column of thumbnails, labels under them
        self.strip.setViewMode(QListWidget.ViewMode.IconMode)
        self.strip.setFlow(QListWidget.Flow.TopToBottom)
        self.strip.setWrapping(False)
        self.strip.setMovement(QListWidget.Movement.Static)
        self.strip.setIconSize(THUMB)
        self.strip.setGridSize(QSize(THUMB.width() + 16, THUMB.height() + 26))
        self.strip.setFixedWidth(THUMB.width() + 16 + 24)
        self.strip.currentRowChanged.connect(self._strip_row_changed)
        self.view = RegionView()
        self.view.regions_changed.connect(self._regions_edited)
        self.title = QLineEdit()
        self.hero = QLineEdit()
        self.gender = QComboBox()
        self.gender.addItems(["", *GENDERS])
        for field in (self.title, self.hero):
            field.textEdited.connect(lambda _: self._fields_edited())
        self.gender.currentTextChanged.connect(lambda _: self._fields_edited())
        self.draw_hero = QRadioButton("hero")
        self.draw_title = QRadioButton("title box")
        self.draw_hero.setChecked(True)
        self.draw_hero.toggled.connect(self._draw_target_changed)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("This page's text")
        self.text.textChanged.connect(self._text_edited)
        self.highlighter = HeroHighlighter(self.text.document())
        self.absent = QCheckBox("Hero not on this page")
        self.absent.toggled.connect(lambda _: self._page_flag_edited())
        self.checks = QListWidget()
        self.checks.setWordWrap(True)
        self.checks.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.checks.itemActivated.connect(self._go_to_finding)
        self.checks.itemClicked.connect(self._go_to_finding)

        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Hero's name", self.hero)
        form.addRow("Hero's gender", self.gender)
        draw = QHBoxLayout()
        draw.addWidget(QLabel("A drag on the picture draws:"))
        draw.addWidget(self.draw_hero)
        draw.addWidget(self.draw_title)
        draw.addStretch(1)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(draw)
        side.addWidget(QLabel("<b>Text</b> — the hero's name is highlighted"))
        side.addWidget(self.text, 1)
        side.addWidget(self.absent)
        side.addWidget(QLabel("<b>Before it can go live</b>"))
        side.addWidget(self.checks, 1)
        panel = QWidget()
        panel.setLayout(side)
        panel.setMinimumWidth(300)
        panel.setMaximumWidth(380)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.strip)
        layout.addWidget(self.view, 1)
        layout.addWidget(panel)

    # -- loading -------------------------------------------------------------------------
    def load(
        self, book: Book, sizes: dict[str, tuple[int, int]], previews: dict[str, bytes]
    ) -> None:
        """Show `book`; `previews` are PNGs of its pictures by blob key."""
        self._loading = True
        self.book, self.sizes, self.previews = book, sizes, previews
        self.title.setText(book.title)
        self.hero.setText(book.hero_name)
        self.gender.setCurrentText(book.hero_gender or "")
        self.highlighter.set_name(book.hero_name)
        self.strip.clear()
        for label, key in [("Cover", book.cover_image)] + [
            (f"Page {p.index}", p.image) for p in book.pages
        ]:
            item = (
                QListWidgetItem(QIcon(pixmap(previews[key])), label)
                if key in previews
                else (QListWidgetItem(label))
            )
            self.strip.addItem(item)
        self._loading = False
        self._place = COVER
        self.strip.setCurrentRow(0)
        self._show_place()
        self._check()

    def _page(self) -> Page | None:
        if self.book is None or self._place == COVER:
            return None
        return next(p for p in self.book.pages if p.index == self._place)

    def _show_place(self) -> None:
        if self.book is None:
            return
        self._loading = True
        page = self._page()
        key = self.book.cover_image if page is None else page.image
        image = QImage.fromData(self.previews.get(key, b""))
        if page is None:
            self.view.show_picture(
                image, self.book.cover_hero_regions, self.book.title_box, with_title=True
            )
        else:
            self.view.show_picture(image, page.hero_regions)
        self.draw_title.setEnabled(page is None)
        if page is not None:
            self.draw_hero.setChecked(True)
        self.text.setEnabled(page is not None)
        self.text.setPlainText(
            page.text if page else "The cover's title is lettered in the title box."
        )
        self.absent.setEnabled(page is not None)
        self.absent.setChecked(bool(page and page.hero_absent))
        self._loading = False

    # -- edits ---------------------------------------------------------------------------
    def _set_page(self, **changes: object) -> None:
        assert self.book is not None
        pages = tuple(
            replace(p, **changes) if p.index == self._place else p  # type: ignore[arg-type]
            for p in self.book.pages
        )
        self.book = replace(self.book, pages=pages)

    def _regions_edited(self) -> None:
        if self.book is None or self._loading:
            return
        if self._place == COVER:
            self.book = replace(
                self.book,
                cover_hero_regions=self.view.hero_regions(),
                title_box=self.view.title_box(),
            )
        else:
            self._set_page(hero_regions=self.view.hero_regions())
        self._check()

    def _text_edited(self) -> None:
        if self.book is None or self._loading or self._place == COVER:
            return
        self._set_page(text=self.text.toPlainText())
        self._check()

    def _page_flag_edited(self) -> None:
        if self.book is None or self._loading or self._place == COVER:
            return
        self._set_page(hero_absent=self.absent.isChecked())
        self._check()

    def _fields_edited(self) -> None:
        if self.book is None or self._loading:
            return
        self.book = replace(
            self.book,
            title=self.title.text(),
            hero_name=self.hero.text().strip(),
            hero_gender=self.gender.currentText() or None,
        )
        self.highlighter.set_name(self.book.hero_name)
        self._check()

    def _draw_target_changed(self) -> None:
        self.view.set_draw_target("hero" if self.draw_hero.isChecked() else "title")

    def _strip_row_changed(self, row: int) -> None:
        if self._loading or self.book is None or row < 0:
            return
        self._place = COVER if row == 0 else self.book.pages[row - 1].index
        self._show_place()

    def show_place(self, place: int) -> None:
        """Select the cover (COVER) or page `place` in the strip."""
        if self.book is None:
            return
        rows = [COVER, *(p.index for p in self.book.pages)]
        self.strip.setCurrentRow(rows.index(place))

    def _go_to_finding(self, item: QListWidgetItem) -> None:
        where = str(item.data(Qt.ItemDataRole.UserRole) or "")
        if where == "cover":
            self.show_place(COVER)
        elif where.startswith("page "):
            self.show_place(int(where.split()[1]))

    # -- checks --------------------------------------------------------------------------
    def _check(self) -> None:
        if self.book is None:
            return
        self.findings = validate(self.book, self.sizes, self.spec)
        self.checks.clear()
        for finding in self.findings:
            item = QListWidgetItem(f"⚠ {finding}")
            item.setData(Qt.ItemDataRole.UserRole, finding.where)
            item.setForeground(QColor("#b3261e"))
            self.checks.addItem(item)
        if not self.findings:
            self.checks.addItem(QListWidgetItem("✓ Ready to go live"))
        flagged = {f.where for f in self.findings}
        for row in range(self.strip.count()):
            place = "cover" if row == 0 else f"page {self.book.pages[row - 1].index}"
            label = "Cover" if row == 0 else f"Page {self.book.pages[row - 1].index}"
            self.strip.item(row).setText(f"{label} ⚠" if place in flagged else label)
        self.changed.emit()
