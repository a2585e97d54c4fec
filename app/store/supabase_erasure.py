"""The erasure half of the Supabase store (migrations/0015_erasure.sql): the record is a
row of pressroom_erasures; the scrub is the SQL function pressroom_erase_items, one
transaction. PostgreSQL owns its files, so there is nothing to compact here (the rows'
old versions are reclaimed by autovacuum)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain import PressroomError
from app.store.ports import Erasure
from app.store.supabase_connection import SupabaseConnection
from app.store.supabase_connection import ts as _ts


def erasure(row: Mapping[str, Any]) -> Erasure:
    started = _ts(row["started_at"])
    assert started is not None
    return Erasure(
        id=str(row["id"]),
        scope=row["scope"],
        item_ids=tuple(str(i) for i in row["item_ids"]),
        actor=row["actor"],
        started_at=started,
        finished_at=_ts(row["finished_at"]),
        counts=dict(row["counts"] or {}),
    )


class SupabaseErasureMixin:
    c: SupabaseConnection

    def _rpc(self, fn: str, args: dict[str, Any]) -> Any:
        raise NotImplementedError

    def start_erasure(self, record: Erasure) -> None:
        row = {
            "id": record.id,
            "scope": record.scope,
            "item_ids": list(record.item_ids),
            "actor": record.actor,
            "started_at": record.started_at.isoformat(),
        }
        table = self.c.client.table("pressroom_erasures")
        self.c.call(
            "recording an erasure",
            lambda: table.upsert(row, on_conflict="id", ignore_duplicates=True).execute(),
        )

    def erase_items(
        self, erasure_id: str, customer_id: str | None, file_counts: Mapping[str, int]
    ) -> Erasure:
        args = {"erasure_id": erasure_id, "customer": customer_id, "file_counts": dict(file_counts)}
        rows = self._rpc("pressroom_erase_items", args)
        if not rows:
            raise PressroomError(f"no erasure {erasure_id}")
        return erasure(rows[0])

    def erasures(self, *, unfinished: bool = False, limit: int = 100) -> list[Erasure]:
        def query() -> Any:
            q = self.c.client.table("pressroom_erasures").select("*")
            if unfinished:
                q = q.is_("finished_at", "null")
            return q.order("started_at", desc=True).order("id").limit(limit).execute()

        return [erasure(r) for r in self.c.call("listing erasures", query).data]

    def compact(self) -> None:
        return None
