"""The embedded store's SQLite file: made private (0600, and the WAL files SQLite derives
from it), its schema created through the store's `_create_schema`, a connection per
thread in WAL mode, write transactions that serialize writers across processes (BEGIN
IMMEDIATE, after at most `busy_seconds`), and a read-only mode for a data folder nobody
may write (what only reads still works; every change says why it cannot be made)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.domain import PressroomError, TransientError
from app.store.embedded_faults import sqlite_fault

WAL_FILES = ("-wal", "-shm", "-journal")


class SqliteFile:
    """The connection half of EmbeddedOrderStore; the store adds `_create_schema`."""

    busy_seconds = 30.0  # how long a write waits for another process's lock

    def __init__(self, path: Path, clock: Any = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._local = threading.local()
        self._marker_conn: sqlite3.Connection | None = None
        self._marker_lock = threading.Lock()
        self.read_only = False
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)  # customers' names and e-mails: private
            for made in (self.path, *(self.path.with_name(self.path.name + x) for x in WAL_FILES)):
                with contextlib.suppress(FileNotFoundError):  # SQLite copies the db's mode
                    if made.stat().st_mode & 0o077:  # into its -wal and -shm files
                        made.chmod(0o600)
            self._create_schema()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and self.path.is_file():
                self._read_only_or_fault(exc)
                return
            raise sqlite_fault(exc, self.path) from None
        except OSError as exc:
            if not self.path.is_file():
                raise PressroomError(
                    f"cannot create the store in {self.path.parent} ({exc}): "
                    "make the data folder writable, or choose another (PRESSROOM_DATA_DIR)"
                ) from None
            # a read-only data folder: what only reads (status, check, the console's
            # table) still works; every change says why it cannot be made
            self.close()
            self.read_only = True

    def _read_only_or_fault(self, exc: sqlite3.OperationalError) -> None:
        """A schema that cannot be written: a read-only folder (reads still work), or a
        fault said as one (locked, full)."""
        fault = sqlite_fault(exc, self.path)
        if isinstance(fault, TransientError):
            raise fault from None
        self.close()
        self.read_only = True

    # -- connections -------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None and self.read_only:
            conn = self._read_only_conn()
            self._local.conn = conn
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.busy_seconds, isolation_level=None)
            conn.row_factory = sqlite3.Row
            # Switching to WAL needs a lock the busy timeout does not wait for; once the
            # file is in WAL (it stays so), other processes only read the mode.
            if conn.execute("pragma journal_mode").fetchone()[0] != "wal":
                self._set_wal(conn)
            conn.execute("pragma synchronous=normal")
            conn.execute("pragma foreign_keys=on")
            conn.execute("pragma secure_delete=on")  # freed pages are zeroed (erasure)
            self._local.conn = conn
        return conn

    def _read_only_conn(self) -> sqlite3.Connection:
        """A connection that only reads. In a folder nobody may write, SQLite cannot make
        the WAL's shared-memory file that `mode=ro` needs; nobody can be writing the file
        there either, so it is then opened as immutable."""
        base = f"{self.path.resolve().as_uri()}?mode=ro"
        for uri in (base, base + "&immutable=1"):
            conn = sqlite3.connect(uri, uri=True, timeout=self.busy_seconds, isolation_level=None)
            try:
                conn.execute("select count(*) from sqlite_master").fetchone()
            except sqlite3.OperationalError:
                conn.close()
                continue
            conn.row_factory = sqlite3.Row
            return conn
        raise sqlite3.OperationalError("unable to open database file (read-only)")

    @staticmethod
    def _set_wal(conn: sqlite3.Connection) -> None:
        for attempt in range(50):
            try:
                conn.execute("pragma journal_mode=wal")
                return
            except sqlite3.OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.1)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self.read_only:
            raise PressroomError(
                f"the data folder {self.path.parent} is read-only here, so nothing can be "
                "changed: make it writable (commands that only read still work)"
            )
        db = self._conn()
        db.execute("begin immediate")
        try:
            yield db
        except BaseException:
            db.execute("rollback")
            raise
        else:
            db.execute("commit")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._marker_conn is not None:
            self._marker_conn.close()
            self._marker_conn = None

    def change_marker(self) -> object | None:
        with self._marker_lock:
            if self._marker_conn is None:
                self._marker_conn = sqlite3.connect(
                    self.path, timeout=30.0, isolation_level=None, check_same_thread=False
                )
            return self._marker_conn.execute("pragma data_version").fetchone()[0]

    def _create_schema(self) -> None:
        raise NotImplementedError
