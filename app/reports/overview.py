"""The shop at a glance, for the console's overview strip: the queue now, today's books and
failures, the pace, the commonest failure reasons and the AI spending against the daily
budget. Counted by the database in one store call (`shop_figures`), however many items
there are. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from app.domain import Status
from app.store.ports import OrderStore

NO_REASON = "(no reason given)"


@dataclass(frozen=True)
class Overview:
    queue: dict[Status, int]  # items per status now (every status present)
    completed_today: int
    failed_today: int  # failures recorded today: an item that failed twice counts twice
    books_per_hour: float  # books completed in the last 60 minutes
    top_failures: list[tuple[str, int]]  # (first line of the error, times today), <= 3
    cost_today_usd: float
    daily_budget_usd: float
    saved_today_usd: float = 0.0  # what the batch lane saved today's runs

    @property
    def over_budget(self) -> bool:
        return self.daily_budget_usd > 0 and self.cost_today_usd >= self.daily_budget_usd


def local_midnight(now: datetime) -> datetime:
    """The start of `now`'s day in the local time zone (a naive `now` is local time)."""
    return datetime.combine(now.astimezone().date(), time()).astimezone()


def shop_overview(store: OrderStore, *, now: datetime, daily_budget_usd: float) -> Overview:
    """The shop as of `now`; "today" is since local midnight of `now`.

    books_per_hour is the number of books completed in the 60 minutes before `now`: the
    current pace (it reads 0 after an idle hour, however busy the morning was), not an
    average over the day. cost_today_usd sums the AI calls of the provenance runs that
    finished today; a run still going is counted when it finishes.
    """
    now = now.astimezone()
    figures = store.shop_figures(since=local_midnight(now), recent_since=now - timedelta(hours=1))
    return Overview(
        queue=dict(figures.counts),
        completed_today=figures.completed,
        failed_today=figures.failed,
        books_per_hour=float(figures.completed_recent),
        top_failures=[(reason or NO_REASON, n) for reason, n in figures.failure_reasons],
        cost_today_usd=figures.cost_usd,
        daily_budget_usd=daily_budget_usd,
        saved_today_usd=figures.saved_usd,
    )
