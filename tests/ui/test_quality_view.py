"""The quality report in the console: the Check badge in the table, the Quality tab with
every verdict, the doubtful page marked beside its pair, and the one action that
regenerates exactly that page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.domain import Status
from app.events import EventBus
from app.runtime import build_services
from app.ui.main_window import MainWindow
from app.ui.order_model import Column
from tests.conftest import make_settings, order_book, save_small_book
from tests.ui.conftest import finish
from tests.unit.quality.test_gate import LazyPage

Factory = Callable[..., MainWindow]


def test_a_doubtful_book_shows_why_and_is_fixed_with_one_action(
    make_window: Factory, qtbot: Any, tmp_path: Path
) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    services.provider = LazyPage()
    item = order_book(services, save_small_book(services, pages=3))
    window = make_window(services, start=True)
    store = services.store
    qtbot.waitUntil(
        lambda: store.get_item(item.id).pressroom_status is Status.AWAITING_REVIEW,
        timeout=60_000,
    )
    finish(qtbot, window.refresh(full=True))
    row = window.model.row_of(item.id)
    assert row is not None
    assert window.model.index(row, Column.CHECK).data() == "⚠ 1 page"
    window.open_item(item.id)
    qtbot.waitUntil(
        lambda: window.detail.data is not None and window.detail.data.quality is not None,
        timeout=10_000,
    )
    view = window.detail.quality
    assert view.summary.text() == "<b>Quality: 1 page doubtful</b>"
    failed = [
        [view.tree.topLevelItem(n).text(c) for c in range(6)]
        for n in range(view.tree.topLevelItemCount())
        if view.tree.topLevelItem(n).text(4) == "FAIL"
    ]
    assert failed and {r[0] for r in failed} == {"page 2"}
    assert any(r[1] == "composition" and "nothing was personalized" in r[5] for r in failed)
    checks = {view.tree.topLevelItem(n).text(1) for n in range(view.tree.topLevelItemCount())}
    assert "hero redrawn" in checks and not any("_" in c for c in checks)  # words, not names
    page_two = window.detail.pages.item(1)
    assert "⚠" in page_two.text() and "composition" in page_two.toolTip()
    assert view.regenerate.isEnabled()
    view.regenerate.click()
    qtbot.waitUntil(
        lambda: store.get_item(item.id).pressroom_status is Status.COMPLETED, timeout=60_000
    )
    finish(qtbot, window.refresh(full=True))
    qtbot.waitUntil(lambda: window.model.index(row, Column.CHECK).data() == "✓", timeout=10_000)
    assert [h["action"] for h in store.history(item.id)].count("pending") >= 1
