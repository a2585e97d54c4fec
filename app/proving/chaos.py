"""`pressroom chaos`: a bad night at the shop, on purpose. N books on a fresh embedded
store, W worker processes against the fake Gemini injecting faults (503s, per-minute 429s
with a retry hint, malformed answers, answers slower than the client waits), a random
worker SIGKILLed every few seconds and replaced; then the invariants (app/proving/invariants.py)
and the figures. Kills and the connection cut wait for the model to have answered since the
last one, so a slow or busy machine is attacked as often per unit of work as a quiet one;
the run ends when every item settled, after `seconds` (if set), or when nothing was
answered for `stall_seconds`. Exit status 1 on any violation."""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from PIL import Image

from app.catalog import demo_photo, load_demo_catalog
from app.domain import Book, Personalization, Status
from app.imageio import encode_jpeg
from app.orders.place import upload_photo
from app.proving.fake_gemini import VALID_KEY, FakeGemini, Faults
from app.proving.invariants import SETTLED, ChaosItem, check_invariants
from app.store.embedded import EmbeddedOrderStore
from app.store.folder import FolderBlobStore
from app.store.ports import BlobStore, OrderStore

SIDE = 620  # px: small pictures, so the run measures coordination, not image work


@dataclass(frozen=True)
class ChaosPlan:
    books: int = 40
    workers: int = 4
    pages: int = 4
    seconds: float | None = 600.0  # the run stops by itself after this long (None: never)
    kill_every: float = 3.0  # at least this long between kills ...
    kill_after_answers: int = 3  # ... and this many model answers
    stall_seconds: float = 120.0  # the run stops when the model answered nothing this long
    seed: int = 7
    faults: Faults = field(default_factory=Faults)


def _small(data: bytes) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB").resize((SIDE, SIDE))
    return encode_jpeg(img, 88)


def _chaos_book(store: OrderStore, blobs: BlobStore, pages: int) -> Book:
    demo = load_demo_catalog(store, blobs)[0]
    cover = "catalog/chaos/cover.jpg"
    blobs.put(cover, _small(blobs.get(demo.cover_image)), "image/jpeg")
    kept = []
    for page in demo.pages[:pages]:
        key = f"catalog/chaos/page-{page.index:02d}.jpg"
        blobs.put(key, _small(blobs.get(page.image)), "image/jpeg")
        kept.append(replace(page, image=key))
    book = replace(demo, id="chaos", cover_image=cover, pages=tuple(kept))
    store.save_book(book)
    return book


def _photo(n: int) -> bytes:
    """A demo child's photo made unique to order n (the request log tells items apart)."""
    img = Image.open(io.BytesIO(demo_photo("child-ada.jpg"))).convert("RGB")
    img.putpixel((n % img.width, 0), (n * 37 % 256, n * 91 % 256, n * 53 % 256))
    img.putpixel((0, n % img.height), (n * 11 % 256, 200, 90))
    return encode_jpeg(img, 92)


@dataclass
class Backend:
    """Where the books live: the embedded store in a folder, or PostgreSQL through the
    Supabase adapter (the fake PostgREST and Storage, a fresh database)."""

    store: OrderStore
    blobs: BlobStore
    env: dict[str, str]  # what a worker needs to reach it
    checkpoint_time: Callable[[str], float | None]
    sqlite: Path | None = None
    cut: Callable[[], int] | None = None  # drop the database connections; how many
    close: Callable[[], None] = lambda: None


def embedded_backend(data: Path) -> Backend:
    database = data / "pressroom.sqlite3"
    blobs = FolderBlobStore(data / "blobs")

    def written(key: str) -> float | None:
        path = blobs.local_path(key)
        return path.stat().st_mtime if path.is_file() else None

    store = EmbeddedOrderStore(database)
    return Backend(store, blobs, {}, written, sqlite=database, close=store.close)


def postgres_backend(data: Path, server_url: str, stack: contextlib.ExitStack) -> Backend:
    from app.config import Settings
    from app.proving.fake_supabase import SERVICE_KEY, FakeSupabase
    from app.store import open_stores
    from app.store.migrate import apply_migrations

    name = f"pressroom_chaos_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')

    stack.callback(drop)
    apply_migrations(url)
    fake = stack.enter_context(FakeSupabase(url))
    settings = Settings.model_validate(
        {
            "data_dir": data,
            "SUPABASE_URL": fake.url,
            "SUPABASE_SERVICE_KEY": SERVICE_KEY,
            "provider": "template",
        }
    )
    store, blobs = open_stores(settings)

    def cut() -> int:
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = current_database() and pid <> pg_backend_pid()"
            ).fetchall()
        return len(rows)

    env = {"SUPABASE_URL": fake.url, "SUPABASE_SERVICE_KEY": SERVICE_KEY}
    return Backend(
        store,
        blobs,
        env,
        lambda key: fake.first_uploaded.get(("books", key)),
        cut=cut,
        close=store.close,
    )


def _worker_env(data: Path, fake: FakeGemini, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "PRESSROOM_DATA_DIR": str(data),
        "XDG_STATE_HOME": str(data / "state"),
        "GOOGLE_AI_API_KEY": VALID_KEY,
        "GEMINI_BASE_URL": fake.url,
        "PRESSROOM_PROVIDER": "gemini",
        "PRESSROOM_WORKER_ID": name,
        "PRESSROOM_GEMINI_TIMEOUT_SECONDS": str(round(fake.faults.slow_seconds * 0.6, 1))
        if fake.faults
        else "30",  # the slow answers take longer than this
        "PRESSROOM_LEASE_SECONDS": "6",
        "PRESSROOM_RETRY_BASE_SECONDS": "0.3",
        "PRESSROOM_CALL_RETRIES": "5",
        "PRESSROOM_MAX_ATTEMPTS": "8",
        "PRESSROOM_QUALITY_GATE": "false",  # the faults attacked here are the service's
        "PRESSROOM_BUDGET_PER_ITEM_USD": "0",
        "PRESSROOM_MIN_DPI": "50",
        "PRESSROOM_TARGET_DPI": "60",
        "POLL_INTERVAL": "300",
    }


