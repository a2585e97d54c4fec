"""The settings dialog: provider and models, store, concurrency, polling, review mode,
trim size, printer, and telling the customer (app/ui/notify_settings.py). Keys and
passwords go to the system keyring (never to the settings file or a log), shown masked."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import user_settings
from app.config import TRIM_SIZES_MM, Settings
from app.print.profiles import load_profile, profile_names
from app.ui.notify_settings import NotificationsGroup


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pressroom settings")
        saved = user_settings.load_saved()
        self.provider = QComboBox()
        self.provider.addItems(["Template (offline)", "Gemini"])
        self.provider.setCurrentIndex(1 if settings.gemini_api_key else 0)
        self.gemini_key = QLineEdit(_secret(settings.gemini_api_key))
        self.gemini_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.gemini_key.setPlaceholderText("GOOGLE_AI_API_KEY")
        self.gemini_url = QLineEdit(settings.gemini_base_url or "")
        self.gemini_url.setPlaceholderText("Google's endpoint")
        self.analysis_model = QLineEdit(settings.gemini_analysis_model)
        self.image_model = QLineEdit(settings.gemini_image_model)
        self.store = QComboBox()
        self.store.addItems(["Embedded (this computer)", "Supabase"])
        self.store.setCurrentIndex(
            1 if settings.supabase_url and settings.supabase_service_key else 0
        )
        self.supabase_url = QLineEdit(settings.supabase_url or saved.get("supabase_url", ""))
        self.supabase_url.setPlaceholderText("https://PROJECT.supabase.co")
        self.supabase_key = QLineEdit(_secret(settings.supabase_service_key))
        self.supabase_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.supabase_key.setPlaceholderText("service role key")
        self.pages_at_once = self._spin(1, 32, settings.pages_at_once)
        self.orders_at_once = self._spin(1, 64, settings.orders_at_once)
        self.poll_interval = self._spin(100, 600_000, settings.poll_interval_ms)
        self.poll_interval.setSuffix(" ms")
        self.poll_interval.setSingleStep(1000)
        self.review_mode = QCheckBox("Hold finished books for an operator's approval")
        self.review_mode.setChecked(settings.review_mode)
        self.auto_start = QCheckBox("Start the monitor when Pressroom opens")
        self.auto_start.setChecked(settings.auto_start_monitor)
        self.wait_warn = self._decimal(240, settings.wait_warn_hours, " h")
        self.wait_late = self._decimal(240, settings.wait_late_hours, " h")
        self.daily_budget = self._decimal(100_000, settings.daily_budget_usd, "", "$ ")
        self.trim = QComboBox()
        self.trim.addItems(list(TRIM_SIZES_MM))
        self.trim.setCurrentText(settings.trim_size)
        self.print_profile = QComboBox()
        for name in profile_names():
            self.print_profile.addItem(load_profile(name).label, name)
        self.print_profile.setCurrentIndex(
            max(0, self.print_profile.findData(settings.print_profile))
        )
        self.print_profile.setToolTip(
            "The printer the books are made for: its interior and cover spread are made "
            "beside the reading PDF and checked by preflight before publishing."
        )
        keyring_note = QLabel(
            "Keys and the mail password are kept in the system keyring."
            if user_settings.keyring_available()
            else "No system keyring is available: keys typed here last until Pressroom closes; "
            "set GOOGLE_AI_API_KEY / SUPABASE_SERVICE_KEY / SMTP_PASSWORD in the environment "
            "to keep them."
        )
        keyring_note.setWordWrap(True)

        ai = QGroupBox("AI provider")
        form = QFormLayout(ai)
        form.addRow("Provider", self.provider)
        form.addRow("Gemini API key", self.gemini_key)
        form.addRow("Gemini base URL", self.gemini_url)
        form.addRow("Analysis model", self.analysis_model)
        form.addRow("Image model", self.image_model)
        store = QGroupBox("Store")
        form = QFormLayout(store)
        form.addRow("Store", self.store)
        form.addRow("Supabase URL", self.supabase_url)
        form.addRow("Service key", self.supabase_key)
        work = QGroupBox("Work")
        form = QFormLayout(work)
        form.addRow("Pages at once", self.pages_at_once)
        form.addRow("Orders at once", self.orders_at_once)
        form.addRow("Poll interval", self.poll_interval)
        form.addRow("Trim size", self.trim)
        form.addRow("Printer", self.print_profile)
        form.addRow(self.review_mode)
        form.addRow(self.auto_start)
        shop = QGroupBox("The shop's promises")
        form = QFormLayout(shop)
        form.addRow("Waiting turns amber after", self.wait_warn)
        form.addRow("Waiting turns red after", self.wait_late)
        form.addRow("Daily AI budget", self.daily_budget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.notifications = NotificationsGroup(settings, self._as_saved)
        columns = QHBoxLayout()  # columns: the dialog fits a 768-pixel-high screen
        for groups in ((ai, store), (work, shop), (self.notifications,)):
            column = QVBoxLayout()
            for group in groups:
                column.addWidget(group)
            column.addStretch(1)
            columns.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(keyring_note)
        layout.addWidget(buttons)

    @staticmethod
    def _decimal(high: float, value: float, suffix: str, prefix: str = "") -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0.0 if prefix else 0.5, high)
        box.setDecimals(1 if suffix else 2)
        box.setValue(value)
        box.setSuffix(suffix)
        box.setPrefix(prefix)
        return box

    @staticmethod
    def _spin(low: int, high: int, value: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        return box

    def values(self) -> dict[str, Any]:
        return {
            "use_gemini": self.provider.currentIndex() == 1,
            "gemini_base_url": self.gemini_url.text().strip() or None,
            "gemini_analysis_model": self.analysis_model.text().strip(),
            "gemini_image_model": self.image_model.text().strip(),
            "use_supabase": self.store.currentIndex() == 1,
            "supabase_url": self.supabase_url.text().strip() or None,
            "pages_at_once": self.pages_at_once.value(),
            "orders_at_once": self.orders_at_once.value(),
            "poll_interval_ms": self.poll_interval.value(),
            "review_mode": self.review_mode.isChecked(),
            "auto_start_monitor": self.auto_start.isChecked(),
            "trim_size": self.trim.currentText(),
            "print_profile": self.print_profile.currentData(),
            "wait_warn_hours": self.wait_warn.value(),
            "wait_late_hours": max(self.wait_late.value(), self.wait_warn.value()),
            "daily_budget_usd": self.daily_budget.value(),
            **self.notifications.values(),
        }

    def _as_saved(self) -> Settings:
        """The settings as they would be saved: the test buttons use what is typed."""
        from pydantic import SecretStr

        values = {k: v for k, v in self.values().items() if k in Settings.model_fields}
        password = self.notifications.secret()
        values["smtp_password"] = SecretStr(password) if password else None
        return Settings.model_validate({**user_settings.load_settings().model_dump(), **values})

    def save(self) -> Settings:
        """Persist the choices (keys to the keyring) and return the settings to run with."""
        values = self.values()
        user_settings.save(values)
        secrets = {
            "gemini_api_key": self.gemini_key.text().strip(),
            "supabase_service_key": self.supabase_key.text().strip(),
            "smtp_password": self.notifications.secret(),
        }
        for field, value in secrets.items():
            user_settings.set_secret(field, value or None)
        fresh = user_settings.load_settings()
        # A key that no keyring could keep still applies to this session.
        session = {k: v for k, v in secrets.items() if v and getattr(fresh, k) is None}
        if not values["use_gemini"]:
            session.pop("gemini_api_key", None)
        if not values["use_supabase"]:
            session.pop("supabase_service_key", None)
        return fresh.model_copy(update={k: _as_secret(v) for k, v in session.items()})


def _as_secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)
