"""The job's print step: for a printer profile other than `digital`, the interior and the
cover spread (app/print) made after the reading PDF and kept as checkpoints, and their
preflight verdicts added to the quality report, so a failed preflight holds the book in
review with its reasons, as a doubtful page does."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from app.ai.prompt import personalized_title
from app.ai.usage import native_size_of, native_sizes_in
from app.config import Settings
from app.cpu import run_cpu, whole_book_slot
from app.domain import Book, Box, Personalization, Stage
from app.pipeline import checkpoints as ck
from app.pipeline.pdf_stage import book_pages
from app.pipeline.stage import StageContext
from app.print.outputs import make_print_outputs
from app.print.profiles import PrinterProfile, load_profile
from app.quality.report import Check, QualityReport

TARGETS = {"interior": "interior", "cover": "cover spread"}


def profile_for(who: Personalization, settings: Settings) -> PrinterProfile:
    """The item's own printer (when the order names one), else the shop's setting."""
    return load_profile(who.print_profile or settings.print_profile)


async def print_stage(ctx: StageContext, book: Book) -> dict[str, Any] | None:
    """Make the print files (once: a resumed job reuses them); their preflight as JSON."""
    profile = profile_for(ctx.item.personalization, ctx.settings)
    if profile.is_digital:
        return None
    saved: dict[str, Any] | None = await ctx.read_json(ck.PREFLIGHT)
    if saved and saved.get("profile") == profile.name:
        return saved
    await ctx.progress(Stage.PDF, 0, 1)
    who = ctx.item.personalization
    earlier = native_sizes_in(ctx.earlier_runs)

    def native(label: str) -> tuple[int, int] | None:
        return native_size_of(label) or earlier.get(label)

    natives = {p.index: n for p in book.pages if (n := native(f"page {p.index}"))}
    regions = book.cover_hero_regions
    analysis = await ctx.read_json(ck.COVER_ANALYSIS) or {}
    if not regions and analysis.get("hero_position"):
        regions = (Box.from_list(analysis["hero_position"]),)
    async with whole_book_slot():
        started = time.perf_counter()
        outputs = await run_cpu(
            make_print_outputs,
            await ctx.read(ck.COVER),
            await book_pages(ctx, book),
            profile,
            title=personalized_title(book, who),
            child_name=who.child_name,
            blurb=book.blurb,
            cmyk_icc=ctx.settings.cmyk_icc,
            native_sizes=natives,
            cover_native=native("cover"),
            age=who.age,
            hero_regions=regions,
            title_box=book.title_box,
            isbn=book.isbn,
        )
    ctx.timings["print"] = time.perf_counter() - started
    await ctx.write(ck.PRINT_INTERIOR, outputs.interior, "application/pdf")
    await ctx.write(ck.PRINT_COVER, outputs.cover, "application/pdf")
    data = outputs.preflight_json()
    await ctx.write_json(ck.PREFLIGHT, data)
    await ctx.progress(Stage.PDF, 1, 1)
    return data


def preflight_checks(printed: dict[str, Any]) -> list[Check]:
    checks = []
    for report in printed["reports"]:
        target = TARGETS[report["kind"]]
        for v in report["verdicts"]:
            said = f"{v['status']}: {v['sentence']}" if v["status"] == "warn" else v["sentence"]
            failed = v["status"] == "fail"
            checks.append(
                Check(f"preflight_{v['check']}", target, not failed, said, blocking=failed)
            )
    return checks


def with_preflight(report: QualityReport | None, printed: dict[str, Any]) -> QualityReport:
    """`report` with the print files' preflight verdicts (replacing any earlier ones)."""
    base = report or QualityReport()
    kept = [c for c in base.checks if not c.name.startswith("preflight_")]
    return replace(base, checks=kept + preflight_checks(printed))
