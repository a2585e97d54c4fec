"""Operator decisions on items: approve (publish), reject, regenerate, retry.

Each is a compare-and-set transition recorded in the item's history with who and when.
These are plain functions; the console calls them off the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from app.domain import Claim, OrderItem, PressroomError, Status
from app.names import replace_hero_name
from app.pipeline import checkpoints as ck
from app.pipeline.publish import publish_item
from app.privacy.likeness import keep_likeness, redraw_problem
from app.quality.report import QualityReport
from app.store.ports import BlobStore, OrderStore


def approve(
    store: OrderStore, blobs: BlobStore, item_id: str, operator: str, lease_seconds: float = 120
) -> OrderItem:
    """Publish an item waiting for review: upload, complete, notify."""
    item = store.transition(
        item_id,
        Status.AWAITING_REVIEW,
        Status.PUBLISHING,
        actor=operator,
        note="approved",
        lease_seconds=lease_seconds,
    )
    checkpoints = ck.Checkpoints(blobs, item_id)
    checkpoints.put_json(ck.APPROVED, {"by": operator, "at": time.time()})
    keep_likeness(blobs, item, checkpoints.get(ck.COVER))  # the operator approved the cover
    book = store.item_book(item.id)
    title = replace_hero_name(book.title, book.hero_name, item.personalization.child_name)
    return publish_item(
        store, blobs, Claim(item_id, operator, item.attempts), item, checkpoints, title
    )


def reject(store: OrderStore, item_id: str, operator: str, reason: str) -> OrderItem:
    return store.transition(
        item_id,
        Status.AWAITING_REVIEW,
        Status.FAILED,
        actor=operator,
        changes={"last_error": f"rejected by {operator}: {reason}"},
        note=reason,
    )


def regenerate(
    store: OrderStore,
    blobs: BlobStore,
    item_id: str,
    operator: str,
    *,
    cover: bool = False,
    pages: list[int] | None = None,
    instruction: str | None = None,
) -> OrderItem:
    """Send an item in review back through the pipeline for its cover and/or chosen pages,
    with an optional instruction added to their prompts. Everything else is kept."""
    _refuse_without_a_child(store, blobs, item_id)
    checkpoints = ck.Checkpoints(blobs, item_id)
    notes = checkpoints.get_json(ck.INSTRUCTIONS, {}) or {}
    if instruction:
        if cover:
            notes["cover"] = instruction
        for index in pages or []:
            notes.setdefault("pages", {})[str(index)] = instruction
        checkpoints.put_json(ck.INSTRUCTIONS, notes)
    targets = [ck.page_name(i) for i in pages or []]
    if cover:  # a new cover is a new reference for every page
        targets += [ck.COVER, "pages"]
    checkpoints.drop(ck.PROMPTS, ck.PDF, ck.QUALITY, ck.BATCHES, *targets)
    what = ", ".join(["cover"] * cover + [f"page {i}" for i in pages or []]) or "book"
    ask_live(checkpoints, f"{operator} asked to regenerate the {what}")
    return store.transition(
        item_id,
        Status.AWAITING_REVIEW,
        Status.PENDING,
        actor=operator,
        changes={"attempts": 0, "last_error": None},
        note=f"regenerate {what}: {instruction or ''}",
    )


def _refuse_without_a_child(store: OrderStore, blobs: BlobStore, item_id: str) -> None:
    """A redraw the photo's absence makes impossible, refused before anything moves."""
    problem = redraw_problem(blobs, store.get_item(item_id))
    if problem:
        raise PressroomError(problem)


def ask_live(checkpoints: ck.Checkpoints, why: str) -> None:
    """An operator waits for this item: its next runs go out live (app/pipeline/lane.py)."""
    checkpoints.put_json(ck.LIVE_ASKED, {"why": f"{why}: live"})


def retry(store: OrderStore, blobs: BlobStore, item_id: str, operator: str) -> OrderItem:
    _refuse_without_a_child(store, blobs, item_id)
    ask_live(ck.Checkpoints(blobs, item_id), f"{operator} asked for a retry")
    return store.transition(
        item_id,
        Status.FAILED,
        Status.PENDING,
        actor=operator,
        changes={"attempts": 0, "last_error": None},
        note="retry",
    )


def decide_many(
    decide: Callable[[str], object], item_ids: Sequence[str]
) -> list[tuple[str, str | None]]:
    """Apply one decision to many items, each in its own transaction: an item that moved on
    meanwhile (another operator, a worker) is reported with the reason and the rest go on.
    Returns (item id, None or the reason it was not decided) per item."""
    results: list[tuple[str, str | None]] = []
    for item_id in item_ids:
        try:
            decide(item_id)
        except PressroomError as error:
            results.append((item_id, str(error)))
        else:
            results.append((item_id, None))
    return results


def regenerate_doubtful(
    store: OrderStore, blobs: BlobStore, item_id: str, operator: str
) -> OrderItem:
    """Send back exactly the pages (and the cover) the quality gate doubted, each with its
    failed checks' sentences and the judge's words as the instruction for the model."""
    data = store.get_quality(item_id)
    report = QualityReport.from_json(data) if data else None
    doubtful = report.doubtful_pages() if report else []
    if report is None or not doubtful:
        raise PressroomError("the quality gate doubted no page of this book: nothing to regenerate")
    checkpoints = ck.Checkpoints(blobs, item_id)
    notes = checkpoints.get_json(ck.INSTRUCTIONS, {}) or {}
    for page in doubtful:
        target = "cover" if page == 0 else f"page {page}"
        reasons = [c.sentence for c in report.failed if c.target == target]
        if report.judge_words.get(target):
            reasons.append(report.judge_words[target])
        fix = "Fix what the checks found: " + "; ".join(reasons)
        if page == 0:
            notes["cover"] = fix
        else:
            notes.setdefault("pages", {})[str(page)] = fix
    checkpoints.put_json(ck.INSTRUCTIONS, notes)
    return regenerate(
        store, blobs, item_id, operator, cover=0 in doubtful, pages=[p for p in doubtful if p]
    )
