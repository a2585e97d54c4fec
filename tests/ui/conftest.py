"""Console tests: offscreen Qt, isolated settings and keyring, a window factory that
always closes what it opens."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import asyncio
import gc
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.backend
import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.events import EventBus
from app.runtime import JobServices, build_services
from app.ui.app import make_app
from app.ui.main_window import MainWindow
from tests.conftest import make_settings
from tests.fakes.smtp import inbox  # noqa: F401 (a fixture)


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


T = TypeVar("T")


@pytest.fixture(scope="session")
def session_loop(qapp: QApplication) -> asyncio.AbstractEventLoop:
    """One qasync loop for the whole session, never stopped (DESIGN.md): Qt's event loop,
    spun by pytest-qt's waits, drives it."""
    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(qapp, already_running=True)
    return loop


@pytest.fixture(autouse=True)
def qloop(session_loop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop is the running loop of the GUI thread while a console test runs
    (and only then, so that other tests can use asyncio.run)."""
    asyncio.set_event_loop(session_loop)
    asyncio.events._set_running_loop(session_loop)
    yield session_loop
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """Free each test's leftover Qt objects here, on the GUI thread. Left to Python's cycle
    collector they are freed on whichever thread allocates next — often a worker's — and a
    QTimer destroyed off its thread stays registered with the GUI loop, whose next tick
    then lands on freed memory (SIGSEGV). (Timers a test starts, it also stops.) An
    unclosed socket found here is the test's own business, not this fixture's: not raised."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def finish(qtbot: Any, awaitable: Awaitable[T] | None, timeout: int = 30_000) -> T:
    """Wait, spinning Qt's (and so qasync's) loop, until a flow is done; its result."""
    assert awaitable is not None, "the flow did not start"
    task = asyncio.ensure_future(awaitable)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


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
        window = MainWindow(services, start_monitor=start)  # not qtbot.addWidget: pytest-qt
        # would delete it before this fixture's quit flow has released its jobs
        window.show()
        windows.append(window)
        return window

    yield factory
    for window in windows:
        finish(qtbot, window.quit(), timeout=60_000)
        window.deleteLater()  # closed windows left alive slow every later test down
