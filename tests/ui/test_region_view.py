"""RegionView driven through the real mouse and keyboard on its viewport: move, resize,
draw and delete regions, and read back the normalized boxes."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage

from app.domain import Box
from app.ui.region_view import RegionView

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def view(qtbot: Any) -> RegionView:
    view = RegionView()
    view.setFixedSize(800, 640)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def picture() -> QImage:
    image = QImage(1000, 800, QImage.Format.Format_RGB32)
    image.fill(QColor("#506070"))
    return image


def at(view: RegionView, x: float, y: float) -> QPoint:
    """The viewport position of image pixel (x, y)."""
    return view.mapFromScene(QPointF(x, y))


def drag(qtbot: Any, view: RegionView, start: QPoint, end: QPoint) -> None:
    port = view.viewport()
    qtbot.mousePress(port, LEFT, pos=start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    qtbot.mouseMove(port, middle)
    qtbot.mouseMove(port, end)
    qtbot.mouseRelease(port, LEFT, pos=end)


def close(box: Box | None, expected: tuple[float, float, float, float]) -> bool:
    assert box is not None
    return all(abs(a - b) < 0.01 for a, b in zip(box.as_list(), expected, strict=True))


def test_shows_the_regions_it_was_given(view: RegionView) -> None:
    view.show_picture(picture(), [Box(0.1, 0.1, 0.3, 0.3)])
    assert view.hero_regions() == (Box(0.1, 0.1, 0.3, 0.3),)
    assert view.title_box() is None
    assert not view.horizontalScrollBar().isVisible()
    assert not view.verticalScrollBar().isVisible()
    corner = at(view, 1000, 800)  # the whole picture is in sight
    assert view.viewport().rect().contains(corner - QPoint(1, 1))


def test_dragging_a_region_moves_it_and_reports_once(view: RegionView, qtbot: Any) -> None:
    view.show_picture(picture(), [Box(0.1, 0.1, 0.3, 0.3)])
    changes: list[None] = []
    view.regions_changed.connect(lambda: changes.append(None))
    drag(qtbot, view, at(view, 200, 160), at(view, 400, 240))
    (box,) = view.hero_regions()
    assert close(box, (0.3, 0.2, 0.5, 0.4))
    assert len(changes) == 1


def test_the_corner_handle_resizes(view: RegionView, qtbot: Any) -> None:
    view.show_picture(picture(), [Box(0.1, 0.1, 0.3, 0.3)])
    changes: list[None] = []
    view.regions_changed.connect(lambda: changes.append(None))
    handle = at(view, 300, 240) - QPoint(4, 4)  # inside the square at the corner
    drag(qtbot, view, handle, handle + (at(view, 500, 400) - at(view, 300, 240)))
    (box,) = view.hero_regions()
    assert close(box, (0.1, 0.1, 0.5, 0.5))
    assert len(changes) == 1
    handle = at(view, 500, 400) - QPoint(4, 4)  # shrinking stops at the minimum size
    drag(qtbot, view, handle, at(view, 0, 0))
    (box,) = view.hero_regions()
    assert close(box, (0.1, 0.1, 0.12, 0.12))


def test_dragging_on_an_empty_spot_draws_a_region(view: RegionView, qtbot: Any) -> None:
    view.show_picture(picture(), [Box(0.1, 0.1, 0.3, 0.3)])
    changes: list[None] = []
    view.regions_changed.connect(lambda: changes.append(None))
    drag(qtbot, view, at(view, 800, 600), at(view, 600, 400))  # drawn upwards works too
    first, second = view.hero_regions()
    assert first == Box(0.1, 0.1, 0.3, 0.3)
    assert close(second, (0.6, 0.5, 0.8, 0.75))
    assert len(changes) == 1
    start = at(view, 700, 100)
    drag(qtbot, view, start, start + QPoint(2, 1))  # a click, not a drawing
    assert len(view.hero_regions()) == 2
    assert len(changes) == 1


def test_drawing_a_title_on_a_cover(view: RegionView, qtbot: Any) -> None:
    view.show_picture(picture(), [Box(0.1, 0.1, 0.3, 0.3)], with_title=True)
    view.set_draw_target("title")
    drag(qtbot, view, at(view, 100, 600), at(view, 900, 750))
    assert close(view.title_box(), (0.1, 0.75, 0.9, 0.9375))
    drag(qtbot, view, at(view, 200, 450), at(view, 800, 550))  # replaces the first one
    assert close(view.title_box(), (0.2, 0.5625, 0.8, 0.6875))
    assert len(view.hero_regions()) == 1
    assert len([i for i in view.scene().items() if i.parentItem() is None]) == 3


def test_title_target_is_ignored_on_a_page(view: RegionView, qtbot: Any) -> None:
    view.show_picture(picture(), [])
    view.set_draw_target("title")
    drag(qtbot, view, at(view, 100, 100), at(view, 300, 300))
    assert view.title_box() is None
    assert close(view.hero_regions()[0], (0.1, 0.125, 0.3, 0.375))


def test_delete_removes_the_selected_region(view: RegionView, qtbot: Any) -> None:
    view.show_picture(
        picture(), [Box(0.1, 0.1, 0.3, 0.3), Box(0.6, 0.6, 0.8, 0.8)], Box(0.1, 0.8, 0.9, 0.95)
    )
    changes: list[None] = []
    view.regions_changed.connect(lambda: changes.append(None))
    qtbot.mouseClick(view.viewport(), LEFT, pos=at(view, 700, 560))  # select the second
    assert not changes  # selecting is not a change
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert view.hero_regions() == (Box(0.1, 0.1, 0.3, 0.3),)
    assert len(changes) == 1
    qtbot.mouseClick(view.viewport(), LEFT, pos=at(view, 500, 700))  # the title
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert view.title_box() is None
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # nothing selected: nothing happens
    assert view.hero_regions() == (Box(0.1, 0.1, 0.3, 0.3),)
    assert len(changes) == 2


def test_a_region_cannot_leave_the_picture(view: RegionView, qtbot: Any) -> None:
    view.show_picture(picture(), [Box(0.1, 0.1, 0.3, 0.3)])
    drag(qtbot, view, at(view, 200, 160), at(view, -300, -300))
    assert close(view.hero_regions()[0], (0.0, 0.0, 0.2, 0.2))
    drag(qtbot, view, at(view, 100, 80), at(view, 5000, 5000))
    (box,) = view.hero_regions()
    assert close(box, (0.8, 0.8, 1.0, 1.0))
    assert box.left >= 0.0 and box.right <= 1.0 and box.bottom <= 1.0


def test_clear_and_replace(view: RegionView) -> None:
    view.show_picture(picture(), [Box(0.1, 0.1, 0.3, 0.3)], Box(0.1, 0.8, 0.9, 0.95))
    view.show_picture(picture(), [Box(0.5, 0.5, 0.6, 0.6)])
    assert view.hero_regions() == (Box(0.5, 0.5, 0.6, 0.6),)
    assert view.title_box() is None
    view.clear()
    assert view.hero_regions() == () and view.title_box() is None


def test_a_hero_inside_the_title_box_can_still_be_taken(view: RegionView, qtbot: Any) -> None:
    view.show_picture(
        picture(), [Box(0.4, 0.8, 0.5, 0.9)], Box(0.1, 0.75, 0.9, 0.95), with_title=True
    )
    drag(qtbot, view, at(view, 450, 680), at(view, 450, 280))
    assert close(view.hero_regions()[0], (0.4, 0.3, 0.5, 0.4))
    assert view.title_box() == Box(0.1, 0.75, 0.9, 0.95)
