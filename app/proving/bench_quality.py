"""`pressroom bench --quality`: the checks calibrated on faults injected into the demo
books — per check, how many faults were caught and how many good pages or books were
wrongly flagged (the goal: every fault caught, no good one flagged)."""

from __future__ import annotations

import time

from app.config import Settings
from app.quality.calibration_images import calibrate_images
from app.quality.calibration_pdfs import calibrate_pdfs

Row = tuple[str, int, int, int]


def table(rows: list[Row], what: str) -> list[str]:
    lines = [f"  {'check':<16}{'faults caught':>16}   {'good ' + what + ' flagged':>22}"]
    for name, caught, injected, flagged in rows:
        mark = "ok" if caught == injected and not flagged else "MISSED OR FLAGGED"
        lines.append(f"  {name:<16}{caught:>9} / {injected:<5}{flagged:>22}   {mark}")
    return lines


def run_quality_bench(settings: Settings) -> int:
    started = time.perf_counter()
    images = calibrate_images(settings)
    pdfs = calibrate_pdfs(settings)
    print("Pressroom quality bench: the demo books (template provider), faults injected in code")
    print("Images (3 children x 2 books x cover + 12 pages; unchanged, blank, noise, another")
    print("book's page, the photo, mirrored, reframed, greyscale, the old hero pasted back…):")
    print("\n".join(table(images, "pages")))
    print("PDFs (2 books x 10 names in 7 scripts; hero's name left in, missing glyphs, 6 pt,")
    print("text in the margin, a missing page, no TrimBox):")
    print("\n".join(table(pdfs, "books")))
    print(f"  ({time.perf_counter() - started:.0f} s)")
    perfect = all(c == i and not f for _, c, i, f in images + pdfs)
    return 0 if perfect else 1
