"""The `books` bucket's privacy during a switch-over from the old server.

The old server made the bucket public and wrote public URLs into the rows the mobile app
reads. Turning the bucket private breaks every one of them, so the migrations leave an
existing bucket alone; `pressroom migrate` says what it finds, and turns the bucket
private only when asked, and only once no row holds a public link any more (after
`pressroom links --resign --apply`)."""

from __future__ import annotations

import psycopg

from app.domain import PressroomError

PUBLIC_LINKS = (
    "select count(*) from public.order_items "
    "where pdf_url like '%%/storage/v1/object/public/%%' "
    "or cover_image_url like '%%/storage/v1/object/public/%%'"
)


def _connect(database_url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(database_url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise PressroomError(f"cannot connect to the database: {exc}".strip()) from None


def books_bucket_is_public(database_url: str) -> bool | None:
    """True/False for an existing bucket `books`; None when there is no Storage or bucket."""
    with _connect(database_url) as conn:
        found = conn.execute("select to_regclass('storage.buckets')").fetchone()
        if found is None or found[0] is None:
            return None
        row = conn.execute("select public from storage.buckets where id = 'books'").fetchone()
        return None if row is None else bool(row[0])


def public_link_count(database_url: str) -> int:
    with _connect(database_url) as conn:
        row = conn.execute(PUBLIC_LINKS).fetchone()
        return int(row[0]) if row else 0


def bucket_note(database_url: str) -> str | None:
    """A sentence for the operator when the bucket is still public, else None."""
    if not books_bucket_is_public(database_url):
        return None
    links = public_link_count(database_url)
    return (
        f"The bucket 'books' is public, as the old server made it, and {links} order items "
        "hold public links into it: left as it is, so those links keep working. To make "
        "books private: `pressroom links --resign` (a dry run), `pressroom links --resign "
        "--apply`, then `pressroom migrate --make-books-private`."
    )


def make_books_private(database_url: str) -> None:
    """Turn the bucket private; refused while a row still holds a public link."""
    links = public_link_count(database_url)
    if links:
        raise PressroomError(
            f"{links} order items still hold public links into 'books': run "
            "`pressroom links --resign --apply` first, or their links stop working"
        )
    with _connect(database_url) as conn:
        conn.execute("update storage.buckets set public = false where id = 'books'")
