"""`pressroom bench --ai-latency A:I --workers 1,3,8 [--database-url URL]`: many workers,
one Gemini limit.

W `pressroom worker` processes, run as a shop runs them (the quality gate on, the default
pace), share one store (the embedded store in a folder, or PostgreSQL through the Supabase
adapter) and one fake Gemini (app/proving/fake_gemini.py, its real HTTP protocol) that
accepts `limit` image requests per rolling minute and answers 429 with a retry delay
beyond it, as Google does per project. A backlog of paid demo orders is placed first.

Printed per run: the image requests the limit took in each whole minute of the busy middle
(from the end of the first minute, in which any client may take the whole window at once,
to the last whole minute before the last image request), as a share of the limit; and the
share of all calls answered 429.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from app.catalog import load_demo_catalog
from app.config import Settings
from app.domain import Status
from app.proving.bench_ai import place_bench_orders
from app.proving.chaos import Backend, embedded_backend, postgres_backend, start_worker
from app.proving.fake_gemini import Call, FakeGemini, Latency

SETTLED = {Status.COMPLETED, Status.FAILED, Status.AWAITING_REVIEW}
WINDOW = 60.0
STALL_SECONDS = 180.0
SHOP_ENV = {  # what chaos changes for its faults, set back to what a shop runs
    "PRESSROOM_QUALITY_GATE": "true",
    "PRESSROOM_LEASE_SECONDS": "60",
    "PRESSROOM_GEMINI_TIMEOUT_SECONDS": "120",
    "PRESSROOM_RETRY_BASE_SECONDS": "1",
    "POLL_INTERVAL": "1000",
}


@dataclass(frozen=True)
class PaceFigures:
    minutes: list[int]  # image requests taken in each whole minute of the busy middle
    limit: int
    refused: int
    refused_first_minute: int  # while the rate was still being found
    calls: int
    books: str
    wall: float = 0.0  # seconds from the workers' start to the last book settled

    @property
    def share(self) -> float | None:
        return sum(self.minutes) / len(self.minutes) / self.limit if self.minutes else None

    @property
    def refused_share(self) -> float:
        return self.refused / self.calls if self.calls else 0.0


def pace_figures(calls: list[Call], limit: int, books: str) -> PaceFigures:
    images = [c for c in calls if c.kind == "image"]
    first, last = min(c.arrived for c in images), max(c.arrived for c in images)
    taken = [c.arrived for c in images if c.status == 200]
    minutes = []
    k = 1
    while first + WINDOW * (k + 1) <= last:
        start = first + WINDOW * k
        minutes.append(sum(start <= t < start + WINDOW for t in taken))
        k += 1
    refused = [c.arrived for c in calls if c.status == 429]
    early = sum(t < first + WINDOW for t in refused)
    return PaceFigures(minutes, limit, len(refused), early, len(calls), books)


def _place_backlog(backend: Backend, books: int) -> list[str]:
    catalog = load_demo_catalog(backend.store, backend.blobs)
    return [i.id for i in place_bench_orders(backend.store, backend.blobs, catalog, books)]


def _outcome(backend: Backend, ids: list[str]) -> str:
    states = [backend.store.get_item(i).pressroom_status for i in ids]
    done = sum(s is Status.COMPLETED for s in states)
    review = sum(s is Status.AWAITING_REVIEW for s in states)
    return f"{done} completed, {review} in review, {len(ids)} books"


def run_workers_case(
    root: Path,
    workers: int,
    latency: Latency,
    limit: int,
    books: int,
    database_url: str | None,
    shared: bool = True,
) -> PaceFigures:
    image_model = Settings().gemini_image_model
    root.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        backend = (
            postgres_backend(root, database_url, stack) if database_url else embedded_backend(root)
        )
        stack.callback(backend.close)
        ids = _place_backlog(backend, books)
        fake = stack.enter_context(FakeGemini(latency=latency, per_minute={image_model: limit}))
        env = {**backend.env, **SHOP_ENV, "PRESSROOM_GEMINI_SHARED_PACE": str(shared).lower()}
        started = time.monotonic()
        procs = [start_worker(root, fake, f"worker-{n}", env) for n in range(workers)]
        try:
            progress = (0, time.monotonic())
            while True:
                states = [backend.store.get_item(i).pressroom_status for i in ids]
                if all(s in SETTLED for s in states):
                    break
                answered, now = fake.answered(), time.monotonic()
                if answered > progress[0]:
                    progress = (answered, now)
                elif now - progress[1] > STALL_SECONDS:
                    print(f"    stalled: no model answer in {STALL_SECONDS:.0f} s")
                    break
                time.sleep(0.5)
            wall = time.monotonic() - started
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        figures = pace_figures(list(fake.calls), limit, _outcome(backend, ids))
        return dataclasses.replace(figures, wall=wall)


def run_workers_bench(
    analysis_s: float,
    image_s: float,
    workers: list[int],
    books: int,
    limit: int,
    database_url: str | None,
    shared: bool = True,
) -> int:
    logging.getLogger("app.events").setLevel(logging.ERROR)
    # a bench stopped with SIGTERM stops its workers too (they run in their own sessions)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    where = "PostgreSQL (Supabase adapter)" if database_url else "the embedded store"
    pace = (
        "one shared pace"
        if shared
        else "each worker on its own (PRESSROOM_GEMINI_SHARED_PACE=false)"
    )
    print(
        f"Pressroom workers bench: {books} demo books, {limit} image requests per rolling "
        f"minute, {analysis_s:g} s analyses, {image_s:g} s images, on {where}, {pace}"
    )
    print(
        "  workers  limit taken in the busy middle (per whole minute)      429s"
        "            wall  books"
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="pressroom-workers-bench-") as tmp:
        for w in workers:
            figures = run_workers_case(
                Path(tmp) / f"w{w}",
                w,
                Latency(analysis_s, image_s),
                limit,
                books,
                database_url,
                shared,
            )
            share = f"{figures.share:6.1%}" if figures.share is not None else "  run too short"
            minutes = ", ".join(str(m) for m in figures.minutes)
            print(
                f"  {w:7d}  {share} ({minutes:<30})  {figures.refused:4d}/{figures.calls:<4d} "
                f"{figures.refused_share:5.1%} ({figures.refused_first_minute} in the first "
                f"minute)  {figures.wall:4.0f} s  {figures.books}"
            )
            met = figures.share is not None and figures.share >= 0.95
            failed |= not met or figures.refused_share >= 0.02
    print("  goal: >= 95 % of the limit in the busy middle and < 2 % of calls answered 429")
    return 1 if failed else 0
