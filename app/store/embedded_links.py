"""The embedded store's side of the links the app holds (see migrations/0009_links.sql for
the same queries on PostgreSQL). Its own files never expire, so only links signed by a
Supabase blob store ever fall due; the queries are kept the same for both."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from app.store.ports import ItemLinks

SIGNED = "%/storage/v1/object/sign/%"
PUBLIC = "%/storage/v1/object/public/%"


def _links(row: sqlite3.Row) -> ItemLinks:
    expires = row["links_expire_at"]
    return ItemLinks(
        row["id"],
        row["pdf_url"],
        row["cover_image_url"],
        datetime.fromtimestamp(expires, UTC) if expires is not None else None,
    )


def links_due(db: sqlite3.Connection, before: datetime, limit: int) -> list[ItemLinks]:
    rows = db.execute(
        "select id, pdf_url, cover_image_url, links_expire_at from order_items "
        "where pressroom_status = 'completed' and (pdf_url like ? or cover_image_url like ?) "
        "and (links_expire_at is null or links_expire_at < ?) "
        "order by links_expire_at nulls first, id limit ?",
        (SIGNED, SIGNED, before.timestamp(), limit),
    ).fetchall()
    return [_links(r) for r in rows]


def public_links(db: sqlite3.Connection, limit: int) -> list[ItemLinks]:
    rows = db.execute(
        "select id, pdf_url, cover_image_url, links_expire_at from order_items "
        "where pdf_url like ? or cover_image_url like ? order by id limit ?",
        (PUBLIC, PUBLIC, limit),
    ).fetchall()
    return [_links(r) for r in rows]


def set_links(db: sqlite3.Connection, links: ItemLinks, now: float) -> bool:
    expires = links.expires_at.timestamp() if links.expires_at else None
    changed = db.execute(
        "update order_items set pdf_url = ?, cover_image_url = ?, links_expire_at = ?, "
        "updated_at = ? where id = ?",
        (links.pdf_url, links.cover_image_url, expires, now, links.item_id),
    ).rowcount
    return changed == 1


def links_note(links: ItemLinks) -> str:
    return f"signed until {links.expires_at:%Y-%m-%d}" if links.expires_at else "public"
