"""Why is this order late? An item's history read as stage spans per attempt, the failures
on the way, and what its AI calls cost: the data behind the console's timeline, and the
same story as plain lines an operator reads. Qt-free.

Built from `store.history(item_id)`: a `claimed` event starts attempt n (the n-th claim of
the item, operator retries included), a `stage` event starts a stage, and the transitions
(`pending`, `failed`, `awaiting_review`, `publishing`, `completed`) end what was running,
their note saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.domain import OrderItem, Stage, Status
from app.store.ports import OrderStore

# The two analyses run alongside each other: one starting does not end the other.
CONCURRENT = frozenset({Stage.ANALYZE_COVER.value, Stage.ANALYZE_CHILD.value})
RUNNING = frozenset({Status.PROCESSING, Status.PUBLISHING})
_STATUSES = frozenset(s.value for s in Status)
RELEASED_NOTE = "released at shutdown"  # the monitor's note when it gives an item back
READY_NOTE = "ready for review"  # the job's note when it stops for review
LEASE_LOST = "its worker stopped answering (the lease expired) and another claimed it"


@dataclass(frozen=True)
class StageSpan:
    stage: str
    attempt: int
    started_at: datetime
    seconds: float | None  # None while running
    # "done", "running", "stalled: …", "failed: <error>", "requeued: <reason>", "released",
    # "awaiting review", "published", "abandoned: …"
    outcome: str
    worker: str = ""


@dataclass(frozen=True)
class Failure:
    """An attempt that failed or was requeued with an error (or lost its worker)."""

    at: datetime
    attempt: int
    error: str


def worker_words(worker_id: str) -> str:
    """A worker as an operator knows it: by its machine (a generated id is the host name
    and eight hex digits); a worker id the shop set stays as it is."""
    generated = re.fullmatch(r"(.+)-[0-9a-f]{8}", worker_id)
    return f"the worker on {generated.group(1)}" if generated else worker_id


@dataclass(frozen=True)
class Mark:
    """Something that happened outside a stage: a claim, an operator's decision."""

    at: datetime
    attempt: int
    text: str


@dataclass(frozen=True)
class Timeline:
    item: OrderItem
    spans: list[StageSpan]
    failures: list[Failure]
    marks: list[Mark]
    cost_usd: float  # AI spending so far, as of the last finished run (provenance)
    ai_calls: int
    now: datetime

    @property
    def attempts(self) -> int:
        return max((m.attempt for m in self.marks), default=0)

    def rows(self) -> list[str]:
        """The timeline as lines: a summary, then what happened in order, local times."""
        lines = [self._summary()]
        entries = [(m.at, n, m.text) for n, m in enumerate(self.marks)]
        entries += [
            (s.started_at, len(self.marks) + n, _span_line(s, self.now))
            for n, s in enumerate(self.spans)
        ]
        day = None
        for at, _, text in sorted(entries):
            local = at.astimezone()
            if local.date() != day:
                day = local.date()
                lines.append(f"{day:%A %d %B %Y}")
            lines.append(f"  {local:%H:%M:%S}  {text}")
        return lines

    def text(self) -> str:
        return "\n".join(self.rows())

    def _summary(self) -> str:
        item = self.item
        state = item.pressroom_status.value.replace("_", " ")
        if item.pressroom_status in RUNNING and item.stage:
            state += f" ({item.stage.value} {item.progress_done}/{item.progress_total})"
        parts = [
            state,
            f"{self.attempts} attempt{'s' * (self.attempts != 1)}",
            f"{len(self.failures)} failure{'s' * (len(self.failures) != 1)}",
            f"AI {self.ai_calls} call{'s' * (self.ai_calls != 1)}, ${self.cost_usd:.2f}",
        ]
        if item.paid_at is not None:
            end = item.generated_at if item.pressroom_status is Status.COMPLETED else None
            waited = ((end or self.now) - item.paid_at).total_seconds()
            parts.append(
                f"made {duration(waited)} after payment" if end else f"paid {duration(waited)} ago"
            )
        if item.last_error and item.pressroom_status is not Status.COMPLETED:
            parts.append(f"last error: {item.last_error.splitlines()[0]}")
        return "; ".join(parts)


