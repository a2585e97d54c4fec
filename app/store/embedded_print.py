"""The embedded store's record of an item's print files (see migrations/0012_print_files.sql
for the same on PostgreSQL): kind (interior, cover) -> URL, beside the reading PDF's."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

PRINT_SCHEMA = """
create table if not exists item_print_files (
    item_id text not null,
    kind text not null,
    url text not null,
    updated_at real not null,
    primary key (item_id, kind)
);
"""


def save_print_files(
    db: sqlite3.Connection, item_id: str, files: Mapping[str, str], now: float
) -> None:
    db.execute("delete from item_print_files where item_id = ?", (item_id,))
    db.executemany(
        "insert into item_print_files(item_id, kind, url, updated_at) values (?,?,?,?)",
        [(item_id, kind, url, now) for kind, url in files.items()],
    )


def print_files(db: sqlite3.Connection, item_id: str) -> dict[str, str]:
    rows = db.execute(
        "select kind, url from item_print_files where item_id = ? order by kind", (item_id,)
    ).fetchall()
    return {r["kind"]: r["url"] for r in rows}
