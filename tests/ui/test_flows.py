"""The console's flows on the qasync loop: awaited end to end, stale loads cancelled, bulk
decisions on a filter of 500 items, and quitting in the middle of every kind of flow."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.domain import PermanentError, Personalization, Status
from app.events import EventBus, StatusEvent
from app.reports.timeline import worker_words
from app.runtime import JobServices, build_services
from app.ui.main_window import MainWindow
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider
from tests.ui.conftest import finish

Factory = Callable[..., MainWindow]


def waiting_for_review(services: JobServices, count: int) -> list[str]:
    """`count` paid items moved to awaiting_review through the store's own transitions."""
    book = save_small_book(services, pages=1)
    _, items = services.store.place_order(
        "shop-customer",
        [(book.id, Personalization(f"Kid{n}", 5, "girl")) for n in range(count)],
        paid=True,
    )
    claimed = services.store.claim("test-worker", count, 600)
    assert len(claimed) == count
    for item in claimed:
        services.store.transition(
            item.id, Status.PROCESSING, Status.AWAITING_REVIEW, note="ready for review"
        )
    return [i.id for i in items]


def test_a_stale_detail_load_is_cancelled_not_shown(make_window: Factory, qtbot: Any) -> None:
    window = make_window()
    book = save_small_book(window.services, pages=2)
    first = order_book(window.services, book, child=0)
    second = order_book(window.services, book, child=1, customer="c2")
    stale = window.load_detail(first.id)
    fresh = window.load_detail(second.id)
    assert stale is not None and fresh is not None and stale is not fresh
    finish(qtbot, fresh)
    qtbot.waitUntil(stale.done, timeout=30_000)
    assert stale.cancelled()
    assert window.detail.data is not None and window.detail.data.item.id == second.id


def test_bulk_actions_on_everything_a_filter_shows(
    make_window: Factory, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    ids = waiting_for_review(window.services, 500)
    finish(qtbot, window.refresh(full=True))
    window.status_filter.setCurrentIndex(window.status_filter.findData("awaiting_review"))
    assert window.proxy.rowCount() == 500
    asked: list[str] = []

    def confirm(_parent: Any, _title: str, text: str, *_: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", confirm)
    decided, refused = finish(
        qtbot, window.bulk("reject", True, reason="wrong book ordered"), timeout=120_000
    )
    assert asked == ["Reject 500 items?"]
    assert (decided, refused) == (500, [])
    store = window.services.store
    assert store.count_by_status().get(Status.FAILED) == 500
    for item_id in ids[::50]:
        last = [h for h in store.history(item_id) if h["action"] == "failed"][-1]
        assert last["actor"] == window.operator and last["note"] == "wrong book ordered"
    assert store.get_item(ids[7]).last_error == f"rejected by {window.operator}: wrong book ordered"

    finish(qtbot, window.refresh(full=True))
    window.status_filter.setCurrentIndex(window.status_filter.findData("failed"))
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 500, timeout=10_000)
    decided, refused = finish(qtbot, window.bulk("retry", True), timeout=120_000)
    assert decided == 500 and asked[-1] == "Retry 500 items?"
    assert store.count_by_status().get(Status.PENDING) == 500
    assert not window.bulk_progress.isVisible()


def test_bulk_on_the_selection_leaves_other_statuses_alone(
    make_window: Factory, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    ids = waiting_for_review(window.services, 3)
    book = save_small_book(window.services, pages=1)
    pending = order_book(window.services, book, child=2, customer="c9")
    finish(qtbot, window.refresh(full=True))
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=30_000)
    window.table.selectAll()
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes
    )
    decided, _ = finish(qtbot, window.bulk("reject", False, reason="blurred"))
    assert decided == 3
    assert asked == ["Reject 3 items?\n\n1 other item (not awaiting review) stay as they are."]
    store = window.services.store
    assert {store.get_item(i).pressroom_status for i in ids} == {Status.FAILED}
    assert store.get_item(pending.id).pressroom_status is Status.PENDING
    qtbot.waitUntil(lambda: window.model.count(Status.FAILED) == 3, timeout=10_000)
    assert window.bulk("approve", False, confirm=False) is None  # nothing left to approve
    assert "none of the 4 selected items is awaiting review" in window.statusBar().currentMessage()


def test_a_decision_that_is_refused_says_why_and_the_window_goes_on(
    make_window: Factory, qtbot: Any
) -> None:
    window = make_window()
    book = save_small_book(window.services, pages=1)
    item = order_book(window.services, book)
    assert finish(qtbot, window.retry(item.id)) is False  # pending, not failed
    assert "failed" in window.log_view.model.data(
        window.log_view.model.index(window.log_view.model.rowCount() - 1, 0)
    )


