"""The `pressroom` command as a user runs it: in a subprocess, on a fresh data folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pymupdf
import pytest

from app.assets import demo_root
from app.catalog import demo_photo
from app.config import Settings
from app.domain import Status
from app.store.embedded import EmbeddedOrderStore


def pressroom(
    *args: str, cwd: Path, timeout: float = 240, **env: str
) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "GOOGLE_AI_API_KEY"}
    full_env = {**inherited, "XDG_STATE_HOME": str(cwd / "state"), **env}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_demo_makes_a_pdf_per_demo_book(tmp_path: Path) -> None:
    result = pressroom("demo", "--data-dir", str(tmp_path / "data"), "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "file://" in line]
    assert [line.split(":")[0] for line in lines] == [
        "moon-boat for Ada",
        "giant-garden for Kofi",
    ]
    for line in lines:
        pdf = Path(urlparse(line.split(": ", 1)[1]).path)
        with pymupdf.open(pdf) as doc:
            assert doc.page_count == 13
            child = line.split(" for ")[1].split(":")[0]
            assert doc.metadata["title"].startswith(child)
            assert child in doc[1].get_text()
    store = EmbeddedOrderStore(tmp_path / "data" / "pressroom.sqlite3")
    assert {i.pressroom_status for i in store.list_items()} == {Status.COMPLETED}


def test_cover_command_writes_a_personalized_cover(tmp_path: Path) -> None:
    cover = demo_root().joinpath("giant-garden", "cover.jpg")
    photo = tmp_path / "kid.jpg"
    photo.write_bytes(demo_photo("child-rosie.jpg"))
    out = tmp_path / "out.png"
    result = pressroom(
        "cover",
        "--cover",
        str(cover),
        "--photo",
        str(photo),
        "--name",
        "Rosie",
        "--age",
        "4",
        "--show-prompt",
        "-o",
        str(out),
        "--data-dir",
        str(tmp_path / "d"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "4-year-old child named Rosie, with red hair" in result.stdout


@pytest.mark.parametrize(
    ("photo_bytes", "message"),
    [
        (None, "kid.jpg: photo not found"),
        (b"", "kid.jpg: the file is empty (0 bytes)"),
        (b"plain text, no picture here", "kid.jpg: not an image (expected JPEG, PNG or WebP)"),
    ],
)
def test_cover_command_explains_bad_input_in_one_line(
    tmp_path: Path, photo_bytes: bytes | None, message: str
) -> None:
    photo = tmp_path / "kid.jpg"
    if photo_bytes is not None:
        photo.write_bytes(photo_bytes)
    cover = demo_root().joinpath("moon-boat", "cover.jpg")
    result = pressroom(
        "cover",
        "--cover",
        str(cover),
        "--photo",
        str(photo),
        "--name",
        "Ada",
        "-o",
        str(tmp_path / "o.jpg"),
        "--data-dir",
        str(tmp_path / "d"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"pressroom: {photo}{message[len('kid.jpg') :]}"]
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_setting_is_one_readable_line(tmp_path: Path) -> None:
    result = pressroom("status", cwd=tmp_path, POLL_INTERVAL="soon")
    assert result.returncode == 2
    assert result.stderr.startswith("pressroom: invalid settings:")
    assert "Traceback" not in result.stderr


def test_worker_processes_orders_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    data = tmp_path / "data"
    photo = tmp_path / "kid.jpg"
    photo.write_bytes(demo_photo("child-kofi.jpg"))
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "POLL_INTERVAL": "60000"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "app", "worker", "--data-dir", str(data)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        placed = pressroom(
            "order",
            "--book",
            "giant-garden",
            "--photo",
            str(photo),
            "--name",
            "Kofi",
            "--gender",
            "boy",
            "--data-dir",
            str(data),
            cwd=tmp_path,
        )
        assert placed.returncode == 0, placed.stderr
        item_id = placed.stdout.strip()
        store = EmbeddedOrderStore(data / "pressroom.sqlite3")
        deadline = time.monotonic() + 120
        while store.get_item(item_id).pressroom_status is not Status.COMPLETED:
            assert time.monotonic() < deadline, "the worker did not finish the book"
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert f"{item_id[:8]}  pages         done (12/12)" in out
    assert "monitor stopped" in out
    first = out.splitlines()[0]
    assert first == (
        f"Pressroom: orders from the embedded store {data / 'pressroom.sqlite3'}; images by the "
        f"offline template provider (no AI model); books published to {data / 'blobs'}"
    )


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"SUPABASE_URL": "https://shop.supabase.co"}, "SUPABASE_SERVICE_KEY is not"),
        ({"SUPABASE_SERVICE_KEY": "sb_secret_x"}, "SUPABASE_URL is not"),
        (
            {"SUPABASE_URL": "https://shop.supabase.co", "SUPABASE_SERVICE_KEY": "sb_secret_x"},
            "offline template provider",
        ),
    ],
)
@pytest.mark.parametrize("command", ["worker", "serve"])
def test_a_half_configured_shop_is_refused_not_run_on_a_fallback(
    tmp_path: Path, env: dict[str, str], sentence: str, command: str
) -> None:
    result = pressroom(
        command,
        "--data-dir",
        str(tmp_path / "data"),
        cwd=tmp_path,
        timeout=60,
        PRESSROOM_API_TOKEN="t" * 24,
        **env,
    )
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("pressroom: ") and sentence in line
    assert "sb_secret_x" not in result.stderr + result.stdout
    assert not (tmp_path / "data" / "pressroom.sqlite3").exists()  # no quiet local fallback


def test_secrets_stay_out_of_the_log(tmp_path: Path) -> None:
    key = "AIzaSyTESTKEY-never-log-me-123"
    result = pressroom(
        "-v", "status", "--data-dir", str(tmp_path / "d"), cwd=tmp_path, GOOGLE_AI_API_KEY=key
    )
    assert result.returncode == 0, result.stderr
    log_text = (tmp_path / "state" / "pressroom" / "log" / "pressroom.log").read_text()
    assert "using Gemini" in log_text
    assert key not in log_text and key not in result.stderr
    assert Settings(GOOGLE_AI_API_KEY=key).secrets() == [key]  # type: ignore[call-arg]


def test_without_a_display_the_console_explains_itself(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    result = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no display here" in result.stderr and "pressroom demo" in result.stderr


def test_headless_commands_never_load_qt(tmp_path: Path) -> None:
    code = (
        "import sys; from app.cli import main; "
        f"rc = main(['status', '--data-dir', {str(tmp_path / 'd')!r}]); "
        "assert rc == 0; assert not [m for m in sys.modules if m.startswith('PySide6')]"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
