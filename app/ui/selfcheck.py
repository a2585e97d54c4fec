"""The console's part of `pressroom --self-check`: Qt loads and shows a widget."""

from __future__ import annotations

import os


def check_qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    label = QLabel("Pressroom")
    label.show()
    app.processEvents()
    label.close()
    return f"PySide6 on the {QApplication.platformName()} platform"
