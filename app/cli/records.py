"""The `pressroom` commands that read and look after the shop's records rather than make
books: `status` (with each item's e-mail and push), `resend`, `check` (quality reports),
`migrate` (the Supabase schema and the bucket's privacy) and `links` (the app's links)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.ai.provider import Provider
from app.cli.common import EXIT_FAILED, EXIT_OK, terminal_safe
from app.cli.common import settings_from as _settings
from app.config import Settings
from app.domain import STAGE_WORDS, OrderItem, PressroomError, Status


def _customer(item: OrderItem) -> str:
    email = f"<{item.customer_email}>" if item.customer_email else ""
    return terminal_safe(" ".join(part for part in (item.customer_name, email) if part))


def _status_line(
    item: OrderItem,
    customer_width: int,
    quality: str = "",
    child_width: int = 10,
    quality_width: int = 0,
) -> str:
    if item.pressroom_status is Status.COMPLETED:
        stage = "done"  # not its last stage's "publish 0/1"
    elif item.stage:
        stage = f"{STAGE_WORDS[item.stage.value]} {item.progress_done}/{item.progress_total}"
    else:
        stage = ""
    return _row(
        [item.id[:8], item.book_id, item.personalization.child_name, item.pressroom_status.value],
        stage,
        quality,
        _customer(item),
        item.last_error or "",
        customer_width,
        child_width,
        quality_width,
    )


def _row(
    first: list[str],
    stage: str,
    quality: str,
    customer: str,
    error: str,
    customer_width: int,
    child_width: int,
    quality_width: int = 0,
) -> str:
    """One line of `status`: item, book, child, status, stage, then the columns some items
    have (a width of 0: no item has it, no column)."""
    item, book, child, status = (terminal_safe(f) for f in first)
    error = terminal_safe(error)
    checked = f"{quality:<{quality_width}} " if quality_width else ""
    who = f"{customer:<{customer_width}} " if customer_width else ""
    return (
        f"{item:<8}  {book:<14} {child:<{child_width}} {status:<15} {stage:<18} "
        f"{checked}{who}{error}"
    ).rstrip()


def resolve_item(store: Any, given: str) -> str:
    """An item id from the full id or the 8-character prefix `pressroom status` prints."""
    if len(given) >= 32:
        return given
    matches = [i.id for i in store.list_items(limit=100_000) if i.id.startswith(given)]
    if len(matches) != 1:
        if not matches:
            raise PressroomError(
                f"no order item starts with {given!r} (`pressroom status` lists them)"
            )
        raise PressroomError(f"{len(matches)} order items start with {given!r}: give more of it")
    return matches[0]


def cmd_check(args: argparse.Namespace) -> int:
    """Reprint an item's quality report, or run the PDF checks on any file."""
    from app.orders.place import find_book
    from app.quality.report import QualityReport
    from app.runtime import build_services

    services = build_services(_settings(args))
    if args.pdf:
        from app.quality.pdf_checks import check_pdf_file

        if not (args.book and args.name):
            raise PressroomError("with --pdf, say which book and which name: --book ID --name NAME")
        book = find_book(services.store, args.book)
        if book is None:
            raise PressroomError(
                f"there is no book {args.book!r} in the catalog (`pressroom book list` shows "
                "it; `pressroom demo` loads the demo books on the embedded store)"
            )
        report = check_pdf_file(args.pdf, book, args.name, args.gender, services.settings)
    elif args.item:
        args.item = resolve_item(services.store, args.item)
        data = services.store.get_quality(args.item)
        if data is None:
            raise PressroomError(f"order item {args.item} has no quality report (not checked yet)")
        report = QualityReport.from_json(data)
    else:
        raise PressroomError("say what to check: an ITEM_ID, or --pdf FILE --book ID --name NAME")
    print(report.text())
    return EXIT_OK if report.passed else EXIT_FAILED


