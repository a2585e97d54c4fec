"""The judge on the calibration set of `bench --quality`: one demo child's good pictures and
the faults made from them (mirrored, reframed, greyscale, the photo returned, the old hero
left in, the cover as a page), each judged by a provider — how many faults its verdicts
catch and how many good pictures they flag. `pressroom models try MODEL --role analysis`
runs it on the candidate and on the configured model."""

from __future__ import annotations

import asyncio

from app.ai.provider import JudgeTask, Provider
from app.ai.template import TemplateProvider
from app.catalog.demo import DEMO_CHILDREN, demo_photo
from app.config import Settings
from app.quality.calibration_images import _child_faults, _personalize, _targets
from app.quality.judge import run_judge

Row = tuple[str, int, int]  # kind, judged, failed by the judge


async def judge_calibration(provider: Provider, settings: Settings, per_book: int = 3) -> list[Row]:
    """The cover and the first pages (`per_book` pictures a book) of the demo books for the
    first demo child, and every fault made from them, through `provider.judge`."""
    drawer = TemplateProvider(settings.max_image_pixels)
    kid = DEMO_CHILDREN[0]
    photo = demo_photo(kid.photo)
    child = await drawer.analyze_child(photo)
    targets = _targets()
    counts: dict[str, list[int]] = {}
    gate = asyncio.Semaphore(settings.pages_at_once)

    async def judged(kind: str, task: JudgeTask) -> None:
        async with gate:
            checks, _ = await run_judge(provider, task, settings)
        row = counts.setdefault(kind, [0, 0])
        row[0] += 1
        row[1] += not all(c.passed for c in checks)

    work = []
    for book_id in dict.fromkeys(t.book.id for t in targets):
        mine = [t for t in targets if t.book.id == book_id]
        drawn = await _personalize(drawer, mine[:per_book], photo, child, kid)  # the cover first
        for target in mine[:per_book]:
            cover = None if target.label == "cover" else drawn["cover"]
            good = drawn[target.label]
            cases = [("good", good)] + [
                (kind, image)
                for kind, image, _ in await asyncio.to_thread(
                    _child_faults, target, good, photo, drawn["cover"]
                )
            ]
            for kind, image in cases:
                task = JudgeTask(
                    photo=photo,
                    original=target.original,
                    generated=image,
                    child_analysis=child,
                    target=target.label,
                    hero_name=target.book.hero_name,
                    cover=cover,
                    hero_regions=target.regions,
                )
                work.append(judged(kind, task))
    await asyncio.gather(*work)
    return [(kind, n, failed) for kind, (n, failed) in counts.items()]


def judge_lines(rows: list[Row]) -> list[str]:
    good = next(((n, f) for k, n, f in rows if k == "good"), (0, 0))
    faults = [(k, n, f) for k, n, f in rows if k != "good"]
    caught = sum(f for _, _, f in faults)
    total = sum(n for _, n, _ in faults)
    lines = [
        f"  judge      {caught}/{total} faults caught, {good[1]}/{good[0]} good pictures flagged"
    ]
    lines += [f"             {k}: {f}/{n}" for k, n, f in faults]
    return lines
