"""`pressroom bench --print`: the demo books' print files for every shipped printer
profile, what preflight says of them, and what they cost in seconds per book."""

from __future__ import annotations

import time

from app.catalog.demo import demo_pages
from app.print.outputs import make_print_outputs
from app.print.profiles import load_profile, profile_names


def run_print_bench() -> int:
    print("Pressroom print bench: the demo books (12 pages each) for every printer profile")
    print(f"{'profile':<30} {'book':<13} {'pages':>5} {'interior':>9} {'cover':>8} "
          f"{'interior preflight':<24} {'cover preflight':<24} {'seconds':>7}")  # fmt: skip
    failed = 0
    for name in profile_names():
        profile = load_profile(name)
        if profile.is_digital:
            continue
        for book_id in ("moon-boat", "giant-garden"):
            title, cover, pages = demo_pages(book_id, "Ada")
            started = time.perf_counter()
            made = make_print_outputs(cover, pages, profile, title=title, child_name="Ada")
            seconds = time.perf_counter() - started
            tallies = [r.summary().split(": ", 1)[1] for r in made.reports]
            failed += not made.passed
            print(
                f"{name:<30} {book_id:<13} {made.pages:>5} {len(made.interior) // 1024:>7} K "
                f"{len(made.cover) // 1024:>6} K {tallies[0]:<24} {tallies[1]:<24} {seconds:>7.1f}"
            )
            for failure in made.failures():
                print(f"    FAIL {failure}")
    print("colour: sRGB profiles get an sRGB output intent; CMYK profiles are converted by")
    print("LittleCMS with the printer's profile (PRESSROOM_CMYK_ICC, else the one shipped)")
    return 0 if not failed else 3
