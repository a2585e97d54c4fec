"""PDF preview: pages rendered with PyMuPDF off the UI thread, thumbnails, navigation,
zoom, fit-to-width, and trim/bleed/safe-area guides on demand. An item made for a printer
has more than one document (the reading PDF, the interior, the cover spread): a chooser
switches between them, the spine is guided on the spread, and preflight's verdicts on the
shown document stand above it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pymupdf
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.print.pdf import MM, SAFE_MARGIN_MM
from app.ui.flows import Flows
from app.ui.images import pixmap

if TYPE_CHECKING:
    from app.ui.bridge import MonitorBridge

THUMB = QSize(96, 96)


@dataclass(frozen=True)
class PreviewDoc:
    label: str  # in the chooser: "Reading PDF", "Interior", "Cover spread"
    pdf: bytes
    note: str = ""  # shown beside the pages: which file, preflight's verdicts
    spine: tuple[float, float] | None = None  # the spine's edges, fractions of the width
    first_is_cover: bool = True


def render(pdf: bytes, index: int, dpi: int) -> tuple[bytes, tuple[float, float, float, float]]:
    """PNG of one page, and its trim box as fractions of the page (for the guides)."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        page = doc[index]
        rect, trim = page.rect, page.trimbox
        png = page.get_pixmap(dpi=dpi).tobytes("png")
        return png, (
            trim.x0 / rect.width,
            trim.y0 / rect.height,
            trim.x1 / rect.width,
            trim.y1 / rect.height,
        )