def cmd_status(args: argparse.Namespace) -> int:
    from app.runtime import build_services

    services = build_services(_settings(args))
    gemini = _gemini_line(services.provider)
    if gemini:
        print(gemini)
    items = services.store.list_items(limit=args.limit)
    # a customer column only when some order has a name or an e-mail
    width = max((len(_customer(i)) for i in items), default=0)
    quality = services.store.quality_summaries([i.id for i in items])
    child_width = max((len(i.personalization.child_name) for i in items), default=5)
    child_width = max(5, min(child_width, 20))
    checks = max((len(q) for q in quality.values()), default=0)
    checks = max(checks, len("check")) if checks else 0
    if items:
        print(
            _row(
                ["item", "book", "child", "status"],
                "stage",
                "check",
                "customer" if width else "",
                "error",
                width,
                child_width,
                checks,
            )
        )
    for item in items:
        print(_status_line(item, width, quality.get(item.id, ""), child_width, checks))
        if item.pressroom_status is Status.COMPLETED:
            from app.notify.dispatcher import delivery_line  # (google-auth: only when needed)

            deliveries = services.store.deliveries(item.id)
            for d in deliveries:
                print(f"{'':10}{terminal_safe(delivery_line(d))}")
            for channel, setting in _unconfigured_channels(services.settings).items():
                if all(d.channel != channel for d in deliveries):
                    print(f"{'':10}{channel}: not configured (set {setting})")
    return EXIT_OK


def _unconfigured_channels(settings: Settings) -> dict[str, str]:
    """The notification channels left unset, and the setting that would turn each on."""
    unset = {"email": "SMTP_HOST"} if not settings.smtp_host else {}
    if settings.fcm_service_account is None:
        unset["push"] = "PRESSROOM_FCM_SERVICE_ACCOUNT"
    return unset


def _gemini_line(provider: Provider) -> str | None:
    """With Gemini: whether the configured models are served — what a worker's pause says
    when one is not (the items' own lines say "queue paused: …" too)."""
    if provider.name != "gemini":
        return None

    async def check() -> list[str]:
        try:
            return await asyncio.wait_for(provider.check_models(), 8)
        finally:
            await provider.aclose()

    try:
        problems = asyncio.run(check())
    except Exception as exc:
        return f"Gemini: cannot check the models now ({exc})"
    if problems:
        return "Gemini: workers pause the queue — " + "; ".join(problems)
    return f"Gemini: the configured models are served ({provider.model})"


def cmd_resend(args: argparse.Namespace) -> int:
    """Send an item's e-mail or push again (the next dispatcher round delivers it)."""
    from app.runtime import build_services

    services = build_services(_settings(args))
    item_id = resolve_item(services.store, args.item)
    chosen = [d for d in services.store.deliveries(item_id) if args.channel in ("all", d.channel)]
    if not chosen:
        raise PressroomError(f"item {item_id[:8]} has no {args.channel} delivery to resend")
    for d in chosen:
        again = services.store.resend_delivery(d.id)
        print(f"{d.channel}: {'will be sent again' if again else 'being sent right now'}")
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.store.bucket import bucket_note, make_books_private
    from app.store.migrate import apply_migrations, migrations

    if args.print_sql:  # for the SQL editor: every file, in order, from the folder itself
        for migration in migrations():
            print(f"-- ==== {migration.name} ====\n{migration.sql.rstrip()}\n")
        return EXIT_OK
    url = args.database_url or Settings().database_url
    if not url:
        raise PressroomError(
            "no database to migrate: pass --database-url or set SUPABASE_DB_URL "
            "(Supabase: Project Settings -> Database -> Connection string)"
        )
    applied = apply_migrations(url, force=args.force)
    print("\n".join(f"applied {name}" for name in applied) or "already up to date")
    if args.make_books_private:
        make_books_private(url)
        print("the bucket 'books' is private now; the app's links are signed")
    else:
        note = bucket_note(url)
        if note:
            print(note)
    return EXIT_OK


def cmd_links(args: argparse.Namespace) -> int:
    """Keep the app's links alive: rewrite public ones, renew signed ones."""
    from datetime import timedelta

    from app.pipeline.links import renew_due, resign
    from app.runtime import build_services

    services = build_services(_settings(args))
    if args.renew:
        margin = timedelta(days=services.settings.link_renew_days)
        print(renew_due(services.store, services.blobs, margin=margin).line("renewed", False))
        return EXIT_OK
    dry_run = not args.apply
    report = resign(services.store, services.blobs, dry_run=dry_run)
    print(report.line("public links", dry_run))
    for line in report.refused:
        print(f"  left alone: {line}")
    if dry_run and report.rewritten:
        print("nothing changed: add --apply to rewrite them")
    return EXIT_OK if not report.refused else EXIT_FAILED
