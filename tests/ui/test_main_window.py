"""The console with a real monitor: live updates, review decisions, shortcuts, persisted
layout and a clean shutdown mid-job."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QKeySequence

from app.domain import Stage, Status
from app.events import EventBus
from app.runtime import build_services
from app.ui.main_window import MainWindow
from app.ui.order_model import Column
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider
from tests.ui.conftest import finish

Factory = Callable[..., MainWindow]


def statuses(window: MainWindow) -> list[str]:
    model = window.model
    return [model.index(r, Column.STATUS).data() for r in range(model.rowCount())]


def test_rows_update_live_without_losing_the_selection(make_window: Factory, qtbot: Any) -> None:
    window = make_window(start=False)
    book = save_small_book(window.services, pages=3)
    first = order_book(window.services, book)
    order_book(window.services, book, child=1, customer="c2")
    resets: list[bool] = []
    window.model.modelReset.connect(lambda: resets.append(True))
    window.refresh()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=30_000)
    window.table.selectRow(0)
    selected = window._selected
    assert selected is not None
    seen_progress: list[str] = []
    window.bridge.core_event.connect(lambda e: seen_progress.append(type(e).__name__))
    window.bridge.start_monitor()
    qtbot.waitUntil(lambda: statuses(window) == ["completed", "completed"], timeout=60_000)
    assert "ProgressEvent" in seen_progress
    assert not resets
    assert window._selected == selected
    assert window.table.selectionModel().selectedRows()[0].row() == 0
    qtbot.waitUntil(
        lambda: (
            window.detail.data is not None
            and window.detail.data.item.pressroom_status is Status.COMPLETED
        ),
        timeout=10_000,
    )
    assert window.detail.data.pdf is not None  # the published PDF is previewable
    assert window.detail.pdf.thumbs.count() == 4
    assert first.id in {window.model.item_at(r).id for r in range(2)}  # type: ignore[union-attr]


def test_approve_reject_regenerate_retry(make_window: Factory, qtbot: Any) -> None:
    window = make_window(start=True, review_mode=True)
    book = save_small_book(window.services, pages=2)
    items = [order_book(window.services, book, customer=f"c{n}", child=n) for n in range(3)]
    window.bridge.wake()
    window.refresh()
    qtbot.waitUntil(lambda: sorted(statuses(window)) == ["awaiting review"] * 3, timeout=60_000)
    store = window.services.store
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.buttons["approve"].isEnabled(), timeout=10_000)
    assert window.detail.data is not None and window.detail.data.pdf_label.startswith("draft")

    assert finish(qtbot, window.approve(items[0].id))
    assert finish(qtbot, window.reject(items[1].id, reason="the face is cut off"))
    assert finish(qtbot, window.regenerate(items[2].id, 2, choice=(False, [2], "bigger smile")))
    assert store.get_item(items[0].id).pressroom_status is Status.COMPLETED
    rejected = store.get_item(items[1].id)
    assert rejected.pressroom_status is Status.FAILED
    assert rejected.last_error == f"rejected by {window.operator}: the face is cut off"
    qtbot.waitUntil(
        lambda: (
            store.get_item(items[2].id).pressroom_status is Status.AWAITING_REVIEW
            and store.get_item(items[2].id).attempts == 1
        ),
        timeout=60_000,
    )
    assert [h["action"] for h in store.history(items[2].id) if h["action"] != "stage"][-3:] == [
        "pending",
        "claimed",
        "awaiting_review",
    ]
    assert finish(qtbot, window.retry_all_failed()) == (1, [])
    qtbot.waitUntil(
        lambda: store.get_item(items[1].id).pressroom_status is Status.AWAITING_REVIEW,
        timeout=60_000,
    )
    actors = {h["actor"] for h in store.history(items[0].id)}
    assert window.operator in actors


def test_every_action_has_a_menu_and_the_standard_shortcuts(make_window: Factory) -> None:
    window = make_window()
    in_menus = {a for menu in window.menuBar().actions() for a in menu.menu().actions()}
    assert set(window.actions_by_name.values()) <= in_menus
    shortcuts = {name: a.shortcut() for name, a in window.actions_by_name.items()}
    assert shortcuts["quit"] == QKeySequence("Ctrl+Q")
    assert shortcuts["find"].toString() == "Ctrl+F"
    assert shortcuts["settings"].toString() == "Ctrl+,"
    assert shortcuts["open"].toString() == "Return"


def test_layout_is_remembered(make_window: Factory, qtbot: Any) -> None:
    window = make_window()
    window.resize(760, 700)  # the offscreen screen is 800x800
    window.orders.splitter.setSizes([240, 500])
    size, sizes = window.size(), window.orders.splitter.sizes()
    finish(qtbot, window.quit())
    again = make_window()
    assert again.size() == size
    assert again.orders.splitter.sizes() == sizes


def test_closing_mid_job_releases_the_item_with_its_checkpoints(
    make_window: Factory,
    qtbot: Any,
    tmp_path: Path,
) -> None:
    services = build_services(make_settings(tmp_path, pages_at_once=1), EventBus())
    services.provider = ScriptedProvider(stall_on={"page 2"})
    book = save_small_book(services, pages=3)
    item = order_book(services, book)
    window = make_window(services, start=True)
    qtbot.waitUntil(
        lambda: (
            services.store.get_item(item.id).stage is Stage.PAGES
            and services.store.get_item(item.id).progress_done == 1
        ),
        timeout=30_000,
    )
    store = services.store
    finish(qtbot, window.quit(), timeout=60_000)
    assert not window.isVisible()
    reopened = build_services(services.settings, EventBus())
    released = reopened.store.get_item(item.id)
    assert released.pressroom_status is Status.PENDING
    assert released.claimed_by is None and released.attempts == 0
    assert reopened.blobs.exists(f"work/{item.id}/pages/001.jpg")
    assert store is not reopened.store
    reopened.store.close()
