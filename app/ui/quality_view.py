"""The Quality tab: every check of the quality gate with its score, threshold and verdict,
the judge's words, and the one action that regenerates exactly the doubtful pages."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.quality.report import QualityReport

COLUMNS = ("Target", "Check", "Score", "Threshold", "Verdict", "Finding")
FAIL = QColor(170, 30, 30)
WARN = QColor(150, 100, 0)


def verdict(passed: bool, blocking: bool) -> str:
    return "pass" if passed else ("FAIL" if blocking else "warn")


class QualityView(QWidget):
    regenerate_doubtful = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Not checked yet.")
        self.summary.setWordWrap(True)
        self.regenerate = QPushButton("Regenerate the doubtful pages")
        self.regenerate.setToolTip(
            "sends exactly the failed pages (and the cover, if it failed) back to the model, "
            "with the checks' and the judge's reasons as the instruction"
        )
        self.regenerate.clicked.connect(self.regenerate_doubtful)
        self.regenerate.setEnabled(False)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.judge = QLabel("")
        self.judge.setWordWrap(True)
        self.judge.setAlignment(Qt.AlignmentFlag.AlignTop)
        judge_box = QScrollArea()  # the judge's words never squeeze the verdicts
        judge_box.setWidget(self.judge)
        judge_box.setWidgetResizable(True)
        judge_box.setMaximumHeight(140)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.regenerate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(judge_box)

    def show_report(self, report: QualityReport | None, can_regenerate: bool) -> None:
        self.tree.clear()
        if report is None:
            self.summary.setText("Not checked yet: the quality gate runs after the PDF is made.")
            self.judge.setText("")
            self.regenerate.setEnabled(False)
            return
        self.summary.setText(f"<b>Quality: {report.summary()}</b>")
        for check in report.checks:
            limit = "" if check.threshold is None else f"{check.threshold:.3g}"
            cells = [
                check.target,
                check.words,
                check.score_words,
                limit,
                verdict(check.passed, check.blocking),
            ]
            entry = QTreeWidgetItem([*cells, check.sentence])
            entry.setToolTip(5, check.sentence)
            if not check.passed:
                colour = FAIL if check.blocking else WARN
                for column in range(len(COLUMNS)):
                    entry.setForeground(column, colour)
            self.tree.addTopLevelItem(entry)
        for column in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
        words = [f"<b>{t}</b>: {w}" for t, w in report.judge_words.items() if w]
        self.judge.setText("<br>".join(["<b>The judge</b>", *words]) if words else "")
        self.regenerate.setEnabled(can_regenerate and bool(report.doubtful_pages()))
