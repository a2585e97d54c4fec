"""Erasure on both stores (app/privacy/erasure.py, migrations/0015): a customer's files and
personal columns go and the other customers keep theirs; a dry run changes nothing; an
item a worker holds refuses the whole erasure; a crash mid-erase resumes; and after a real
book, no file of the data folder (the SQLite file and its WAL included) holds a name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.domain import Claim, PressroomError, Status
from app.privacy.erasure import erase, plan_erasure, resume
from tests.integration.conftest import Backend
from tests.integration.test_childrens_data import settled_with_files

CHILD, CUSTOMER, EMAIL = "Zephyrina", "Quillon Marsh", "quillon.marsh@example.org"


def _with_personal_rows(backend: Backend, item_id: str, customer: str) -> None:
    """What a delivered item leaves besides files: a quality report and provenance that
    quote the child, an operator's note, a delivery, a device token."""
    store = backend.store
    store.save_quality(item_id, f"{CHILD} reads back", True, {"name": CHILD})
    store.save_provenance(item_id, {"prompt": f"draw {CHILD}"})
    store.save_print_files(item_id, {"interior": "u"})
    store.add_device_token(customer, f"token-{customer}")


def _delivered(backend: Backend, customer: str, photo: str) -> str:
    item_id = settled_with_files(backend, photo, customer)
    _with_personal_rows(backend, item_id, customer)
    return item_id


def test_erasing_a_customer_leaves_a_record_and_the_other_customers_untouched(
    backend: Backend,
) -> None:
    store, blobs = backend.store, backend.blobs
    mine = _delivered(backend, "cust-1", "photos/cust-1/a.jpg")
    theirs = _delivered(backend, "cust-2", "photos/cust-2/b.jpg")
    blobs.put("photos/cust-1/never-ordered.jpg", b"a photo the app uploaded", "image/jpeg")
    before = {k: blobs.get(k) for k in blobs.list("") if "cust-2" in k or theirs in k}

    plan = plan_erasure(store, blobs, customer_id="cust-1")
    assert plan.files["photo"] == ["photos/cust-1/a.jpg", "photos/cust-1/never-ordered.jpg"]
    assert len(plan.files["book"]) == 4 and len(plan.files["work"]) == 3
    record = erase(store, blobs, plan, actor="dpo")

    assert [k for k in blobs.list("") if "cust-1" in k or mine in k] == []
    item = store.get_item(mine)
    assert item.personalization.erased_at and item.personalization.child_name == ""
    assert item.personalization.photo is None and item.pdf_url is None
    assert store.get_quality(mine) is None and store.get_provenance(mine) is None
    assert store.print_files(mine) == {} and store.list_notifications("cust-1") == []
    assert store.device_tokens("cust-1") == []
    assert [h["action"] for h in store.history(mine)][-1] == "erased"
    assert record.finished_at is not None and record.actor == "dpo"
    assert record.counts["photo"] == 2 and record.counts["items"] == 1
    assert store.erasures() == [record] and store.erasures(unfinished=True) == []
    # the other customer: every file and row as it was
    assert {k: blobs.get(k) for k in blobs.list("") if "cust-2" in k or theirs in k} == before
    assert store.get_item(theirs).personalization.child_name == "Ada"
    assert store.get_quality(theirs) == {"name": CHILD}
    assert store.device_tokens("cust-2") == ["token-cust-2"]
    assert len(store.list_notifications("cust-2")) == 1


def test_a_dry_run_says_what_would_go_and_changes_nothing(backend: Backend) -> None:
    store, blobs = backend.store, backend.blobs
    mine = _delivered(backend, "cust-1", "photos/cust-1/a.jpg")
    keys = blobs.list("")
    lines = plan_erasure(store, blobs, item_id=mine).lines()
    assert lines[0].startswith("1 order item(s) (1 delivered)") and "1 photo file(s)" in lines
    assert blobs.list("") == keys and store.get_item(mine).personalization.child_name == "Ada"
    assert store.erasures() == []


def test_an_item_a_worker_holds_refuses_the_erasure_and_one_not_made_is_stopped(
    backend: Backend,
) -> None:
    store, blobs = backend.store, backend.blobs
    photo = "photos/cust-1/a.jpg"
    done = settled_with_files(backend, photo)
    who = store.get_item(done).personalization
    _, [held_item, waiting_item] = store.place_order(
        "cust-1", [("b1", who), ("b1", who)], paid=True
    )
    held, waiting = held_item.id, waiting_item.id
    store.claim("w1", 1, 60)
    with pytest.raises(PressroomError, match="being made right now"):
        erase(store, blobs, plan_erasure(store, blobs, customer_id="cust-1"), actor="dpo")
    assert blobs.exists(photo) and store.erasures() == []
    assert store.get_item(waiting).pressroom_status is Status.PENDING

    item = store.get_item(held)
    store.transition(held, Status.PROCESSING, Status.FAILED, claim=Claim(held, "w1", item.attempts))
    erase(store, blobs, plan_erasure(store, blobs, customer_id="cust-1"), actor="dpo")
    stopped = store.get_item(waiting)
    assert stopped.pressroom_status is Status.FAILED and stopped.personalization.erased_at
    assert store.claim("w2", 5, 60) == [] and not blobs.exists(photo)


