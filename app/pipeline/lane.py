"""Which AI lane a book's run takes (PRESSROOM_AI_LANE), and the batch lane of that run:
its jobs' names kept in the item's checkpoints, its state shown on the item.

`auto` sends a book to the batch lane when it is due at least `batch_lane_hours` from now
(Google's target turnaround is 24 h: https://ai.google.dev/gemini-api/docs/batch-api); due
is the order's `needed_by` (set by the shop's app), else `promised_hours` after payment. An
operator's regenerate or retry goes live, as does the Cover Lab (which runs no book job).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from app.ai.batch_lane import BatchLane
from app.config import Settings
from app.domain import Claim, OrderItem
from app.pipeline import checkpoints as ck
from app.runtime import JobServices

LaneName = Literal["live", "batch"]


@dataclass(frozen=True)
class LaneChoice:
    lane: LaneName
    reason: str


def choose_lane(
    settings: Settings,
    item: OrderItem,
    now: datetime,
    *,
    batch_capable: bool,
    live_asked: str | None = None,
) -> LaneChoice:
    """The lane of this run of `item`, and why, in words for the console and provenance."""
    if settings.ai_lane == "live":
        return LaneChoice("live", "PRESSROOM_AI_LANE is live")
    if not batch_capable:
        return LaneChoice("live", "the offline provider has no batch lane")
    if live_asked:
        return LaneChoice("live", live_asked)
    if settings.ai_lane == "batch":
        return LaneChoice("batch", "PRESSROOM_AI_LANE is batch")
    due = item.needed_by
    said = "needed by"
    if due is None:
        start = item.paid_at or item.created_at or now
        due, said = start + timedelta(hours=settings.promised_hours), "due"
    hours = (due - now).total_seconds() / 3600
    if hours >= settings.batch_lane_hours:
        return LaneChoice("batch", f"{said} {due:%Y-%m-%d %H:%M}, {hours:.0f} h from now")
    return LaneChoice("live", f"{said} {due:%Y-%m-%d %H:%M}: too soon for a batch")


class CheckpointNotes:
    """A batch lane's notes in the item's checkpoints (ck.BATCHES)."""

    def __init__(self, checkpoints: ck.Checkpoints) -> None:
        self.checkpoints = checkpoints

    def load(self) -> dict[str, Any]:
        return dict(self.checkpoints.get_json(ck.BATCHES, {}) or {})

    def save(self, notes: dict[str, Any]) -> None:
        self.checkpoints.put_json(ck.BATCHES, notes)


async def start_lane(
    services: JobServices, item: OrderItem, claim: Claim, checkpoints: ck.Checkpoints
) -> tuple[LaneChoice, BatchLane | None]:
    """The lane of this run of the item, written on it, and its batch lane when it has one."""
    asked = await asyncio.to_thread(checkpoints.get_json, ck.LIVE_ASKED, {})
    choice = choose_lane(
        services.settings,
        item,
        datetime.now(UTC),
        batch_capable=getattr(services.provider, "batch_capable", False),
        live_asked=(asked or {}).get("why"),
    )
    await asyncio.to_thread(services.store.set_lane, claim, choice.lane, choice.reason)
    if choice.lane == "live":
        return choice, None
    return choice, open_lane(services, claim, checkpoints)


def open_lane(services: JobServices, claim: Claim, checkpoints: ck.Checkpoints) -> BatchLane:
    """The run's batch lane; each change of its jobs' state is written on the item, and a
    fall back to the live lane is said on it too."""
    settings, store = services.settings, services.store

    async def shown(state: str) -> None:
        fell_back = lane.fell_back
        if fell_back:
            services.events.message(logging.WARNING, fell_back, claim.item_id)
        await asyncio.to_thread(store.set_lane, claim, "live" if fell_back else "batch", state)

    lane = BatchLane(
        CheckpointNotes(checkpoints),
        claim.item_id,
        poll_seconds=settings.batch_poll_seconds,
        linger_seconds=settings.batch_linger_seconds,
        on_state=shown,
        waiting=services.waiting_on_batch,
    )
    return lane
