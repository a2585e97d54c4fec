"""`pressroom bench`: speed and memory figures on a demo book at print resolution.

Prints: pipeline wall time with the template provider, the time outside provider calls
(our overhead), PDF composition time, peak RSS with N books at once (measured in a fresh
process), and pickup latency (paid -> processing) with an idle monitor.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from app.catalog import DEMO_CHILDREN, demo_photo, load_demo_catalog
from app.config import Settings
from app.domain import Book, Page, Personalization, Status
from app.events import Event, EventBus, ProgressEvent, StatusEvent
from app.orders.place import upload_photo
from app.pipeline import checkpoints as ck
from app.runtime import JobServices, build_services
from app.worker.monitor import Monitor

TARGETS = {"overhead": 2.0, "pdf": 1.0, "rss": 500.0, "pickup": 1.0}


def make_bench_book(services: JobServices, pages: int) -> Book:
    """A demo book stretched to `pages` pages (its illustrations repeat)."""
    demo = load_demo_catalog(services.store, services.blobs)[0]
    book = Book(
        id=f"bench-{pages}",
        title=demo.title,
        genre=demo.genre,
        age_range=demo.age_range,
        hero_name=demo.hero_name,
        cover_image=demo.cover_image,
        pages=tuple(
            Page(
                n,
                demo.pages[(n - 1) % len(demo.pages)].image,
                demo.pages[(n - 1) % len(demo.pages)].text,
                demo.pages[(n - 1) % len(demo.pages)].hero_regions,
            )
            for n in range(1, pages + 1)
        ),
        cover_hero_regions=demo.cover_hero_regions,
        title_box=demo.title_box,
        hero_gender=demo.hero_gender,
    )
    services.store.save_book(book)
    return book


def place(services: JobServices, book: Book, n: int) -> list[str]:
    ids = []
    for k in range(n):
        child = DEMO_CHILDREN[k % len(DEMO_CHILDREN)]
        photo = upload_photo(services.blobs, f"bench-{k}", demo_photo(child.photo))
        who = Personalization(child.name, child.age, child.gender, photo)
        _, [item] = services.store.place_order(f"bench-{k}", [(book.id, who)], paid=True)
        ids.append(item.id)
    return ids


@dataclass
class BookFigures:
    wall: float
    provider: float
    pdf: float

    @property
    def overhead(self) -> float:
        return self.wall - self.provider


def time_one_book(data_dir: Path, pages: int) -> BookFigures:
    events = EventBus()
    services = build_services(Settings(data_dir=data_dir, orders_at_once=1), events)
    book = make_bench_book(services, pages)
    [item_id] = place(services, book, 1)
    marks: dict[str, float] = {}

    def watch(event: Event) -> None:
        if isinstance(event, ProgressEvent):
            marks.setdefault("start", time.perf_counter())
        if isinstance(event, StatusEvent) and event.status is Status.COMPLETED:
            marks["end"] = time.perf_counter()

    events.subscribe(watch)
    asyncio.run(Monitor(services).run_until_idle({item_id}))
    run = ck.Checkpoints(services.blobs, item_id).get_json(ck.PROVENANCE)["runs"][-1]
    return BookFigures(
        marks["end"] - marks["start"], run["provider_seconds"], run["stage_seconds"]["pdf"]
    )


def rss_child(data_dir: Path, pages: int, books: int) -> None:
    """Runs in a fresh process: N books at once; prints peak RSS as JSON."""
    services = build_services(Settings(data_dir=data_dir, orders_at_once=books), EventBus())
    book = make_bench_book(services, pages)
    ids = place(services, book, books)
    started = time.perf_counter()
    asyncio.run(Monitor(services).run_until_idle(set(ids)))
    done = sum(services.store.get_item(i).pressroom_status is Status.COMPLETED for i in ids)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "peak_rss_mb": peak_kb / 1024,
                "wall": time.perf_counter() - started,
                "completed": done,
            }
        )
    )


def measure_rss(data_dir: Path, pages: int, books: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "app.proving.bench", str(data_dir), str(pages), str(books)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_pickup(data_dir: Path, rounds: int) -> list[float]:
    """Latency from 'order marked paid' (by another connection) to 'claimed', with the
    monitor idle at the default poll interval."""
    services = build_services(Settings(data_dir=data_dir), EventBus())
    app_side = build_services(Settings(data_dir=data_dir))
    return asyncio.run(pickup_rounds(services, app_side, rounds, idle_seconds=0.7))


async def pickup_rounds(
    services: JobServices, shop: JobServices, rounds: int, idle_seconds: float
) -> list[float]:
    """`rounds` orders placed and paid by `shop`, one at a time after the monitor of
    `services` has been idle for `idle_seconds`; each one's seconds from paid to claimed."""
    book = make_bench_book(services, 1)
    claimed: dict[str, float] = {}
    settled: dict[str, float] = {}

    def watch(event: Event) -> None:
        if isinstance(event, StatusEvent):
            target = claimed if event.status is Status.PROCESSING else settled
            target.setdefault(event.item_id, time.perf_counter())

    services.events.subscribe(watch)
    monitor = Monitor(services, worker_id="bench")
    runner = asyncio.create_task(monitor.run())
    samples = []
    try:
        for k in range(rounds):
            await asyncio.sleep(idle_seconds)
            photo = await asyncio.to_thread(
                upload_photo, shop.blobs, "pickup", demo_photo(DEMO_CHILDREN[0].photo)
            )
            who = Personalization("Ada", 5, "girl", photo)
            order, [item] = await asyncio.to_thread(
                shop.store.place_order, f"pickup-{k}", [(book.id, who)]
            )
            paid_at = time.perf_counter()
            await asyncio.to_thread(shop.store.set_payment_status, order.id, "paid")
            while item.id not in settled:
                await asyncio.sleep(0.01)
            samples.append(claimed[item.id] - paid_at)
    finally:
        monitor.stop()
        await runner
    return samples


