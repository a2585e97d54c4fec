"""The outbox half of the Supabase store (migrations/0013_outbox.sql): the state changes
are the SQL functions claim_deliveries, settle_delivery and resend_delivery; the rest are
PostgREST reads and writes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from app.domain import Delivery
from app.store.supabase_connection import SupabaseConnection
from app.store.supabase_connection import ts as _ts


def delivery(row: Mapping[str, Any]) -> Delivery:
    return Delivery(
        id=str(row["id"]),
        item_id=str(row["item_id"]),
        channel=row["channel"],
        idempotency_key=row["idempotency_key"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        interrupted=row["interrupted"],
        sent_at=_ts(row["sent_at"]),
        next_at=_ts(row["next_at"]),
    )


class SupabaseOutboxMixin:
    c: SupabaseConnection

    def _rpc(self, fn: str, args: dict[str, Any]) -> Any:
        raise NotImplementedError

    def enable_channels(self, channels: Sequence[str]) -> None:
        rows = [{"channel": c, "enabled": True} for c in channels]
        table = self.c.client.table("notification_channels")
        self.c.call(
            "enabling channels", lambda: table.upsert(rows, on_conflict="channel").execute()
        )

    def claim_deliveries(
        self,
        worker_id: str,
        channels: Sequence[str],
        max_items: int = 10,
        lease_seconds: float = 120,
    ) -> list[Delivery]:
        if not channels:
            return []
        rows = self._rpc(
            "claim_deliveries",
            {
                "worker_id": worker_id,
                "channels": json.loads(json.dumps(list(channels))),
                "max_items": max_items,
                "lease_seconds": round(lease_seconds),
            },
        )
        return [delivery(r) for r in rows or []]

    def settle_delivery(
        self,
        delivery_id: str,
        worker_id: str,
        outcome: str,
        error: str | None = None,
        retry_seconds: float = 0.0,
    ) -> Delivery | None:
        rows = self._rpc(
            "settle_delivery",
            {
                "delivery_id": delivery_id,
                "worker_id": worker_id,
                "outcome": outcome,
                "error": error,
                "retry_seconds": retry_seconds,
            },
        )
        return delivery(rows[0]) if rows else None

    def resend_delivery(self, delivery_id: str) -> Delivery | None:
        rows = self._rpc("resend_delivery", {"delivery_id": delivery_id})
        return delivery(rows[0]) if rows else None

    def deliveries(self, item_id: str) -> list[Delivery]:
        table = self.c.client.table("notification_outbox")
        rows = self.c.call(
            "reading deliveries",
            lambda: table.select("*").eq("item_id", item_id).order("channel").execute(),
        ).data
        return [delivery(r) for r in rows]

    def outbox_backlog(self) -> int:
        table = self.c.client.table("notification_outbox")
        rows = self.c.call(
            "counting deliveries due",
            lambda: (
                table.select("id").in_("status", ["pending", "sending"]).limit(10_000).execute()
            ),
        ).data
        return len(rows)

    def add_device_token(self, user_id: str, token: str) -> None:
        table = self.c.client.table("device_tokens")
        row = {"token": token, "user_id": user_id}
        self.c.call(
            "saving a device token", lambda: table.upsert(row, on_conflict="token").execute()
        )

    def device_tokens(self, user_id: str) -> list[str]:
        table = self.c.client.table("device_tokens")
        rows = self.c.call(
            "reading device tokens",
            lambda: table.select("token").eq("user_id", user_id).order("created_at").execute(),
        ).data
        return [r["token"] for r in rows]

    def remove_device_token(self, token: str) -> None:
        self._rpc("remove_device_token", {"token": token})
