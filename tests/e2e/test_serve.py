"""`pressroom serve` as a process: SIGTERM mid-job releases the book, and another worker
resumes it from its checkpoints."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.domain import Stage, Status
from app.events import EventBus
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini
from app.runtime import build_services
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_mid_job_hands_the_book_to_another_worker(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    services = build_services(settings, EventBus())
    book = save_small_book(services, pages=4)
    item = order_book(services, book)
    port = free_port()
    with FakeGemini() as fake:
        fake.delay = 0.4
        env = {
            **os.environ,
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "GOOGLE_AI_API_KEY": fakes.VALID_KEY,
            "GEMINI_BASE_URL": fake.url,
            "PRESSROOM_API_TOKEN": "t0ken-for-tests",
            "POLL_INTERVAL": "200",
            "PRESSROOM_PAGES_AT_ONCE": "1",
            "PRESSROOM_TARGET_DPI": "60",
            "PRESSROOM_MIN_DPI": "50",
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "serve",
                "--data-dir",
                str(settings.data_dir),
                "--port",
                str(port),
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                current = services.store.get_item(item.id)
                if current.stage is Stage.PAGES and current.progress_done >= 1:
                    break
                assert worker.poll() is None, worker.communicate()[1]
                assert time.monotonic() < deadline, "the worker never reached the pages"
                time.sleep(0.1)
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
            assert health == {"status": "ok", "isRunning": True}
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == 0, err
    assert "released for another worker" in out
    released = services.store.get_item(item.id)
    assert (released.pressroom_status, released.claimed_by, released.attempts) == (
        Status.PENDING,
        None,
        0,
    )

    other = ScriptedProvider()
    services.provider = other
    # The fake model's pages carry a plain disc for a face, which the offline judge rightly
    # does not take for the child: this test is about resuming, so the gate stays out.
    services.settings = services.settings.model_copy(update={"quality_gate": False})
    asyncio.run(Monitor(services, worker_id="second").run_until_idle({item.id}, timeout=60))
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.COMPLETED, done.last_error
    assert other.calls["cover"] == 0 and other.calls["page 1"] == 0  # resumed, not redone
    assert other.page_calls < 4


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_API_TOKEN"}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--data-dir", str(tmp_path / "d")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("pressroom: set PRESSROOM_API_TOKEN")
