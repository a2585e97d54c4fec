"""One book picture (a cover or a page) shown large with its regions drawn on it, so an
operator can confirm or correct what the analysis found: drag a region to move it, drag
its corner square to resize it, drag on an empty spot to draw one, Delete to remove it.

Scene coordinates are the image's pixel coordinates; a `Box` is a rect divided by the
image size. Qt only: the caller loads and saves the boxes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from app.domain import Box

Kind = Literal["hero", "title"]
Mode = Literal["move", "resize", "draw"]
COLOURS: dict[Kind, str] = {"hero": "#f5a623", "title": "#22d3ee"}
HANDLE = 12  # the corner square's side, in view pixels whatever the zoom
MIN_FRACTION = 0.02  # smallest region side, as a fraction of the picture's side
DRAG_PIXELS = 4  # shorter drags on an empty spot are clicks, not drawings
IGNORE_ZOOM = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations


class _Region(QGraphicsRectItem):
    """A region's rectangle, its corner handle and its label, all kept in step."""

    def __init__(self, kind: Kind, rect: QRectF) -> None:
        super().__init__()
        self.kind = kind
        self.setZValue(2 if kind == "hero" else 1)  # the title box is big: heroes over it
        colour = QColor(COLOURS[kind])
        self._handle = QGraphicsRectItem(QRectF(-HANDLE, -HANDLE, HANDLE, HANDLE), self)
        self._handle.setFlag(IGNORE_ZOOM)
        self._handle.setBrush(colour)
        self._handle.setPen(QPen(QColor("#202020"), 1))
        self._tag = QGraphicsRectItem(self)
        self._tag.setFlag(IGNORE_ZOOM)
        self._tag.setBrush(colour)
        self._tag.setPen(QPen(Qt.PenStyle.NoPen))
        text = QGraphicsSimpleTextItem(kind, self._tag)
        text.setBrush(QColor("#202020"))
        text.setPos(3, 1)
        self._tag.setRect(QRectF(0, 0, text.boundingRect().width() + 6, 16))
        self.set_selected(False)
        self.place(rect)

    def place(self, rect: QRectF) -> None:
        self.setRect(rect)
        self._handle.setPos(rect.bottomRight())
        self._tag.setPos(rect.topLeft())

    def set_selected(self, selected: bool) -> None:
        colour = QColor(COLOURS[self.kind])
        pen = QPen(colour.lighter(130) if selected else colour, 4 if selected else 3)
        pen.setCosmetic(True)
        if self.kind == "title":
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        fill = QColor(colour)
        fill.setAlpha(90 if selected else 40)
        self.setBrush(fill)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


