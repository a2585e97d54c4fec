"""What the Batch lane keeps in either store (migrations/0018_batch_lane.sql on PostgreSQL):
the order's needed_by as the shop's app sets it, each held item's lane and batch state
(written only under the claim), and the money the batch lane saved today."""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from app.domain import Claim
from tests.integration.conftest import Backend
from tests.integration.test_store_contract import place


def set_needed_by(backend: Backend, order_id: str, when: datetime) -> None:
    """As the shop's app writes it: a column of its orders row."""
    if backend.fake is None:
        with sqlite3.connect(backend.settings.data_dir / "pressroom.sqlite3") as db:
            db.execute("update orders set needed_by = ? where id = ?", (when.timestamp(), order_id))
        return
    with psycopg.connect(backend.fake.database_url, autocommit=True) as conn:
        conn.execute("update orders set needed_by = %s where id = %s", (when, order_id))


def test_an_items_lane_and_its_orders_needed_by_read_back(backend: Backend) -> None:
    store = backend.store
    [item_id] = place(backend)
    item = store.get_item(item_id)
    assert item.needed_by is None and store.lane_states([item_id]) == {}
    when = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    set_needed_by(backend, item.order_id, when)
    [claimed] = store.claim("w1", 1, 60)
    assert claimed.needed_by == when
    held = Claim(item_id, "w1", 1)
    before = store.get_item(item_id).updated_at
    assert before is not None
    time.sleep(0.01)
    assert store.set_lane(held, "batch", "batch: 1 running")
    other = str(uuid.uuid4())  # an item with no lane
    assert store.lane_states([item_id, other]) == {item_id: ("batch", "batch: 1 running")}
    changed = store.get_item(item_id).updated_at
    assert changed is not None and changed > before  # the console's next read takes it
    assert store.set_lane(held, "live", "batch job batches/x expired")
    backend.expire_leases()
    store.claim("w2", 1, 60)
    assert not store.set_lane(held, "batch", "stale")  # no longer held: not written
    assert store.lane_states([item_id]) == {item_id: ("live", "batch job batches/x expired")}


def test_the_money_the_batch_lane_saved_today_is_counted(backend: Backend) -> None:
    store = backend.store
    now = time.time()
    for saved in (0.5, 0.25):
        [item_id] = place(backend)
        run = {"usage": {"cost_usd": saved, "saved_usd": saved}, "finished_at": now}
        store.save_provenance(item_id, {"usage_total": {}, "runs": [run]})
    [live] = place(backend)
    store.save_provenance(live, {"runs": [{"usage": {"cost_usd": 2.0}, "finished_at": now}]})
    figures = store.shop_figures(
        since=datetime.now(UTC) - timedelta(hours=12),
        recent_since=datetime.now(UTC) - timedelta(hours=1),
    )
    assert figures.saved_usd == pytest.approx(0.75) and figures.cost_usd == pytest.approx(2.75)
