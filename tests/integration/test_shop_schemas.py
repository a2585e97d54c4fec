"""The migrations on the schema a shop really has: orders.user_id a uuid referencing
Supabase's auth.users (as the mobile app's tables usually are), or text (as Pressroom
creates it). Both migrate, re-migrate, work for the workers and keep customers apart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from app.store.migrate import apply_migrations
from tests.pg import fresh_database

SHOP_TABLES = """
create schema if not exists auth;
create table auth.users (id uuid primary key);
create table public.orders (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users(id),
    created_at timestamptz not null default now()
);
"""


@pytest.fixture(params=["uuid", "text"])
def shop_db(request: pytest.FixtureRequest, pg_server: str) -> Iterator[tuple[str, str]]:
    with fresh_database(pg_server, migrate=False) as url:
        if request.param == "uuid":
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(SHOP_TABLES)
        yield url, request.param


def test_migrations_run_on_the_shops_own_orders_table(shop_db: tuple[str, str]) -> None:
    url, kind = shop_db
    apply_migrations(url)
    apply_migrations(url, force=True)  # and again, on top of themselves
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(url, autocommit=True) as conn:
        column = conn.execute(
            "select data_type from information_schema.columns "
            "where table_name = 'orders' and column_name = 'user_id'"
        ).fetchone()
        assert column is not None and column[0] == kind
        if kind == "uuid":
            conn.execute("insert into auth.users (id) values (%s), (%s)", (alice, bob))
        conn.execute(
            "insert into books (id, title, hero_name, cover_image) values "
            "('b1', 'Leo Sails', 'Leo', 'c.jpg')"
        )
        items = []
        for user in (alice, bob):
            order = conn.execute(
                "insert into orders (user_id, payment_status) values (%s, 'paid') returning id",
                (user,),
            ).fetchone()[0]
            items.append(
                conn.execute(
                    "insert into order_items (order_id, book_id, personalization) "
                    "values (%s, 'b1', '{\"child_name\": \"Ada\"}') returning id::text",
                    (order,),
                ).fetchone()[0]
            )
        claimed = conn.execute(
            "select id::text, customer_id::text from claim_order_items('w', 5, 60)"
        ).fetchall()
        assert sorted(c[0] for c in claimed) == sorted(items)
        for item_id in items:
            conn.execute(
                "select transition_order_item(%s, 'processing', 'publishing', 'w', 1)", (item_id,)
            )
            conn.execute(
                "select complete_order_item(%s, 'w', 1, 'p.pdf', 'c.jpg', 'Ready', 'Body')",
                (item_id,),
            )
        assert conn.execute("select count(*) from notifications").fetchone()[0] == 2
        assert {r[0] for r in conn.execute("select generation_status from order_items")} == {
            "completed"
        }
    with psycopg.connect(url) as conn:
        conn.execute("set role authenticated")
        conn.execute("select set_config('request.jwt.claim.sub', %s, false)", (alice,))
        assert conn.execute("select count(*) from orders").fetchone()[0] == 1
        assert conn.execute("select count(*) from order_items").fetchone()[0] == 1
        assert conn.execute("select count(*) from notifications").fetchone()[0] == 1
        own = conn.execute("select id from orders").fetchone()[0]
        conn.execute(  # the app places an item on its own order, as pending
            "insert into order_items (order_id, book_id, personalization) values (%s, 'b1', '{}')",
            (own,),
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(  # and cannot mark it made
                "insert into order_items (order_id, book_id, personalization, pressroom_status) "
                "values (%s, 'b1', '{}', 'completed')",
                (own,),
            )


def test_the_sql_for_the_editor_is_every_migration_and_runs_as_pasted(pg_server: str) -> None:
    import subprocess
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "migrations"
    printed = subprocess.run(
        [sys.executable, "-m", "app", "migrate", "--print-sql"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = sorted(p.name for p in folder.glob("*.sql"))
    assert [line[8:-5] for line in printed.splitlines() if line.startswith("-- ==== ")] == names
    with (
        fresh_database(pg_server, migrate=False) as url,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        conn.execute(printed.encode())  # what an operator pastes into the SQL editor
        assert conn.execute("select count(*) from claim_order_items('w', 1, 60)").fetchone()
