"""The embedded store's own faults as sentences, like the folder store's: a database locked
by another program, a damaged file, a full disk, a data folder that is a file. Never a bare
sqlite3 error ("unexpected error")."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest

from app.cli.main import main
from app.domain import BadInput, Personalization, PressroomError, TransientError
from app.runtime import build_services
from app.store.embedded import EmbeddedOrderStore
from app.store.embedded_faults import sqlite_fault
from tests.conftest import make_settings


def place(store: EmbeddedOrderStore) -> None:
    store.place_order(str(uuid.uuid4()), [("moon-boat", Personalization("Ada", 5, "girl"))])


def test_a_store_locked_by_another_program_is_said_and_retried(tmp_path: Path) -> None:
    store = EmbeddedOrderStore(tmp_path / "pressroom.sqlite3")
    store.busy_seconds = 0.2
    store.close()  # the next connection waits busy_seconds
    other = sqlite3.connect(tmp_path / "pressroom.sqlite3", isolation_level=None)
    other.execute("begin exclusive")
    try:
        with pytest.raises(
            TransientError, match=r"is locked by another program .*Pressroom retries"
        ):
            place(store)
    finally:
        other.execute("rollback")
        other.close()
    store.close()


def test_a_damaged_store_file_is_named_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "pressroom.sqlite3").write_bytes(os.urandom(50_000))
    with pytest.raises(
        PressroomError,
        match=r"pressroom\.sqlite3 is damaged \(file is not a database\): restore it",
    ):
        EmbeddedOrderStore(data / "pressroom.sqlite3")
    assert main(["status", "--data-dir", str(data)]) != 0
    err = capsys.readouterr().err
    assert "is damaged" in err and "unexpected error" not in err


def test_a_data_folder_that_is_a_file_is_said(tmp_path: Path) -> None:
    afile = tmp_path / "data"
    afile.write_text("not a folder")
    with pytest.raises(BadInput, match="is a file, not a folder"):
        build_services(make_settings(tmp_path, data_dir=afile))


@pytest.mark.parametrize(
    ("raised", "kind", "said"),
    [
        ("database or disk is full", TransientError, "is full: free some space; Pressroom retries"),
        ("database is locked", TransientError, "is locked by another program"),
        ("attempt to write a readonly database", PressroomError, "is read-only here"),
        ("database disk image is malformed", PressroomError, "is damaged"),
        ("unable to open database file", PressroomError, "cannot open the store"),
        ("something new", PressroomError, "failed (something new)"),
    ],
)
def test_every_sqlite_fault_becomes_a_sentence(raised: str, kind: type, said: str) -> None:
    fault = sqlite_fault(sqlite3.OperationalError(raised), Path("/data/pressroom.sqlite3"))
    assert type(fault) is kind and said in str(fault) and "/data" in str(fault)


def test_a_fault_inside_any_store_method_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedOrderStore(tmp_path / "pressroom.sqlite3")

    def full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(EmbeddedOrderStore, "_conn", full)
    for call in (store.list_items, lambda: place(store), lambda: store.deliveries("x")):
        with pytest.raises(TransientError, match="is full"):
            call()