def duration(seconds: float) -> str:
    """4.2 s, 3 min 12 s, 2 h 05 min, 3 d 4 h."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _span_line(span: StageSpan, now: datetime) -> str:
    if span.seconds is None:
        took = f"{duration((now - span.started_at).total_seconds())} so far"
    else:
        took = duration(span.seconds)
    return f"  {span.stage:<13} {took:>16}  {span.outcome}"


@dataclass
class _Open:
    stage: str
    attempt: int
    started_at: datetime
    worker: str


@dataclass
class _Builder:
    now: datetime
    attempt: int = 0
    status: Status = Status.PENDING
    open: list[_Open] = field(default_factory=list)
    spans: list[StageSpan] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    def add(self, event: dict[str, Any]) -> None:
        at: datetime = event["at"]
        actor, action, note = str(event["actor"]), str(event["action"]), event["note"] or ""
        if action == "claimed":
            if self.status in RUNNING:  # the last attempt never ended
                self._close(at, f"abandoned: {LEASE_LOST}")
                self.failures.append(Failure(at, self.attempt, LEASE_LOST))
            self.attempt += 1
            self.status = Status.PROCESSING
            self._mark(at, f"attempt {self.attempt}: claimed by {worker_words(actor)}")
        elif action == "stage":
            self._close(at, "done", keep_concurrent=note in CONCURRENT)
            self.open.append(_Open(note, self.attempt, at, actor))
        elif action in _STATUSES:
            dst = Status(action)
            self._transition(at, actor, self.status, dst, note)
            self.status = dst
        else:
            self._mark(at, f"{action} by {actor}" + (f": {note}" if note else ""))

    def _transition(self, at: datetime, actor: str, src: Status, dst: Status, note: str) -> None:
        if dst is Status.PUBLISHING:
            self._close(at, "done")
            if src is Status.AWAITING_REVIEW:
                self._mark(at, f"approved by {actor}")
        elif dst is Status.COMPLETED:
            if not self._close(at, "published"):
                self._mark(at, f"published by {actor}")
        elif dst is Status.AWAITING_REVIEW:
            outcome = "awaiting review" + (f": {note}" if note and note != READY_NOTE else "")
            if not self._close(at, outcome):
                self._mark(at, outcome)
        elif dst is Status.FAILED:
            if src is Status.AWAITING_REVIEW:
                error = f"rejected by {actor}: {note}" if note else f"rejected by {actor}"
                self._fail(at, error, mark=True)
            else:
                error = note or "failed (no reason recorded)"
                self._fail(at, error, mark=not self._close(at, f"failed: {error}"))
        elif dst is Status.PENDING:
            if src in RUNNING and note == RELEASED_NOTE:
                if not self._close(at, "released"):
                    self._mark(at, f"released by {actor}")
            elif src in RUNNING:
                reason = note or "requeued (no reason recorded)"
                self._fail(at, reason, mark=not self._close(at, f"requeued: {reason}"))
            elif src is Status.FAILED:
                self._mark(at, f"retried by {actor}" + (f": {note}" if note != "retry" else ""))
            else:
                self._mark(at, f"sent back by {actor}" + (f": {note}" if note else ""))

    def _fail(self, at: datetime, error: str, *, mark: bool) -> None:
        self.failures.append(Failure(at, self.attempt, error))
        if mark:
            self._mark(at, f"failed: {error}")

    def _mark(self, at: datetime, text: str) -> None:
        self.marks.append(Mark(at, self.attempt, text))

    def _close(self, at: datetime, outcome: str, *, keep_concurrent: bool = False) -> int:
        """End the open spans (all, or all but the concurrent ones); returns how many."""
        keep = [o for o in self.open if keep_concurrent and o.stage in CONCURRENT]
        ending = [o for o in self.open if o not in keep]
        for o in ending:
            seconds = max(0.0, (at - o.started_at).total_seconds())
            self.spans.append(
                StageSpan(o.stage, o.attempt, o.started_at, seconds, outcome, o.worker)
            )
        self.open = keep
        return len(ending)

    def finish(self, item: OrderItem) -> None:
        """What is still open runs now, or has stalled if its worker's lease ran out."""
        lease = item.lease_expires_at
        if item.pressroom_status in RUNNING and lease is not None and lease < self.now:
            outcome = f"stalled: the worker's lease expired at {lease.astimezone():%H:%M:%S}"
        elif item.pressroom_status in RUNNING:
            outcome = "running"
        else:
            outcome = f"interrupted ({item.pressroom_status.value} now)"
        for o in self.open:
            self.spans.append(StageSpan(o.stage, o.attempt, o.started_at, None, outcome, o.worker))
        self.open = []
        self.spans.sort(key=lambda s: s.started_at)


def item_timeline(store: OrderStore, item_id: str, *, now: datetime | None = None) -> Timeline:
    """The item's timeline as of `now` (default: the current time)."""
    item = store.get_item(item_id)
    builder = _Builder(now or datetime.now(UTC))
    for event in store.history(item_id):
        builder.add(event)
    builder.finish(item)
    usage = (store.get_provenance(item_id) or {}).get("usage_total") or {}
    return Timeline(
        item=item,
        spans=builder.spans,
        failures=builder.failures,
        marks=builder.marks,
        cost_usd=float(usage.get("cost_usd") or 0.0),
        ai_calls=int(usage.get("calls") or 0),
        now=builder.now,
    )
