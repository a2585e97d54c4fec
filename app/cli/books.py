"""`pressroom book …`: a shop's own books from the command line — import a folder or the
book's PDF, list, export, check, make a proof, put on sale, retire. Runs unattended too:
`--hero NAME --gender G` answer the import's questions, and the new book's id is the last
line `import` prints."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from app.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, terminal_safe
from app.cli.common import settings_from as _settings
from app.domain import BookStatus
from app.runtime import JobServices

Adder = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _services(args: argparse.Namespace) -> JobServices:
    from app.runtime import build_services

    return build_services(_settings(args))


def _ask(question: str, default: str | None) -> str | None:
    """The operator's answer (the default proposed); unattended, nobody confirms: None."""
    if not sys.stdin.isatty():
        return None
    shown = f" [{default}]" if default else ""
    answer = input(f"{question}{shown}: ").strip()
    return answer or default


def _page_progress(done: int, total: int) -> None:
    """A PDF's pages as they are rendered: on a terminal one line rewritten, in a log one
    line every 25 pages (a long book is never silent)."""
    if sys.stderr.isatty():
        print(
            f"\rrendering page {done} of {total}",
            end="\n" if done == total else "",
            file=sys.stderr,
            flush=True,
        )
    elif done % 25 == 0 or done == total:
        print(f"rendering page {done} of {total}", file=sys.stderr, flush=True)


def cmd_book_import(args: argparse.Namespace) -> int:
    from app.catalog.importing import read_source, with_answers
    from app.catalog.intake import IntakeLimits
    from app.catalog.locate import locate_regions
    from app.catalog.shelf import add_book
    from app.catalog.validate import GENDERS, catalog_spec, check_book

    services = _services(args)
    spec = catalog_spec(services.settings)
    limits = IntakeLimits.from_settings(services.settings)
    files = read_source(args.path, spec, limits, _page_progress)
    for note in files.notes:
        print(note)
    hero = args.hero or _ask("The hero's name in the text", files.proposed_hero)
    if not hero:
        found = f"the text suggests {files.proposed_hero}" if files.proposed_hero else "none found"
        print(f"pressroom: give the hero's name with --hero ({found})")
        return EXIT_BAD_INPUT
    if files.proposed_hero and hero != files.proposed_hero:
        print(f"hero: {hero} (the text suggested {files.proposed_hero})")
    gender = args.gender or _ask("The hero's gender (girl, boy, child)", files.book.hero_gender)
    if gender not in GENDERS:
        print(f"pressroom: give the hero's gender with --gender ({', '.join(GENDERS)})")
        return EXIT_BAD_INPUT
    files = with_answers(files, hero=hero, gender=gender, book_id=args.id)
    if args.title:
        from dataclasses import replace

        files = replace(files, book=replace(files.book, title=args.title))
    if args.locate:
        files = asyncio.run(locate_regions(services.provider, files))
        for note in files.notes[-2:]:
            print(note)
    book = add_book(services.store, services.blobs, files, spec)
    findings = check_book(services.blobs, book, spec)
    print(f"{book.title}: {book.status.value}, version {book.version}, {len(book.pages)} pages")
    for finding in findings:
        print(f"  to do before it goes live — {finding}")
    print(book.id)
    return EXIT_OK


def cmd_book_list(args: argparse.Namespace) -> int:
    services = _services(args)
    for book in services.store.list_books():
        print(
            f"{book.id:<24} v{book.version:<3} {book.status.value:<8} "
            f"{len(book.pages):>3} pages  {terminal_safe(book.title[:60])}"
            f"{'…' * (len(book.title) > 60)}"
        )
    return EXIT_OK


def cmd_book_export(args: argparse.Namespace) -> int:
    from app.catalog.shelf import export_book

    services = _services(args)
    folder = export_book(services.store, services.blobs, args.book, args.folder, args.version)
    print(folder)
    return EXIT_OK


