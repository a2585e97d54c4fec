"""`GET /metrics` for a headless worker, in Prometheus' text format (prometheus-client):
order items by status, how long each stage took, the AI calls this process made by model
and outcome (429s as "RateLimited") with their cost, whether the queue is paused, and the
notification outbox's backlog. Read when scraped, from the store and this process; behind
the service's token like every endpoint but /health."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from app.ai.usage import TOTALS
from app.domain import Status
from app.events import Event, EventBus, ProgressEvent, StatusEvent
from app.store.ports import OrderStore

STAGE_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)


class StageClock:
    """A stage's duration, from the events: from its first progress to the item's next
    stage or its status change (a stage the worker did not see start is not timed)."""

    def __init__(self, histogram: Histogram, clock: Callable[[], float] = time.monotonic):
        self.histogram, self.clock = histogram, clock
        self._running: dict[str, tuple[str, float]] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, ProgressEvent):
            stage = event.stage.value
            current = self._running.get(event.item_id)
            if current is None or current[0] != stage:
                self._finish(event.item_id)
                self._running[event.item_id] = (stage, self.clock())
        elif isinstance(event, StatusEvent):
            self._finish(event.item_id)

    def _finish(self, item_id: str) -> None:
        running = self._running.pop(item_id, None)
        if running is not None:
            stage, started = running
            self.histogram.labels(stage=stage).observe(self.clock() - started)


class ShopCollector:
    """What is read at each scrape."""

    def __init__(self, store: OrderStore, paused: Callable[[], bool]) -> None:
        self.store, self.paused = store, paused

    def collect(self) -> Iterator[Metric]:
        counts = self.store.count_by_status()
        items = GaugeMetricFamily("pressroom_items", "order items by status", labels=["status"])
        for status in Status:
            items.add_metric([status.value], counts.get(status, 0))
        yield items
        yield GaugeMetricFamily(
            "pressroom_queue_paused", "1 while the queue is paused", value=int(self.paused())
        )
        yield GaugeMetricFamily(
            "pressroom_outbox_backlog",
            "notifications not yet sent or given up",
            value=self.store.outbox_backlog(),
        )
        with TOTALS.lock:
            calls, cost = dict(TOTALS.calls), dict(TOTALS.cost_usd)
        ai = CounterMetricFamily(
            "pressroom_ai_calls", "AI calls by model and outcome", labels=["model", "outcome"]
        )
        for (model, outcome), count in sorted(calls.items()):
            ai.add_metric([model, outcome], count)
        yield ai
        dollars = CounterMetricFamily(
            "pressroom_ai_cost_usd", "AI spending by model, US dollars", labels=["model"]
        )
        for model, usd in sorted(cost.items()):
            dollars.add_metric([model], usd)
        yield dollars


class Metrics:
    def __init__(self, store: OrderStore, events: EventBus, paused: Callable[[], bool]) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(ShopCollector(store, paused))
        stages = Histogram(
            "pressroom_stage_seconds",
            "how long each stage of a book took",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=self.registry,
        )
        self.unsubscribe = events.subscribe(StageClock(stages))

    def text(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
