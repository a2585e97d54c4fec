"""Which lane a book's run takes (app/pipeline/lane.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.domain import OrderItem, Personalization, Status
from app.pipeline.lane import choose_lane
from tests.conftest import make_settings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def item(**facts: object) -> OrderItem:
    who = Personalization("Mia", 5, None, "photos/mia.jpg")
    values: dict[str, object] = {"paid_at": NOW, **facts}
    return OrderItem("i", "o", "c", "b", who, Status.PROCESSING, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lane", "facts", "asked", "capable", "expected", "said"),
    [
        ("live", {}, None, True, "live", "is live"),
        ("batch", {}, None, True, "batch", "is batch"),
        ("batch", {}, None, False, "live", "offline provider"),
        ("batch", {}, "ana asked to regenerate the cover: live", True, "live", "regenerate"),
        # paid now, promised in 48 h: a day to spare
        ("auto", {}, None, True, "batch", "48 h from now"),
        # paid 30 h ago: due in 18 h, too soon for a batch's 24 h
        ("auto", {"paid_at": NOW - timedelta(hours=30)}, None, True, "live", "too soon"),
        # the app says it is needed tomorrow morning: live
        ("auto", {"needed_by": NOW + timedelta(hours=20)}, None, True, "live", "needed by"),
        ("auto", {"needed_by": NOW + timedelta(days=5)}, None, True, "batch", "120 h"),
        ("auto", {}, "ana asked for a retry: live", True, "live", "retry"),
    ],
)
def test_the_lane_of_a_run(
    tmp_path: Path,
    lane: str,
    facts: dict[str, object],
    asked: str | None,
    capable: bool,
    expected: str,
    said: str,
) -> None:
    settings = make_settings(tmp_path, ai_lane=lane)
    choice = choose_lane(settings, item(**facts), NOW, batch_capable=capable, live_asked=asked)
    assert choice.lane == expected and said in choice.reason
