"""What the operator sees: saved views that persist, the analysis as sentences with the
JSON one click away, a PDF strip that names the cover, and a layout that fits the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from app.ui.analysis_view import analysis_html
from app.ui.main_window import ITEM_TAB, MainWindow
from app.ui.order_model import Column
from app.ui.overview_strip import ElidedLabel
from app.ui.views import BUILT_IN
from tests.conftest import order_book, save_small_book
from tests.ui.conftest import finish

Factory = Callable[..., MainWindow]


def test_a_saved_view_comes_back_in_the_next_session(make_window: Factory, qtbot: Any) -> None:
    window = make_window()
    orders = window.orders
    orders.status_filter.setCurrentIndex(orders.status_filter.findData("failed"))
    orders.search.setText("moon")
    window.table.sortByColumn(Column.CHILD, Qt.SortOrder.DescendingOrder)
    orders.save_view("Failed moon books")
    finish(qtbot, window.quit())

    again = make_window()
    names = [again.orders.views.item(n).text() for n in range(again.orders.views.count())]
    assert names == [v.name for v in BUILT_IN] + ["Failed moon books"]
    assert again.orders.status_filter.currentData() is None  # not applied until chosen
    entry = again.orders.views.item(len(BUILT_IN))
    again.orders._view_chosen(entry)
    assert again.proxy.status == "failed" and again.proxy.text == "moon"
    header = again.table.horizontalHeader()
    assert header.sortIndicatorSection() == Column.CHILD
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    again.orders.views.setCurrentItem(entry)
    again.orders.delete_view()
    assert again.orders.views.count() == len(BUILT_IN)


def test_the_analysis_reads_as_sentences_with_swatches() -> None:
    page = analysis_html(
        {
            "Cover analysis": {
                "art_style": "soft watercolor",
                "palette": ["#1e2a5a", "#f4d27a", "#202c60"],
                "palette_names": ["navy", "butter", "navy"],
                "mood": "cheerful",
                "hero_position": [0.1, 0.2, 0.3, 0.4],
            },
            "Child analysis": {"hair_color": "red", "eye_color": "green", "apparent_age": "5"},
            "Prompts": {"cover": "Recreate the cover", "pages": {"1": "Redraw page 1"}},
            "Provenance": {"provider": "template", "usage_total": {"calls": 3, "cost_usd": 0.1}},
        }
    )
    assert "The original cover's style: <b>soft watercolor</b>; cheerful mood" in page
    assert 'bgcolor="#1e2a5a"' in page and 'bgcolor="#202c60"' in page
    assert page.count("navy") == 1  # two shades, one name
    assert "The hero stands on the left, near the top." in page
    assert "The child looks 5, has red hair, green eyes." in page
    assert "<b>page 1</b><br>Redraw page 1" in page
    assert "3 AI calls, cost $0.100" in page
    assert "No analysis yet" in analysis_html({})


def test_the_item_tab_shows_analysis_pdf_with_a_cover_and_the_json_on_demand(
    make_window: Factory, qtbot: Any
) -> None:
    window = make_window(start=True)
    book = save_small_book(window.services, pages=2)
    item = order_book(window.services, book)
    window.bridge.wake()
    qtbot.waitUntil(
        lambda: window.services.store.get_item(item.id).pressroom_status.value == "completed",
        timeout=60_000,
    )
    window.open_item(item.id)
    assert window.tabs.currentIndex() == ITEM_TAB
    qtbot.waitUntil(
        lambda: window.detail.data is not None and window.detail.data.pdf is not None,
        timeout=10_000,
    )
    analysis = window.detail.analysis
    assert "The original cover's style" in analysis.readable.toPlainText()
    analysis.toggle.click()
    assert analysis.stack.currentWidget() is analysis.raw
    assert '"art_style"' in analysis.raw.toPlainText()
    pdf = window.detail.pdf
    assert pdf.thumbs.item(0).text() == "cover"
    assert pdf.page_box.text() == "cover"
    assert not pdf.thumbs.isWrapping()
    pdf.thumbs.setCurrentRow(2)
    assert pdf.page_box.text() == "page 2"
    assert "Item: Ada" in window.tabs.tabText(ITEM_TAB).replace("&", "")


def test_no_horizontal_scroll_at_1366(make_window: Factory, qtbot: Any) -> None:
    window = make_window()
    window.resize(1366, 740)
    qtbot.wait(50)
    assert window.width() == 1366
    assert window.minimumSizeHint().width() <= 1366
    header = window.table.horizontalHeader()
    assert header.length() <= window.table.viewport().width() + 1


def test_the_top_failure_uses_the_room_it_has(qtbot: Any) -> None:
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.show()
    reason = "Top failure (3×): the child's photo: not an image (expected JPEG, PNG or WebP)"
    label.set_full_text(reason)
    label.resize(label.sizeHint().width(), 20)
    assert label.text() == reason  # whole where there is room
    label.resize(120, 20)
    assert label.text().endswith("…") and label.text().startswith("Top failure (3×)")
    assert label.full_text == reason
