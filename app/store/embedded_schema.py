"""The embedded store's SQLite schema: the same tables and guarantees as migrations/ gives
PostgreSQL, in SQLite's dialect. Safe to run on every start; `upgrade` adds the columns a
file made by an older Pressroom lacks."""

from __future__ import annotations

import sqlite3

SCHEMA = """
create table if not exists books (
    id text primary key,
    data text not null
);
create table if not exists orders (
    id text primary key,
    customer_id text not null,
    payment_status text not null default 'pending',
    created_at real not null,
    paid_at real,
    customer_name text,
    customer_email text,
    needed_by real
);
create table if not exists order_items (
    id text primary key,
    order_id text not null references orders(id),
    book_id text not null references books(id),
    personalization text not null,
    -- the mobile app's contract: pending until claimed, processing until completed, or
    -- failed; kept by the trigger below from pressroom_status, Pressroom's own state
    generation_status text not null default 'pending',
    pressroom_status text not null default 'pending',
    links_expire_at real,
    ai_lane text,
    lane_state text,
    stage text,
    progress_done integer not null default 0,
    progress_total integer not null default 0,
    attempts integer not null default 0,
    last_error text,
    claimed_by text,
    lease_expires_at real,
    retry_at real,
    pdf_url text,
    cover_image_url text,
    generated_at real,
    created_at real not null,
    updated_at real not null
);
create index if not exists idx_order_items_cover_image_url
    on order_items(cover_image_url) where cover_image_url is not null;
create table if not exists notifications (
    id text primary key,
    user_id text not null,
    order_item_id text,
    kind text not null,
    title text not null,
    body text not null,
    read integer not null default 0,
    created_at real not null,
    unique (order_item_id, kind)
);
create table if not exists item_events (
    id integer primary key autoincrement,
    item_id text not null,
    at real not null,
    actor text not null,
    action text not null,
    note text not null default ''
);
create index if not exists idx_item_events_item on item_events(item_id);
create index if not exists idx_item_events_failed on item_events(at) where action = 'failed';
create index if not exists idx_order_items_generated
    on order_items(generated_at) where generated_at is not null;
create table if not exists item_quality (
    item_id text primary key,
    summary text not null,
    passed integer not null,
    report text not null,
    updated_at real not null
);
create table if not exists item_provenance (
    item_id text primary key,
    data text not null,
    updated_at real not null
);
create index if not exists idx_item_provenance_updated on item_provenance(updated_at);
"""

# Columns added after the first release: (table, column, declaration). A file made before
# them gets them on open.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("orders", "paid_at", "real"),
    ("orders", "customer_name", "text"),
    ("orders", "customer_email", "text"),
    ("order_items", "pressroom_status", "text not null default 'pending'"),
    ("order_items", "links_expire_at", "real"),
    ("orders", "needed_by", "real"),
    ("order_items", "ai_lane", "text"),
    ("order_items", "lane_state", "text"),
)
# What a file made before a column needs once the column is added. Before
# pressroom_status, generation_status held Pressroom's own state: move it over, and give
# the app only the values it knows.
BACKFILL: dict[tuple[str, str], tuple[str, ...]] = {
    ("order_items", "pressroom_status"): (
        "update order_items set pressroom_status = generation_status",
        "update order_items set generation_status = 'processing' "
        "where generation_status in ('awaiting_review', 'publishing')",
        "drop index if exists idx_order_items_claimable",
    ),
}

# After the columns exist: what reads them.
LATE_SCHEMA = """
create index if not exists idx_order_items_state
    on order_items(pressroom_status, created_at);
create trigger if not exists order_items_app_status
after update of pressroom_status on order_items
when new.pressroom_status is not old.pressroom_status
begin
    update order_items set generation_status = case new.pressroom_status
        when 'pending' then case when old.generation_status = 'pending'
                                 then 'pending' else 'processing' end
        when 'completed' then 'completed'
        when 'failed' then 'failed'
        else 'processing' end
    where id = new.id;
end;
"""


def _missing(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    present: dict[str, set[str]] = {}
    for table, _, _ in ADDED_COLUMNS:
        if table not in present:
            present[table] = {r[1] for r in db.execute(f"pragma table_info({table})")}
    return [(t, c, d) for t, c, d in ADDED_COLUMNS if c not in present[t]]


def upgrade(db: sqlite3.Connection) -> None:
    """ALTER TABLE ADD COLUMN for every column the file lacks. Checked again inside one
    write transaction, so processes opening the same old file at once add each once."""
    if not _missing(db):
        return
    db.execute("begin immediate")
    try:
        for table, column, declaration in _missing(db):
            db.execute(f"alter table {table} add column {column} {declaration}")
            for statement in BACKFILL.get((table, column), ()):
                db.execute(statement)
    except BaseException:
        db.execute("rollback")
        raise
    db.execute("commit")
