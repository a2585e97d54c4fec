"""Settings persist between runs; keys go to the keyring, masked, never to the file."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLineEdit

from app import user_settings
from app.events import PausedEvent
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from tests.ui.conftest import MemoryKeyring, finish

Factory = Callable[..., MainWindow]


def test_settings_are_saved_and_keys_kept_in_the_keyring(
    make_window: Factory,
    memory_keyring: MemoryKeyring,
    qtbot: Any,
) -> None:
    window = make_window()
    dialog = SettingsDialog(window.services.settings, window)
    qtbot.addWidget(dialog)
    assert dialog.gemini_key.echoMode() is QLineEdit.EchoMode.Password
    dialog.provider.setCurrentIndex(1)
    dialog.gemini_key.setText("AIza-secret-key-123")
    dialog.gemini_url.setText("http://127.0.0.1:9/gateway")
    dialog.pages_at_once.setValue(6)
    dialog.orders_at_once.setValue(2)
    dialog.poll_interval.setValue(3000)
    dialog.review_mode.setChecked(True)
    dialog.trim.setCurrentText("a4")
    dialog.wait_warn.setValue(6)
    dialog.wait_late.setValue(18)
    dialog.daily_budget.setValue(120)
    settings = dialog.save()

    saved_text = user_settings.settings_path().read_text()
    assert "AIza-secret-key-123" not in saved_text
    assert json.loads(saved_text)["pages_at_once"] == 6
    assert memory_keyring.values[("pressroom", "gemini_api_key")] == "AIza-secret-key-123"
    assert settings.gemini_api_key is not None
    again = user_settings.load_settings()
    assert (again.pages_at_once, again.orders_at_once, again.poll_interval_ms) == (6, 2, 3000)
    assert again.review_mode and again.trim_size == "a4"
    assert (again.wait_warn_hours, again.wait_late_hours, again.daily_budget_usd) == (6, 18, 120)
    assert again.gemini_base_url == "http://127.0.0.1:9/gateway"
    assert again.gemini_api_key is not None
    assert again.gemini_api_key.get_secret_value() == "AIza-secret-key-123"

    reopened = SettingsDialog(again, window)
    qtbot.addWidget(reopened)
    assert reopened.pages_at_once.value() == 6 and reopened.review_mode.isChecked()
    assert reopened.gemini_key.echoMode() is QLineEdit.EchoMode.Password


def test_switching_the_provider_off_keeps_the_key_but_uses_the_template(
    make_window: Factory,
    memory_keyring: MemoryKeyring,
    qtbot: Any,
) -> None:
    window = make_window()
    dialog = SettingsDialog(window.services.settings, window)
    qtbot.addWidget(dialog)
    dialog.provider.setCurrentIndex(0)
    dialog.gemini_key.setText("AIza-kept")
    settings = dialog.save()
    assert settings.gemini_api_key is None
    finish(qtbot, window.apply_settings(settings))
    assert window.services.provider.name == "template"
    assert window.model.wait_warn_seconds == settings.wait_warn_hours * 3600


def test_a_banner_says_when_books_are_not_made_by_an_ai_model(
    make_window: Factory, qtbot: Any
) -> None:
    window = make_window()
    assert window.services.provider.name == "template"
    assert window.banner.isVisible() and "offline template provider" in window.banner.text()
    assert "orders from the embedded store" in window.monitor_label.toolTip()


def test_settings_that_would_fall_back_quietly_are_not_applied(
    make_window: Factory, qtbot: Any
) -> None:
    window = make_window()
    before = window.services
    half = window.services.settings.model_copy(update={"supabase_url": "https://x.supabase.co"})
    finish(qtbot, window.apply_settings(half))
    assert window.services is before  # still running on what worked
    assert "SUPABASE_SERVICE_KEY is not" in window.statusBar().currentMessage()


def test_a_paused_queue_shows_a_red_banner_and_a_tray_alert_naming_what_to_set(
    make_window: Factory, qtbot: Any
) -> None:
    window = make_window()
    alerts: list[tuple[str, str, str]] = []
    window.attention.needed.connect(lambda *args: alerts.append(args))
    reason = "the image model gemini-2.5-flash-image is not served by Gemini; set X"
    window.services.events.emit(PausedEvent(reason))
    qtbot.waitUntil(lambda: "The queue is paused" in window.banner.text())
    assert window.banner.isVisible() and window.banner.property("alert") is True
    assert "gemini-2.5-flash-image" in window.banner.text()
    assert alerts == [("", "The queue is paused", reason)]
    window.services.events.emit(PausedEvent(None))
    qtbot.waitUntil(lambda: "offline template provider" in window.banner.text())
    assert window.banner.property("alert") is False
