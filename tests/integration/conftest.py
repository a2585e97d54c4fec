"""Both store backends behind one fixture, so the same contract tests run on each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from app.config import Settings
from app.proving.fake_supabase import SERVICE_KEY, FakeSupabase
from app.store import open_stores
from app.store.ports import BlobStore, OrderStore
from tests.conftest import make_settings


@dataclass
class Backend:
    name: str
    settings: Settings
    store: OrderStore
    blobs: BlobStore
    expire_leases: Callable[[], None]
    backdate: Callable[[str, float], None]  # move an item's times (and events) this far back
    fake: FakeSupabase | None = None


@pytest.fixture
def supabase_fake(pg_url: str) -> Iterator[FakeSupabase]:
    with FakeSupabase(pg_url) as fake:
        yield fake


def supabase_settings(tmp_path: Path, fake: FakeSupabase, **values: object) -> Settings:
    merged: dict[str, object] = {"SUPABASE_URL": fake.url, "SUPABASE_SERVICE_KEY": SERVICE_KEY}
    if not {"GOOGLE_AI_API_KEY", "gemini_api_key"} & set(values):
        merged["provider"] = "template"  # chosen knowingly: a shop's Supabase refuses it otherwise
    merged.update(values)
    return make_settings(tmp_path, **merged)


@pytest.fixture(params=["embedded", "supabase"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "embedded":
        settings = make_settings(tmp_path)
        store, blobs = open_stores(settings)
        db = settings.data_dir / "pressroom.sqlite3"

        def expire() -> None:
            import sqlite3

            with sqlite3.connect(db) as conn:
                conn.execute(
                    "update order_items set lease_expires_at = 0 where lease_expires_at is not null"
                )

        def backdate(item_id: str, seconds: float) -> None:
            import sqlite3

            with sqlite3.connect(db) as conn:
                conn.execute(
                    "update order_items set generated_at = generated_at - :s, "
                    "updated_at = updated_at - :s where id = :id",
                    {"s": seconds, "id": item_id},
                )
                conn.execute(
                    "update item_events set at = at - :s where item_id = :id",
                    {"s": seconds, "id": item_id},
                )
                conn.execute(
                    "update item_provenance set updated_at = updated_at - :s where item_id = :id",
                    {"s": seconds, "id": item_id},
                )

        yield Backend("embedded", settings, store, blobs, expire, backdate)
        store.close()
        return
    fake: FakeSupabase = request.getfixturevalue("supabase_fake")
    settings = supabase_settings(tmp_path, fake)
    store, blobs = open_stores(settings)

    def expire_pg() -> None:
        with psycopg.connect(fake.database_url, autocommit=True) as conn:
            conn.execute(
                "update order_items set lease_expires_at = now() - interval '1 second' "
                "where lease_expires_at is not null"
            )

    def backdate_pg(item_id: str, seconds: float) -> None:
        back = "make_interval(secs => %(s)s)"
        with psycopg.connect(fake.database_url, autocommit=True) as conn:
            params = {"s": seconds, "id": item_id}
            conn.execute(
                f"update order_items set generated_at = generated_at - {back}, "
                f"updated_at = updated_at - {back} where id = %(id)s",
                params,
            )
            conn.execute(
                f"update order_item_events set at = at - {back} where item_id = %(id)s", params
            )
            conn.execute(
                f"update order_item_provenance set updated_at = updated_at - {back} "
                "where item_id = %(id)s",
                params,
            )

    yield Backend("supabase", settings, store, blobs, expire_pg, backdate_pg, fake)
    store.close()