def cmd_book_check(args: argparse.Namespace) -> int:
    from app.catalog.validate import catalog_spec, check_book

    services = _services(args)
    book = services.store.get_book(args.book)
    findings = check_book(services.blobs, book, catalog_spec(services.settings))
    for finding in findings:
        print(finding)
    print(f"{book.title}: {'ready to go live' if not findings else f'{len(findings)} to fix'}")
    return EXIT_FAILED if findings else EXIT_OK


def cmd_book_status(args: argparse.Namespace) -> int:
    from app.catalog.validate import catalog_spec
    from app.catalog.versions import NotReady, set_status

    services = _services(args)
    status = BookStatus(args.status)
    try:
        book = set_status(
            services.store, services.blobs, args.book, status, catalog_spec(services.settings)
        )
    except NotReady as exc:
        for finding in exc.findings:
            print(finding)
        print(
            f"{args.book} stays {services.store.get_book(args.book).status.value}: "
            f"{len(exc.findings)} to fix first"
        )
        return EXIT_FAILED
    print(f"{book.title}: {book.status.value} (version {book.version})")
    return EXIT_OK


def cmd_book_proof(args: argparse.Namespace) -> int:
    from app.catalog.demo import DEMO_CHILDREN, DemoChild
    from app.imageio import read_file
    from app.worker.proof import make_proof

    services = _services(args)
    child: DemoChild = DEMO_CHILDREN[0]
    photo = read_file(args.photo, "photo") if args.photo else None
    if args.name:
        from dataclasses import replace

        child = replace(child, name=args.name)
    proof = make_proof(services, args.book, photo=photo, child=child, version=args.version)
    print(proof.describe())
    if proof.pdf is None:
        return EXIT_FAILED
    if args.output:
        args.output.write_bytes(proof.pdf)
        print(args.output)
    else:
        assert proof.key is not None
        print(services.blobs.url(proof.key))
    return EXIT_OK


def add_book_commands(add: Adder) -> None:
    book = add("book", lambda _a: EXIT_BAD_INPUT, "the shop's own books: import, export, proofs")
    sub = book.add_subparsers(dest="book_command", metavar="ACTION", required=True)

    def action(
        name: str, fn: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=fn)
        # SUPPRESS: `book --data-dir D list` and `book list --data-dir D` both work
        p.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="the store")
        return p

    imp = action("import", cmd_book_import, "import a folder of pictures or the book's PDF")
    imp.add_argument("path", type=Path, help="a folder (book.json or text.txt) or FILE.pdf")
    imp.add_argument("--hero", help="the hero's name in the text (default: asked, or proposed)")
    imp.add_argument("--gender", help="the hero's gender: girl, boy or child")
    imp.add_argument("--id", help="the book's id (default: from the title)")
    imp.add_argument("--title", help="the book's title (default: the manifest's or the PDF's)")
    imp.add_argument(
        "--no-locate",
        dest="locate",
        action="store_false",
        help="do not ask the provider where the hero and the title are",
    )
    action("list", cmd_book_list, "list the catalog's books, their version and status")
    exp = action("export", cmd_book_export, "write a book as a folder `import` reads back")
    exp.add_argument("book")
    exp.add_argument("folder", type=Path)
    exp.add_argument("--version", type=int, help="an older version (default: the current)")
    chk = action("check", cmd_book_check, "what keeps a book from going live")
    chk.add_argument("book")
    for name, status, help_ in (
        ("live", "live", "put a book on sale (after the checks pass)"),
        ("retire", "retired", "stop selling a book (books already ordered are still made)"),
    ):
        p = action(name, cmd_book_status, help_)
        p.add_argument("book")
        p.set_defaults(status=status)
    proof = action("proof", cmd_book_proof, "personalize a book with a sample child, no order")
    proof.add_argument("book")
    proof.add_argument("--photo", type=Path, help="a child's photo (default: a demo photo)")
    proof.add_argument("--name", help="the child's name (default: Ada)")
    proof.add_argument("--version", type=int)
    proof.add_argument("-o", "--output", type=Path, help="write the PDF here")
