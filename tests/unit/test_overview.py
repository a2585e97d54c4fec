"""The overview strip's figures: today is since local midnight, the pace is the last hour,
failures are grouped by their first line, spending is per finished run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.domain import Book, Claim, Page, Personalization, Status
from app.reports.overview import NO_REASON, local_midnight, shop_overview
from app.store.embedded import EmbeddedOrderStore


@pytest.fixture
def auckland(monkeypatch: pytest.MonkeyPatch) -> Iterator[ZoneInfo]:
    """The machine's local time zone is Auckland's for this test."""
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield ZoneInfo("Pacific/Auckland")
    monkeypatch.undo()
    time.tzset()


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_today_starts_at_local_midnight_even_on_a_daylight_saving_day(auckland: ZoneInfo) -> None:
    # 2024-09-29: New Zealand moves from +12:00 to +13:00 at 02:00
    noon = datetime(2024, 9, 29, 12, 0, tzinfo=auckland)
    midnight = local_midnight(noon)
    assert (midnight.hour, midnight.utcoffset()) == (
        0,
        datetime(2024, 9, 28, tzinfo=auckland).utcoffset(),
    )
    assert (noon - midnight).total_seconds() == 11 * 3600  # one hour went missing
    assert local_midnight(datetime(2024, 9, 29, 12, 0)) == midnight  # naive means local


def test_the_overview_counts_today_the_last_hour_and_the_spending(
    tmp_path: Path, auckland: ZoneInfo
) -> None:
    clock = Clock()
    store = EmbeddedOrderStore(tmp_path / "db.sqlite3", clock=clock)
    store.save_book(Book("b1", "Leo Sails", "", "", "Leo", "c.jpg", (Page(1, "p.jpg", "Hi"),)))
    now = datetime(2024, 3, 5, 0, 30, tzinfo=auckland)

    def item(hh_mm: str, outcome: str, note: str = "", day: int = 5, cost: float = 0.0) -> None:
        hours, minutes = (int(x) for x in hh_mm.split(":"))
        clock.now = datetime(2024, 3, day, hours, minutes, tzinfo=auckland).timestamp()
        _, [placed] = store.place_order("c", [("b1", Personalization("Ada"))], paid=True)
        store.claim("w", 1, 600)
        claim = Claim(placed.id, "w", 1)
        if outcome == "completed":
            store.transition(placed.id, Status.PROCESSING, Status.PUBLISHING, claim=claim)
            store.complete(claim, pdf_url="p", cover_image_url="c", notification_body="ready")
        elif outcome == "failed":
            store.transition(placed.id, Status.PROCESSING, Status.FAILED, claim=claim, note=note)
        run = {"usage": {"cost_usd": cost}, "finished_at": clock.now}
        store.save_provenance(placed.id, {"runs": [run]})

    item("10:00", "completed", day=4, cost=5.0)  # yesterday morning: not today, not recent
    item("23:50", "completed", day=4, cost=0.25)  # yesterday, but within the last hour
    item("23:55", "failed", "yesterday's error", day=4)
    item("00:10", "completed", cost=0.5)
    item("00:12", "failed", "photo too small\n300 x 200 px", cost=0.125)
    item("00:14", "failed", "photo too small\n20 x 20 px")
    item("00:15", "failed", "")
    item("00:20", "processing", cost=0.0625)

    overview = shop_overview(store, now=now, daily_budget_usd=0.5)

    assert overview.queue[Status.COMPLETED] == 3 and overview.queue[Status.FAILED] == 4
    assert overview.queue[Status.PROCESSING] == 1 and overview.queue[Status.PENDING] == 0
    assert (overview.completed_today, overview.failed_today) == (1, 3)
    assert overview.books_per_hour == 2.0  # 23:50 and 00:10 are in the last 60 minutes
    assert overview.top_failures == [("photo too small", 2), (NO_REASON, 1)]
    assert overview.cost_today_usd == pytest.approx(0.6875)
    assert overview.daily_budget_usd == 0.5 and overview.over_budget
    utc_now = now.astimezone(ZoneInfo("UTC"))  # the same instant, another zone: same answer
    assert shop_overview(store, now=utc_now, daily_budget_usd=0.5) == overview
