"""Pickup latency on PostgreSQL: paid -> processing through Supabase's path (PostgREST, here
the fake of app/proving/fake_supabase.py, on a real PostgreSQL), with a monitor idle at the
default 10 s poll and the database's change notifications on (app/store/pg_listen.py).

`run_pickup_bench_pg(url, rounds)` makes a fresh database on the server at `url`, migrates
it, and drops it when done."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from app.config import Settings
from app.events import EventBus, MessageEvent
from app.proving.bench import TARGETS, pickup_rounds
from app.runtime import build_services
from app.store.migrate import apply_migrations

IDLE_SECONDS = 1.0  # between rounds: the monitor is back to waiting on its poll


@contextlib.contextmanager
def _fresh_database(server_url: str) -> Iterator[str]:
    name = f"pressroom_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'create database "{name}"')
    try:
        url = server_url.rsplit("/", 1)[0] + f"/{name}"
        apply_migrations(url)
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def run_pickup_bench_pg(database_url: str, rounds: int) -> int:
    """Place `rounds` paid orders one at a time; print the median and max paid -> processing
    latency. 0 when the median is under the target (1 s)."""
    from app.proving.fake_supabase import SERVICE_KEY, FakeSupabase

    warnings: list[str] = []
    events = EventBus()
    events.subscribe(
        lambda e: (
            warnings.append(e.text)
            if isinstance(e, MessageEvent) and e.level >= logging.WARNING
            else None
        )
    )
    with (
        tempfile.TemporaryDirectory(prefix="pressroom-bench-pg-") as tmp,
        _fresh_database(database_url) as url,
        FakeSupabase(url) as fake,
    ):
        values = {
            "SUPABASE_URL": fake.url,
            "SUPABASE_SERVICE_KEY": SERVICE_KEY,
            "provider": "template",
            "database_url": url,
        }
        services = build_services(
            Settings.model_validate({**values, "data_dir": Path(tmp) / "worker"}), events
        )
        shop = build_services(Settings.model_validate({**values, "data_dir": Path(tmp) / "shop"}))
        try:
            poll = services.settings.poll_interval
            samples = asyncio.run(pickup_rounds(services, shop, rounds, IDLE_SECONDS))
        finally:
            services.store.close()
            shop.store.close()
    median = statistics.median(samples)
    verdict = "ok" if median < TARGETS["pickup"] else "OVER TARGET"
    print(
        f"pickup latency on PostgreSQL (paid->processing) {median:6.3f} s   median of "
        f"{rounds}, max {max(samples):.3f} s; poll interval {poll:g} s   "
        f"target < {TARGETS['pickup']:g} s   {verdict}"
    )
    for text in warnings:
        print(f"  warning: {text}")
    return 0 if median < TARGETS["pickup"] else 1
