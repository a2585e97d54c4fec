"""`GET /metrics`: Prometheus text a scraper reads — items by status, stage durations, AI
calls (429s by name) and cost by model, the queue's pause, the outbox backlog — behind the
service's token."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.ai.usage import UsageLedger
from app.domain import Stage, Status
from app.events import EventBus, ProgressEvent, StatusEvent
from app.runtime import build_services
from app.worker.service import Service
from tests.conftest import complete_an_order, make_settings

TOKEN = "t-metrics-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service(
        build_services(make_settings(tmp_path, auto_start_monitor=False), EventBus()), TOKEN
    )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_are_prometheus_text_behind_the_token(service: Service) -> None:
    complete_an_order(service.s.store, email="grace@example.com", channels=("email",))
    ledger = UsageLedger()
    ledger.record("page 1", "gemini-test-image", images=1)
    ledger.record("page 2", "gemini-test-image", outcome="RateLimited")
    events = service.s.events
    events.emit(ProgressEvent("item-1", Stage.PAGES, 0, 3))
    events.emit(ProgressEvent("item-1", Stage.PAGES, 1, 3))
    events.emit(ProgressEvent("item-1", Stage.PDF, 0, 1))
    events.emit(StatusEvent("item-1", Status.COMPLETED))
    with TestClient(service.app) as client:
        assert client.get("/metrics").status_code == 401
        got = client.get("/metrics", headers=AUTH)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/plain")
    found = samples(got.text)
    assert found[("pressroom_items", (("status", "completed"),))] == 1
    assert found[("pressroom_items", (("status", "failed"),))] == 0
    assert found[("pressroom_queue_paused", ())] == 0
    assert found[("pressroom_outbox_backlog", ())] == 1  # the e-mail not sent yet
    image = (("model", "gemini-test-image"),)
    assert found[("pressroom_ai_calls_total", (*image, ("outcome", "RateLimited")))] >= 1
    assert found[("pressroom_ai_calls_total", (*image, ("outcome", "ok")))] >= 1
    assert found[("pressroom_ai_cost_usd_total", image)] > 0
    assert found[("pressroom_stage_seconds_count", (("stage", "pages"),))] == 1
    assert found[("pressroom_stage_seconds_count", (("stage", "pdf"),))] == 1
