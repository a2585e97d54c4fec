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
from tests.conftest import seed_demo_books


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
        (
            b"plain text, no picture here",
            "kid.jpg: not an image (expected JPEG, PNG, WebP or HEIC)",
        ),
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
    seed_demo_books(data)
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
        item_id = placed.stdout.strip().splitlines()[-1]
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
        "import sys; from app.cli.main import main; "
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


def _order(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    photo = tmp_path / "kid.jpg"
    if not photo.exists():
        photo.write_bytes(demo_photo("child-ada.jpg"))
    if not (tmp_path / "data").exists():
        seed_demo_books(tmp_path / "data")
    base = {"--book": "moon-boat", "--photo": str(photo), "--name": "Ada"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    flat = [part for pair in {**base, **given}.items() for part in pair]
    return pressroom("order", *flat, "--data-dir", str(tmp_path / "data"), cwd=tmp_path)


def _placed(tmp_path: Path) -> list[object]:
    db = tmp_path / "data" / "pressroom.sqlite3"
    return list(EmbeddedOrderStore(db).list_items()) if db.exists() else []


def _tiny_photo(tmp_path: Path) -> str:
    from PIL import Image

    path = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1)).save(path)
    return str(path)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--name", ""), "the child's name is empty"),
        (("--name", "    "), "the child's name is empty"),
        (
            ("--name", "a" * 5000),
            "the child's name is too long: at most 36 of its 5000 characters fit the text of "
            "page 5 of this book",
        ),
        (
            ("--name", "Ada🦄"),
            "the child's name has characters no shipped font can draw: 🦄 (U+1F984)",
        ),
        (("--age", "-5"), "age -5 is not a child's age (0 to 18)"),
        (("--age", "9"), "age 9 is outside this book's range (3-6 years)"),
        (
            ("--book", "no-such-book"),
            "book 'no-such-book' is not in the catalog (the catalog has giant-garden, moon-boat)",
        ),
        (("--customer", "../x"), "customer id '../x' cannot be used"),
        (("--photo", "TINY"), "tiny.png: the photo is 1×1 px, but at least 480 px"),
    ],
)
def test_order_refuses_bad_input_in_one_line_and_places_nothing(
    tmp_path: Path, args: tuple[str, str], line: str
) -> None:
    if args[1] == "TINY":
        args = (args[0], _tiny_photo(tmp_path))
        line = f"{tmp_path}/{line}"
    result = _order(tmp_path, *args)
    assert result.returncode == 2, result.stdout
    [printed] = result.stderr.strip().splitlines()
    assert printed.startswith(f"pressroom: {line}")
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert _placed(tmp_path) == []


def test_order_names_every_problem_on_its_own_line(tmp_path: Path) -> None:
    result = _order(
        tmp_path,
        *("--name", " ", "--age", "40", "--book", "nope"),
        *("--photo", _tiny_photo(tmp_path), "--customer", "a/b"),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[1].strip()[:14] for line in lines] == [
        "book 'nope' is",
        "the child's na",
        "age 40 is not ",
        f"{tmp_path}"[:14],
        "customer id 'a",
    ]
    assert all(line.startswith("pressroom: ") for line in lines)
    assert _placed(tmp_path) == []


def test_order_accepts_a_good_order_and_its_help_says_what_is_checked(tmp_path: Path) -> None:
    result = _order(tmp_path, "--name", "  Zoë ", "--age", "4", "--customer", "cust-1")
    assert result.returncode == 0, result.stderr
    [item] = _placed(tmp_path)
    assert item.id == result.stdout.strip().splitlines()[-1]  # type: ignore[attr-defined]
    assert "a worker makes the book" in result.stdout
    assert item.personalization.child_name == "Zoë"  # type: ignore[attr-defined]
    helped = pressroom("order", "--help", cwd=tmp_path)
    assert "one line per problem" in " ".join(helped.stdout.split())


def test_a_reader_that_stops_early_is_no_error(tmp_path: Path) -> None:
    """`pressroom migrate --print-sql | head -1`: the pipe closes mid-output (it is over the
    pipe's 64 KiB, so the writer is still writing), and pressroom ends quietly with 0."""
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "migrate", "--print-sql"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.read(1) == b"-"
    child.stdout.close()  # as `head` does once it has its line
    code = child.wait(timeout=60)
    said = child.stderr.read()
    child.stderr.close()
    assert (code, said) == (0, b"")
