"""Console tests: offscreen Qt, isolated settings and keyring, a window factory that
always closes what it opens."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from PySide6.QtCore import QSettings

from app.events import EventBus
from app.pipeline.job import JobServices
from app.runtime import build_services
from app.ui.app import make_app
from app.ui.main_window import MainWindow
from tests.conftest import make_settings


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def isolated_desktop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: Any) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    make_app()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )


@pytest.fixture
def make_window(tmp_path: Path, qtbot: Any) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def factory(
        services: JobServices | None = None, start: bool = False, **settings: Any
    ) -> MainWindow:
        services = services or build_services(make_settings(tmp_path, **settings), EventBus())
        window = MainWindow(services, start_monitor=start)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield factory
    for window in windows:
        if not window._closing:
            window.close()
