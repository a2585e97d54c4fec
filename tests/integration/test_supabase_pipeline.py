"""Pressroom on Supabase: clear errors for a wrong key or URL, transient storage faults,
`pressroom migrate`, and the demo books end to end through the real supabase-py client."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pymupdf
import pytest

from app.catalog import load_demo_catalog, place_demo_orders
from app.domain import CredentialsRejected, PressroomError, Status, TransientError
from app.events import EventBus, MessageEvent
from app.proving.fake_supabase import FakeSupabase
from app.runtime import build_services
from app.store import open_stores
from app.store.migrate import migrations
from app.store.supabase_connection import SupabaseConnection
from app.worker.monitor import Monitor
from tests.integration.conftest import supabase_settings
from tests.pg import fresh_database


def test_a_wrong_service_key_is_one_clear_sentence(
    tmp_path: Path, supabase_fake: FakeSupabase
) -> None:
    settings = supabase_settings(tmp_path, supabase_fake, SUPABASE_SERVICE_KEY="sb_secret_wrong")
    store, blobs = open_stores(settings)
    try:
        with pytest.raises(CredentialsRejected, match="rejected the service key: Invalid API key"):
            store.list_items()
        with pytest.raises(CredentialsRejected, match="Storage rejected the key"):
            blobs.put("x/y.txt", b"1")
    finally:
        store.close()


def test_an_unreachable_project_is_transient_and_named() -> None:
    store_conn = SupabaseConnection("http://127.0.0.1:9", "sb_secret_x", timeout=2, attempts=2)
    from app.store.supabase import SupabaseOrderStore

    try:
        with pytest.raises(TransientError, match=r"cannot reach Supabase at http://127\.0\.0\.1:9"):
            SupabaseOrderStore(store_conn).list_items()
    finally:
        store_conn.close()


def test_a_malformed_url_is_refused_up_front() -> None:
    with pytest.raises(
        PressroomError, match=r"SUPABASE_URL .project\.supabase\.co. cannot be used"
    ):
        SupabaseConnection("project.supabase.co", "sb_secret_x")


def test_a_storage_503_is_transient(tmp_path: Path, supabase_fake: FakeSupabase) -> None:
    store, blobs = open_stores(supabase_settings(tmp_path, supabase_fake))
    blobs.put("a/b.txt", b"1")
    supabase_fake.inject(
        "/storage/v1/object/books/",
        503,
        {"statusCode": "503", "error": "ServiceUnavailable", "message": "try again"},
    )
    with pytest.raises(TransientError, match=r"Supabase Storage failed .*try again"):
        blobs.put("a/c.txt", b"2")
    store.close()


def test_the_monitor_reports_a_claim_failure_once(
    tmp_path: Path, supabase_fake: FakeSupabase
) -> None:
    settings = supabase_settings(
        tmp_path, supabase_fake, SUPABASE_SERVICE_KEY="sb_secret_wrong", poll_interval_ms=100
    )
    services = build_services(settings, EventBus())
    errors: list[str] = []
    services.events.subscribe(
        lambda e: (
            errors.append(e.text)
            if isinstance(e, MessageEvent) and e.level >= logging.ERROR
            else None
        )
    )

    async def scenario() -> None:
        monitor = Monitor(services, worker_id="w")
        runner = asyncio.create_task(monitor.run())
        await asyncio.sleep(0.8)  # several polls
        monitor.stop()
        await runner

    asyncio.run(scenario())
    services.store.close()
    assert errors == ["could not claim work: Supabase rejected the service key: Invalid API key"]


def test_demo_books_end_to_end_on_supabase(tmp_path: Path, supabase_fake: FakeSupabase) -> None:
    services = build_services(supabase_settings(tmp_path, supabase_fake), EventBus())
    books = load_demo_catalog(services.store, services.blobs)
    items = place_demo_orders(services.store, services.blobs, books)
    asyncio.run(Monitor(services, worker_id="w").run_until_idle({i.id for i in items}, timeout=240))
    for item in items:
        done = services.store.get_item(item.id)
        assert done.pressroom_status is Status.COMPLETED, done.last_error
        assert done.pdf_url and "token=" in done.pdf_url
        pdf = httpx.get(done.pdf_url).content
        with pymupdf.open(stream=pdf, filetype="pdf") as doc:
            assert doc.page_count == 13
        key = ("books", f"books/{item.customer_id}/{item.id}.pdf")
        assert supabase_fake.objects[key][1] == "application/pdf"
        assert supabase_fake.objects[("books", f"covers/{item.customer_id}/{item.id}.jpg")][1] == (
            "image/jpeg"
        )
        assert len(services.store.list_notifications(item.customer_id)) == 1
    services.store.close()
    with psycopg.connect(supabase_fake.database_url) as conn:
        usage = conn.execute("select count(*) from order_item_provenance").fetchone()[0]
    assert usage == len(items)


def test_migrate_command_applies_then_reports_up_to_date(pg_server: str, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    with fresh_database(pg_server, migrate=False) as url:
        cmd = [sys.executable, "-m", "app", "migrate", "--database-url", url]
        first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines()[0] == "applied 0001_core_tables.sql"
        assert first.stdout.splitlines() == [f"applied {m.name}" for m in migrations()]
        again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        assert again.stdout.strip() == "already up to date"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "migrate",
            "--database-url",
            "postgresql://nobody@127.0.0.1:9/none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.startswith(
        "pressroom: cannot connect to the database"
    )


def test_a_postgrest_503_is_transient(tmp_path: Path, supabase_fake: FakeSupabase) -> None:
    store, _ = open_stores(supabase_settings(tmp_path, supabase_fake))
    supabase_fake.inject(
        "/rest/v1/rpc/claim_order_items",
        503,
        {"code": "PGRST000", "message": "Could not connect with the database"},
    )
    try:
        with pytest.raises(TransientError, match="Supabase is unavailable"):
            store.claim("w", 1, 60)
        assert store.claim("w", 1, 60) == []  # and the next poll works
    finally:
        store.close()
