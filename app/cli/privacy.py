"""A customer's rights from the terminal: `pressroom export-customer` (access, GDPR Art. 15
and 20) and `pressroom erase` (erasure, Art. 17; app/privacy)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from app.cli.common import EXIT_FAILED, EXIT_OK, terminal_safe
from app.cli.common import settings_from as _settings
from app.cli.records import resolve_item
from app.domain import BadInput

Adder = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def cmd_export_customer(args: argparse.Namespace) -> int:
    """What Pressroom holds about a customer, as JSON plus their files (an access request)."""
    from app.privacy.export import export_customer
    from app.runtime import build_services

    services = build_services(_settings(args))
    try:
        done = export_customer(services.store, services.blobs, args.customer, args.folder)
    finally:
        services.store.close()
    print(done.line())
    return EXIT_OK


def _confirmed(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise BadInput("erasing cannot be undone: add --yes to erase without a question")
    answer = input("Erase this for good? Type 'erase' to go on: ")
    return answer.strip().lower() == "erase"


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase a customer's (or one item's) personal data and files; `--dry-run` says what."""
    from app.privacy.erasure import erase, plan_erasure, record_line, resume
    from app.runtime import build_services

    services = build_services(_settings(args))
    store, blobs = services.store, services.blobs
    try:
        if args.resume:
            finished = resume(store, blobs)
            print("\n".join(record_line(r) for r in finished) or "no erasure was left unfinished")
            return EXIT_OK
        item_id = resolve_item(store, args.item) if args.item else None
        plan = plan_erasure(store, blobs, customer_id=args.customer, item_id=item_id)
        who = f"customer {args.customer}" if args.customer else f"item {item_id}"
        print(terminal_safe(f"Erasing {who} removes:"))
        for line in plan.lines():
            print(f"  {line}")
        if args.dry_run:
            print("nothing changed (--dry-run)")
            return EXIT_OK
        if not _confirmed(args):
            print("nothing changed")
            return EXIT_FAILED
        done = erase(store, blobs, plan, actor=f"{getpass.getuser()} (pressroom erase)")
        print(record_line(done))
    finally:
        store.close()
    return EXIT_OK


def add_privacy_commands(add: Adder) -> None:
    export = add(
        "export-customer", cmd_export_customer, "write what Pressroom holds about a customer"
    )
    export.add_argument("customer", help="the customer's id (the orders' user_id)")
    export.add_argument("folder", type=Path, help="a new folder: customer.json and files/")
    erase = add("erase", cmd_erase, "erase a customer's or an item's personal data for good")
    target = erase.add_mutually_exclusive_group(required=True)
    target.add_argument("--customer", help="the customer's id (the orders' user_id)")
    target.add_argument("--item", help="an order item's id (or its first 8 characters)")
    target.add_argument(
        "--resume", action="store_true", help="finish erasures a crash left unfinished"
    )
    erase.add_argument("--dry-run", action="store_true", help="say what would go; change nothing")
    erase.add_argument("--yes", action="store_true", help="do not ask before erasing")