def _verdict(value: float, target: float) -> str:
    return "ok" if value < target else "OVER TARGET"


def run_bench(pages: int = 24, books: int = 5, rounds: int = 7) -> int:
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-") as tmp:
        root = Path(tmp)
        print(
            f"Pressroom bench: {pages}-page demo book at print resolution "
            "(8x8 in + bleed, 2475 px square), template provider",
            flush=True,
        )
        one = time_one_book(root / "one", pages)
        print(f"  pipeline wall time, one book      {one.wall:7.2f} s")
        print(f"    inside provider calls           {one.provider:7.2f} s")
        print(
            f"    outside them (our overhead)     {one.overhead:7.2f} s   "
            f"target < {TARGETS['overhead']:.0f} s   {_verdict(one.overhead, TARGETS['overhead'])}"
        )
        print(
            f"  PDF composition                   {one.pdf:7.2f} s   "
            f"target < {TARGETS['pdf']:.0f} s   {_verdict(one.pdf, TARGETS['pdf'])}",
            flush=True,
        )
        rss = measure_rss(root / "rss", pages, books)
        print(
            f"  peak RSS, {books} books at once        {rss['peak_rss_mb']:7.0f} MB  "
            f"target < {TARGETS['rss']:.0f} MB {_verdict(rss['peak_rss_mb'], TARGETS['rss'])}"
            f"   ({rss['completed']:.0f}/{books} completed in {rss['wall']:.1f} s)",
            flush=True,
        )
        pickups = measure_pickup(root / "pickup", rounds)
        median = statistics.median(pickups)
        print(
            f"  pickup latency (paid->processing) {median:7.2f} s   median of {rounds}, "
            f"max {max(pickups):.2f} s; poll interval 10 s   target < 1 s   "
            f"{_verdict(median, TARGETS['pickup'])}"
        )
    return 0


if __name__ == "__main__":
    from app.proving.memory import cap_malloc_arenas

    cap_malloc_arenas()  # as `pressroom` does
    rss_child(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
