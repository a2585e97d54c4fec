"""The store port's promises, checked on the embedded store and on Supabase (real
supabase-py over HTTP, fake PostgREST/Storage, real PostgreSQL)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from app.domain import Book, Claim, LeaseLost, Page, Personalization, Stage, Status
from app.store.ports import READY_TITLE, BlobNotFound
from tests.integration.conftest import Backend

BOOK = Book(
    "b1",
    "Leo Sails",
    "Adventure",
    "3-6",
    "Leo",
    "catalog/b1/cover.jpg",
    (Page(1, "catalog/b1/p1.jpg", "Leo sails."),),
    hero_gender="boy",
)


def place(
    backend: Backend, n: int = 1, paid: bool = True, customer: str | None = None
) -> list[str]:
    backend.store.save_book(BOOK)
    who = Personalization("Ada", 5, "girl", "photos/a.jpg")
    _, items = backend.store.place_order(
        customer or str(uuid.uuid4()), [("b1", who)] * n, paid=paid
    )
    return [i.id for i in items]


def test_books_round_trip(backend: Backend) -> None:
    backend.store.save_book(BOOK)
    backend.store.save_book(BOOK)  # an upsert, not a duplicate
    assert backend.store.get_book("b1") == BOOK
    assert [b.id for b in backend.store.list_books()] == ["b1"]


def test_claim_takes_paid_items_once_and_sets_the_lease(backend: Backend) -> None:
    unpaid = place(backend, paid=False)
    paid = place(backend, n=2)
    claimed = backend.store.claim("w1", 5, 60)
    assert sorted(i.id for i in claimed) == sorted(paid)
    assert all(i.claimed_by == "w1" and i.attempts == 1 and i.lease_expires_at for i in claimed)
    assert claimed[0].personalization.child_name == "Ada"
    assert backend.store.claim("w2", 5, 60) == []
    item = backend.store.get_item(unpaid[0])
    backend.store.set_payment_status(item.order_id, "paid")
    assert [i.id for i in backend.store.claim("w2", 5, 60)] == unpaid


def test_a_stale_worker_is_refused_after_reclaim(backend: Backend) -> None:
    [item_id] = place(backend)
    backend.store.claim("w1", 1, 60)
    backend.expire_leases()
    [again] = backend.store.claim("w2", 1, 60)
    stale, fresh = Claim(item_id, "w1", 1), Claim(item_id, "w2", 2)
    assert again.attempts == 2
    assert not backend.store.heartbeat(stale, 60) and backend.store.heartbeat(fresh, 60)
    assert not backend.store.report_progress(stale, Stage.PAGES, 1, 2)
    assert backend.store.report_progress(fresh, Stage.PAGES, 1, 2)
    with pytest.raises(LeaseLost, match="no longer held by w1"):
        backend.store.transition(item_id, Status.PROCESSING, Status.PUBLISHING, claim=stale)
    moved = backend.store.transition(item_id, Status.PROCESSING, Status.PUBLISHING, claim=fresh)
    assert (moved.pressroom_status, moved.stage, moved.progress_done) == (
        Status.PUBLISHING,
        Stage.PAGES,
        1,
    )


def test_transition_changes_and_release(backend: Backend) -> None:
    [item_id] = place(backend)
    backend.store.claim("w1", 1, 60)
    item = backend.store.transition(
        item_id,
        Status.PROCESSING,
        Status.PENDING,
        claim=Claim(item_id, "w1", 1),
        changes={"last_error": "Gemini is unavailable", "attempts": 0, "retry_at": 1.0},
        actor="w1",
        note="retry later",
    )
    assert item.pressroom_status is Status.PENDING and item.claimed_by is None
    assert item.last_error == "Gemini is unavailable" and item.attempts == 0
    assert backend.store.history(item_id)[-1]["note"] == "retry later"


def test_completion_notifies_once(backend: Backend) -> None:
    customer = str(uuid.uuid4())
    [item_id] = place(backend, customer=customer)
    backend.store.claim("w", 1, 60)
    claim = Claim(item_id, "w", 1)
    backend.store.transition(item_id, Status.PROCESSING, Status.PUBLISHING, claim=claim)
    done = backend.store.complete(
        claim,
        pdf_url="https://x/b.pdf",
        cover_image_url="https://x/c.jpg",
        notification_body="ready",
    )
    assert done.pressroom_status is Status.COMPLETED and done.generated_at is not None
    with pytest.raises(LeaseLost, match="completed now"):
        backend.store.complete(claim, pdf_url="a", cover_image_url="b", notification_body="x")
    notes = backend.store.list_notifications(customer)
    assert [(n.title, n.order_item_id) for n in notes] == [(READY_TITLE, item_id)]
    assert [h["action"] for h in backend.store.history(item_id)] == [
        "claimed",
        "publishing",
        "completed",
    ]
    assert [i.id for i in backend.store.list_items(Status.COMPLETED)] == [item_id]


def test_blobs_round_trip_list_delete_and_sign(backend: Backend) -> None:
    blobs = backend.blobs
    blobs.put("work/i1/cover.jpg", b"\xff\xd8cover", "image/jpeg")
    blobs.put("work/i1/pages/001.jpg", b"page1", "image/jpeg")
    blobs.put("work/i1/pages/001.jpg", b"page1-again", "image/jpeg")  # upsert
    assert blobs.get("work/i1/pages/001.jpg") == b"page1-again"
    assert blobs.exists("work/i1/cover.jpg") and not blobs.exists("work/i1/nope.jpg")
    assert blobs.list("work/i1") == ["work/i1/cover.jpg", "work/i1/pages/001.jpg"]
    with pytest.raises(BlobNotFound):
        blobs.get("work/i1/nope.jpg")
    url = blobs.url("work/i1/cover.jpg")
    if backend.name == "supabase":
        assert "token=" in url
        assert httpx.get(url).content == b"\xff\xd8cover"  # a signed URL works without a key
    assert blobs.delete_prefix("work/i1/pages") == 1
    assert blobs.list("work/i1") == ["work/i1/cover.jpg"]


def test_counts_and_changes_since(backend: Backend) -> None:
    import time

    first = place(backend, n=2)
    backend.store.claim("w", 1, 60)
    counts = backend.store.count_by_status()
    assert counts[Status.PENDING] == 1 and counts[Status.PROCESSING] == 1
    assert counts[Status.COMPLETED] == 0
    everything = backend.store.list_items()
    stamp = max(i.updated_at for i in everything if i.updated_at)
    time.sleep(0.05)
    [later] = place(backend)
    changed = backend.store.list_items(updated_since=stamp)
    assert [i.id for i in changed] == [later]
    assert set(first) <= {i.id for i in everything}


def history_of(backend: Backend, item_id: str) -> list[tuple[str, str, str]]:
    return [(h["actor"], h["action"], h["note"]) for h in backend.store.history(item_id)]


def test_progress_records_when_each_stage_of_an_attempt_starts(backend: Backend) -> None:
    [item_id] = place(backend)
    backend.store.claim("w1", 1, 60)
    first = Claim(item_id, "w1", 1)
    reports = [
        (Stage.ANALYZE_COVER, 0, 1),
        (Stage.ANALYZE_CHILD, 0, 1),
        (Stage.ANALYZE_COVER, 1, 1),  # the analyses interleave: each starts once
        (Stage.ANALYZE_CHILD, 1, 1),
        (Stage.PAGES, 0, 2),
        (Stage.PAGES, 1, 2),
        (Stage.PAGES, 2, 2),
    ]
    for stage, done, total in reports:
        assert backend.store.report_progress(first, stage, done, total)
    backend.expire_leases()
    backend.store.claim("w2", 1, 60)
    assert not backend.store.report_progress(first, Stage.PDF, 0, 1)  # stale: no event
    second = Claim(item_id, "w2", 2)
    assert backend.store.report_progress(second, Stage.PAGES, 2, 2)  # resumes where it was
    assert backend.store.report_progress(second, Stage.PDF, 0, 1)
    assert history_of(backend, item_id) == [
        ("w1", "claimed", ""),
        ("w1", "stage", "analyze_cover"),
        ("w1", "stage", "analyze_child"),
        ("w1", "stage", "pages"),
        ("w2", "claimed", ""),
        ("w2", "stage", "pages"),
        ("w2", "stage", "pdf"),
    ]
    assert backend.store.get_item(item_id).stage is Stage.PDF


def test_orders_keep_who_ordered_and_when_they_paid(backend: Backend) -> None:
    from datetime import UTC, datetime, timedelta

    backend.store.save_book(BOOK)
    who = Personalization("Ada", 5, "girl", "photos/a.jpg")
    before = datetime.now(UTC) - timedelta(seconds=5)
    _, [paid] = backend.store.place_order(
        "c1", [("b1", who)], paid=True, customer_name="Grace Hopper", customer_email="g@x.org"
    )
    _, [unpaid] = backend.store.place_order("c2", [("b1", who)])
    assert (paid.customer_name, paid.customer_email) == ("Grace Hopper", "g@x.org")
    assert paid.paid_at is not None and before <= paid.paid_at <= datetime.now(UTC)
    assert (unpaid.paid_at, unpaid.customer_name, unpaid.customer_email) == (None, None, None)
    [claimed] = backend.store.claim("w", 5, 60)  # items from every call carry the order facts
    assert (claimed.id, claimed.customer_name, claimed.paid_at) == (
        paid.id,
        "Grace Hopper",
        paid.paid_at,
    )
    moved = backend.store.transition(
        paid.id, Status.PROCESSING, Status.PUBLISHING, claim=Claim(paid.id, "w", 1)
    )
    assert moved.customer_email == "g@x.org"
    assert [i.customer_name for i in backend.store.list_items()] == [None, "Grace Hopper"]

    backend.store.set_payment_status(unpaid.order_id, "paid")
    paid_later = backend.store.get_item(unpaid.id).paid_at
    assert paid_later is not None and paid_later >= paid.paid_at
    backend.store.set_payment_status(unpaid.order_id, "refunded")
    backend.store.set_payment_status(unpaid.order_id, "paid")  # the first payment stays
    assert backend.store.get_item(unpaid.id).paid_at == paid_later


def test_provenance_reads_back(backend: Backend) -> None:
    [item_id] = place(backend)
    assert backend.store.get_provenance(item_id) is None
    data = {"provider": "template", "usage_total": {"calls": 3, "cost_usd": 0.12}, "runs": []}
    backend.store.save_provenance(item_id, data)
    assert backend.store.get_provenance(item_id) == data
    data["usage_total"] = {"calls": 5, "cost_usd": 0.2}
    backend.store.save_provenance(item_id, data)
    assert backend.store.get_provenance(item_id) == data


def test_shop_figures_count_today_from_the_database(backend: Backend) -> None:
    import time
    from datetime import UTC, datetime, timedelta

    store, days = backend.store, 2 * 86400.0

    def one(outcome: str, reason: str = "", runs: list[dict[str, object]] | None = None) -> str:
        [item_id] = place(backend)
        [_] = store.claim("w", 1, 60)
        claim = Claim(item_id, "w", 1)
        if outcome == "completed":
            store.transition(item_id, Status.PROCESSING, Status.PUBLISHING, claim=claim)
            store.complete(claim, pdf_url="p", cover_image_url="c", notification_body="ready")
        elif outcome == "failed":
            store.transition(item_id, Status.PROCESSING, Status.FAILED, claim=claim, note=reason)
        if runs is not None:
            store.save_provenance(item_id, {"usage_total": {}, "runs": runs})
        return item_id

    now = time.time()
    one("completed", runs=[{"usage": {"cost_usd": 0.5}, "finished_at": now}, {"usage": {}}])
    backend.backdate(one("completed", runs=[{"usage": {"cost_usd": 9.0}}]), 3 * 3600)
    old = one("completed", runs=[{"usage": {"cost_usd": 1.0}, "finished_at": now - days}])
    backend.backdate(old, days)
    one("failed", "photo too small\n(300 x 200 px)", runs=[{"usage": {"cost_usd": 0.125}}])
    one("failed", "photo too small\n(20 x 20 px)")
    one("failed", "quota exhausted")
    backend.backdate(one("failed", "long ago"), days)
    mixed = one(
        "processing",
        runs=[
            {"usage": {"cost_usd": 0.25}, "finished_at": now - days},  # yesterday's run
            {"usage": {"cost_usd": 0.0625}, "finished_at": now - 60},
        ],
    )
    place(backend)  # pending
    figures = store.shop_figures(
        since=datetime.now(UTC) - timedelta(hours=12),
        recent_since=datetime.now(UTC) - timedelta(hours=1),
    )
    assert figures.counts == {
        Status.PENDING: 1,
        Status.PROCESSING: 1,
        Status.AWAITING_REVIEW: 0,
        Status.PUBLISHING: 0,
        Status.COMPLETED: 3,
        Status.FAILED: 4,
    }
    assert (figures.completed, figures.completed_recent, figures.failed) == (2, 1, 3)
    assert figures.failure_reasons == [("photo too small", 2), ("quota exhausted", 1)]
    # 0.5 + 9.0 (no finished_at: the row was saved 3 h ago) + 0.125 + 0.0625
    assert figures.cost_usd == pytest.approx(9.6875)
    assert store.get_item(mixed).pressroom_status is Status.PROCESSING


def test_the_quality_report_reads_back_and_summaries_come_in_bulk(backend: Backend) -> None:
    first, second, third = place(backend, n=3)
    report = {"summary": "2 pages doubtful", "checks": [{"name": "likeness", "passed": False}]}
    backend.store.save_quality(first, "2 pages doubtful", False, report)
    backend.store.save_quality(second, "passed", True, {"summary": "passed", "checks": []})
    backend.store.save_quality(first, "1 page doubtful", False, {**report, "summary": "1"})
    assert backend.store.get_quality(first) == {**report, "summary": "1"}
    assert backend.store.get_quality(third) is None
    assert backend.store.quality_summaries([first, second, third]) == {
        first: "1 page doubtful",
        second: "passed",
    }
    assert backend.store.quality_summaries([]) == {}
