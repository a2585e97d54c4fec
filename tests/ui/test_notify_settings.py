"""The Notifications page: the mail server's password goes to the keyring, the rest
persists, and "Send a test e-mail" sends a real one with the values as typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtWidgets import QInputDialog

from app import user_settings
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from tests.fakes.smtp import Inbox
from tests.ui.conftest import MemoryKeyring

Factory = Callable[..., MainWindow]


def test_test_e_mail_uses_the_typed_server_and_the_password_is_kept_in_the_keyring(
    make_window: Factory,
    memory_keyring: MemoryKeyring,
    qtbot: Any,
    inbox: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box, port = inbox
    window = make_window()
    dialog = SettingsDialog(window.services.settings, window)
    qtbot.addWidget(dialog)
    page = dialog.notifications
    page.host.setText("127.0.0.1")
    page.port.setValue(port)
    page.security.setCurrentText("none")
    page.user.setText("shop")
    page.password.setText("s3cret")
    page.from_address.setText("books@shop.example")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("grace@example.com", True))
    page.test_email.click()
    qtbot.waitUntil(lambda: page.answer.text().startswith(("✓", "✗")), timeout=15_000)
    assert page.answer.text() == "✓ a test e-mail went to grace@example.com"
    assert box.messages[0][1] == ["grace@example.com"]

    dialog.save()
    saved = json.loads(user_settings.settings_path().read_text())
    assert "s3cret" not in user_settings.settings_path().read_text()
    assert (saved["smtp_host"], saved["smtp_port"], saved["smtp_security"]) == (
        "127.0.0.1",
        port,
        "none",
    )
    assert memory_keyring.values[("pressroom", "smtp_password")] == "s3cret"
    again = user_settings.load_settings()
    assert again.smtp_password is not None and again.smtp_password.get_secret_value() == "s3cret"
    page.close_pool()
