"""Choose what to regenerate (the cover and/or pages) and an optional instruction."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


class RegenerateDialog(QDialog):
    def __init__(self, page_count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Regenerate")
        self.cover = QCheckBox("The cover (and so every page, which uses it as a reference)")
        self.pages = QListWidget()
        for n in range(1, page_count + 1):
            item = QListWidgetItem(f"page {n}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.pages.addItem(item)
        self.instruction = QLineEdit()
        self.instruction.setPlaceholderText('optional, e.g. "make the smile wider"')
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.cover)
        layout.addWidget(QLabel("Pages:"))
        layout.addWidget(self.pages)
        layout.addWidget(QLabel("Instruction for the model:"))
        layout.addWidget(self.instruction)
        layout.addWidget(buttons)

    def choice(self) -> tuple[bool, list[int], str]:
        pages = [
            n + 1
            for n in range(self.pages.count())
            if self.pages.item(n).checkState() == Qt.CheckState.Checked
        ]
        return self.cover.isChecked(), pages, self.instruction.text().strip()
