"""Paints the Progress column: one small bar per stage (analyze, cover, pages n/N, pdf,
publish), so an operator sees at a glance where every book is."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from app.ui.order_model import Role

DONE = QColor(76, 150, 90)
ACTIVE = QColor(66, 120, 200)
EMPTY = QColor(225, 228, 232)
FAILED = QColor(200, 70, 70)


class StageDelegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        stages = index.data(Role.STAGES) or []
        failed = index.data(Role.STATUS) == "failed"
        if not stages:
            return
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        gap = 3
        # "pages 12/12" needs about twice the room of the other labels
        weights = [2.0 if label == "pages" else 1.0 for label, _, _ in stages]
        unit = (rect.width() - gap * (len(stages) - 1)) / sum(weights)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = painter.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        painter.setFont(font)
        x = float(rect.left())
        for (label, done, total), weight in zip(stages, weights, strict=True):
            width = unit * weight
            cell = QRect(int(x), rect.top(), int(width), rect.height())
            x += width + gap
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(EMPTY)
            painter.drawRoundedRect(cell, 3, 3)
            share = min(1.0, done / total) if total else 0.0
            if share > 0:
                colour = DONE if share >= 1 else (FAILED if failed else ACTIVE)
                painter.setBrush(colour)
                painter.drawRoundedRect(
                    QRect(
                        cell.left(), cell.top(), max(3, int(cell.width() * share)), cell.height()
                    ),
                    3,
                    3,
                )
            text = f"{label} {done}/{total}" if label == "pages" and total > 1 else label
            painter.setPen(QColor(255, 255, 255) if share >= 0.5 else QColor(60, 60, 60))
            painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(240, 24)
