"""The chaos run, small: workers killed, faults injected, and every invariant holds — and
the checker itself, calibrated: each violation planted after a clean run is caught."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.proving import invariants
from app.proving.chaos import ChaosPlan, run_chaos
from app.proving.fake_gemini import Faults


@pytest.mark.timeout(1200)  # no wall budget: the run waits for the work, stopping if it stalls
def test_a_small_chaos_run_keeps_every_invariant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = ChaosPlan(books=5, workers=2, seconds=None, kill_every=3.0, faults=Faults(seed=3))
    assert run_chaos(plan, tmp_path) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "items 5: 5 completed" in out and "invariants hold" in out, out
    assert "workers killed (SIGKILL) " in out and "faults injected: " in out


@pytest.mark.timeout(1200)
def test_the_checker_catches_each_planted_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    found: list[list[str]] = []
    real = invariants.check_invariants

    def plant(store, blobs, book, items, fake, written, database):  # type: ignore[no-untyped-def]
        items = list(items)
        assert real(store, blobs, book, items, fake, written, database) == []  # clean first
        a, b, c, d = items[:4]
        import sqlite3

        with sqlite3.connect(database) as db:  # a: stuck in processing
            db.execute(
                "update order_items set pressroom_status = 'processing' where id = ?", (a.item_id,)
            )
            db.execute(  # b: a second notification
                "insert into notifications(id, user_id, order_item_id, kind, title, body, "
                "created_at) values ('dup', ?, ?, 'again', 't', 'b', 0)",
                (b.customer_id, b.item_id),
            )
            db.execute(  # c: another worker wrote after the claim
                "insert into item_events(item_id, at, actor, action, note) "
                "values (?, ?, 'chaos-99', 'stage', '')",
                (c.item_id, time.time()),
            )
        blobs.put(f"books/{d.customer_id}/{d.item_id}.pdf", b"%PDF-1.7 broken")  # d: a torn PDF
        photo = invariants._reference_sha(invariants.GeminiProvider("x"), a.photo, "photo")
        cover = invariants._reference_sha(
            invariants.GeminiProvider("x"), blobs.get(book.cover_image), "cover"
        )
        fake.image_log.append((time.time() + 60, cover, photo, 200))  # a's cover drawn again
        problems = real(store, blobs, book, items, fake, written, database)
        found.append(problems)
        return problems

    monkeypatch.setattr("app.proving.chaos.check_invariants", plant)
    plan = ChaosPlan(
        books=4, workers=2, seconds=None, kill_every=60, faults=Faults(0, 0, 0, 0, seed=1)
    )
    assert run_chaos(plan, tmp_path) == 1
    [problems] = found
    text = "\n".join(problems)
    assert "stuck in processing" in text
    assert "2 in-app notifications (want 1)" in text
    assert "chaos-99 wrote (stage) while" in text
    assert "the published PDF does not open" in text
    assert "cover.jpg asked of the model again after its checkpoint existed" in text
    assert "1 in-app notifications (want 0)" in text  # the stuck one had been notified
    assert len(problems) == 6  # and nothing else: no false alarm on the untouched items