class RegionView(QGraphicsView):
    """The picture fits the view; regions are edited with the mouse and Delete."""

    regions_changed = Signal()  # once per finished move/resize/draw/delete, not mid-drag

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self._picture = QGraphicsPixmapItem()
        self._picture.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._picture)
        self._bounds = QRectF()
        self._hero: list[_Region] = []
        self._title: _Region | None = None
        self._with_title = False
        self._target: Kind = "hero"
        self._selected: _Region | None = None
        self._mode: Mode | None = None
        self._press = QPointF()  # scene position where the drag began
        self._press_view = QPointF()
        self._start = QRectF()  # the dragged region's rect when the drag began
        self.clear()

    # The caller's side: pictures in, boxes out.

    def show_picture(
        self,
        image: QImage,
        hero: Sequence[Box],
        title: Box | None = None,
        *,
        with_title: bool = False,
    ) -> None:
        """Replace picture and regions. `with_title`: a cover, where a title box may be
        drawn; an existing `title` is shown either way, so that nothing is lost."""
        self.clear()
        self._picture.setPixmap(QPixmap.fromImage(image))
        self._bounds = QRectF(0, 0, image.width(), image.height())
        self.scene().setSceneRect(self._bounds)
        self._with_title = with_title
        for box in hero:
            self._hero.append(self._add("hero", self._rect(box)))
        if title is not None:
            self._title = self._add("title", self._rect(title))
        self.fit()

    def hero_regions(self) -> tuple[Box, ...]:
        return tuple(self._box(region.rect()) for region in self._hero)

    def title_box(self) -> Box | None:
        return None if self._title is None else self._box(self._title.rect())

    def set_draw_target(self, target: Kind) -> None:
        """What a drag on an empty spot draws; "title" counts only on a cover."""
        self._target = target

    def clear(self) -> None:
        for item in self.scene().items():
            if isinstance(item, _Region):
                self.scene().removeItem(item)
        self._picture.setPixmap(QPixmap())
        self._bounds, self._with_title = QRectF(), False
        self._hero, self._title, self._selected, self._mode = [], None, None, None

    def fit(self) -> None:
        if not self._bounds.isEmpty():
            self.fitInView(self._bounds, Qt.AspectRatioMode.KeepAspectRatio)

    # Conversions between boxes and scene rects.

    def _rect(self, box: Box) -> QRectF:
        w, h = self._bounds.width(), self._bounds.height()
        left, right = sorted((_clamp(box.left, 0, 1), _clamp(box.right, 0, 1)))
        top, bottom = sorted((_clamp(box.top, 0, 1), _clamp(box.bottom, 0, 1)))
        return QRectF(left * w, top * h, (right - left) * w, (bottom - top) * h)

    def _box(self, rect: QRectF) -> Box:
        w, h = self._bounds.width(), self._bounds.height()
        edges = (rect.left() / w, rect.top() / h, rect.right() / w, rect.bottom() / h)
        return Box(*(round(_clamp(edge, 0.0, 1.0), 4) for edge in edges))

    def _add(self, kind: Kind, rect: QRectF) -> _Region:
        region = _Region(kind, rect)
        self.scene().addItem(region)
        return region

    def _select(self, region: _Region | None) -> None:
        if self._selected is not None:
            self._selected.set_selected(False)
        self._selected = region
        if region is not None:
            region.set_selected(True)

    def _hit(self, at: QPointF, view_at: QPointF) -> tuple[_Region | None, Mode | None]:
        """A corner handle (the selected region's first), else the smallest region under
        the pointer, so that a small region inside a big one can still be taken."""
        regions = ([self._title] if self._title is not None else []) + self._hero
        regions.sort(key=lambda r: r is not self._selected)
        corner = next((r for r in regions if self._on_handle(r, view_at)), None)
        if corner is not None:
            return corner, "resize"
        inside = [r for r in regions if r.rect().contains(at)]
        if not inside:
            return None, None
        return min(inside, key=lambda r: r.rect().width() * r.rect().height()), "move"

    def _on_handle(self, region: _Region, view_at: QPointF) -> bool:
        corner = self.mapFromScene(region.rect().bottomRight())
        grab = QRect(corner.x() - HANDLE - 2, corner.y() - HANDLE - 2, HANDLE + 6, HANDLE + 6)
        return grab.contains(view_at.toPoint())

    # The operator's side: the mouse and the keyboard.

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._bounds.isEmpty():
            super().mousePressEvent(event)
            return
        self.setFocus()
        at = self.mapToScene(event.position().toPoint())
        self._press, self._press_view = at, event.position()
        hit, self._mode = self._hit(at, event.position())
        if hit is None and self._bounds.contains(at):
            kind: Kind = "title" if self._target == "title" and self._with_title else "hero"
            hit, self._mode = self._add(kind, QRectF(at, at)), "draw"
        self._select(hit)
        self._start = hit.rect() if hit is not None else QRectF()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        region = self._selected
        if self._mode is None or region is None:
            super().mouseMoveEvent(event)
            return
        at = self.mapToScene(event.position().toPoint())
        b, start = self._bounds, self._start
        if self._mode == "move":
            delta = at - self._press
            x = _clamp(start.left() + delta.x(), 0, b.width() - start.width())
            y = _clamp(start.top() + delta.y(), 0, b.height() - start.height())
            region.place(QRectF(x, y, start.width(), start.height()))
        elif self._mode == "resize":
            right = _clamp(at.x(), start.left() + MIN_FRACTION * b.width(), b.width())
            bottom = _clamp(at.y(), start.top() + MIN_FRACTION * b.height(), b.height())
            region.place(QRectF(start.topLeft(), QPointF(right, bottom)))
        else:
            end = QPointF(_clamp(at.x(), 0, b.width()), _clamp(at.y(), 0, b.height()))
            region.place(QRectF(self._press, end).normalized())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        region, mode = self._selected, self._mode
        if mode is None or region is None:
            super().mouseReleaseEvent(event)
            return
        self.mouseMoveEvent(event)
        self._mode = None
        if mode == "draw":
            if (event.position() - self._press_view).manhattanLength() < DRAG_PIXELS:
                self.scene().removeItem(region)  # a click on an empty spot: just deselect
                self._selected = None
                return
            self._grow(region)
            if region.kind == "title":
                if self._title is not None:
                    self.scene().removeItem(self._title)
                self._title = region
            else:
                self._hero.append(region)
        if mode == "draw" or region.rect() != self._start:
            self.regions_changed.emit()
        event.accept()

    def _grow(self, region: _Region) -> None:
        """A drawn region gets at least the minimum size, still inside the picture."""
        b, r = self._bounds, region.rect()
        w, h = max(r.width(), MIN_FRACTION * b.width()), max(r.height(), MIN_FRACTION * b.height())
        x, y = _clamp(r.left(), 0, b.width() - w), _clamp(r.top(), 0, b.height() - h)
        region.place(QRectF(x, y, w, h))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        region = self._selected
        deleting = event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        if not deleting or region is None or self._mode is not None:
            super().keyPressEvent(event)
            return
        self.scene().removeItem(region)
        if region is self._title:
            self._title = None
        else:
            self._hero.remove(region)
        self._selected = None
        self.regions_changed.emit()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()
