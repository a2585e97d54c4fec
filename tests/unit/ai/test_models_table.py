"""The model table (resources/ai/gemini-models.json): sizes, prices by size and lane, the
budget made from it, and what the quality report says when a model cannot draw finely
enough."""

from __future__ import annotations

from datetime import date

import pytest

from app.ai.models import estimate_book, image_size_for, model_table, resolution_note
from app.ai.usage import Prices, UsageLedger
from app.config import Settings
from app.quality.images import resolution_check


def test_todays_image_models_take_the_sizes_google_lists() -> None:
    table = model_table()
    flash = table.get("gemini-3.1-flash-image")
    pro = table.get("gemini-3-pro-image")
    assert flash is not None and list(flash.sizes) == ["512", "1K", "2K", "4K"]
    assert pro is not None and list(pro.sizes) == ["1K", "2K", "4K"]
    assert image_size_for("gemini-3.1-flash-image", 2625) == "4K"  # 8.5 in + bleed, 300 ppi
    assert image_size_for("gemini-3.1-flash-image", 1800) == "2K"
    assert image_size_for("gemini-3-pro-image", 400) == "1K"
    assert image_size_for("gemini-2.5-flash-image", 2625) is None  # retired: no size known
    assert table.get("gemini-3.1-flash-image-001") is flash  # a dated id finds its base
    assert table.get("gemini-3.1-flash-lite-image") is None  # not "3.1-flash-lite"


def test_an_image_is_priced_by_its_model_size_and_lane() -> None:
    ledger = UsageLedger()
    ledger.record("cover", "gemini-3.1-flash-image", tokens_in=1000, images=1, size="4K")
    ledger.record("page 1", "gemini-3.1-flash-image", tokens_in=1000, images=1, size="512")
    ledger.record("page 2", "gemini-3-pro-image", images=1, size="4K", lane="batch")
    costs = [e["cost_usd"] for e in ledger.entries]
    assert costs == pytest.approx([0.151 + 0.0005, 0.045 + 0.0005, 0.24 / 2])
    overridden = Prices(per_image=0.01).of_call(
        "gemini-3.1-flash-image", tokens_in=0, tokens_out=0, images=1, size="4K"
    )
    assert overridden == pytest.approx(0.01)


def test_text_prices_follow_their_dated_periods() -> None:
    flash = model_table().get("gemini-3.8-flash")
    assert flash is not None
    assert flash.token_prices(date(2026, 12, 31)).input_per_million == 0.75
    assert flash.token_prices(date(2027, 1, 1)).input_per_million == 1.50


def test_the_budget_is_twice_a_clean_twelve_page_book() -> None:
    live = estimate_book("gemini-3.1-flash-image", "gemini-3.8-flash", 2625, on=date(2026, 12, 2))
    assert live.size == "4K"
    assert live.images_usd == pytest.approx(13 * (0.151 + 4000 * 0.5 / 1e6))
    assert live.budget_usd == pytest.approx(round(live.total_usd * 2 + 0.005, 2))
    batch = estimate_book(
        "gemini-3.1-flash-image", "gemini-3.8-flash", 2625, lane="batch", on=date(2026, 12, 2)
    )
    assert batch.total_usd == pytest.approx(live.total_usd / 2)


def test_the_report_says_when_the_model_cannot_reach_the_printers_resolution() -> None:
    assert resolution_note("gemini-3.1-flash-image", 2625) is None
    note = resolution_note("gemini-3-pro-image", 5000)
    assert note == (
        "gemini-3-pro-image draws at most 4K (4096 px) where the printer needs 5000 px on the "
        "long side"
    )
    sizeless = resolution_note("gemini-3.1-flash-lite-image", 2625)
    assert sizeless is not None and "takes no image_size" in sizeless
    check = resolution_check(
        (1024, 1024), (215.9, 215.9), target="page 1", settings=Settings(), limit=sizeless
    )
    assert check.sentence.endswith(sizeless) and "120 native ppi" in check.sentence
