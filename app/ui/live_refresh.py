"""The order table, live on Supabase: where the database's change notifications can be heard
(app/store/pg_listen.py), the table refreshes when an item changes — at once, then at most
once per DEBOUNCE_MS and never while a refresh runs (one follows it instead) — and its timer
slows to LIVE_FALLBACK_MS; while they cannot be heard, the timer keeps its own interval."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from app.runtime import JobServices
from app.store.pg_listen import ITEMS, start_listening

log = logging.getLogger(__name__)
DEBOUNCE_MS = 250
LIVE_FALLBACK_MS = 10_000


def _quiet(level: int, text: str) -> None:
    log.debug("%s", text)  # the monitor's own listener says it in the log


class LiveRefresh(QObject):
    _changed = Signal()  # emitted on the listener's thread, delivered on the window's
    _live = Signal(bool)

    def __init__(
        self,
        services: JobServices,
        timer: QTimer,
        refresh: Callable[[], object],
        busy: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._timer = timer
        self._normal_ms = timer.interval()
        self._refresh, self._busy = refresh, busy
        self._again = False
        self._stopped = False
        self._window = QTimer(self)
        self._window.setSingleShot(True)
        self._window.setInterval(DEBOUNCE_MS)
        self._window.timeout.connect(self._window_over)
        self._changed.connect(self._on_change)
        self._live.connect(self._on_live)
        self.listener = start_listening(
            services.settings.database_url,
            services.store,
            [ITEMS],
            lambda _channel, _payload: self._changed.emit(),
            fallback=f"refreshing the table every {self._normal_ms / 1000:g} s",
            say=_quiet,
            on_live=self._live.emit,
        )

    @property
    def is_live(self) -> bool:
        return self.listener is not None and self.listener.listening

    def stop(self) -> None:
        self._stopped = True
        if self.listener is not None:
            self.listener.stop(wait=False)  # its thread closes the connection by itself
            self.listener = None  # its callback holds self: no cycle left for the collector
        self._window.stop()
        self._on_live(False)

    def _on_change(self) -> None:
        if self._window.isActive() or self._busy():
            self._again = True  # a refresh already running may have read too early
            if not self._window.isActive():
                self._window.start()
            return
        self._again = False
        self._refresh()
        self._window.start()

    def _window_over(self) -> None:
        if self._again and not self._stopped:
            self._on_change()

    def _on_live(self, live: bool) -> None:
        self._timer.setInterval(LIVE_FALLBACK_MS if live else self._normal_ms)
