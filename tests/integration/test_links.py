"""Links that never die while the book exists: on the real PostgreSQL through the real
supabase-py client and the Storage fake. Published links carry their expiry; an almost
expired link is renewed and the app's row updated; the old server's public links are
rewritten (dry run first); the migrations never flip an existing public bucket."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from app.domain import Personalization, Status
from app.events import EventBus
from app.orders.place import upload_photo
from app.pipeline.links import renew_due, resign, storage_object
from app.proving.fake_supabase import FakeSupabase
from app.runtime import JobServices, build_services
from app.store.bucket import bucket_note, make_books_private
from app.store.migrate import apply_migrations
from app.worker.monitor import Monitor
from tests.conftest import demo_photo, save_small_book
from tests.integration.conftest import supabase_settings
from tests.pg import fresh_database

YEAR = 365 * 24 * 3600


def links_row(pg_url: str, item_id: str) -> tuple[str, str, datetime | None]:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "select pdf_url, cover_image_url, links_expire_at from order_items "
            "left join order_item_links on item_id = id where id = %s",
            (item_id,),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def published_book(services: JobServices) -> str:
    book = save_small_book(services, pages=1)
    customer = str(uuid.uuid4())
    photo = upload_photo(services.blobs, customer, demo_photo("child-ada.jpg"))
    _, [item] = services.store.place_order(
        customer, [(book.id, Personalization("Ada", 5, "girl", photo))], paid=True
    )

    async def run() -> None:
        await Monitor(services, worker_id="w").run_until_idle({item.id}, timeout=120)

    asyncio.run(run())
    assert services.store.get_item(item.id).pressroom_status is Status.COMPLETED
    return item.id


def test_an_almost_expired_link_is_renewed_and_the_apps_row_updated(
    tmp_path: Path, supabase_fake: FakeSupabase, pg_url: str
) -> None:
    services = build_services(supabase_settings(tmp_path, supabase_fake), EventBus())
    item_id = published_book(services)
    pdf_url, cover_url, expires = links_row(pg_url, item_id)
    assert expires is not None  # recorded when published
    assert abs((expires - datetime.now(UTC)).total_seconds() - YEAR) < 120
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a year later, almost
        conn.execute(
            "update order_item_links set links_expire_at = now() + interval '1 day' "
            "where item_id = %s",
            (item_id,),
        )
    time.sleep(1.1)  # the fake's token is the expiry second: a later signature differs
    untouched = renew_due(services.store, services.blobs, margin=timedelta(hours=1))
    assert untouched.items == 0  # not due within an hour
    report = renew_due(services.store, services.blobs, margin=timedelta(days=30))
    assert (report.items, report.rewritten, report.refused) == (1, 1, [])
    new_pdf, new_cover, new_expires = links_row(pg_url, item_id)
    assert new_pdf != pdf_url and new_cover != cover_url  # freshly signed
    assert new_expires is not None and new_expires > datetime.now(UTC) + timedelta(days=300)
    assert storage_object(new_pdf) == storage_object(pdf_url)  # the same book
    assert httpx.get(new_pdf).content[:5] == b"%PDF-"  # and the new link opens it
    assert "links" in [h["action"] for h in services.store.history(item_id)]
    services.store.close()


def test_the_old_servers_public_links_are_rewritten_after_a_dry_run(
    tmp_path: Path, supabase_fake: FakeSupabase, pg_url: str
) -> None:
    services = build_services(supabase_settings(tmp_path, supabase_fake), EventBus())
    item_id = published_book(services)
    pdf_url, cover_url, _ = links_row(pg_url, item_id)
    [(_, pdf_key), (_, cover_key)] = [storage_object(u) for u in (pdf_url, cover_url)]  # type: ignore[misc]
    public = f"{supabase_fake.url}/storage/v1/object/public/books"
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as the old server wrote them
        conn.execute(
            "update order_items set pdf_url = %s, cover_image_url = %s where id = %s",
            (f"{public}/{pdf_key}", f"{public}/{cover_key}", item_id),
        )
        conn.execute("delete from order_item_links where item_id = %s", (item_id,))
    dry = resign(services.store, services.blobs, dry_run=True)
    assert (dry.items, dry.rewritten) == (1, 1)
    assert links_row(pg_url, item_id)[0] == f"{public}/{pdf_key}"  # nothing changed
    done = resign(services.store, services.blobs, dry_run=False)
    assert (done.items, done.rewritten, done.refused) == (1, 1, [])
    signed, _, expires = links_row(pg_url, item_id)
    assert "/object/sign/books/" in signed and expires is not None
    assert httpx.get(signed).content[:5] == b"%PDF-"
    assert resign(services.store, services.blobs, dry_run=True).items == 0  # none left
    services.store.close()


def test_an_existing_public_bucket_is_left_public_until_asked(pg_server: str) -> None:
    with fresh_database(pg_server, migrate=False) as url:
        with psycopg.connect(url, autocommit=True) as conn:  # the old server's Storage
            conn.execute(
                "create schema storage; create table storage.buckets "
                "(id text primary key, name text, public boolean)"
            )
            conn.execute("insert into storage.buckets values ('books', 'books', true)")
        apply_migrations(url)
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select public from storage.buckets").fetchone()[0] is True
            conn.execute(
                "insert into books (id, title, hero_name, cover_image) values ('b', 'B', 'L', 'c')"
            )
            order = conn.execute(
                "insert into orders (user_id) values ('u') returning id"
            ).fetchone()[0]
            conn.execute(
                "insert into order_items (order_id, book_id, pdf_url) values "
                "(%s, 'b', 'https://p.supabase.co/storage/v1/object/public/books/books/x.pdf')",
                (order,),
            )
        note = bucket_note(url)
        assert note is not None and "1 order items hold public links" in note
        with pytest.raises(Exception, match="still hold public links"):
            make_books_private(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("update order_items set pdf_url = 'https://signed'")
        make_books_private(url)
        assert bucket_note(url) is None
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select public from storage.buckets").fetchone()[0] is False
        apply_migrations(url, force=True)  # and the migrations leave it private
        assert bucket_note(url) is None
