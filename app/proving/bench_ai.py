"""`pressroom bench --ai-latency A:I`: how close Pressroom gets to the AI's own limits.

Books run through the project's fake Gemini (app/proving/fake_gemini.py, the real HTTP
protocol) answering every analysis in A seconds and every image in I seconds:

- **latency**: the two demo books with a fixed cap of calls at once per model. The bound
  is the AI's own critical path: the schedule of an ideal scheduler with no overhead at
  all, the same caps and the same dependencies (analyses -> cover -> pages; each judge
  after its image). Printed: the bound, the span of Pressroom's calls (first request in
  to last answer out), the whole run (orders placed -> every book settled), the ratios.
- **rate limit**: ten books against a fake enforcing a rolling per-minute limit on the
  image model, the limiter left to find it (and again with the limit configured, paced).
  Printed: the rate at which the image requests were taken (from the first to the last,
  as the limit counts them; and to the last answer), against the limit, and the share of
  calls answered 429.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from app.catalog import DEMO_CHILDREN, demo_photo, load_demo_catalog, place_demo_orders
from app.config import Settings
from app.domain import Book, OrderItem, Personalization, Status
from app.events import EventBus
from app.orders.place import upload_photo
from app.proving.fake_gemini import VALID_KEY, Call, FakeGemini, Latency
from app.runtime import build_services
from app.store.ports import BlobStore, OrderStore
from app.worker.monitor import Monitor

SETTLED = {Status.COMPLETED, Status.FAILED, Status.AWAITING_REVIEW}
ANALYSIS, IMAGE = "analysis", "image"


@dataclass
class _Task:
    kind: str
    seconds: float
    after: list[int] = field(default_factory=list)


def book_calls(drawn: int, judged: bool, analysis_s: float, image_s: float) -> list[_Task]:
    """The provider calls one book with `drawn` pages to redraw needs, with what each
    waits for."""
    tasks = [_Task(ANALYSIS, analysis_s), _Task(ANALYSIS, analysis_s)]
    tasks.append(_Task(IMAGE, image_s, [0, 1]))
    cover = len(tasks) - 1
    if judged:
        tasks.append(_Task(ANALYSIS, analysis_s, [cover]))
    for _ in range(drawn):
        tasks.append(_Task(IMAGE, image_s, [cover]))
        if judged:
            tasks.append(_Task(ANALYSIS, analysis_s, [len(tasks) - 1]))
    return tasks


def ai_bound(books: list[list[_Task]], caps: dict[str, int]) -> float:
    """The makespan of an ideal list schedule: each call starts at the earliest moment its
    inputs exist and a slot of its model is free; nothing else takes any time."""
    tasks: list[_Task] = []
    for calls in books:
        offset = len(tasks)
        tasks += [_Task(t.kind, t.seconds, [offset + a for a in t.after]) for t in calls]
    slots = {kind: [0.0] * cap for kind, cap in caps.items()}
    finish: dict[int, float] = {}
    while len(finish) < len(tasks):
        best: tuple[float, int] | None = None
        for n, task in enumerate(tasks):
            if n in finish or any(a not in finish for a in task.after):
                continue
            ready = max((finish[a] for a in task.after), default=0.0)
            start = max(ready, min(slots[task.kind]))
            if best is None or start < best[0]:
                best = (start, n)
        assert best is not None
        start, n = best
        free = slots[tasks[n].kind]
        free[free.index(min(free))] = start + tasks[n].seconds
        finish[n] = start + tasks[n].seconds
    return max(finish.values(), default=0.0)


@dataclass
class Run:
    whole: float
    calls: list[Call]
    items: list[OrderItem]

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    @property
    def span(self) -> float:
        return max(c.answered for c in self.calls) - min(c.arrived for c in self.calls)


def _settings(root: Path, fake: FakeGemini, **overrides: Any) -> Settings:
    return Settings(
        data_dir=root,
        provider="gemini",
        gemini_api_key=SecretStr(VALID_KEY),
        gemini_base_url=fake.url,
        gemini_timeout_seconds=120,
        **overrides,
    )


def place_bench_orders(
    store: OrderStore, blobs: BlobStore, catalog: list[Book], books: int
) -> list[OrderItem]:
    """`books` paid orders, one book each, cycling through the demo books and children."""
    items: list[OrderItem] = []
    for n in range(books):
        child = DEMO_CHILDREN[n % len(DEMO_CHILDREN)]
        photo = upload_photo(blobs, f"bench-{n}", demo_photo(child.photo))
        who = Personalization(child.name, child.age, child.gender, photo)
        book = catalog[n % len(catalog)]
        items += store.place_order(f"bench-{n}", [(book.id, who)], paid=True)[1]
    return items


def run_books(settings: Settings, fake: FakeGemini, books: int | None) -> Run:
    """Place paid orders (one per demo book, or `books` of them cycling through the demo
    books) and run a monitor until every one is settled."""
    services = build_services(settings, EventBus())
    catalog = load_demo_catalog(services.store, services.blobs)
    started = time.monotonic()
    if books is None:
        items = place_demo_orders(services.store, services.blobs, catalog)
    else:
        items = place_bench_orders(services.store, services.blobs, catalog, books)
    ids = {i.id for i in items}
    asyncio.run(Monitor(services).run_until_idle(ids))
    whole = time.monotonic() - started
    done = [services.store.get_item(i) for i in sorted(ids)]
    return Run(whole, list(fake.calls), done)


def _outcome(run: Run) -> str:
    completed = sum(i.pressroom_status is Status.COMPLETED for i in run.items)
    review = sum(i.pressroom_status is Status.AWAITING_REVIEW for i in run.items)
    return f"{completed} completed, {review} in review, {len(run.items)} books"


def latency_case(root: Path, analysis_s: float, image_s: float, cap: int) -> Run:
    with FakeGemini(latency=Latency(analysis_s, image_s)) as fake:
        settings = _settings(
            root, fake, gemini_concurrency=cap, gemini_max_concurrency=cap, orders_at_once=5
        )
        run = run_books(settings, fake, None)
    services = build_services(settings, EventBus())
    books = [services.store.item_book(i.id) for i in run.items]
    drawn = [sum(not p.hero_absent for p in b.pages) for b in books]
    shapes = [book_calls(n, settings.quality_gate, analysis_s, image_s) for n in drawn]
    bound = ai_bound(shapes, {ANALYSIS: cap, IMAGE: cap})
    planned = sum(len(s) for s in shapes)
    print(
        f"  latency {analysis_s:g} s per analysis, {image_s:g} s per image, "
        f"{cap} calls at once per model: {_outcome(run)}"
    )
    print(f"    AI bound (critical path, same caps)   {bound:7.1f} s")
    print(f"    span of Pressroom's calls             {run.span:7.1f} s   {run.span / bound:5.3f}x")
    print(
        f"    whole run (placed -> settled)         {run.whole:7.1f} s   {run.whole / bound:5.3f}x"
    )
    if planned != len(run.calls):
        print(f"    note: {len(run.calls)} calls made, {planned} in the bound's plan")
    return run


def rate_case(
    root: Path, analysis_s: float, image_s: float, per_minute: int, books: int, paced: bool
) -> Run:
    image_model = Settings().gemini_image_model
    limits = {image_model: per_minute}
    with FakeGemini(latency=Latency(analysis_s, image_s), per_minute=limits) as fake:
        settings = _settings(root, fake, gemini_image_rpm=per_minute if paced else 0)
        run = run_books(settings, fake, books)
    images = run.of(IMAGE)
    accepted = sorted(c.arrived for c in images if c.status == 200)
    refused = sum(c.status == 429 for c in run.calls)
    # the limit counts requests as they arrive: their rate from the first to the last
    arriving = (len(accepted) - 1) / (accepted[-1] - accepted[0]) * 60
    answered = max(c.answered for c in images) - min(c.arrived for c in images)
    how = f"configured {per_minute}/min, paced" if paced else "found by the limiter"
    print(
        f"  rate limit {per_minute}/min on the image model ({how}), {image_s:g} s images, "
        f"{books} books: {_outcome(run)}"
    )
    print(
        f"    {len(accepted)} image requests taken at {arriving:5.1f}/min = "
        f"{arriving / per_minute:5.1%} of the limit ({len(accepted) / answered * 60:4.1f}/min "
        f"to the last answer); 429s {refused}/{len(run.calls)} calls = "
        f"{refused / len(run.calls):4.1%}"
    )
    return run


def run_ai_bench(
    analysis_s: float, image_s: float, cap: int = 4, books: int = 10, rates: bool = True
) -> int:
    # the rate cases' 429s are retried on purpose and counted below, not logged one by one
    logging.getLogger("app.events").setLevel(logging.ERROR)
    print("Pressroom AI bench: demo books through the fake Gemini (app/proving/fake_gemini.py)")
    with tempfile.TemporaryDirectory(prefix="pressroom-ai-bench-") as tmp:
        root = Path(tmp)
        latency_case(root / "latency", analysis_s, image_s, cap)
        if rates:
            for n, (image, limit) in enumerate(((1.0, 120), (6.0, 60))):
                for paced in (False, True):
                    where = root / f"rate-{n}-{paced}"
                    rate_case(where, analysis_s, image, limit, books, paced)
    return 0
