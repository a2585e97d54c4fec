"""The SQL in migrations/ on a real PostgreSQL: idempotent, claims exactly once under
contention, leases, compare-and-set transitions, notifications once, row-level security."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest

from app.domain import ALLOWED_TRANSITIONS
from app.store.migrate import apply_migrations, migrations

CATALOG_SNAPSHOT = {
    "columns": "select table_name, column_name, data_type, column_default, is_nullable "
    "from information_schema.columns where table_schema = 'public' order by 1, 2",
    "indexes": "select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1",
    "constraints": "select conname, pg_get_constraintdef(oid) from pg_constraint "
    "where connamespace = 'public'::regnamespace order by 1",
    "policies": "select tablename, policyname, cmd, roles::text, qual, with_check from pg_policies "
    "order by 1, 2",
    "functions": "select proname, pg_get_functiondef(oid) from pg_proc "
    "where pronamespace = 'public'::regnamespace order by 1, 2",
    "grants": "select grantee, table_name, privilege_type "
    "from information_schema.role_table_grants where table_schema = 'public' order by 1, 2, 3",
    "transitions": "select src, dst from generation_transitions order by 1, 2",
    "triggers": "select tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) from pg_trigger "
    "where not tgisinternal order by 1, 2",
    "routine_grants": "select grantee, routine_name, privilege_type "
    "from information_schema.role_routine_grants where routine_schema = 'public' "
    "order by 1, 2, 3",
}


def snapshot(url: str) -> dict[str, list[Any]]:
    with psycopg.connect(url) as conn:
        return {k: conn.execute(q).fetchall() for k, q in CATALOG_SNAPSHOT.items()}


def place(
    conn: psycopg.Connection[Any], n: int, *, paid: bool = True, user: str | None = None
) -> list[str]:
    user = user or str(uuid.uuid4())
    conn.execute(
        "insert into books (id, title, hero_name, cover_image) values "
        "('b1', 'Leo Sails', 'Leo', 'catalog/b1/cover.jpg') on conflict do nothing"
    )
    order = conn.execute(
        "insert into orders (user_id, payment_status) values (%s, %s) returning id",
        (user, "paid" if paid else "pending"),
    ).fetchone()[0]
    rows = conn.execute(
        "insert into order_items (order_id, book_id, personalization, created_at) "
        "select %s, 'b1', '{\"child_name\": \"Ada\"}', now() + make_interval(secs => g) "
        "from generate_series(1, %s) g returning id::text",
        (order, n),
    ).fetchall()
    return [r[0] for r in rows]


def test_rerunning_the_migrations_changes_nothing(pg_url: str) -> None:
    before = snapshot(pg_url)
    assert apply_migrations(pg_url) == []  # recorded: nothing to do
    assert len(apply_migrations(pg_url, force=True)) == len(migrations())  # run again for real
    assert snapshot(pg_url) == before


def test_sql_transitions_match_the_domain(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        rows = set(conn.execute("select src, dst from generation_transitions").fetchall())
    assert rows == {
        (s.value, d.value) for s, targets in ALLOWED_TRANSITIONS.items() for d in targets
    }


def test_the_seed_migration_is_there(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        comment = conn.execute(
            "select col_description('order_items'::regclass, "
            "(select attnum from pg_attribute where attrelid = 'order_items'::regclass "
            "and attname = 'cover_image_url'))"
        ).fetchone()[0]
        index = conn.execute(
            "select indexdef from pg_indexes where indexname = 'idx_order_items_cover_image_url'"
        ).fetchone()[0]
    assert comment == "URL to the generated personalized cover image"
    assert "WHERE (cover_image_url IS NOT NULL)" in index


def test_four_connections_claim_a_thousand_items_exactly_once(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        ids = set(place(conn, 1000))
        unpaid = set(place(conn, 20, paid=False))
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def worker(name: str) -> None:
        got: list[str] = []
        with psycopg.connect(pg_url, autocommit=True) as conn:
            start.wait()
            while rows := conn.execute(
                "select id::text from claim_order_items(%s, 7, 600)", (name,)
            ).fetchall():
                got.extend(r[0] for r in rows)
        claimed[name] = got

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    everything = [i for got in claimed.values() for i in got]
    assert len(everything) == len(set(everything)) == 1000
    assert set(everything) == ids and not (set(everything) & unpaid)
    assert sum(1 for got in claimed.values() if got) >= 2


def test_lease_expiry_lets_another_worker_reclaim_and_refuses_the_stale_one(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        [item] = place(conn, 1)
        [(attempts,)] = conn.execute(
            "select attempts from claim_order_items('w1', 1, 600)"
        ).fetchall()
        assert attempts == 1
        assert conn.execute("select * from claim_order_items('w2', 1, 600)").fetchall() == []
        conn.execute("update order_items set lease_expires_at = now() - interval '1 second'")
        [(holder, again)] = conn.execute(
            "select claimed_by, attempts from claim_order_items('w2', 1, 600)"
        ).fetchall()
        assert (holder, again) == ("w2", 2)
        assert (
            conn.execute("select heartbeat_order_item(%s, 'w1', 1, 60)", (item,)).fetchone()[0]
            is False
        )
        assert (
            conn.execute("select heartbeat_order_item(%s, 'w2', 2, 60)", (item,)).fetchone()[0]
            is True
        )
        assert (
            conn.execute(
                "select report_order_item_progress(%s, 'w1', 1, 'pages', 3, 9)", (item,)
            ).fetchone()[0]
            is False
        )
        with pytest.raises(
            psycopg.errors.RaiseException, match=r"lease lost: .* no longer held by w1"
        ):
            conn.execute(
                "select * from transition_order_item(%s, 'processing', 'publishing', 'w1', 1)",
                (item,),
            )
        [(status,)] = conn.execute(
            "select pressroom_status from transition_order_item(%s, 'processing', 'publishing', "
            "'w2', 2)",
            (item,),
        ).fetchall()
        assert status == "publishing"


def test_completion_notifies_exactly_once(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        [item] = place(conn, 1)
        conn.execute("select * from claim_order_items('w', 1, 600)")
        conn.execute(
            "select * from transition_order_item(%s, 'processing', 'publishing', 'w', 1)", (item,)
        )
        complete = (
            "select pressroom_status, pdf_url, generated_at is not null from "
            "complete_order_item(%s, 'w', 1, 'https://x/b.pdf', 'https://x/c.jpg', "
            "'Your book is ready!', 'ready')"
        )
        assert conn.execute(complete, (item,)).fetchall() == [
            ("completed", "https://x/b.pdf", True)
        ]
        with pytest.raises(psycopg.errors.RaiseException, match="is completed now, not publishing"):
            conn.execute(complete, (item,))
        assert (
            conn.execute(
                "select count(*) from notifications where order_item_id = %s", (item,)
            ).fetchone()[0]
            == 1
        )


def test_retry_at_holds_an_item_back(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        [item] = place(conn, 1)
        conn.execute("select * from claim_order_items('w', 1, 600)")
        conn.execute(
            "select * from transition_order_item(%s, 'processing', 'pending', 'w', 1, "
            "jsonb_build_object('retry_at', extract(epoch from now()) + 60, "
            "'last_error', '503'))",
            (item,),
        )
        assert conn.execute("select * from claim_order_items('w', 1, 600)").fetchall() == []
        conn.execute("update order_items set retry_at = now() - interval '1 second'")
        assert len(conn.execute("select * from claim_order_items('w', 1, 600)").fetchall()) == 1


def test_customers_see_only_their_own_rows(pg_url: str) -> None:
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(pg_url, autocommit=True) as conn:
        [a_item] = place(conn, 1, user=alice)
        place(conn, 2, user=bob)
        conn.execute(
            "insert into notifications (user_id, order_item_id, title, body) "
            "values (%s, %s, 't', 'b')",
            (alice, a_item),
        )
    with psycopg.connect(pg_url) as conn:
        conn.execute("set role authenticated")
        conn.execute("select set_config('request.jwt.claim.sub', %s, false)", (alice,))
        assert conn.execute("select count(*) from orders").fetchone()[0] == 1
        assert conn.execute("select count(*) from order_items").fetchone()[0] == 1
        assert conn.execute("select count(*) from pressroom_items").fetchone()[0] == 1
        assert conn.execute("select count(*) from notifications").fetchone()[0] == 1
        assert conn.execute("select count(*) from books").fetchone()[0] == 1
        conn.execute("select set_config('request.jwt.claim.sub', %s, false)", (bob,))
        assert conn.execute("select count(*) from order_items").fetchone()[0] == 2
        assert conn.execute("select count(*) from notifications").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from claim_order_items('sneaky', 10, 60)")
    with psycopg.connect(pg_url) as conn:
        conn.execute("set role anon")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select count(*) from orders")


def test_the_poll_is_one_indexed_query(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        place(conn, 50)
        conn.execute("set enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "explain select oi.id from order_items oi join orders o on o.id = oi.order_id "
                "where o.payment_status = 'paid' and oi.pressroom_status in "
                "('pending', 'processing', 'publishing') order by oi.created_at limit 5"
            ).fetchall()
        )
    assert "idx_order_items_claimable" in plan


def test_paid_at_is_set_when_an_order_is_or_becomes_paid(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        paid = conn.execute(
            "insert into orders (user_id, payment_status, customer_name, customer_email) "
            "values ('u1', 'paid', 'Grace', 'g@x.org') returning id, paid_at is not null"
        ).fetchone()
        assert paid[1] is True
        [(order,)] = conn.execute(
            "insert into orders (user_id) values ('u2') returning id"
        ).fetchall()
        paid_at = "select paid_at from orders where id = %s"
        assert conn.execute(paid_at, (order,)).fetchone()[0] is None
        conn.execute("update orders set customer_name = 'Ada' where id = %s", (order,))
        assert conn.execute(paid_at, (order,)).fetchone()[0] is None
        conn.execute("update orders set payment_status = 'paid' where id = %s", (order,))
        first = conn.execute(paid_at, (order,)).fetchone()[0]
        assert first is not None
        conn.execute("update orders set payment_status = 'refunded' where id = %s", (order,))
        conn.execute("update orders set payment_status = 'paid' where id = %s", (order,))
        assert conn.execute(paid_at, (order,)).fetchone()[0] == first


def test_customers_cannot_read_the_shop_overview(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("set role authenticated")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select pressroom_overview(now(), now())")
    with psycopg.connect(pg_url) as conn:
        conn.execute("set role service_role")
        overview = conn.execute("select pressroom_overview(now(), now())").fetchone()[0]
    assert overview["completed"] == 0 and overview["failure_reasons"] == []


def test_the_overview_of_a_hundred_thousand_items_is_quick(pg_url: str) -> None:
    import time

    with psycopg.connect(pg_url, autocommit=True) as conn:
        ids = place(conn, 100_000)
        conn.execute(
            "update order_items set pressroom_status = 'completed', "
            "generated_at = now() - interval '3 days'"
        )
        conn.execute(
            "insert into order_item_provenance (item_id, data, updated_at) "
            'select id, \'{"runs": [{"usage": {"cost_usd": 0.5}}]}\', '
            "now() - interval '3 days' from order_items"
        )
        conn.execute(
            "insert into order_item_events (item_id, at, actor, action, note) "
            "select id, now() - interval '3 days', 'w', 'failed', 'old' from order_items"
        )
        recent = ids[:30]
        conn.execute(
            "update order_items set generated_at = now() where id = any(%s::uuid[])", (recent,)
        )
        conn.execute(
            'update order_item_provenance set data = \'{"runs": [{"usage": '
            '{"cost_usd": 0.25}}]}\' where item_id = any(%s::uuid[])',
            (recent,),
        )
        conn.execute("analyze")
        started = time.perf_counter()
        overview = conn.execute(
            "select pressroom_overview(now() - interval '1 day', now() - interval '1 hour')"
        ).fetchone()[0]
        elapsed = time.perf_counter() - started
    assert overview["counts"] == {"completed": 100_000}
    assert (overview["completed"], overview["completed_recent"], overview["failed"]) == (30, 30, 0)
    assert overview["cost_usd"] == pytest.approx(7.5)  # the touched rows only
    assert elapsed < 1.0, f"{elapsed:.2f} s"


def test_customers_write_only_their_own_device_tokens(pg_url: str) -> None:
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("set role authenticated")
        conn.execute("select set_config('request.jwt.claim.sub', %s, false)", (alice,))
        conn.execute("insert into device_tokens (token, user_id) values ('a-phone', %s)", (alice,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security
            conn.execute(
                "insert into device_tokens (token, user_id) values ('b-phone', %s)", (bob,)
            )
    with psycopg.connect(pg_url) as conn:
        conn.execute("set role authenticated")
        conn.execute("select set_config('request.jwt.claim.sub', %s, false)", (bob,))
        assert conn.execute("select count(*) from device_tokens").fetchone()[0] == 0
        conn.execute("delete from device_tokens")  # another customer's: not theirs to delete
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from notification_outbox")
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("select user_id from device_tokens").fetchall() == [(alice,)]
