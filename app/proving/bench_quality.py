"""`pressroom bench --quality`: the checks calibrated on faults injected into the demo
books — per check, how many faults were caught and how many good pages or books were
wrongly flagged (the goal: every fault caught, no good one flagged)."""

from __future__ import annotations

import statistics
import time

from app.assets import demo_root
from app.catalog import demo_catalog
from app.config import Settings
from app.domain import Box
from app.quality.calibration_images import calibrate_images
from app.quality.calibration_pdfs import calibrate_pdfs
from app.quality.images import image_checks

Row = tuple[str, int, int, int]


def table(rows: list[Row], what: str) -> list[str]:
    lines = [f"  {'check':<16}{'faults caught':>16}   {'good ' + what + ' flagged':>22}"]
    for name, caught, injected, flagged in rows:
        mark = "ok" if caught == injected and not flagged else "MISSED OR FLAGGED"
        lines.append(f"  {name:<16}{caught:>9} / {injected:<5}{flagged:>22}   {mark}")
    return lines


CHECK_TARGET_MS = 100.0  # the image checks of one page at print size, on a 2-core machine


def image_check_ms(settings: Settings, rounds: int = 5) -> tuple[float, tuple[int, int]]:
    """The median time of one page's image checks (composition, hero, resolution) at print
    size, and that size: a demo page against itself costs what a generated one does."""
    import io

    from PIL import Image

    book = demo_catalog()["books"][0]
    page = book["pages"][2]
    source = demo_root().joinpath(book["id"], page["image"]).read_bytes()
    regions = tuple(Box.from_list(r) for r in page["hero_regions"])
    size = Image.open(io.BytesIO(source)).size

    def once() -> float:
        started = time.perf_counter()
        image_checks(
            source,
            source,
            hero_regions=regions,
            target="page 3",
            native_size=size,
            trim_mm=settings.trim_mm,
            settings=settings,
        )
        return (time.perf_counter() - started) * 1000

    once()  # warm up
    return statistics.median(once() for _ in range(rounds)), size


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
    ms, (w, h) = image_check_ms(settings)
    print(
        f"Image checks of one page at print size ({w}×{h}): {ms:.0f} ms median of 5"
        f" (target {CHECK_TARGET_MS:.0f} ms)"
    )
    print(f"  ({time.perf_counter() - started:.0f} s)")
    perfect = all(c == i and not f for _, c, i, f in images + pdfs)
    return 0 if perfect else 1
