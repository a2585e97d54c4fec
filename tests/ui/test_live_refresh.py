"""The order table on Supabase refreshes on the database's change notifications (debounced)
and its timer slows down while they are heard; without a database URL nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtCore import QTimer

from app.events import EventBus
from app.proving.fake_supabase import FakeSupabase
from app.runtime import build_services
from app.ui.live_refresh import LIVE_FALLBACK_MS, LiveRefresh
from tests.conftest import make_settings, order_book, save_small_book
from tests.integration.conftest import supabase_settings


@pytest.fixture
def fake(pg_url: str) -> Iterator[FakeSupabase]:
    with FakeSupabase(pg_url) as running:
        yield running


def test_changes_refresh_the_table_at_most_every_quarter_second(
    qtbot: Any, tmp_path: Path, fake: FakeSupabase
) -> None:
    services = build_services(
        supabase_settings(tmp_path, fake, database_url=fake.database_url), EventBus()
    )
    item = order_book(services, save_small_book(services, pages=1), paid=False)
    timer = QTimer()
    timer.start(2000)
    refreshes: list[int] = []
    live = LiveRefresh(services, timer, lambda: refreshes.append(1), lambda: False)
    # (waits below stay under LIVE_FALLBACK_MS: the fallback's own tick must not pass them)
    try:
        qtbot.waitUntil(
            lambda: live.is_live and timer.interval() == LIVE_FALLBACK_MS, timeout=30_000
        )
        qtbot.waitUntil(lambda: len(refreshes) == 1, timeout=8000)  # caught up on connecting
        qtbot.wait(400)
        with psycopg.connect(fake.database_url, autocommit=True) as db:
            for _ in range(5):  # a burst of changes, one commit each
                db.execute("update order_items set updated_at = now() where id = %s", (item.id,))
        qtbot.waitUntil(lambda: len(refreshes) >= 3, timeout=6000)  # at once, then once more
        qtbot.wait(600)
        assert 3 <= len(refreshes) <= 4  # not one per change (4: a slow machine's burst)
    finally:
        live.stop()
        timer.stop()
        services.store.close()
    assert timer.interval() == 2000  # back to the timer's own pace


def test_without_a_database_url_the_timer_keeps_its_pace(qtbot: Any, tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    timer = QTimer()
    timer.start(2000)
    live = LiveRefresh(services, timer, lambda: None, lambda: False)
    assert live.listener is None and not live.is_live
    live.stop()
    assert timer.interval() == 2000
    timer.stop()
    services.store.close()


def test_a_change_during_a_running_refresh_is_read_after_it(qtbot: Any, tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    refreshes: list[int] = []
    busy = [True]
    timer = QTimer()
    live = LiveRefresh(services, timer, lambda: refreshes.append(1), lambda: busy[0])
    try:
        live._changed.emit()  # as the listener's thread does
        qtbot.wait(600)
        assert refreshes == []  # the running refresh may have read before the change
        busy[0] = False
        qtbot.waitUntil(lambda: refreshes == [1], timeout=15_000)
    finally:
        live.stop()
        timer.stop()
        services.store.close()
