"""The Supabase store's shared Gemini pace: the SQL functions of
migrations/0016_shared_pace.sql and 0017 through PostgREST, on the database's clock (so the workers'
own clocks need not agree)."""

from __future__ import annotations

from typing import Any

from app.domain import (
    PACE_CATCH_UP,
    PACE_EVIDENCE,
    PACE_MARGIN,
    PACE_PROBE_DOUBLING_SECONDS,
    PACE_PROBE_PER_MINUTE,
    PaceNews,
    PaceSlot,
)


class SupabasePaceMixin:
    def _rpc(self, fn: str, args: dict[str, Any]) -> Any:
        raise NotImplementedError

    def pace_take(
        self,
        model: str,
        per_window: float | None,
        window: float,
        holder: str,
        held: PaceSlot | None = None,
    ) -> PaceSlot:
        args = {
            "model_name": model,
            "per_window": per_window or 0,
            "window_seconds": window,
            "margin": PACE_MARGIN,
            "probe_start": PACE_PROBE_PER_MINUTE,
            "probe_doubling": PACE_PROBE_DOUBLING_SECONDS,
            "catch_up": PACE_CATCH_UP,
            "holder": holder,
            "held_id": held.call_id if held else None,
            "held_epoch": held.epoch if held else None,
        }
        row = self._rpc("pressroom_pace_take", args)[0]
        return PaceSlot(
            int(row["slot_id"]),
            float(row["wait_seconds"]),
            int(row["slot_epoch"]),
            row["slot_rate"],
        )

    def pace_report(
        self, model: str, call_id: int, outcome: str, retry_after: float | None, window: float
    ) -> PaceNews:
        args = {
            "model_name": model,
            "call_id": call_id,
            "outcome": outcome,
            "retry_after": retry_after,
            "window_seconds": window,
            "min_evidence": PACE_EVIDENCE,
        }
        row = self._rpc("pressroom_pace_report", args)[0]
        return PaceNews(row["pace_rate"], float(row["paused_seconds"]), bool(row["was_cut"]))
