"""`pressroom` with no arguments: the console on the configured store, with the demo
catalog loaded so a newcomer sees something real at once."""

from __future__ import annotations

import signal
import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import cpu
from app.assets import resource
from app.catalog import load_demo_catalog, place_demo_orders
from app.events import EventBus
from app.runtime import build_services
from app.ui.main_window import MainWindow
from app.ui.tasks import init_relay
from app.user_settings import load_settings


def make_app(argv: list[str] | None = None) -> QApplication:
    QCoreApplication.setOrganizationName("pressroom")
    QCoreApplication.setApplicationName("pressroom")
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    init_relay()
    app.setStyleSheet(resource("styles", "pressroom.qss").read_text())
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


def run_gui(argv: list[str] | None = None) -> int:
    app = make_app(argv)
    services = build_services(load_settings(), EventBus())
    cpu.configure(services.settings.cpu_workers, processes=True)  # keep the GIL for the window
    cpu.warm_up()
    books = load_demo_catalog(services.store, services.blobs)
    if not services.store.list_items(limit=1):  # first run: something real to watch at once
        place_demo_orders(services.store, services.blobs, books)
    window = MainWindow(services)
    window.show()
    _close_on_signals(window)
    try:
        return int(app.exec())
    finally:
        cpu.shutdown()
