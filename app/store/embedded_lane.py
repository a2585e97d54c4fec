"""The embedded store's record of an item's AI lane (migrations/0018_batch_lane.sql on
PostgreSQL): written by the worker that holds the item, shown by the console."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from app.domain import Claim


class LaneMixin:
    """The lane half of EmbeddedOrderStore's port (it provides _tx and _clock)."""

    _clock: Callable[[], float]

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def set_lane(self, claim: Claim, lane: str, state: str) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "update order_items set ai_lane = ?, lane_state = ?, updated_at = ? "
                "where id = ? and claimed_by = ? and attempts = ? "
                "and pressroom_status in ('processing', 'publishing')",
                (lane, state, self._clock(), claim.item_id, claim.worker_id, claim.attempt),
            )
            return cursor.rowcount == 1

    def lane_states(self, item_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        ids = list(item_ids)
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = ids[start : start + 500]
            rows = self._conn().execute(
                "select id, ai_lane, lane_state from order_items "
                f"where ai_lane is not null and id in ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update({r["id"]: (r["ai_lane"], r["lane_state"] or "") for r in rows})
        return found
