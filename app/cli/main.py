"""The `pressroom` command. Headless: imports no Qt.

Bad input or a failed stage ends with a non-zero exit status and one readable line;
tracebacks go to the log file only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__
from app.cli.books import add_book_commands
from app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNEXPECTED,
)
from app.cli.common import settings_from as _settings
from app.cli.printing import add_print_commands
from app.cli.privacy import add_privacy_commands
from app.cli.records import (
    cmd_check,
    cmd_links,
    cmd_migrate,
    cmd_resend,
    cmd_status,
)
from app.cli.tools import add_tool_commands
from app.config import TRIM_SIZES_MM, Settings
from app.domain import OrderItem, PressroomError, Status
from app.events import Event, MessageEvent, ProgressEvent
from app.logs import setup_logging
from app.redact import redact
from app.worker.signals import on_stop_signals

if TYPE_CHECKING:  # built lazily: the command starts without the pipeline
    from app.runtime import JobServices

log = logging.getLogger("pressroom")


def _print_events(event: Event) -> None:
    """One console line per stage (and per message) while a worker runs."""
    if isinstance(event, ProgressEvent):
        if event.done == event.total or event.done == 0:
            state = "done" if event.done == event.total else "started"
            print(
                f"{event.item_id[:8]}  {event.stage.value:<13} {state} "
                f"({event.done}/{event.total})",
                flush=True,
            )
    elif isinstance(event, MessageEvent):
        prefix = f"{event.item_id[:8]}  " if event.item_id else ""
        print(f"{prefix}{logging.getLevelName(event.level).lower()}: {event.text}", flush=True)


async def _run_monitor(services: JobServices, until: set[str] | None) -> None:
    from app.worker.monitor import Monitor

    monitor = Monitor(services)
    on_stop_signals(asyncio.get_running_loop(), monitor.stop)
    if until is None:
        await monitor.run()
    else:
        await monitor.run_until_idle(until)


def cmd_demo(args: argparse.Namespace) -> int:
    from app.catalog import load_demo_catalog, place_demo_orders
    from app.runtime import build_services, demo_refusal

    settings = _settings(args)
    refused = demo_refusal(settings)
    if refused:
        raise PressroomError(refused)
    services = build_services(settings)
    if not args.quiet:
        services.events.subscribe(_print_events)
    books = load_demo_catalog(services.store, services.blobs)
    items = place_demo_orders(services.store, services.blobs, books)
    print(
        f"Placed {len(items)} paid demo orders; processing with the "
        f"{services.provider.name} provider in {services.settings.data_dir}",
        flush=True,
    )
    asyncio.run(_run_monitor(services, {i.id for i in items}))
    return _summarize([services.store.get_item(i.id) for i in items], services)


def _summarize(items: Sequence[OrderItem], services: JobServices) -> int:
    from app.pipeline.checkpoints import PDF, Checkpoints

    status = EXIT_OK
    print()
    for item in items:
        who = item.personalization.child_name
        book = item.book_id
        state = item.pressroom_status
        if state is Status.COMPLETED:
            print(f"{book} for {who}: {item.pdf_url}")
        elif state is Status.AWAITING_REVIEW:
            draft = Checkpoints(services.blobs, item.id).key(PDF)
            print(f"{book} for {who}: awaiting review (draft {services.blobs.url(draft)})")
        else:
            print(f"{book} for {who}: {state.value}: {item.last_error}")
            status = EXIT_FAILED
    return status


def cmd_worker(args: argparse.Namespace) -> int:
    from app.runtime import build_services, describe_setup

    services = build_services(_settings(args))
    services.events.subscribe(_print_events)
    print(describe_setup(services), flush=True)
    print(
        f"Worker looking for paid items every {services.settings.poll_interval:g} s "
        "(Ctrl-C to stop)",
        flush=True,
    )
    asyncio.run(_run_monitor(services, None))
    return EXIT_OK


def cmd_order(args: argparse.Namespace) -> int:
    """Place a paid order (what the mobile app does), for trying a worker by hand. The
    order is checked first; every problem is one line, and nothing is placed."""
    from app.orders.checks import OrderRefused
    from app.orders.place import OrderRequest, place_checked_order
    from app.runtime import build_services

    services = build_services(_settings(args))
    request = OrderRequest(
        book_id=args.book,
        child_name=args.name,
        photo_path=Path(args.photo),
        age=args.age,
        gender=args.gender,
        customer_id=args.customer,
        customer_name=args.customer_name,
        customer_email=args.email,
    )
    try:
        item = place_checked_order(services.store, services.blobs, services.settings, request)
    except OrderRefused as refused:
        for problem in refused.problems:
            print(f"pressroom: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(
        f"Placed a paid order for {item.personalization.child_name} ({item.book_id}); a worker "
        "makes the book: `pressroom worker`, or the console's monitor. Its item id:"
    )
    print(item.id)  # the last line, for scripts
    return EXIT_OK


def cmd_cover(args: argparse.Namespace) -> int:
    from app.ai.one_cover import personalize_cover
    from app.domain import Book, Personalization
    from app.imageio import decode_image, read_file
    from app.pipeline.calls import runner_for
    from app.runtime import build_services

    settings = _settings(args)
    services = build_services(settings)
    cover = read_file(args.cover, "cover")
    photo = read_file(args.photo, "photo")
    decode_image(cover, str(args.cover), settings.max_image_pixels)
    decode_image(photo, str(args.photo), settings.max_image_pixels)
    provider = services.provider

    book = Book("adhoc", args.title or "", args.genre, "", args.hero or "the hero", "", ())
    who = Personalization(args.name, args.age, args.gender)

    async def generate_and_close() -> tuple[bytes, str]:
        try:
            call = runner_for(settings).call  # a per-minute 429 is waited out, as in a job
            result = await personalize_cover(provider, cover, photo, book, who, call)
            return result.image, result.prompt
        finally:
            await provider.aclose()

    image, prompt = asyncio.run(generate_and_close())
    out = Path(args.output)
    if out.suffix.lower() == ".png":
        from PIL import Image

        from app.imageio import encode_png

        image = encode_png(Image.open(__import__("io").BytesIO(image)))
    out.write_bytes(image)
    if args.show_prompt:
        print(prompt)
    print(f"wrote {out}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from app.runtime import build_services, describe_setup
    from app.worker.service import serve

    settings = _settings(args)
    token = settings.api_token.get_secret_value() if settings.api_token else ""
    if not token:
        raise PressroomError(
            "set PRESSROOM_API_TOKEN (any long random string) before `pressroom serve`: "
            "every endpoint but /health requires it"
        )
    services = build_services(settings)
    services.events.subscribe(_print_events)
    host, port = args.host or settings.host, args.port or settings.port
    print(describe_setup(services), flush=True)
    print(
        f"Pressroom worker on http://{host}:{port} (OpenAPI at /openapi.json); "
        f"data in {settings.data_dir}",
        flush=True,
    )
    asyncio.run(serve(services, token, host, port))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pressroom", description="Turn paid orders into personalized children's books."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to the console")
    parser.add_argument("--version", action="version", version=f"pressroom {__version__}")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="check that every part works here (the bundle's smoke test)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, fn: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=fn)
        p.add_argument("--data-dir", type=Path, help="where the embedded store lives")
        return p

    demo = add("demo", cmd_demo, "load the demo catalog, order each book paid, and make the books")
    demo.add_argument("--review", action="store_true", help="stop at awaiting_review")
    demo.add_argument("--quiet", action="store_true", help="print only the summary")
    demo.add_argument("--trim-size", choices=sorted(TRIM_SIZES_MM))
    worker = add("worker", cmd_worker, "run the monitor headless until Ctrl-C")
    worker.add_argument("--orders-at-once", type=int)
    worker.add_argument("--pages-at-once", type=int)
    worker.add_argument("--poll-interval", type=int, help="milliseconds")
    worker.add_argument("--review", action="store_true")
    order = add("order", cmd_order, "place a paid order for a catalog book")
    order.description = (
        "Place a paid order for a catalog book, as the mobile app would. The order is "
        "checked first; a refused order prints one line per problem, exits 2 and places "
        "nothing."
    )
    order.add_argument("--book", required=True, help="the book's id in the catalog")
    order.add_argument(
        "--photo",
        required=True,
        type=Path,
        help="the child's photo (JPEG, PNG or WebP), big enough to draw a face at print "
        "size: at least 480 px on its short side at the default 8x8in trim and 150 DPI",
    )
    order.add_argument(
        "--name",
        required=True,
        help="the child's name, as printed: not blank, in characters the book's fonts "
        "have, short enough for the book's cover title and page text",
    )
    order.add_argument("--age", type=int, help="the child's age, within the book's age range")
    order.add_argument("--gender", help="girl or boy: the text's pronouns follow it")
    order.add_argument(
        "--customer",
        default="walk-in",
        help="the customer's id (the app's user id): letters, digits and . _ @ + - "
        "(default: walk-in)",
    )
    order.add_argument("--customer-name", help="the customer's name, for the operators")
    order.add_argument("--email", help="the customer's e-mail address")
    cover = add("cover", cmd_cover, "personalize one cover with the configured provider")
    cover.add_argument("--cover", required=True, type=Path)
    cover.add_argument("--photo", required=True, type=Path)
    cover.add_argument("--name", required=True)
    cover.add_argument("--age", type=int)
    cover.add_argument("--gender")
    cover.add_argument("--title", help="the book's title (to personalize in the prompt)")
    cover.add_argument("--hero", help="the hero's name in the original book")
    cover.add_argument("--genre", default="")
    cover.add_argument("--show-prompt", action="store_true")
    cover.add_argument("-o", "--output", required=True, type=Path)
    check = add("check", cmd_check, "print an item's quality report, or check any book PDF")
    check.add_argument("item", nargs="?", help="an order item's id")
    check.add_argument("--pdf", type=Path, help="a composed book PDF to check")
    check.add_argument("--book", help="with --pdf: the catalog book it was made from")
    check.add_argument("--name", help="with --pdf: the child's name it should carry")
    check.add_argument("--gender", help="with --pdf: the child's gender (girl, boy)")
    status = add("status", cmd_status, "list order items and their state")
    status.add_argument("--limit", type=int, default=50)
    resend = add("resend", cmd_resend, "send an item's e-mail or push again")
    resend.add_argument("item", help="an order item's id (or its first 8 characters)")
    resend.add_argument("--channel", choices=("email", "push", "all"), default="all")
    add_privacy_commands(add)
    serve = add("serve", cmd_serve, "the monitor plus the seed's HTTP control endpoints")
    serve.add_argument("--host", help="default 127.0.0.1 (PRESSROOM_HOST)")
    serve.add_argument("--port", type=int, help="default 5000 (PORT)")
    serve.add_argument("--orders-at-once", type=int)
    serve.add_argument("--poll-interval", type=int, help="milliseconds")
    migrate = sub.add_parser(
        "migrate",
        help="apply migrations/*.sql to a PostgreSQL (Supabase) database",
        description="Apply migrations/*.sql in order and record which ran.",
    )
    migrate.set_defaults(func=cmd_migrate)
    migrate.add_argument("--database-url", help="postgresql://… (default: SUPABASE_DB_URL)")
    migrate.add_argument("--force", action="store_true", help="run every file again")
    migrate.add_argument(
        "--print-sql",
        action="store_true",
        help="print every migration in order, to paste into the Supabase SQL editor",
    )
    migrate.add_argument(
        "--make-books-private",
        action="store_true",
        help="turn an existing public 'books' bucket private (after `links --resign --apply`)",
    )
    links = add("links", cmd_links, "keep the app's links to books working (resign, renew)")
    links.add_argument(
        "--resign",
        action="store_true",
        help="rewrite the old server's public links to signed ones (a dry run without --apply)",
    )
    links.add_argument("--apply", action="store_true", help="with --resign: really rewrite")
    links.add_argument(
        "--renew", action="store_true", help="re-sign links that expire soon (the monitor does)"
    )
    add_book_commands(add)
    add_print_commands(add)
    add_tool_commands(add)
    return parser


def _gui_or_help(parser: argparse.ArgumentParser) -> int:
    """No command: open the console, or explain why it cannot open here."""
    import os

    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )
    if headless:
        print(
            "pressroom: no display here, so the console cannot open. Try `pressroom demo` "
            "(headless), or `pressroom --help`.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        from app.ui.app import run_gui
    except ImportError as exc:
        parser.print_help()
        print(f"\nThe console needs PySide6 ({exc}); the commands above work without it.")
        return EXIT_OK
    setup_logging(Settings().secrets(), console_level=logging.WARNING)
    return run_gui()


def _drop_broken_cert_path() -> None:
    """SSL_CERT_FILE pointing at nothing would break every HTTPS call; certifi's bundle
    (shipped with us) is used instead."""
    import os

    path = os.environ.get("SSL_CERT_FILE")
    if path and not Path(path).is_file():
        os.environ.pop("SSL_CERT_FILE")
        log.warning("SSL_CERT_FILE %s does not exist; using the bundled certificates", path)


def main(argv: Sequence[str] | None = None) -> int:
    from app.proving.memory import cap_malloc_arenas

    cap_malloc_arenas()  # before any thread starts
    _drop_broken_cert_path()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_check:
        from app.cli.selfcheck import run_self_check

        return run_self_check()
    if args.command is None:
        return _gui_or_help(parser)
    try:
        from app.user_settings import load_settings

        secrets = load_settings().secrets()
    except Exception as exc:  # settings themselves are bad: say so plainly
        print(f"pressroom: invalid settings: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    log_file = setup_logging(
        secrets, console_level=logging.INFO if args.verbose else logging.CRITICAL + 1
    )
    try:
        return int(args.func(args))
    except PressroomError as exc:
        log.info("%s failed: %s", args.command, exc, exc_info=True)
        print(f"pressroom: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`pressroom status | head`): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush is quiet too
        return EXIT_OK
    except Exception as exc:
        log.exception("%s crashed", args.command)
        print(
            redact(
                f"pressroom: unexpected error ({type(exc).__name__}: {exc}); details in {log_file}"
            ),
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    raise SystemExit(main())
