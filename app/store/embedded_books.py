"""The embedded store's catalog: books, their versions, and the version each order item
was ordered in (see migrations/0011_book_versions.sql for the same on PostgreSQL).

`books` holds each book's current version; `book_versions` every version ever saved.
Triggers make the database itself refuse an order for a book that is not live and pin
each new item to the book's version at that moment, as PostgreSQL's do for the app.
"""

from __future__ import annotations

import json
import sqlite3

from app.domain import Book, PressroomError
from app.store.codec import book_from_dict, book_to_dict

NOT_ON_SALE = "this book is not on sale"

BOOK_SCHEMA = f"""
create table if not exists book_versions (
    book_id text not null,
    version integer not null,
    data text not null,
    created_at real not null,
    primary key (book_id, version)
);
create table if not exists item_book_versions (
    item_id text primary key,
    book_id text not null,
    version integer not null
);
create trigger if not exists order_items_book_on_sale
before insert on order_items
when coalesce((select json_extract(data, '$.status') from books where id = new.book_id),
              'live') <> 'live'
begin
    select raise(abort, '{NOT_ON_SALE}');
end;
create trigger if not exists order_items_book_version
after insert on order_items
begin
    insert or ignore into item_book_versions (item_id, book_id, version)
    select new.id, new.book_id, coalesce(json_extract(data, '$.version'), 1)
    from books where id = new.book_id;
end;
"""

# Items ordered before versions existed were made from version 1 (the only one there was).
_PIN_OLDER_ITEMS = """
insert or ignore into item_book_versions (item_id, book_id, version)
select id, book_id, 1 from order_items
"""
_VERSIONS_OF_OLDER_BOOKS = """
insert or ignore into book_versions (book_id, version, data, created_at)
select id, coalesce(json_extract(data, '$.version'), 1), data, 0 from books
"""


def create(db: sqlite3.Connection) -> None:
    """Make the tables and triggers; pin older items once, when the tables are new."""
    new = not db.execute(
        "select 1 from sqlite_master where type = 'table' and name = 'item_book_versions'"
    ).fetchone()
    db.executescript(BOOK_SCHEMA)
    if new:
        db.execute("begin immediate")
        db.execute(_PIN_OLDER_ITEMS)
        db.execute(_VERSIONS_OF_OLDER_BOOKS)
        db.execute("commit")


def save_book(db: sqlite3.Connection, book: Book, now: float) -> None:
    data = json.dumps(book_to_dict(book))
    db.execute(
        "insert into books(id, data) values (?, ?) "
        "on conflict(id) do update set data = excluded.data",
        (book.id, data),
    )
    db.execute(
        "insert into book_versions(book_id, version, data, created_at) values (?, ?, ?, ?) "
        "on conflict(book_id, version) do update set data = excluded.data",
        (book.id, book.version, data, now),
    )


def get_book(db: sqlite3.Connection, book_id: str, version: int | None = None) -> Book:
    if version is None:
        row = db.execute("select data from books where id = ?", (book_id,)).fetchone()
    else:
        row = db.execute(
            "select data from book_versions where book_id = ? and version = ?",
            (book_id, version),
        ).fetchone()
    if row is None:
        which = f"book {book_id!r}" + (f" version {version}" if version is not None else "")
        raise PressroomError(f"{which} is not in the catalog")
    return book_from_dict(json.loads(row["data"]))


def list_books(db: sqlite3.Connection) -> list[Book]:
    rows = db.execute("select data from books order by id").fetchall()
    return [book_from_dict(json.loads(r["data"])) for r in rows]


def item_book(db: sqlite3.Connection, item_id: str) -> Book:
    """The book as it was when the item was ordered."""
    row = db.execute(
        "select p.book_id, p.version from item_book_versions p where p.item_id = ?", (item_id,)
    ).fetchone()
    if row is None:  # an item the triggers never saw: made from the current version
        found = db.execute("select book_id from order_items where id = ?", (item_id,)).fetchone()
        if found is None:
            raise PressroomError(f"no order item {item_id}")
        return get_book(db, found["book_id"])
    return get_book(db, row["book_id"], row["version"])
