"""`pressroom preflight`: read a print file back and check it against a printer profile —
the same checks the pipeline runs before publishing. Exit 0 when nothing fails, 3 when
something does; `--json` prints the report as the pipeline keeps it."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from app.cli.common import EXIT_FAILED, EXIT_OK
from app.domain import BadInput

Adder = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def cmd_preflight(args: argparse.Namespace) -> int:
    from app.imageio import MB, read_capped
    from app.print.preflight import Kind, preflight
    from app.print.profiles import load_profile, profile_names

    if args.list:
        for name in profile_names():
            profile = load_profile(name)
            print(f"{name:<26} {profile.label}")
        return EXIT_OK
    if args.file is None or args.profile is None:
        raise BadInput("give a PDF and --profile NAME (pressroom preflight --list names them)")
    profile = load_profile(args.profile)
    data = read_capped(args.file, round(profile.max_file_mb * MB), "the PDF")
    kind: Kind = "cover" if args.cover else "interior"
    if kind == "cover" and not args.pages:
        raise BadInput("a cover spread's spine depends on the interior: give --pages N")
    report = preflight(data, profile, kind, pages=args.pages, name=str(args.file))
    print(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    return EXIT_OK if report.passed else EXIT_FAILED


def add_print_commands(add: Adder) -> None:
    p = add("preflight", cmd_preflight, "check a print file against a printer profile")
    p.add_argument("file", nargs="?", type=Path, help="an interior or cover-spread PDF")
    p.add_argument("--profile", help="the printer profile (see --list)")
    p.add_argument("--cover", action="store_true", help="the file is a cover spread")
    p.add_argument("--pages", type=int, help="with --cover: the interior's page count")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--list", action="store_true", help="list the printer profiles")
