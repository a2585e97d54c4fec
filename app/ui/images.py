"""Image helpers and the side-by-side comparison with synchronized zoom and pan."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)


def preview_png(data: bytes, max_side: int = 1200) -> bytes:
    """Decode and shrink an image off the UI thread; the UI turns the PNG into a pixmap."""
    with Image.open(io.BytesIO(data)) as img:
        img.draft("RGB", (max_side, max_side))  # JPEG: decode at a smaller scale, much faster
        small = img.convert("RGB")
        small.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
        out = io.BytesIO()
        small.save(out, "PNG", compress_level=1)
        return out.getvalue()


def pixmap(png: bytes) -> QPixmap:
    return QPixmap.fromImage(QImage.fromData(png))


class ZoomView(QGraphicsView):
    """A pannable image view; Ctrl+wheel (or +/-) zooms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.partner: ZoomView | None = None
        self._fitted = True  # follows the view's size until the operator zooms

    def set_pixmap(self, pix: QPixmap | None) -> None:
        self._item.setPixmap(pix or QPixmap())
        self.scene().setSceneRect(QRectF(self._item.boundingRect()))
        self.fit()

    def fit(self) -> None:
        self._fitted = True
        if not self._item.pixmap().isNull():
            self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted:  # shown for the first time, or the window changed size
            self.fit()

    def zoom(self, factor: float, mirror: bool = True) -> None:
        self._fitted = False
        self.scale(factor, factor)
        if mirror and self.partner is not None:
            self.partner.zoom(factor, mirror=False)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.2 if event.angleDelta().y() > 0 else 1 / 1.2)
            event.accept()
        else:
            super().wheelEvent(event)


def _link(a: ZoomView, b: ZoomView) -> None:
    a.partner, b.partner = b, a
    for one, other in ((a, b), (b, a)):
        one.horizontalScrollBar().valueChanged.connect(other.horizontalScrollBar().setValue)
        one.verticalScrollBar().valueChanged.connect(other.verticalScrollBar().setValue)


class CompareView(QWidget):
    """Two images side by side (original | generated) that zoom and pan together."""

    def __init__(
        self,
        left_title: str = "Original",
        right_title: str = "Generated",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.left, self.right = ZoomView(), ZoomView()
        _link(self.left, self.right)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, view in ((left_title, self.left), (right_title, self.right)):
            column = QVBoxLayout()
            label = QLabel(f"<b>{title}</b>")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(label)
            column.addWidget(view, 1)
            layout.addLayout(column, 1)

    def set_images(self, left: QPixmap | None, right: QPixmap | None) -> None:
        self.left.set_pixmap(left)
        self.right.set_pixmap(right)

    def zoom(self, factor: float) -> None:
        self.left.zoom(factor)

    def fit(self) -> None:
        self.left.fit()
        self.right.fit()
