"""Instant pickup on Supabase: LISTEN for what migrations/0014 notifies (an item became
claimable; an item the console shows changed) and call back at once.

A thread of its own holding one plain psycopg connection (psycopg's asyncio connection
refuses Windows' default Proactor loop), so the monitor, on any loop, and the console, on
Qt, use it alike; callbacks run on that thread. Polling stays the fallback: a lost
connection is said once, retried with backoff, and its return said once. After every
(re)connection the owner gets a RESYNC call, since what was notified meanwhile is gone.
Supabase's transaction pooler (port 6543) does not carry notifications: use the direct
connection string or the session pooler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql
from tenacity import RetryCallState, Retrying, wait_exponential_jitter

from app.redact import redact, register, secrets_in_url

log = logging.getLogger(__name__)

CLAIMABLE = "pressroom_claimable"
ITEMS = "pressroom_items"
RESYNC = ""  # the channel of the call made after each (re)connection
APPLICATION_NAME = "pressroom-listen"
STOP_CHECK_SECONDS = 0.5
HEALTH_CHECK_SECONDS = 30.0  # a link that died without closing is found by a query
RECONNECT_FIRST_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 30.0
RECONNECT_JITTER_SECONDS = 0.5  # many workers do not all knock at the same instant

OnChange = Callable[[str, str], None]  # (channel, payload)
Say = Callable[[int, str], None]  # (logging level, text)


def _connect(database_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(
        database_url,
        autocommit=True,
        connect_timeout=10,
        application_name=APPLICATION_NAME,
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )


def _log(level: int, text: str) -> None:
    log.log(level, "%s", redact(text))


def _why(exc: BaseException | None) -> str:
    lines = str(exc).strip().splitlines() if exc is not None else []
    return redact(lines[0].strip() if lines else type(exc).__name__)


class ChangeListener:
    """LISTEN on `channels` until stop(); `fallback` ends the loss's sentence ("polling
    every 10 s")."""

    def __init__(
        self,
        database_url: str,
        channels: Sequence[str],
        on_change: OnChange,
        *,
        fallback: str,
        say: Say = _log,
        on_live: Callable[[bool], None] | None = None,
    ) -> None:
        register(secrets_in_url(database_url))
        self.database_url = database_url
        self.channels = tuple(channels)
        self.on_change = on_change
        self.on_live = on_live
        self.fallback = fallback
        self.say = say
        self.listening = False
        self.backend_pid: int | None = None
        self._was_up = False
        self._down = False  # the loss was said; its end will be too
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=APPLICATION_NAME, daemon=True)

    def start(self) -> ChangeListener:
        self._thread.start()
        return self

    def stop(self, wait: bool = True) -> None:
        """Stop listening; the connection closes within STOP_CHECK_SECONDS (waited for
        unless `wait` is false)."""
        self._stop.set()
        if wait and self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(STOP_CHECK_SECONDS + 5)

    # -- the listening thread ------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            conn = self._reconnect()
            if conn is None:
                break
            try:
                with conn:
                    self._up(conn)
                    self._listen(conn)
            except Exception as exc:  # psycopg's errors, and whatever else ends the link
                self._lost(exc)
        self.listening = False

    def _reconnect(self) -> psycopg.Connection[Any] | None:
        """Connect at once, then with growing, jittered pauses; None once stopped."""
        retrying = Retrying(
            wait=wait_exponential_jitter(
                initial=RECONNECT_FIRST_SECONDS,
                max=RECONNECT_MAX_SECONDS,
                jitter=RECONNECT_JITTER_SECONDS,
            ),
            stop=lambda _: self._stop.is_set(),  # the only way out but success
            sleep=self._pause,
            before_sleep=self._failed_attempt,
            reraise=True,
        )
        with contextlib.suppress(Exception):
            for attempt in retrying:
                with attempt:
                    return _connect(self.database_url)
        return None

    def _pause(self, seconds: float) -> None:
        self._stop.wait(seconds)  # a stop cuts the pause short

    def _failed_attempt(self, state: RetryCallState) -> None:
        self._lost(state.outcome.exception() if state.outcome else None)

    def _up(self, conn: psycopg.Connection[Any]) -> None:
        for channel in self.channels:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self.backend_pid = conn.info.backend_pid
        self.listening = True
        if self._down:
            self._down = False
            self.say(logging.INFO, "the database's change notifications are back")
        else:
            log.debug("listening on %s", ", ".join(self.channels))
        self._was_up = True
        self._call(self.on_live, True)
        self._deliver(RESYNC, "")

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        checked = time.monotonic()
        while not self._stop.is_set():
            for note in conn.notifies(timeout=STOP_CHECK_SECONDS):
                self._deliver(note.channel, note.payload)
            if time.monotonic() - checked >= HEALTH_CHECK_SECONDS:
                conn.execute("select 1")
                checked = time.monotonic()

    def _lost(self, exc: BaseException | None) -> None:
        self.listening = False
        self.backend_pid = None
        if self._down or self._stop.is_set():
            return
        self._down = True
        verb = "lost" if self._was_up else "cannot get"
        self.say(
            logging.WARNING,
            f"{verb} the database's change notifications ({_why(exc)}); "
            f"{self.fallback} until they are back",
        )
        self._call(self.on_live, False)

    def _deliver(self, channel: str, payload: str) -> None:
        self._call(self.on_change, channel, payload)

    def _call(self, fn: Callable[..., None] | None, *args: Any) -> None:
        if fn is None or self._stop.is_set():
            return
        try:
            fn(*args)
        except Exception:
            log.exception("a change listener's callback failed")


def start_listening(
    database_url: str | None,
    store: object,
    channels: Sequence[str],
    on_change: OnChange,
    *,
    fallback: str,
    say: Say = _log,
    on_live: Callable[[bool], None] | None = None,
) -> ChangeListener | None:
    """A running listener when orders live in Supabase and its database's connection string
    is set (PostgREST alone carries no notifications); None otherwise: polling only."""
    from app.store.supabase import SupabaseOrderStore

    if not database_url or not isinstance(store, SupabaseOrderStore):
        return None
    listener = ChangeListener(
        database_url, channels, on_change, fallback=fallback, say=say, on_live=on_live
    )
    return listener.start()


def on_loop(loop: asyncio.AbstractEventLoop, fn: Callable[..., object]) -> Callable[..., None]:
    """`fn` for the listener's callbacks: run on `loop`'s thread (not at all once the loop
    has closed)."""

    def call(*args: Any) -> None:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(fn, *args)

    return call
