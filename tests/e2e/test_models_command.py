"""`pressroom models`, `models try`, `--self-check` and `status` against the fake Gemini
serving today's models; the CPU pool healing; the demo kept out of a shop's store."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cpu
from app.cli.main import main
from app.domain import TransientError
from app.events import EventBus
from app.proving import fake_gemini as fakes
from app.proving.fake_gemini import FakeGemini
from app.runtime import build_services, demo_refusal, first_run_demo
from tests.conftest import make_settings, save_small_book


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGemini]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("GOOGLE_AI_API_KEY", fakes.VALID_KEY)
    monkeypatch.setenv("PRESSROOM_TARGET_DPI", "60")  # small pages: 512 px images
    monkeypatch.setenv("PRESSROOM_MIN_DPI", "50")
    with FakeGemini() as server:
        monkeypatch.setenv("GEMINI_BASE_URL", server.url)
        yield server


def test_models_lists_what_is_served_by_role_and_marks_the_configured(
    fake: FakeGemini, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert "configured (image)" in lines["gemini-3.1-flash-image"]
    assert "512/1K/2K/4K" in lines["gemini-3.1-flash-image"]
    assert "configured (analysis)" in lines["gemini-3.8-flash"]
    assert "shutdown 2027-05" in lines["gemini-3.1-flash-lite"]
    assert "gemini-embedding-2" not in lines  # answers no generateContent
    assert "gemini-2.5-flash-image" not in out


def test_models_names_a_configured_model_that_is_not_served(
    fake: FakeGemini, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSROOM_GEMINI_IMAGE_MODEL", "gemini-2.5-flash-image")
    assert main(["models"]) == 1
    out = capsys.readouterr().out
    assert "NOT SERVED: gemini-2.5-flash-image, configured for image (shut down on 2026-10-02)" in (
        out
    )


def test_models_try_runs_the_demo_books_beside_the_configured_model(
    fake: FakeGemini, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "try", "gemini-3-pro-image", "--role", "image", "--pages", "2"]) == 0
    out = capsys.readouterr().out
    assert "Trying gemini-3-pro-image as the image model beside gemini-3.1-flash-image" in out
    configured, candidate = out.split("\ngemini-3-pro-image\n")
    for block in (configured, candidate):
        assert "moon-boat: completed" in block and "giant-garden: completed" in block
        assert "gate       moon-boat: passed" in block
        assert "calls      " in block and "cost       $" in block
    assert "native     moon-boat: 512 px" in configured  # 3.1 Flash Image takes 512
    assert "native     moon-boat: 1024 px" in candidate  # 3 Pro Image's smallest is 1K
    pro = [r for r in fake.requests if r.model == "gemini-3-pro-image"]
    assert pro and all(r.config["imageConfig"]["imageSize"] == "1K" for r in pro)


def test_models_try_an_analysis_model_judges_the_calibration_set(
    fake: FakeGemini, capsys: pytest.CaptureFixture[str]
) -> None:
    # a judge that passes everything (the fake's default) catches no fault: the figures say so
    assert main(["models", "try", "gemini-3.5-flash", "--role", "analysis", "--pages", "2"]) == 0
    out = capsys.readouterr().out
    configured, candidate = out.split("\ngemini-3.5-flash\n")
    for block in (configured, candidate):
        assert "judge      0/" in block and "faults caught, 0/6 good pictures flagged" in block
        assert "photo returned: 0/6" in block
    judged = [r for r in fake.calls_to("gemini-3.5-flash") if len(r.images) >= 3]
    assert len(judged) > 6  # the demo books' judgements and the calibration set's


def test_models_try_refuses_a_model_that_is_not_served(
    fake: FakeGemini, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "try", "gemini-2.5-flash-image"]) == 2
    err = capsys.readouterr().err
    assert "gemini-2.5-flash-image is not served by Gemini (shut down on 2026-10-02" in err


def test_self_check_fails_on_a_retired_model_and_passes_on_todays(
    fake: FakeGemini, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main(["--self-check"]) == 0
    assert "ok    Gemini models — gemini-3.1-flash-image and gemini-3.8-flash are served" in (
        capsys.readouterr().out
    )
    monkeypatch.setenv("PRESSROOM_GEMINI_ANALYSIS_MODEL", "gemini-2.5-flash")
    assert main(["--self-check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  Gemini models: RuntimeError: the analysis model gemini-2.5-flash is not" in out
    assert "self-check passed" not in out


def test_status_says_when_workers_would_pause(
    fake: FakeGemini,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRESSROOM_GEMINI_IMAGE_MODEL", "gemini-2.5-flash-image")
    assert main(["status", "--data-dir", str(tmp_path / "data")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Gemini: workers pause the queue — the image model")
    assert "PRESSROOM_GEMINI_IMAGE_MODEL" in first


def _die() -> None:
    os._exit(1)  # as the OOM killer ends a worker process


def test_a_dead_worker_process_is_replaced_and_its_work_retried() -> None:
    cpu.configure(1, processes=True)
    try:

        async def twice() -> int:
            with pytest.raises(TransientError, match="image worker process stopped"):
                await cpu.run_cpu(_die)
            return await cpu.run_cpu(abs, -7)  # the next work runs in a new pool

        assert asyncio.run(twice()) == 7
    finally:
        cpu.shutdown()
        cpu.configure(2, processes=False)


def test_the_demo_loads_only_into_an_embedded_store_without_books_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    save_small_book(services, pages=1, book_id="shop-book")  # (loads the demo to copy it)
    first_run_demo(services)
    assert services.store.list_items(limit=5) == []  # a shop's own book: no demo orders
    fresh = build_services(make_settings(tmp_path / "fresh"), EventBus())
    assert first_run_demo(fresh) == 2
    assert first_run_demo(fresh) == 0  # once
    shop = make_settings(
        tmp_path, SUPABASE_URL="http://127.0.0.1:9", SUPABASE_SERVICE_KEY="k", provider="template"
    )
    refusal = demo_refusal(shop)
    assert refusal is not None and "the shop's, listed to customers" in refusal
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("SUPABASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SUPABASE_SERVICE_KEY", "k")
    assert main(["demo", "--quiet"]) == 2
    assert "the demo books are not loaded into Supabase" in capsys.readouterr().err
