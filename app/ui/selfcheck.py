"""The console's part of `pressroom --self-check`: Qt loads and shows a widget, and a
coroutine runs on the qasync loop the console's flows use."""

from __future__ import annotations

import asyncio
import os


def check_qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    label = QLabel("Pressroom")
    label.show()
    app.processEvents()
    label.close()

    async def flow() -> str:
        await asyncio.sleep(0.01)
        return "ok"

    loop = qasync.QEventLoop(app)
    try:
        answer = loop.run_until_complete(flow())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return f"PySide6 on the {QApplication.platformName()} platform, qasync flows {answer}"
