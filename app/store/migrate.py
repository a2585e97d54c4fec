"""`pressroom migrate`: apply migrations/*.sql in order to a PostgreSQL database (a Supabase
project's, or any other) and record which ran. The files are idempotent, so re-running
one is harmless; a file whose text changed since it ran is applied again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import psycopg

from app.domain import PressroomError

LEDGER = """
create table if not exists public.pressroom_migrations (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
)
"""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def migrations() -> list[Migration]:
    folder = resources.files("app.migrations")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [Migration(f.name, f.read_text()) for f in files]


def apply_migrations(database_url: str, *, force: bool = False) -> list[str]:
    """Apply what has not run (or changed); returns the names applied. Each file runs in
    its own transaction."""
    try:
        conn = psycopg.connect(database_url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise PressroomError(f"cannot connect to the database: {exc}".strip()) from None
    applied: list[str] = []
    with conn:
        conn.execute(LEDGER)
        rows = conn.execute("select name, checksum from public.pressroom_migrations").fetchall()
        done: dict[str, str] = {name: checksum for name, checksum in rows}
        for migration in migrations():
            if not force and done.get(migration.name) == migration.checksum:
                continue
            try:
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "insert into public.pressroom_migrations (name, checksum) values (%s, %s) "
                        "on conflict (name) do update set checksum = excluded.checksum, "
                        "applied_at = now()",
                        (migration.name, migration.checksum),
                    )
            except psycopg.Error as exc:
                raise PressroomError(f"{migration.name} failed: {exc}".strip()) from None
            applied.append(migration.name)
    return applied
