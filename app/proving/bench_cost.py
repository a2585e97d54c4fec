"""`pressroom bench --cost`: what a book costs, and how long it takes, in each AI lane.

The demo books (one order each, the gate on) run through the project's fake Gemini (the
real SDK and HTTP protocol, generateContent and the Batch API) once in the live lane and
once in the batch lane, each on a fresh embedded store. Priced by the cost ledger from
resources/ai/gemini-models.json (the batch lane at the Batch API's price, half of live:
https://ai.google.dev/gemini-api/docs/batch-api). Printed per lane: cost per book, time
from the order to its book, the calls and batch jobs; then the batch lane's cost as a share
of the live lane's and whether every book got the same gate verdicts in both.

The fake answers a batch job after `turnaround` seconds (Google's target is 24 hours,
"usually much sooner"), so the time to done here is the pipeline's, not Google's queue.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.events import EventBus
from app.pipeline import checkpoints as ck
from app.proving.bench_ai import _settings, run_books
from app.proving.fake_gemini import FakeGemini, Latency
from app.runtime import build_services

GOAL = 0.52  # the batch lane's cost per book at most this share of the live lane's


@dataclass(frozen=True)
class LaneRun:
    lane: str
    costs: dict[str, float]  # book id -> US dollars
    saved: float
    seconds_to_done: list[float]  # order placed -> book made
    verdicts: dict[str, str]  # book id -> the gate's summary
    requests: int  # model calls the fake answered, live or inside a batch job
    batch_jobs: int
    unsettled: list[str]

    @property
    def cost_per_book(self) -> float:
        return statistics.fmean(self.costs.values()) if self.costs else 0.0


def run_lane(root: Path, lane: str, turnaround: float, latency: Latency) -> LaneRun:
    with FakeGemini(latency=latency) as fake:
        fake.batches.turnaround = turnaround
        settings = _settings(
            root, fake, ai_lane=lane, batch_poll_seconds=0.5, batch_linger_seconds=1.0
        )
        run = run_books(settings, fake, None)
        created, requests = fake.batches.created, len(fake.requests)
    services = build_services(settings, EventBus())
    costs, verdicts, took, saved = {}, {}, [], 0.0
    for item in run.items:
        provenance = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROVENANCE) or {}
        usage = provenance.get("usage_total") or {}
        costs[item.book_id] = float(usage.get("cost_usd") or 0.0)
        saved += float(usage.get("saved_usd") or 0.0)
        verdicts[item.book_id] = services.store.quality_summaries([item.id]).get(item.id, "")
        if item.generated_at and item.created_at:
            took.append((item.generated_at - item.created_at).total_seconds())
    unsettled = [i.id for i in run.items if i.generated_at is None]
    services.store.close()
    return LaneRun(lane, costs, saved, took, verdicts, requests, created, unsettled)


def run_cost_bench(turnaround: float = 5.0, latency: Latency | None = None) -> int:
    logging.getLogger("app.events").setLevel(logging.ERROR)
    latency = latency or Latency(0.5, 1.0)
    print(
        "Pressroom cost bench: the demo books in each AI lane, through the fake Gemini "
        f"(analyses {latency.analysis:g} s, images {latency.image:g} s, a batch job "
        f"answered after {turnaround:g} s)"
    )
    runs = []
    with tempfile.TemporaryDirectory(prefix="pressroom-cost-bench-") as tmp:
        for lane in ("live", "batch"):
            runs.append(run_lane(Path(tmp) / lane, lane, turnaround, latency))
    print(
        "  lane    books  cost per book   saved     time to done (median, max)   calls  batch jobs"
    )
    for r in runs:
        took = f"{statistics.median(r.seconds_to_done):6.1f} s, {max(r.seconds_to_done):6.1f} s"
        print(
            f"  {r.lane:<6} {len(r.costs):>5}  ${r.cost_per_book:10.4f}   ${r.saved:7.4f}"
            f"   {took:<27}  {r.requests:>5}  {r.batch_jobs:>10}"
        )
        for book, cost in sorted(r.costs.items()):
            print(f"           {book:<24} ${cost:.4f}  gate: {r.verdicts.get(book) or '-'}")
    live, batch = runs
    share = batch.cost_per_book / live.cost_per_book if live.cost_per_book else 0.0
    same = live.verdicts == batch.verdicts
    print(f"  batch lane's cost per book: {share:.1%} of the live lane's (goal <= {GOAL:.0%})")
    print(f"  same gate verdicts for every book: {'yes' if same else 'no'}")
    ok = share <= GOAL and same and not live.unsettled and not batch.unsettled
    return 0 if ok else 1
