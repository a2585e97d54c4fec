"""The mobile app's contract: `generation_status` only ever holds pending (until the first
claim), processing (until completed) or failed — over every path the pipeline can take,
on both stores, read back from the column the app reads."""

from __future__ import annotations

from app.domain import ALLOWED_TRANSITIONS, APP_STATUSES, Claim, Status, app_status
from tests.integration.conftest import Backend
from tests.integration.test_store_contract import place


class Walk:
    """Moves one item and checks, after every move, what the app would read."""

    def __init__(self, backend: Backend) -> None:
        self.store = backend.store
        [self.item_id] = place(backend)
        self.seen: list[tuple[Status, str]] = []
        self.check(Status.PENDING, "pending")

    def check(self, state: Status, expected: str) -> None:
        item = self.store.get_item(self.item_id)
        assert item.pressroom_status is state
        assert item.app_status in APP_STATUSES
        assert item.app_status == expected, (state, item.app_status)
        self.seen.append((state, expected))

    def claim(self) -> Claim:
        [item] = self.store.claim("w1", 1, 60)
        self.check(Status.PROCESSING, "processing")
        return Claim(item.id, "w1", item.attempts)

    def move(self, src: Status, dst: Status, expected: str, claim: Claim | None = None) -> None:
        self.store.transition(self.item_id, src, dst, claim=claim, actor="operator")
        self.check(dst, expected)


def test_every_path_shows_the_app_only_the_values_it_knows(backend: Backend) -> None:
    walk = Walk(backend)
    claim = walk.claim()
    walk.move(Status.PROCESSING, Status.PENDING, "processing", claim)  # requeued: waits to retry
    claim = walk.claim()
    walk.move(Status.PROCESSING, Status.AWAITING_REVIEW, "processing", claim)
    walk.move(Status.AWAITING_REVIEW, Status.PENDING, "processing")  # regenerate
    claim = walk.claim()
    walk.move(Status.PROCESSING, Status.FAILED, "failed", claim)
    walk.move(Status.FAILED, Status.PENDING, "processing")  # operator retry
    claim = walk.claim()
    walk.move(Status.PROCESSING, Status.PUBLISHING, "processing", claim)
    walk.move(Status.PUBLISHING, Status.PENDING, "processing", claim)  # released mid-publish
    claim = walk.claim()
    walk.move(Status.PROCESSING, Status.AWAITING_REVIEW, "processing", claim)
    walk.move(Status.AWAITING_REVIEW, Status.PUBLISHING, "processing")  # approved
    holder = walk.store.get_item(walk.item_id)
    walk.store.complete(
        Claim(walk.item_id, "operator", holder.attempts),
        pdf_url="https://example/b.pdf",
        cover_image_url="https://example/c.jpg",
        notification_body="ready",
    )
    walk.check(Status.COMPLETED, "completed")

    rejected = Walk(backend)
    claim = rejected.claim()
    rejected.move(Status.PROCESSING, Status.AWAITING_REVIEW, "processing", claim)
    rejected.move(Status.AWAITING_REVIEW, Status.FAILED, "failed")
    failed_publish = Walk(backend)
    claim = failed_publish.claim()
    failed_publish.move(Status.PROCESSING, Status.PUBLISHING, "processing", claim)
    failed_publish.move(Status.PUBLISHING, Status.FAILED, "failed", claim)

    stopped = Walk(backend)  # an order erased before it was made
    stopped.move(Status.PENDING, Status.FAILED, "failed")

    moves = {
        (a, b)
        for w in (walk, rejected, failed_publish, stopped)
        for (a, _), (b, _) in zip(w.seen, w.seen[1:], strict=False)
        if a is not b
    }
    every = {(src, dst) for src, dsts in ALLOWED_TRANSITIONS.items() for dst in dsts}
    assert every <= moves | {(Status.PENDING, Status.PROCESSING)}, every - moves


def test_the_rule_in_python_never_leaves_the_app_values() -> None:
    for state in Status:
        for previous in (None, *APP_STATUSES):
            assert app_status(state, previous) in APP_STATUSES
    assert app_status(Status.PENDING) == "pending"
    assert app_status(Status.PENDING, "failed") == "processing"
    assert app_status(Status.AWAITING_REVIEW, "processing") == "processing"
