"""Paints the Progress column: one small bar per stage (analyze, cover, pages n/N, pdf,
publish), so an operator sees at a glance where every book is."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
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
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(chip_font(painter.font()))
        # each chip as wide as its own label needs, any room left shared out alike
        needs = [float(w) for w in chip_widths(QFontMetrics(painter.font()), stages)]
        spare = max(0.0, rect.width() - GAP * (len(stages) - 1) - sum(needs)) / len(stages)
        scale = min(1.0, (rect.width() - GAP * (len(stages) - 1)) / sum(needs))
        weights = [need * scale + spare for need in needs]
        x = float(rect.left())
        for (label, done, total), width in zip(stages, weights, strict=True):
            cell = QRect(int(x), rect.top(), int(width), rect.height())
            x += width + GAP
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
            text = chip_text(label, done, total)
            painter.setPen(QColor(255, 255, 255) if share >= 0.5 else QColor(60, 60, 60))
            painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        font = chip_font(option.font)
        stages = index.data(Role.STAGES) or SAMPLE
        needs = chip_widths(QFontMetrics(font), stages)
        return QSize(sum(needs) + GAP * (len(needs) - 1) + 8, 24)


SAMPLE = [("analyze", 1, 1), ("cover", 1, 1), ("pages", 12, 12), ("pdf", 1, 1),
          ("check", 1, 1), ("publish", 1, 1)]  # fmt: skip
GAP = 3
PADDING = 8  # px around a chip's label


def chip_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setPointSizeF(max(6.0, base.pointSizeF() * 0.75))
    return font


def chip_text(label: str, done: int, total: int) -> str:
    return f"{label} {done}/{total}" if label == "pages" and total > 1 else label


def chip_widths(metrics: QFontMetrics, stages: list[tuple[str, int, int]]) -> list[int]:
    """The room each stage's chip needs for its label ("pages" for its widest count)."""
    return [
        metrics.horizontalAdvance(chip_text(label, max(total, 1), max(total, 1))) + PADDING
        for label, _, total in stages
    ]
