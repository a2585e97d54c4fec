"""Instant pickup on the real PostgreSQL (migrations/0014, app/store/pg_listen.py): a paid
order wakes a monitor that polls every 10 s; a killed listening connection falls back to
polling, is said once, and comes back; the trigger's notifications, once each."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from app.domain import Book, Status
from app.events import Event, EventBus, MessageEvent, StatusEvent
from app.proving.fake_supabase import FakeSupabase
from app.runtime import JobServices, build_services
from app.store import pg_listen
from app.store.migrate import migrations
from app.worker.monitor import Monitor
from tests.conftest import order_book, save_small_book
from tests.integration.conftest import supabase_settings

SETTLED = {Status.COMPLETED, Status.FAILED, Status.AWAITING_REVIEW}
NOTICE = "change notifications"


def listening_pids(url: str) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "select pid from pg_stat_activity where datname = current_database() "
            "and application_name = %s and query ilike 'listen%%'",
            (pg_listen.APPLICATION_NAME,),
        ).fetchall()
    return [r[0] for r in rows]


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Pickup:
    """A worker (its monitor's events) and the shop's app placing orders on its own."""

    worker: JobServices
    shop: JobServices
    book: Book
    claimed: dict[str, float] = field(default_factory=dict)
    settled: set[str] = field(default_factory=set)
    said: list[MessageEvent] = field(default_factory=list)

    def watch(self, event: Event) -> None:
        if isinstance(event, StatusEvent):
            if event.status is Status.PROCESSING:
                self.claimed.setdefault(event.item_id, time.monotonic())
            elif event.status in SETTLED:
                self.settled.add(event.item_id)
        if isinstance(event, MessageEvent):
            self.said.append(event)

    async def latency(self, k: int, *, paid_on_insert: bool = False, timeout: float) -> float:
        """Place order k, pay it, and wait until a worker has claimed it and finished: the
        seconds from paid to processing."""
        customer = f"listen-{k}"
        if paid_on_insert:
            paid_at = time.monotonic()
            item = await asyncio.to_thread(order_book, self.shop, self.book, customer=customer)
        else:
            item = await asyncio.to_thread(
                order_book, self.shop, self.book, paid=False, customer=customer
            )
            paid_at = time.monotonic()
            await asyncio.to_thread(self.shop.store.set_payment_status, item.order_id, "paid")
        await until(lambda: item.id in self.claimed, timeout, f"order {k} to be claimed")
        await until(lambda: item.id in self.settled, 120, f"order {k} to be finished")
        await asyncio.sleep(0.3)  # the monitor is idle again, waiting on its poll
        return self.claimed[item.id] - paid_at

    def notices(self, level: int) -> list[str]:
        return [e.text for e in self.said if e.level == level and NOTICE in e.text]


@pytest.fixture
def pickup(tmp_path: Path, supabase_fake: FakeSupabase) -> Iterator[Callable[..., Pickup]]:
    opened: list[JobServices] = []

    def make(database_url: str, poll_ms: int) -> Pickup:
        worker = build_services(
            supabase_settings(
                tmp_path / "worker",
                supabase_fake,
                poll_interval_ms=poll_ms,
                database_url=database_url,
            ),
            EventBus(),
        )
        shop = build_services(supabase_settings(tmp_path / "shop", supabase_fake))
        opened.extend([worker, shop])
        run = Pickup(worker, shop, save_small_book(worker, pages=1))
        worker.events.subscribe(run.watch)
        return run

    yield make
    for services in opened:
        services.store.close()


def test_a_paid_order_is_picked_up_at_once_with_a_10_s_poll(
    supabase_fake: FakeSupabase, pickup: Callable[..., Pickup]
) -> None:
    url = supabase_fake.database_url
    run = pickup(url, 10_000)

    async def scenario() -> list[float]:
        monitor = Monitor(run.worker, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        try:
            await until(lambda: bool(listening_pids(url)), 10, "the listener")
            await asyncio.sleep(0.3)  # the first poll is done: the next is 10 s away
            return [
                await run.latency(0, timeout=9),  # the order becomes paid
                await run.latency(1, paid_on_insert=True, timeout=9),  # paid items added
                await run.latency(2, timeout=9),
            ]
        finally:
            monitor.stop()
            await runner

    latencies = asyncio.run(scenario())
    assert max(latencies) < 3.0, latencies  # well under the 10 s poll
    assert run.notices(logging.WARNING) == []
    assert listening_pids(url) == []  # stopping the monitor closed its connection


@pytest.fixture
def listen_role(pg_server: str) -> Iterator[tuple[str, str]]:
    """A role of its own for the listener, so that the test can bar it from logging in."""
    name, password = f"pressroom_listen_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f"create role \"{name}\" login password '{password}'")
    yield name, password
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'drop role if exists "{name}"')


def as_role(url: str, role: str, password: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{role}:{password}@{parts.hostname}:{parts.port}").geturl()


def test_a_killed_listener_falls_back_to_polling_says_so_once_and_comes_back(
    supabase_fake: FakeSupabase,
    pickup: Callable[..., Pickup],
    listen_role: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pg_listen, "RECONNECT_MAX_SECONDS", 1.0)
    url = supabase_fake.database_url
    role, password = listen_role
    run = pickup(as_role(url, role, password), 2_000)
    wakes: list[float] = []

    def admin(statement: str) -> list[Any]:
        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    async def scenario() -> tuple[float, float, float]:
        monitor = Monitor(run.worker, worker_id="w")
        wake = monitor.wake

        def counted_wake() -> None:
            wakes.append(time.monotonic())
            wake()

        monkeypatch.setattr(monitor, "wake", counted_wake)
        runner = asyncio.create_task(monitor.run())
        try:
            await until(lambda: bool(listening_pids(url)), 10, "the listener")
            await asyncio.sleep(0.3)
            before = await run.latency(0, timeout=1.9)
            admin(f'alter role "{role}" nologin')  # reconnections fail until allowed again
            [[killed]] = admin(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                f"where usename = '{role}' and application_name = 'pressroom-listen'"
            )
            assert killed
            await until(lambda: bool(run.notices(logging.WARNING)), 5, "the warning")
            polled = await run.latency(1, timeout=10)
            assert listening_pids(url) == []  # picked up by polling alone
            admin(f'alter role "{role}" login')
            await until(lambda: bool(run.notices(logging.INFO)), 15, "the listener's return")
            await until(lambda: bool(listening_pids(url)), 5, "the listener")
            await asyncio.sleep(0.3)
            wakes.clear()
            paid = time.monotonic()
            after = await run.latency(2, timeout=10)
            assert wakes and wakes[0] - paid < 1.0, wakes  # woken by the notification
            return before, polled, after
        finally:
            monitor.stop()
            await runner

    before, polled, after = asyncio.run(scenario())
    assert before < 1.5 and after < 1.5, (before, polled, after)
    assert polled < 6.0, polled  # a 2 s poll, plus the claim
    [warning] = run.notices(logging.WARNING)
    assert warning.startswith("lost the database's change notifications (")
    assert warning.endswith("; polling every 2 s until they are back")
    assert run.notices(logging.INFO) == ["the database's change notifications are back"]
    assert not any(password in e.text for e in run.said)


def drain(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    return sorted((n.channel, n.payload) for n in conn.notifies(timeout=0.3))


def test_the_trigger_notifies_once_what_is_claimable_and_what_changed(pg_url: str) -> None:
    [notify] = [m for m in migrations() if m.name == "0014_claimable_notify.sql"]
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.transaction():
        conn.execute(notify.sql.encode())  # a second run, on top of apply_migrations'
        conn.execute(notify.sql.encode())  # and a third
    with (
        psycopg.connect(pg_url, autocommit=True) as listener,
        psycopg.connect(pg_url, autocommit=True) as db,
    ):
        listener.execute("listen pressroom_claimable")
        listener.execute("listen pressroom_items")
        triggers = db.execute(
            "select tgname from pg_trigger where tgname in ('order_item_notify', "
            "'order_paid_notify') order by 1"
        ).fetchall()
        assert triggers == [("order_item_notify",), ("order_paid_notify",)]
        db.execute(
            "insert into books (id, title, hero_name, cover_image) "
            "values ('b1', 'Leo Sails', 'Leo', 'c.jpg') on conflict do nothing"
        )
        order = db.execute(
            "insert into orders (user_id, payment_status) values (%s, 'pending') "
            "returning id::text",
            (str(uuid.uuid4()),),
        ).fetchone()[0]
        item = db.execute(
            "insert into order_items (order_id, book_id, personalization) "
            "values (%s, 'b1', '{}') returning id::text",
            (order,),
        ).fetchone()[0]
        assert drain(listener) == [("pressroom_items", item)]  # unpaid: not claimable
        db.execute("update orders set payment_status = 'paid' where id = %s", (order,))
        assert drain(listener) == [("pressroom_claimable", order)]
        db.execute("select * from claim_order_items('w', 5, 60)")
        assert drain(listener) == [("pressroom_items", item)]
        db.execute("select heartbeat_order_item(%s, 'w', 1, 60)", (item,))
        assert drain(listener) == []  # the console shows nothing new
        db.execute(
            "select * from transition_order_item(%s, 'processing', 'pending', 'w', 1, "
            "jsonb_build_object('retry_at', extract(epoch from now()) + 3600))",
            (item,),
        )
        assert drain(listener) == [("pressroom_items", item)]  # to be retried in an hour
        db.execute("update order_items set retry_at = null where id = %s", (item,))
        assert drain(listener) == [("pressroom_claimable", item)]  # (no updated_at change)
        db.execute("delete from order_items where id = %s", (item,))
        assert drain(listener) == [("pressroom_items", item)]
