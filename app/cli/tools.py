"""`pressroom bench` and `pressroom chaos`: the commands that measure Pressroom and attack
it, rather than run the shop."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from app.cli.common import settings_from as _settings

Adder = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def cmd_bench(args: argparse.Namespace) -> int:
    if args.print:
        from app.proving.bench_print import run_print_bench

        return run_print_bench()
    if args.hostile_books:
        from app.proving.hostile_books import run_hostile_bench

        return run_hostile_bench()
    if args.quality:
        from app.proving.bench_quality import run_quality_bench

        return run_quality_bench(_settings(args))
    if args.cost:
        from app.proving.bench_cost import run_cost_bench

        return run_cost_bench()
    if args.ai_latency:
        return _ai_bench(args)
    if args.database_url:
        from app.proving.bench_pickup_pg import run_pickup_bench_pg

        return run_pickup_bench_pg(args.database_url, args.pickups)
    if args.ui:
        from app.ui.bench_ui import run_ui_bench

        return run_ui_bench(books=args.books or 5)
    from app.proving.bench import run_bench

    return run_bench(pages=args.pages, books=args.books or 20, rounds=args.pickups)


def _ai_bench(args: argparse.Namespace) -> int:
    try:
        analysis, image = (float(v) for v in args.ai_latency.split(":"))
    except ValueError:
        raise SystemExit("--ai-latency takes A:I, seconds per analysis and per image") from None
    if args.workers:
        from app.proving.bench_workers import run_workers_bench

        try:
            workers = [int(w) for w in args.workers.split(",")]
        except ValueError:
            raise SystemExit("--workers takes a list of worker counts, e.g. 1,3,8") from None
        books = args.rate_books or 16
        return run_workers_bench(
            analysis, image, workers, books, args.limit, args.database_url, not args.own_pace
        )
    from app.proving.bench_ai import run_ai_bench

    books = args.rate_books or 10
    return run_ai_bench(analysis, image, cap=args.cap, books=books, rates=args.rates)


def cmd_chaos(args: argparse.Namespace) -> int:
    from app.proving.chaos import ChaosPlan, run_chaos

    plan = ChaosPlan(
        books=args.books,
        workers=args.workers,
        seconds=args.seconds,
        kill_every=args.kill_every,
        seed=args.seed,
    )
    return run_chaos(plan, args.data_dir, args.database_url)


def cmd_models(args: argparse.Namespace) -> int:
    from app.cli.model_trial import list_models, try_model

    settings = _settings(args)
    if args.action == "try":
        if not args.model:
            raise SystemExit("pressroom models try MODEL [--role image|analysis]")
        return try_model(settings, args.model, args.role, timeout=args.timeout, pages=args.pages)
    return list_models(settings)


def add_tool_commands(add: Adder) -> None:
    models = add(
        "models", cmd_models, "the Gemini models the key may use; `models try MODEL` compares"
    )
    models.add_argument("action", nargs="?", choices=("list", "try"), default="list")
    models.add_argument("model", nargs="?", help="with try: the candidate model id")
    models.add_argument("--role", choices=("image", "analysis"), default="image")
    models.add_argument("--timeout", type=float, default=1800.0, help="seconds per trial")
    models.add_argument(
        "--pages", type=int, help="with try: the first N pages of each demo book (a cheaper trial)"
    )
    chaos = add("chaos", cmd_chaos, "a bad night on purpose: workers killed, faults injected")
    chaos.add_argument("--books", type=int, default=40)
    chaos.add_argument("--workers", type=int, default=4)
    chaos.add_argument("--seconds", type=float, default=600, help="stop after this long")
    chaos.add_argument("--kill-every", type=float, default=3.0, help="seconds between kills")
    chaos.add_argument("--seed", type=int, default=7)
    chaos.add_argument(
        "--database-url",
        help="a PostgreSQL server: run on a fresh database there, through the Supabase adapter",
    )
    bench = add("bench", cmd_bench, "measure speed and memory on a demo book")
    bench.add_argument("--pages", type=int, default=24)
    bench.add_argument(
        "--books", type=int, help="books at once: for the RSS figure (20), with --ui (5)"
    )
    bench.add_argument("--pickups", type=int, default=7, help="pickup latency samples")
    bench.add_argument("--ui", action="store_true", help="measure the console instead")
    bench.add_argument(
        "--quality", action="store_true", help="calibrate the quality checks on injected faults"
    )
    bench.add_argument(
        "--print", action="store_true", help="print files for every printer profile, preflight"
    )
    bench.add_argument(
        "--hostile-books",
        action="store_true",
        help="import and preflight 42 hostile book files: each refusal, peak memory, time",
    )
    bench.add_argument(
        "--cost",
        action="store_true",
        help="the demo books in the live and the batch lane: cost per book, time to done",
    )
    bench.add_argument(
        "--ai-latency",
        metavar="A:I",
        help="the demo books through the fake Gemini answering analyses in A s, images in I s",
    )
    bench.add_argument(
        "--database-url",
        help="a PostgreSQL server: pickup latency there, on a fresh database (LISTEN/NOTIFY)",
    )
    bench.add_argument("--cap", type=int, default=4, help="with --ai-latency: calls at once")
    bench.add_argument(
        "--rate-books",
        type=int,
        help="with --ai-latency: books in the rate cases (10), or for each --workers run (16)",
    )
    bench.add_argument(
        "--workers",
        help="with --ai-latency: W1,W2,... worker processes sharing one store and one Gemini "
        "limit (--database-url: on PostgreSQL through the Supabase adapter)",
    )
    bench.add_argument(
        "--limit", type=int, default=60, help="with --workers: image requests per rolling minute"
    )
    bench.add_argument(
        "--own-pace",
        action="store_true",
        help="with --workers: each worker paces on its own (as before the shared pace)",
    )
    bench.add_argument(
        "--no-rates",
        dest="rates",
        action="store_false",
        help="with --ai-latency: skip the rate-limit cases (about 8 minutes)",
    )