def test_an_item_that_needs_the_operator_raises_a_tray_notification(
    make_window: Factory, qtbot: Any
) -> None:
    window = make_window(start=True, review_mode=True)
    book = save_small_book(window.services, pages=1)
    item = order_book(window.services, book)
    finish(qtbot, window.refresh(full=True))  # the row (and its book's title) is known
    needed: list[tuple[str, str, str]] = []
    window.attention.needed.connect(lambda *args: needed.append(args))
    window.bridge.wake()
    qtbot.waitUntil(lambda: bool(needed), timeout=60_000)
    item_id, title, text = needed[0]
    assert item_id == item.id and "review" in title
    assert book.title in text
    qtbot.waitUntil(lambda: window.windowTitle() == "Pressroom — 1 awaiting review", timeout=10_000)
    with qtbot.waitSignal(window.attention.needed, timeout=30_000) as failed:
        window.bridge.core_event.emit(StatusEvent(item.id, Status.FAILED, "the photo is blurred"))
    assert failed.args[1] == "A book failed" and "the photo is blurred" in failed.args[2]


@pytest.mark.parametrize("round_", range(5))
def test_quitting_during_every_kind_of_flow_is_clean(
    make_window: Factory,
    qtbot: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    round_: int,
) -> None:
    services = build_services(make_settings(tmp_path, review_mode=True), EventBus())
    services.provider = ScriptedProvider(stall_on={"cover analysis"})  # the Lab's call hangs
    ids = waiting_for_review(services, 3)
    window = make_window(services)
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    try:
        started = [
            window.refresh(full=True),
            window.refresh_overview(),
            window.load_detail(ids[0]),
            window.reject(ids[1], reason="quit test"),
            window.retry_all_failed(),
        ]
        window.cover_lab.files = {"cover": b"x", "photo": b"y"}
        window.cover_lab.generate()
        with pymupdf.open() as doc:
            doc.new_page()
            doc.new_page()
            window.detail.pdf.set_pdf(doc.tobytes())  # previews render in their own process
        for _ in range(round_):  # land the quit at a different moment each round
            qtbot.wait(3)
        quit_task = window.quit()
        finish(qtbot, quit_task, timeout=60_000)
        assert all(t is None or t.done() for t in started)
        assert not window.isVisible() and window.closed.is_set()
        assert not errors, errors
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        asyncio.get_running_loop().set_exception_handler(None)


def test_the_timeline_tells_why_an_order_is_late(
    make_window: Factory, qtbot: Any, tmp_path: Path
) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    services.provider = ScriptedProvider(
        failures={"page 1": [PermanentError("the model drew two children")]}
    )
    book = save_small_book(services, pages=2)
    item = order_book(services, book)
    window = make_window(services, start=True)
    store = services.store
    qtbot.waitUntil(
        lambda: store.get_item(item.id).pressroom_status is Status.FAILED, timeout=60_000
    )
    assert finish(qtbot, window.retry(item.id))
    qtbot.waitUntil(
        lambda: store.get_item(item.id).pressroom_status is Status.COMPLETED, timeout=60_000
    )
    window.open_item(item.id)
    qtbot.waitUntil(
        lambda: (
            window.detail.data is not None
            and window.detail.data.item.pressroom_status is Status.COMPLETED
        ),
        timeout=10_000,
    )
    view = window.detail.timeline
    rows = [
        [view.tree.topLevelItem(n).text(c) for c in range(5)]
        for n in range(view.tree.topLevelItemCount())
    ]
    assert "2 attempts; 1 failure" in view.summary.text()
    failed = [r for r in rows if r[4].startswith("failed")]
    assert failed and failed[0][1] == "1" and failed[0][2] == "pages"
    assert "two children" in failed[0][4]
    assert any(r[1] == "2" and r[2] == "pages" and r[4] == "done" for r in rows)
    assert [r[2] for r in rows].index(f"retried by {window.operator}") == [
        r[2] for r in rows
    ].index("attempt 2: claimed by " + worker_words(window.bridge.monitor.worker_id)) - 1
    assert rows[-1][2:] == ["publish", rows[-1][3], "published"]


def test_the_log_names_items_by_child_and_book_and_filters_by_them(
    make_window: Factory, qtbot: Any
) -> None:
    window = make_window(start=True)
    book = save_small_book(window.services, pages=1)
    item = order_book(window.services, book)
    finish(qtbot, window.refresh(full=True))
    window.bridge.wake()
    model = window.log_view.model

    def lines() -> list[str]:
        return [model.data(model.index(n, 0)) for n in range(model.rowCount())]

    def mine() -> list[str]:
        return [line for line in lines() if f"Ada · {book.title}" in line]

    # the events reach the log through Qt's queue: wait for the line, not for the store
    qtbot.waitUntil(lambda: any("completed" in line for line in mine()), timeout=60_000)
    window.log_view.item.setText("ada")
    shown = window.log_view.proxy.rowCount()
    assert 0 < shown <= len(lines()) and shown == len(mine())
    first = window.log_view.proxy.index(0, 0)
    assert first.data(Qt.ItemDataRole.ToolTipRole) == f"item {item.id}"  # the id stays at hand
