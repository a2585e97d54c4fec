"""The Supabase store's record of an item's AI lane: `pressroom_set_lane` and
`pressroom_lane_states` of migrations/0018_batch_lane.sql, the one checked against the
claim as progress is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain import Claim


class SupabaseLaneMixin:
    def _rpc(self, fn: str, args: dict[str, Any]) -> Any:
        raise NotImplementedError

    def set_lane(self, claim: Claim, lane: str, state: str) -> bool:
        args = {
            "item_id": claim.item_id,
            "worker_id": claim.worker_id,
            "attempt": claim.attempt,
            "lane": lane,
            "state": state,
        }
        return bool(self._rpc("pressroom_set_lane", args))

    def lane_states(self, item_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        if not item_ids:
            return {}
        rows = self._rpc("pressroom_lane_states", {"ids": list(item_ids)}) or []
        return {str(r["item_id"]): (str(r["ai_lane"]), str(r["lane_state"] or "")) for r in rows}
