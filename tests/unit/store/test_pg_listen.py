"""The change listener's bookkeeping without a database: a loss is said once however many
reconnections fail, its end once, callbacks follow, and no password reaches the text."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from app.store import pg_listen
from app.store.pg_listen import RESYNC, ChangeListener

PASSWORD = "pw-Listen-7Qx2"
URL = f"postgresql://worker:{PASSWORD}@db.example:5432/postgres"


class FakeConnection:
    """Yields `notes`, then breaks with `breaks` (or waits quietly when None)."""

    def __init__(self, pid: int, notes: list[tuple[str, str]], breaks: str | None) -> None:
        self.info = type("Info", (), {"backend_pid": pid})()
        self.notes, self.breaks = list(notes), breaks
        self.listened: list[str] = []

    def __enter__(self) -> FakeConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, query: Any) -> None:
        self.listened.append(query.as_string(None) if hasattr(query, "as_string") else query)

    def notifies(self, timeout: float) -> Iterator[Any]:
        while self.notes:
            channel, payload = self.notes.pop(0)
            yield type("Notify", (), {"channel": channel, "payload": payload})()
        if self.breaks is not None:
            raise psycopg.OperationalError(self.breaks)
        time.sleep(timeout)


def scripted(steps: list[FakeConnection | str]) -> Callable[[str], FakeConnection]:
    """A connect function that, call by call, fails with a message or hands a connection."""

    def connect(url: str) -> FakeConnection:
        step = steps.pop(0) if steps else FakeConnection(99, [], None)
        if isinstance(step, str):
            raise psycopg.OperationalError(step)
        return step

    return connect


@pytest.fixture(autouse=True)
def quick_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_listen, "RECONNECT_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(pg_listen, "RECONNECT_MAX_SECONDS", 0.02)
    monkeypatch.setattr(pg_listen, "RECONNECT_JITTER_SECONDS", 0.0)
    monkeypatch.setattr(pg_listen, "STOP_CHECK_SECONDS", 0.02)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_losses_are_said_once_each_and_so_is_their_end(monkeypatch: pytest.MonkeyPatch) -> None:
    first = FakeConnection(1, [("pressroom_claimable", "item-1")], "terminating connection")
    second = FakeConnection(2, [("pressroom_claimable", "item-2")], None)
    monkeypatch.setattr(
        pg_listen,
        "_connect",
        scripted(
            [
                f"password authentication failed ({PASSWORD})",
                "connection refused",
                first,
                *["the server is starting up"] * 5,
                second,
            ]
        ),
    )
    said: list[tuple[int, str]] = []
    changes: list[tuple[str, str]] = []
    live: list[bool] = []
    lock = threading.Lock()

    def change(channel: str, payload: str) -> None:
        with lock:
            changes.append((channel, payload))

    listener = ChangeListener(
        URL,
        ["pressroom_claimable"],
        change,
        fallback="polling every 10 s",
        say=lambda level, text: said.append((level, text)),
        on_live=live.append,
    ).start()
    try:
        wait_until(lambda: ("pressroom_claimable", "item-2") in changes)
        assert listener.listening and listener.backend_pid == 2
    finally:
        listener.stop()
    assert said == [
        (
            logging.WARNING,
            "cannot get the database's change notifications (password authentication failed "
            "(***)); polling every 10 s until they are back",
        ),
        (logging.INFO, "the database's change notifications are back"),
        (
            logging.WARNING,
            "lost the database's change notifications (terminating connection); "
            "polling every 10 s until they are back",
        ),
        (logging.INFO, "the database's change notifications are back"),
    ]
    assert live == [False, True, False, True]
    assert changes == [
        (RESYNC, ""),
        ("pressroom_claimable", "item-1"),
        (RESYNC, ""),
        ("pressroom_claimable", "item-2"),
    ]
    assert first.listened == ['LISTEN "pressroom_claimable"']
    assert not listener.listening


def test_stop_ends_the_thread_even_while_reconnecting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_listen, "RECONNECT_FIRST_SECONDS", 60.0)
    monkeypatch.setattr(pg_listen, "RECONNECT_MAX_SECONDS", 60.0)
    monkeypatch.setattr(pg_listen, "_connect", scripted(["down", "down"]))
    said: list[tuple[int, str]] = []
    listener = ChangeListener(
        URL, ["x"], lambda c, p: None, fallback="polling", say=lambda *a: said.append(a)
    ).start()
    wait_until(lambda: bool(said))
    started = time.monotonic()
    listener.stop()
    assert time.monotonic() - started < 2.0
    assert not listener._thread.is_alive()
    assert len(said) == 1


def test_a_failing_callback_does_not_end_the_listening(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    notes = [("pressroom_items", "a"), ("pressroom_items", "b")]
    monkeypatch.setattr(pg_listen, "_connect", scripted([FakeConnection(5, notes, None)]))
    seen: list[str] = []

    def change(channel: str, payload: str) -> None:
        seen.append(payload)
        if payload == "a":
            raise RuntimeError("the window is gone")

    listener = ChangeListener(URL, ["pressroom_items"], change, fallback="polling").start()
    try:
        wait_until(lambda: "b" in seen)
    finally:
        listener.stop()
    assert seen == ["", "a", "b"]
    assert "a change listener's callback failed" in caplog.text