def start_worker(
    data: Path, fake: FakeGemini, name: str, extra: dict[str, str]
) -> subprocess.Popen[bytes]:
    with open(data / f"{name}.log", "wb") as log:  # the child keeps its own handle
        return subprocess.Popen(
            [sys.executable, "-m", "app", "worker", "--data-dir", str(data)],
            env={**_worker_env(data, fake, name), **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run_chaos(plan: ChaosPlan, data: Path | None = None, database_url: str | None = None) -> int:
    """On the embedded store, or (`database_url`: a PostgreSQL server) on a fresh database
    through the Supabase adapter."""
    with (
        tempfile.TemporaryDirectory(prefix="pressroom-chaos-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        folder = data or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        backend = (
            postgres_backend(folder, database_url, stack)
            if database_url
            else embedded_backend(folder)
        )
        stack.callback(backend.close)
        return _run(plan, folder, backend, "PostgreSQL" if database_url else "the embedded store")


def _run(plan: ChaosPlan, data: Path, backend: Backend, where: str) -> int:
    rng = random.Random(plan.seed)
    store, blobs = backend.store, backend.blobs
    book = _chaos_book(store, blobs, plan.pages)
    items = []
    for n in range(plan.books):
        customer = f"chaos-customer-{n}"
        photo = _photo(n)
        who = Personalization(
            ["Ada", "Kofi", "Rosie"][n % 3], 5, "girl", upload_photo(blobs, customer, photo)
        )
        _, [item] = store.place_order(customer, [(book.id, who)], paid=True)
        items.append(ChaosItem(item.id, customer, photo))
    shape = f"{plan.books} books of {plan.pages} pages, {plan.workers} workers"
    print(f"Pressroom chaos: {shape} on {where}, seed {plan.seed}")
    kills = 0
    started = time.monotonic()
    with FakeGemini(plan.faults) as fake:
        workers = {
            f"chaos-{n}": start_worker(data, fake, f"chaos-{n}", backend.env)
            for n in range(plan.workers)
        }
        cut_after = plan.kill_after_answers if backend.cut else None  # once, early on
        cut = 0
        spawned = plan.workers
        next_kill = started + plan.kill_every
        answers_at_kill = 0
        progress = (0, started)  # answers seen, and when that count last grew
        try:
            while plan.seconds is None or time.monotonic() - started < plan.seconds:
                states = [store.get_item(i.item_id).pressroom_status for i in items]
                if all(s in SETTLED for s in states):
                    break
                answers = fake.answered()
                now = time.monotonic()
                if answers > progress[0]:
                    progress = (answers, now)
                elif now - progress[1] > plan.stall_seconds:
                    print(f"  stalled: no model answer in {plan.stall_seconds:.0f} s")
                    break
                if cut_after is not None and answers >= cut_after and backend.cut:
                    cut = backend.cut()  # until it catches connections in use
                    cut_after = None if cut else cut_after
                if now >= next_kill and answers - answers_at_kill >= plan.kill_after_answers:
                    victim = workers.pop(rng.choice(sorted(workers)))
                    victim.send_signal(signal.SIGKILL)
                    victim.wait(timeout=10)  # reaped: no zombie, its exit seen
                    kills += 1
                    name = f"chaos-{spawned}"
                    spawned += 1
                    workers[name] = start_worker(data, fake, name, backend.env)
                    next_kill = now + plan.kill_every
                    answers_at_kill = answers
                time.sleep(0.2)
        finally:
            for worker in workers.values():
                worker.send_signal(signal.SIGTERM)
            for worker in workers.values():
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
        wall = time.monotonic() - started
        problems = check_invariants(
            store, blobs, book, items, fake, backend.checkpoint_time, backend.sqlite
        )
        injected = dict(fake.injected)
    final = [store.get_item(i.item_id) for i in items]
    done = sum(i.pressroom_status is Status.COMPLETED for i in final)
    retries = sum(
        run.get("retries", 0)
        for i in items
        for run in (store.get_provenance(i.item_id) or {}).get("runs", [])
    )
    faults = ", ".join(f"{k} {v}" for k, v in sorted(injected.items())) or "none"
    print(f"  items {len(items)}: {done} completed, {len(items) - done} not")
    print(f"  workers killed (SIGKILL) {kills}, started {spawned}")
    if backend.cut:
        print(f"  database connections dropped (pg_terminate_backend): {cut}")
    print(f"  faults injected: {faults}; call retries {retries}")
    print(f"  wall time {wall:.1f} s, {done / wall * 60:.1f} books/minute")
    for item in final:
        if item.pressroom_status is not Status.COMPLETED:
            print(f"  {item.id[:8]} {item.pressroom_status.value}: {item.last_error}")
    if problems:
        print(f"INVARIANTS VIOLATED ({len(problems)}):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    intact = ", the SQLite file intact" if backend.sqlite else ""
    print("invariants hold: none lost, none stuck, no overlapping holders, no checkpoint redrawn, "
          f"one notification per book, every PDF whole{intact}")  # fmt: skip
    return 0
