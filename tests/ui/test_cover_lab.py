"""Cover Lab with simulated file drops: good files, bad files, and a generated cover."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.assets import demo_root
from app.catalog import demo_photo
from app.ui.cover_lab import DropZone
from app.ui.main_window import MainWindow

Factory = Callable[..., MainWindow]


def drop(zone: DropZone, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(zone, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(zone, event)


def test_dropped_cover_and_photo_make_a_cover(
    make_window: Factory, qtbot: Any, tmp_path: Path
) -> None:
    window = make_window()
    lab = window.cover_lab
    window.tabs.setCurrentIndex(1)
    photo = tmp_path / "kid.png"
    photo.write_bytes(demo_photo("child-rosie.jpg"))
    drop(lab.cover_drop, Path(str(demo_root().joinpath("giant-garden", "cover.jpg"))))
    drop(lab.photo_drop, photo)
    qtbot.waitUntil(lambda: set(lab.files) == {"cover", "photo"}, timeout=10_000)
    lab.name.setText("Rosie")
    lab.generate()
    qtbot.waitUntil(lambda: lab.save_button.isEnabled(), timeout=30_000)
    assert lab.result is not None and lab.result[:2] == b"\xff\xd8"
    assert "named Rosie" in lab.prompt.toPlainText()
    assert "red hair" in lab.prompt.toPlainText()
    assert lab.analysis.readable.toHtml().count("bgcolor=") >= 3  # palette swatches
    assert "The original cover's style" in lab.analysis.readable.toPlainText()
    assert '"art_style"' in lab.analysis.raw.toPlainText()  # the JSON, one click away


def test_bad_files_get_a_clear_message_in_the_panel(
    make_window: Factory, qtbot: Any, tmp_path: Path
) -> None:
    window = make_window()
    lab = window.cover_lab
    notes = tmp_path / "notes.jpg"
    notes.write_text("this is not a picture")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    drop(lab.photo_drop, notes)
    qtbot.waitUntil(lambda: "not an image" in lab.status.text(), timeout=10_000)
    assert lab.status.text() == "notes.jpg: not an image (expected JPEG, PNG, WebP or HEIC)"
    drop(lab.cover_drop, empty)
    qtbot.waitUntil(lambda: "empty" in lab.status.text(), timeout=10_000)
    assert "photo" not in lab.files and "cover" not in lab.files
    lab.generate()
    assert lab.status.text() == "Add the cover and the photo first."


def test_a_catalog_cover_gets_its_title_lettered_with_the_childs_name(
    make_window: Factory, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from app.ai import lettering
    from app.catalog import load_demo_catalog

    lettered: list[str] = []
    real = lettering.letter_title
    monkeypatch.setattr(
        lettering,
        "letter_title",
        lambda img, title, box: lettered.append(title) or real(img, title, box),
    )
    window = make_window()
    load_demo_catalog(window.services.store, window.services.blobs)
    lab = window.cover_lab
    photo = tmp_path / "kid.png"
    photo.write_bytes(demo_photo("child-rosie.jpg"))
    drop(lab.cover_drop, Path(str(demo_root().joinpath("giant-garden", "cover.jpg"))))
    drop(lab.photo_drop, photo)
    qtbot.waitUntil(lambda: set(lab.files) == {"cover", "photo"}, timeout=10_000)
    assert lab.title_edit.text() == "Mia's Garden of Giants" and lab.hero.text() == "Mia"
    lab.name.setText("Rosie")
    lab.generate()
    qtbot.waitUntil(lambda: lab.save_button.isEnabled(), timeout=30_000)
    assert lettered == ["Rosie's Garden of Giants"]
