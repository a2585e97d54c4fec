"""Item detail: covers side by side, the child's photo, pages original vs generated, the
PDF, the analyses, prompts and provenance, the history — and the operator's decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain import Status
from app.ui.analysis_view import AnalysisView
from app.ui.detail_data import DetailData
from app.ui.flows import Flows
from app.ui.images import CompareView, pixmap
from app.ui.pdf_preview import PdfPreview, PreviewDoc
from app.ui.quality_view import QualityView
from app.ui.timeline_view import TimelineView

if TYPE_CHECKING:
    from app.ui.bridge import MonitorBridge


def documents(data: DetailData) -> list[PreviewDoc]:
    """The reading PDF, and the print files when the item was made for a printer."""
    docs = [PreviewDoc("Reading PDF", data.pdf, data.pdf_label)] if data.pdf else []
    if "interior" in data.print_pdfs:
        note = data.preflight_note("interior")
        docs.append(PreviewDoc("Interior", data.print_pdfs["interior"], note, first_is_cover=False))
    if "cover" in data.print_pdfs:
        note = data.preflight_note("cover")
        docs.append(PreviewDoc("Cover spread", data.print_pdfs["cover"], note, spine=data.spine()))
    return docs


class ItemDetail(QWidget):
    approve_requested = Signal(str)
    reject_requested = Signal(str)
    regenerate_requested = Signal(str, int)  # item id, page count
    retry_requested = Signal(str)
    resend_requested = Signal(str)
    regenerate_doubtful_requested = Signal(str)

    def __init__(self, bridge: MonitorBridge, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: DetailData | None = None
        self.title = QLabel("Select an order item")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a32020;")
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for name, label, signal in (
            ("approve", "&Approve && publish", self.approve_requested),
            ("reject", "&Reject…", self.reject_requested),
            ("regenerate", "Re&generate…", None),
            ("retry", "Re&try", self.retry_requested),
            ("resend", "Resend e-mail/&push", self.resend_requested),
        ):
            button = QPushButton(label)
            if signal is not None:
                button.clicked.connect(lambda _=False, s=signal: self._emit(s))
            self.buttons[name] = button
            actions.addWidget(button)
        self.buttons["regenerate"].clicked.connect(self._regenerate)
        actions.addStretch(1)

        self.compare = CompareView()
        self.photo = QLabel("")
        self.photo.setFixedWidth(220)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        covers = QWidget()
        row = QHBoxLayout(covers)
        row.addWidget(self.compare, 1)
        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Child's photo</b>"))
        side.addWidget(self.photo)
        self.photo_note = QLabel("")
        self.photo_note.setWordWrap(True)
        self.photo_note.setFixedWidth(220)
        side.addWidget(self.photo_note)
        side.addStretch(1)
        row.addLayout(side)

        self.pages = QListWidget()
        self.pages.setViewMode(QListWidget.ViewMode.IconMode)
        self.pages.setIconSize(QSize(446, 220))
        self.pages.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.pdf = PdfPreview(bridge, flows)
        self.analysis = AnalysisView()
        self.timeline = TimelineView()
        self.quality = QualityView()
        self.quality.regenerate_doubtful.connect(
            lambda: self._emit(self.regenerate_doubtful_requested)
        )
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(covers, "Covers")
        self.tabs.addTab(self.pages, "Pages")
        self.tabs.addTab(self.pdf, "PDF")
        self.tabs.addTab(self.analysis, "Analysis && prompt")
        self.tabs.addTab(self.quality, "&Quality")
        self.tabs.addTab(self.timeline, "&Timeline")
        self.tabs.addTab(self.history, "History")

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        self._update_buttons()

    def _emit(self, signal: Any) -> None:
        if self.data is not None:
            signal.emit(self.data.item.id)

    def _regenerate(self) -> None:
        if self.data is not None:
            self.regenerate_requested.emit(self.data.item.id, self.data.page_count)

    def _update_buttons(self) -> None:
        status = self.data.item.pressroom_status if self.data else None
        self.buttons["approve"].setEnabled(status is Status.AWAITING_REVIEW)
        self.buttons["reject"].setEnabled(status is Status.AWAITING_REVIEW)
        self.buttons["regenerate"].setEnabled(status is Status.AWAITING_REVIEW)
        erased = bool(self.data and self.data.item.personalization.erased_at)
        self.buttons["retry"].setEnabled(status is Status.FAILED and not erased)
        self.buttons["resend"].setEnabled(
            status is Status.COMPLETED
            and "Telling the customer" in (self.data.history if self.data else "")
        )

    def show_data(self, data: DetailData) -> None:
        keep_pdf = (
            self.data is not None
            and self.data.item.id == data.item.id
            and (self.data.pdf == data.pdf)
        )
        self.data = data
        item = data.item
        who = item.personalization
        self.title.setText(
            f"<b>{data.book_title}</b> for <b>{who.child_name}</b>"
            f"{f', {who.age}' if who.age else ''} — "
            f"{item.pressroom_status.value.replace('_', ' ')}"
            f" · attempt {item.attempts} · item {item.id[:8]}"
        )
        self.title.setToolTip(f"order item {item.id}")  # the whole id, for support
        self.error.setText(
            f"{item.last_error} (stage: {item.stage.value if item.stage else '-'})"
            if item.last_error
            else ""
        )
        self.error.setVisible(bool(item.last_error))
        self.compare.set_images(
            pixmap(data.original_cover) if data.original_cover else None,
            pixmap(data.generated_cover) if data.generated_cover else None,
        )
        self.photo.setPixmap(pixmap(data.photo).scaledToWidth(210) if data.photo else pixmap(b""))
        self.photo_note.setText(data.photo_note)
        self.photo_note.setVisible(bool(data.photo_note))
        if data.pages:
            self.pages.clear()
            for index, png in data.pages:
                entry = QListWidgetItem(QIcon(pixmap(png)), f"page {index}: original | generated")
                self._mark_verdicts(entry, index, data)
                self.pages.addItem(entry)
        if not keep_pdf:
            self.pdf.set_documents(documents(data))
        self.analysis.show_sections(data.sections)
        self.history.setPlainText(data.history)
        self.timeline.show_timeline(data.timeline)
        self.quality.show_report(data.quality, item.pressroom_status is Status.AWAITING_REVIEW)
        self._update_buttons()

    @staticmethod
    def _mark_verdicts(entry: QListWidgetItem, index: int, data: DetailData) -> None:
        """The quality gate's verdicts on a page, next to its original/generated pair."""
        if data.quality is None:
            return
        failed = [c for c in data.quality.for_target(f"page {index}") if not c.passed]
        if not failed:
            entry.setText(f"{entry.text()}  ✓ checks passed")
            return
        entry.setText(f"{entry.text()}  ⚠ " + ", ".join(c.name for c in failed))
        entry.setToolTip("\n".join(f"{c.name}: {c.sentence}" for c in failed))
        entry.setBackground(QColor(255, 228, 180))

    def failed_to_load(self, error: BaseException) -> None:
        self.title.setText(f"Cannot show this item: {error}")
