"""A throwaway PostgreSQL for tests: the server CI starts (PRESSROOM_TEST_DATABASE_URL), or
one started here from Debian's postgresql binaries. Each test gets a fresh database with
the migrations applied.

Tests that need it skip with a loud reason when no PostgreSQL can be had; with
PRESSROOM_REQUIRE_POSTGRES=1 (CI) they fail instead, so CI cannot pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from app.store.migrate import apply_migrations


def _pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """initdb + pg_ctl start in a temp dir on a free port (as `postgres` when root)."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        raise RuntimeError("Debian's postgresql is not installed (no /usr/lib/postgresql/*/bin)")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="pressroom-pg-"))
    data = root / "data"
    if as_postgres:
        shutil.chown(root, "postgres")
    port = _free_port()
    run = lambda *args: subprocess.run([*as_postgres, *args], check=True, capture_output=True)  # noqa: E731
    try:
        run(
            str(pg_bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        run(
            str(pg_bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-w",
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        )
        _reap_when_gone(os.getpid(), [*as_postgres, str(pg_bin / "pg_ctl")], data, root)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _reap_when_gone(pid: int, pg_ctl: list[str], data: Path, root: Path) -> None:
    """A watcher in its own session that stops the cluster and removes its folder once
    this process is gone, however it ended (a segfault or SIGKILL runs no `finally`)."""
    stop = " ".join([*pg_ctl, "-D", str(data), "-m", "fast", "stop"])
    script = (
        f"while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {root}"
    )
    # sh starts the watcher in the background and returns at once: nothing of ours to wait
    # for later (a Popen left running warns when it is collected)
    subprocess.run(
        ["sh", "-c", f"({script}) >/dev/null 2>&1 </dev/null &"],
        start_new_session=True,
        check=True,
    )


@contextmanager
def postgres_server() -> Iterator[str]:
    url = os.environ.get("PRESSROOM_TEST_DATABASE_URL")
    if url:
        yield url
        return
    try:
        with throwaway_cluster() as started:
            yield started
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        reason = f"PostgreSQL is not available here ({exc} {detail.decode(errors='replace')})"
        if os.environ.get("PRESSROOM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}; CI requires it", pytrace=False)
        pytest.skip(f"SKIPPED LOUDLY: {reason}; these tests run in CI")


def with_database(server_url: str, name: str) -> str:
    base = server_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


@contextmanager
def fresh_database(server_url: str, migrate: bool = True) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = with_database(server_url, name)
    try:
        if migrate:
            apply_migrations(url)
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')