def page_info(pdf: bytes) -> tuple[int, float, float]:
    """(number of pages, width and height of the first page in points)."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        if not doc.page_count:
            return 0, 594.0, 594.0
        rect = doc[0].rect
        return int(doc.page_count), float(rect.width), float(rect.height)


class PdfPreview(QWidget):
    page_shown = Signal(int)

    def __init__(self, bridge: MonitorBridge, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.flows = flows
        self._pdf: bytes | None = None
        self._page = 0
        self._zoom = 1.0
        self._fit: str | None = "page"  # "page", "width", or None (the operator's zoom)
        self._current: tuple[bytes, tuple[float, float, float, float]] | None = None
        self._page_width_pt = 594.0
        self._page_height_pt = 594.0
        self.docs: list[PreviewDoc] = []
        self.doc: PreviewDoc | None = None
        self.which = QComboBox()
        self.which.currentIndexChanged.connect(self._choose)
        self.which.hide()
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.hide()

        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbs.setWrapping(False)  # one column that scrolls, never a clipped second one
        self.thumbs.setIconSize(THUMB)
        self.thumbs.setGridSize(QSize(THUMB.width() + 16, THUMB.height() + 26))
        self.thumbs.setMovement(QListWidget.Movement.Static)
        self.thumbs.setFixedWidth(THUMB.width() + 16 + 24)  # the grid plus a scroll bar
        self.thumbs.currentRowChanged.connect(self.show_page)
        self.view = QLabel("No PDF yet")
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.view)
        self.scroller.setWidgetResizable(True)
        self.page_box = QSpinBox()
        self.page_box.setPrefix("page ")
        self.page_box.setSpecialValueText("cover")  # the first page of the PDF is the cover
        self.page_box.valueChanged.connect(lambda v: self.thumbs.setCurrentRow(v))
        self.guides = QCheckBox("Trim && bleed guides")
        self.guides.toggled.connect(lambda _: self._paint())
        zoom_in, zoom_out, fit_page, fit = (
            QPushButton("Zoom in"),
            QPushButton("Zoom out"),
            QPushButton("Fit page"),
            QPushButton("Fit width"),
        )
        fit_page.clicked.connect(self.fit_page)
        zoom_in.clicked.connect(lambda: self.set_zoom(self._zoom * 1.25))
        zoom_out.clicked.connect(lambda: self.set_zoom(self._zoom / 1.25))
        fit.clicked.connect(self.fit_width)
        self.status = QLabel("")
        bar = QHBoxLayout()
        for w in (
            self.which,
            self.page_box,
            zoom_out,
            zoom_in,
            fit_page,
            fit,
            self.guides,
            self.status,
        ):
            bar.addWidget(w)
        bar.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.thumbs)
        body.addWidget(self.scroller, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.notes)
        layout.addLayout(body, 1)

    def set_documents(self, docs: list[PreviewDoc]) -> None:
        """Several documents of one item; the first is shown."""
        self.docs = docs
        self.which.blockSignals(True)
        self.which.clear()
        self.which.addItems([d.label for d in docs])
        self.which.blockSignals(False)
        self.which.setVisible(len(docs) > 1)
        self._choose(0)

    def _choose(self, index: int) -> None:
        self.doc = self.docs[index] if 0 <= index < len(self.docs) else None
        self.notes.setText(self.doc.note if self.doc and len(self.docs) > 1 else "")
        self.notes.setVisible(bool(self.notes.text()))
        self._set_pdf(self.doc.pdf if self.doc else None, self.doc.note if self.doc else "")

    def set_pdf(self, pdf: bytes | None, label: str = "") -> None:
        self.set_documents([PreviewDoc("PDF", pdf, label)] if pdf is not None else [])
        if pdf is None:
            self._set_pdf(None, label)

    def _set_pdf(self, pdf: bytes | None, label: str = "") -> None:
        self.flows.cancel("pdf:thumbs")
        self.flows.cancel("pdf:page")
        self._pdf = pdf
        self.thumbs.clear()
        self._current = None
        self.status.setText(label)
        if pdf is None:
            self.view.setText("No PDF yet")
            self.view.setPixmap(QPixmap())
            return
        count, self._page_width_pt, self._page_height_pt = page_info(pdf)
        self.page_box.setRange(0, max(0, count - 1))
        cover = self.doc is None or self.doc.first_is_cover
        self.page_box.setSpecialValueText("cover" if cover else "")
        self.page_box.setPrefix("page " if cover else "page index ")
        for n in range(count):
            name = ("cover" if n == 0 else f"page {n}") if cover else f"page {n + 1}"
            self.thumbs.addItem(QListWidgetItem(name))
        self.flows.start("pdf:thumbs", self._render_thumbs(pdf, count))
        self.thumbs.setCurrentRow(0)

    async def _render_thumbs(self, pdf: bytes, count: int) -> None:
        for n in range(count):
            try:
                png, _ = await self.bridge.run_preview(render, pdf, n, 18)
            except Exception:  # a page that cannot render keeps its label; the page view says why
                continue
            item = self.thumbs.item(n)
            if item is not None:
                item.setIcon(QIcon(pixmap(png)))

    def show_page(self, n: int) -> None:
        if self._pdf is None or n < 0:
            return
        self._page = n
        self.page_box.blockSignals(True)
        self.page_box.setValue(n)
        self.page_box.blockSignals(False)
        scale = self._zoom
        viewport = self.scroller.viewport()
        if self._fit is not None:  # square and portrait pages: the page is as tall as wide or more
            scale = (viewport.width() - 24) / self._page_width_pt
            if self._fit == "page":
                scale = min(scale, (viewport.height() - 24) / self._page_height_pt)
            scale = max(0.3, scale)
        dpi = int(min(220, max(24, 72 * scale)))
        self.flows.start("pdf:page", self._show_page(self._pdf, n, dpi))

    async def _show_page(self, pdf: bytes, n: int, dpi: int) -> None:
        try:
            self._current = await self.bridge.run_preview(render, pdf, n, dpi)
        except Exception as error:
            self.view.setText(f"Cannot render {'the cover' if n == 0 else f'page {n}'}: {error}")
            return
        self._paint()
        self.page_shown.emit(n)

    def _paint(self) -> None:
        if self._current is None:
            return
        png, trim = self._current
        pix = pixmap(png)
        if self.guides.isChecked():
            painter = QPainter(pix)
            w, h = pix.width(), pix.height()
            painter.setPen(QPen(QColor(220, 40, 40), 2, Qt.PenStyle.DashLine))
            painter.drawRect(
                int(trim[0] * w),
                int(trim[1] * h),
                int((trim[2] - trim[0]) * w),
                int((trim[3] - trim[1]) * h),
            )
            safe = SAFE_MARGIN_MM * MM * w / self._page_width_pt
            if self.doc is not None and self.doc.spine is not None:
                painter.setPen(QPen(QColor(30, 160, 80), 2, Qt.PenStyle.DashDotLine))
                for x in self.doc.spine:
                    painter.drawLine(int(x * w), 0, int(x * w), h)
            painter.setPen(QPen(QColor(40, 120, 220), 1, Qt.PenStyle.DotLine))
            painter.drawRect(
                int(trim[0] * w + safe),
                int(trim[1] * h + safe),
                int((trim[2] - trim[0]) * w - 2 * safe),
                int((trim[3] - trim[1]) * h - 2 * safe),
            )
            painter.end()
        self.view.setPixmap(pix)

    def set_zoom(self, zoom: float) -> None:
        self._fit = None
        self._zoom = max(0.2, min(4.0, zoom))
        self.show_page(self._page)

    def fit_page(self) -> None:
        self._fit = "page"
        self._zoom = 1.0
        self.show_page(self._page)

    def fit_width(self) -> None:
        self._fit = "width"
        self._zoom = 1.0
        self.show_page(self._page)
