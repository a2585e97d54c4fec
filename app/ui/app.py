"""`pressroom` with no arguments: the console on the configured store, with the demo
catalog loaded so a newcomer sees something real at once."""

from __future__ import annotations

import asyncio
import signal
import sys

import qasync
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import cpu
from app.assets import resource
from app.domain import ConfigurationError
from app.events import EventBus
from app.runtime import JobServices, build_services, describe_setup, first_run_demo
from app.ui.main_window import MainWindow
from app.user_settings import load_settings


def make_app(argv: list[str] | None = None) -> QApplication:
    QCoreApplication.setOrganizationName("pressroom")
    QCoreApplication.setApplicationName("pressroom")
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # the window's quit flow ends the loop (and the tray)
    style = resource("styles", "pressroom.qss").read_text()
    if app.styleSheet() != style:  # setting it again repolishes every widget alive
        app.setStyleSheet(style)
    app.setWindowIcon(QIcon(str(resource("icons", "pressroom-256.png"))))
    return app


def _close_on_signals(window: MainWindow) -> None:
    """SIGTERM / Ctrl-C close the window the normal way: jobs checkpointed and released,
    worker processes stopped. (Python runs signal handlers only between bytecodes, so a
    timer gives it a chance while Qt's loop waits.)"""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: window.close())
    poke = QTimer(window)
    poke.timeout.connect(lambda: None)
    poke.start(250)


def _services_or_settings(app: QApplication) -> JobServices | None:
    """The services to run on; settings that would quietly do the wrong thing (a
    half-configured Supabase, a shop's books made by the template provider) are said
    plainly, with the Settings dialog to fix them. None: the operator gave up."""
    from app.ui.settings_dialog import SettingsDialog

    while True:
        settings = load_settings()
        try:
            return build_services(settings, EventBus())
        except ConfigurationError as error:
            answer = QMessageBox.critical(
                None,
                "Pressroom cannot start",
                f"{error}\n\nOpen the settings to fix it?",
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
            )
            if answer != QMessageBox.StandardButton.Open:
                return None
            dialog = SettingsDialog(settings)
            if dialog.exec() != SettingsDialog.DialogCode.Accepted:
                return None
            dialog.save()


def run_gui(argv: list[str] | None = None) -> int:
    app = make_app(argv)
    services = _services_or_settings(app)
    if services is None:
        return 2
    print(describe_setup(services), flush=True)  # as worker and serve do
    cpu.configure(services.settings.cpu_workers, processes=True)  # keep the GIL for the window
    cpu.warm_up()
    first_run_demo(services)  # embedded only: something real to watch at once
    # The window's loop is qasync's (Qt's own event loop driving asyncio); the monitor keeps
    # its own thread and loop (app/ui/bridge.py). Not qasync.run(): it would install a
    # loop policy that the monitor thread's loop must not get.
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def console() -> None:
        window = MainWindow(services)
        window.show()
        _close_on_signals(window)
        await window.closed.wait()

    try:
        with loop:
            loop.run_until_complete(console())
        return 0
    finally:
        asyncio.set_event_loop(None)
        cpu.shutdown()
