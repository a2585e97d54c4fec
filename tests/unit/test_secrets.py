"""Secrets stay secret in every sink, not only the log file: a key carried in a gateway URL
is masked on stderr, in the events (the worker's lines, the console's log), in an item's
last_error, in provenance; and the data folder, database and log are private (0700/0600)."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import pytest

from app.cli.main import main
from app.domain import PressroomError, Status
from app.events import EventBus, MessageEvent
from app.logs import setup_logging
from app.redact import MASK, redact_data, secrets_in_url
from app.runtime import build_services
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider

GATEWAY_KEY = "gw-secret-7Hq2Zx"
GATEWAY = f"http://127.0.0.1:9/v1?key={GATEWAY_KEY}&region=eu"


def test_secrets_are_found_inside_urls() -> None:
    assert secrets_in_url(GATEWAY) == [GATEWAY_KEY]  # not region=eu
    assert secrets_in_url("http://gw/?alt=json&access_token=tok-123456") == ["tok-123456"]
    assert secrets_in_url("postgresql://postgres:pw-9Zx4@db:5432/postgres") == ["pw-9Zx4"]
    settings = make_settings(
        Path("unused"), gemini_base_url=GATEWAY, database_url="postgresql://u:pw-9Zx4@h/db"
    )
    assert {GATEWAY_KEY, "pw-9Zx4"} <= set(settings.secrets())


def test_a_percent_encoded_key_is_masked_as_written_and_as_meant() -> None:
    from app.redact import redact, register

    url = "https://gw.example/v1?alt=json&key=Zq9%2BB%2FC%3Dxy"
    assert secrets_in_url(url) == ["Zq9+B/C=xy", "Zq9%2BB%2FC%3Dxy"]
    register(secrets_in_url(url))
    said = redact(f"GET {url} failed; the key Zq9+B/C=xy")
    assert "Zq9" not in said and said.count(MASK) == 2
    register(["s3cr+t/pw"])  # a secret from a setting, met later inside a URL
    assert redact("postgresql://u:s3cr%2Bt%2Fpw@h/db") == f"postgresql://u:{MASK}@h/db"


def test_every_sink_masks_a_gateway_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path, gemini_base_url=GATEWAY)
    events = EventBus()
    seen: list[str] = []
    events.subscribe(lambda e: seen.append(e.text) if isinstance(e, MessageEvent) else None)
    log_file = setup_logging(settings.secrets(), log_dir=tmp_path / "log")
    services = build_services(settings, events)
    services.provider = ScriptedProvider()
    book = save_small_book(services, pages=1)
    item = order_book(services, book)

    async def fail_page(task: object) -> bytes:
        raise RuntimeError(f"the gateway {GATEWAY} said no")  # not even a PressroomError

    services.provider.personalize_page = fail_page  # type: ignore[method-assign]
    asyncio.run(Monitor(services, "w").run_until_idle({item.id}, timeout=60))
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.FAILED
    assert done.last_error is not None and "the gateway" in done.last_error
    assert GATEWAY_KEY not in done.last_error and MASK in done.last_error
    assert seen and not any(GATEWAY_KEY in text for text in seen)
    assert str(PressroomError(f"bad key {GATEWAY_KEY}")) == f"bad key {MASK}"
    masked = GATEWAY.replace(GATEWAY_KEY, MASK)
    assert redact_data({"provider": {"base_url": GATEWAY}}) == {"provider": {"base_url": masked}}
    logging.getLogger("app.test").error("leak? %s", GATEWAY)
    assert GATEWAY_KEY not in log_file.read_text()
    # private: the data folder, the database and the log
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((settings.data_dir / "pressroom.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700
    services.store.close()


def test_stderr_masks_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_AI_API_KEY", "AIza-test-key-0001")
    monkeypatch.setenv("GEMINI_BASE_URL", GATEWAY)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    cover, photo = demo / "moon-boat" / "cover.jpg", demo / "photos" / "child-ada.jpg"
    out, data = tmp_path / "out.png", tmp_path / "data"
    args = ["cover", "--cover", str(cover), "--photo", str(photo), "--name", "Ada"]
    code = main([*args, "-o", str(out), "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code != 0 and "cannot reach Gemini" in err
    assert GATEWAY_KEY not in err and MASK in err


def test_a_data_folder_made_0755_is_made_private_with_what_is_in_it(tmp_path: Path) -> None:
    """What exists is tightened (a folder made by hand, or by an older Pressroom), and what
    is written from now on is private whatever the umask."""
    import os

    data = tmp_path / "data"
    old_photo = data / "blobs" / "photos" / "c1" / "old.jpg"
    old_photo.parent.mkdir(parents=True, mode=0o755)
    for folder in (data, data / "blobs", data / "blobs" / "photos", old_photo.parent):
        folder.chmod(0o755)
    old_photo.write_bytes(b"jpeg")
    old_photo.chmod(0o644)
    (data / "pressroom.sqlite3").touch(mode=0o644)
    previous = os.umask(0o022)
    try:
        services = build_services(make_settings(tmp_path))
        book = save_small_book(services, pages=1)
        order_book(services, book)
    finally:
        os.umask(previous)
    modes = {
        p.relative_to(data).as_posix(): stat.S_IMODE(p.stat().st_mode)
        for p in [data, *data.rglob("*")]
    }
    services.store.close()
    assert modes["."] == 0o700 and modes["blobs/photos/c1/old.jpg"] == 0o600
    assert modes["pressroom.sqlite3"] == 0o600
    loose = {k: oct(m) for k, m in modes.items() if m & 0o077}
    assert loose == {}, loose
    assert any(k.startswith("blobs/photos/") and k != "blobs/photos/c1/old.jpg" for k in modes)