class _CrashingBlobs:
    """The backend's blob store, until `crash_after` deletions have run."""

    def __init__(self, blobs: Any, crash_after: int) -> None:
        self.blobs, self.left = blobs, crash_after

    def delete_prefix(self, prefix: str) -> int:
        if self.left == 0:
            raise OSError("the power went out")
        self.left -= 1
        return int(self.blobs.delete_prefix(prefix))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.blobs, name)


def test_a_crash_mid_erase_resumes_where_it_stopped(backend: Backend) -> None:
    store, blobs = backend.store, backend.blobs
    mine = _delivered(backend, "cust-1", "photos/cust-1/a.jpg")
    plan = plan_erasure(store, blobs, customer_id="cust-1")
    with pytest.raises(OSError, match="power"):
        erase(store, _CrashingBlobs(blobs, crash_after=2), plan, actor="dpo")  # type: ignore[arg-type]
    [unfinished] = store.erasures(unfinished=True)
    assert unfinished.item_ids == (mine,) and unfinished.finished_at is None
    assert store.get_item(mine).personalization.child_name == "Ada"  # rows go last

    [finished] = resume(store, blobs)
    assert finished.id == unfinished.id and finished.finished_at is not None
    assert [k for k in blobs.list("") if "cust-1" in k or mine in k] == []
    assert store.get_item(mine).personalization.erased_at
    assert store.erasures(unfinished=True) == [] and resume(store, blobs) == []


def test_after_a_real_book_and_its_erasure_no_file_of_the_data_folder_holds_a_name(
    tmp_path: Path,
) -> None:
    import asyncio

    from app.catalog import demo_photo
    from app.domain import Personalization
    from app.events import EventBus
    from app.orders.place import upload_photo
    from app.runtime import build_services
    from app.worker.monitor import Monitor
    from tests.conftest import make_settings, save_small_book

    settings = make_settings(tmp_path)
    services = build_services(settings, EventBus())
    store, blobs = services.store, services.blobs
    book = save_small_book(services, pages=1)
    key = upload_photo(blobs, "cust-9", demo_photo("child-ada.jpg"))
    who = Personalization(CHILD, 5, "girl", key)
    orders = [
        store.place_order(
            "cust-9", [(book.id, who)], paid=True, customer_name=CUSTOMER, customer_email=EMAIL
        )[1][0]
        for _ in range(2)
    ]
    asyncio.run(Monitor(services).run_until_idle({i.id for i in orders}, timeout=120))
    assert {store.get_item(i.id).pressroom_status for i in orders} == {Status.COMPLETED}
    store.add_device_token("cust-9", "token-9")

    erase(store, blobs, plan_erasure(store, blobs, customer_id="cust-9"), actor="dpo")
    store.close()
    names = [n.encode() for n in (CHILD, CUSTOMER, EMAIL)] + [CHILD.encode("utf-16-le")]
    holders = [
        p.relative_to(settings.data_dir).as_posix()
        for p in settings.data_dir.rglob("*")
        if p.is_file() and any(n in p.read_bytes() for n in names)
    ]
    assert holders == []


def _every_row(backend: Backend) -> str:
    """Every row of every table of the store, as text."""
    if backend.fake is None:
        import sqlite3

        path = backend.settings.data_dir / "pressroom.sqlite3"
        with sqlite3.connect(path) as db:
            tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
            return "\n".join(str(row) for t in tables for row in db.execute(f"select * from {t}"))
    import psycopg

    with psycopg.connect(backend.fake.database_url) as conn:
        tables = conn.execute(
            "select tablename from pg_tables where schemaname = 'public'"
        ).fetchall()
        return "\n".join(
            str(row[0])
            for (t,) in tables
            for row in conn.execute(f"select row_to_json(x)::text from public.{t} x")
        )


def test_no_row_of_any_table_keeps_a_name_or_an_address(backend: Backend) -> None:
    from app.domain import Book, Page, Personalization

    store, blobs = backend.store, backend.blobs
    store.save_book(Book("b1", "Leo Sails", "", "", "Leo", "c.jpg", (Page(1, "p.jpg", "Leo"),)))
    blobs.put("photos/cust-5/z.jpg", b"a face", "image/jpeg")
    who = Personalization(CHILD, 5, "girl", "photos/cust-5/z.jpg")
    _, [made, rejected] = store.place_order(
        "cust-5",
        [("b1", who), ("b1", who)],
        paid=True,
        customer_name=CUSTOMER,
        customer_email=EMAIL,
    )
    store.enable_channels(["email"])
    first, second = store.claim("w0", 2, 60)
    claim = Claim(first.id, "w0", first.attempts)
    store.transition(first.id, Status.PROCESSING, Status.PUBLISHING, claim=claim)
    store.complete(claim, pdf_url="u", cover_image_url="u", notification_body=f"{CHILD}'s book")
    store.transition(
        second.id,
        Status.PROCESSING,
        Status.AWAITING_REVIEW,
        claim=Claim(second.id, "w0", second.attempts),
        changes={"last_error": f"{CHILD} is not lettered"},
    )
    store.transition(
        second.id, Status.AWAITING_REVIEW, Status.FAILED, actor="jo", note=f"{CHILD}'s hair"
    )
    for item_id in (made.id, rejected.id):
        _with_personal_rows(backend, item_id, "cust-5")
    assert CHILD in _every_row(backend) and EMAIL in _every_row(backend)

    erase(store, blobs, plan_erasure(store, blobs, customer_id="cust-5"), actor="dpo")
    rows = _every_row(backend)
    assert [n for n in (CHILD, CUSTOMER, EMAIL) if n in rows] == []
    assert "photos/cust-5" not in rows
