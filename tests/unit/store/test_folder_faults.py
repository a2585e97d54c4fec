"""A folder that cannot be written — permission, read-only disk, full disk — gives a
sentence naming the folder and what to do, is transient (retried), and leaves the
previous file whole: writes are atomic. Faults are injected at the system call, since the
tests may run as root (whom permissions do not stop)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from app.domain import TransientError
from app.store.folder import FolderBlobStore


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (
            errno.EACCES,
            "Permission denied): Pressroom's user may not write there: give it write access",
        ),
        (errno.EROFS, "Read-only file system): the folder is on a read-only disk"),
        (errno.ENOSPC, "No space left on device): the disk is full: free some space"),
    ],
)
def test_a_failed_write_names_the_folder_and_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, said: str
) -> None:
    blobs = FolderBlobStore(tmp_path / "blobs")
    blobs.put("work/item/page-01.jpg", b"the page as it was")

    def fail(src: object, dst: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(TransientError) as caught:
        blobs.put("work/item/page-01.jpg", b"half a new page")
    message = str(caught.value)
    assert message.startswith(f"cannot write to {tmp_path / 'blobs' / 'work' / 'item'} (")
    assert said in message and message.endswith("; Pressroom retries")
    monkeypatch.undo()
    assert blobs.get("work/item/page-01.jpg") == b"the page as it was"
    assert blobs.list("work/item") == ["work/item/page-01.jpg"]  # no temp file left behind
    assert not [
        p for p in (tmp_path / "blobs" / "work" / "item").iterdir() if p.name.endswith(".tmp")
    ]


def test_a_book_whose_pdf_cannot_be_written_is_retried_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from app.domain import Claim, Status
    from app.events import EventBus
    from app.pipeline import checkpoints as ck
    from app.runtime import build_services
    from app.store import folder
    from app.worker.monitor import Monitor
    from tests.conftest import make_settings, order_book, save_small_book
    from tests.fakes.provider import ScriptedProvider

    services = build_services(make_settings(tmp_path), EventBus())
    services.provider = ScriptedProvider()
    book = save_small_book(services, pages=2)
    item = order_book(services, book)
    real_replace = os.replace

    def full_disk_for_pdfs(src: str, dst: str) -> None:
        if str(dst).endswith(".pdf"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(src, dst)

    monkeypatch.setattr(folder.os, "replace", full_disk_for_pdfs)
    monitor = Monitor(services, "w")
    [claimed] = services.store.claim("w", 1, 60)
    asyncio.run(monitor._guarded(claimed, Claim(item.id, "w", claimed.attempts)))
    waiting = services.store.get_item(item.id)
    assert waiting.pressroom_status is Status.PENDING  # to be retried, not failed
    assert (
        waiting.last_error is not None and "the disk is full: free some space" in waiting.last_error
    )
    checkpoints = ck.Checkpoints(services.blobs, item.id)
    assert checkpoints.has(ck.page_name(1)) and checkpoints.has(ck.page_name(2))  # kept
    services.store.close()


def test_a_read_only_store_still_answers_what_only_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file system refuses every write (simulated: each connection opened read-only,
    which is what SQLite meets on a read-only folder): status works, a change says why not."""
    import sqlite3

    from app.cli.main import main
    from app.domain import PressroomError
    from app.store import embedded
    from app.store.embedded import EmbeddedOrderStore

    data = tmp_path / "data"
    store = EmbeddedOrderStore(data / "pressroom.sqlite3")
    store.close()
    real_connect = sqlite3.connect

    def read_only(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if kwargs.get("uri"):
            return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]
        uri = f"{Path(str(database)).resolve().as_uri()}?mode=ro"
        return real_connect(uri, *args, **{**kwargs, "uri": True})  # type: ignore[arg-type]

    monkeypatch.setattr(embedded.sqlite3, "connect", read_only)
    frozen = EmbeddedOrderStore(data / "pressroom.sqlite3")
    assert frozen.read_only and frozen.list_items() == []
    with pytest.raises(PressroomError, match=r"is read-only here, so nothing can be changed"):
        frozen.set_payment_status("x", "paid")
    assert main(["status", "--data-dir", str(data)]) == 0
