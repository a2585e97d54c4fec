"""The settings dialog's Notifications page: the mail server (its password in the system
keyring), the Firebase service account for push, and buttons that send a real test e-mail
or push with the values as typed — off the window's thread, the answer shown beneath."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.config import Settings
from app.notify.probe import send_test_email, send_test_push

SECURITY = ("starttls", "ssl", "none")


class NotificationsGroup(QGroupBox):
    def __init__(
        self, settings: Settings, current: Callable[[], Settings], parent: QWidget | None = None
    ) -> None:
        super().__init__("Telling the customer", parent)
        self.current = current  # the settings as the dialog would save them
        self.host = QLineEdit(settings.smtp_host or "")
        self.host.setPlaceholderText("none: no e-mail")
        self.host.setToolTip("the mail server, e.g. smtp.example.com; left empty, no e-mail")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(settings.smtp_port)
        self.security = QComboBox()
        self.security.addItems(list(SECURITY))
        self.security.setCurrentText(settings.smtp_security)
        self.user = QLineEdit(settings.smtp_user or "")
        self.password = QLineEdit(
            settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        )
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("SMTP_PASSWORD")
        self.from_address = QLineEdit(settings.smtp_from)
        self.account = QLineEdit(str(settings.fcm_service_account or ""))
        self.account.setPlaceholderText("none: no push")
        self.account.setMinimumWidth(
            self.account.fontMetrics().horizontalAdvance("none: no push") + 24
        )
        self.account.setToolTip("Firebase's service account JSON file; left empty, no push")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_account)
        self.test_email = QPushButton("Send a test e-mail…")
        self.test_email.clicked.connect(self._test_email)
        self.test_push = QPushButton("Send a test push…")
        self.test_push.clicked.connect(self._test_push)
        self.answer = QLabel("")
        self.answer.setWordWrap(True)
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        account = QWidget()
        row = QHBoxLayout(account)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.account, 1)
        row.addWidget(browse)
        tests = QWidget()
        row = QHBoxLayout(tests)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.test_email)
        row.addWidget(self.test_push)
        form = QFormLayout(self)
        form.addRow("Mail server", self.host)
        form.addRow("Port", self.port)
        form.addRow("Security", self.security)
        form.addRow("Login", self.user)
        form.addRow("Password", self.password)
        form.addRow("Sender", self.from_address)
        form.addRow("Push (FCM) account", account)
        form.addRow(tests)
        form.addRow(self.answer)

    def values(self) -> dict[str, Any]:
        return {
            "smtp_host": self.host.text().strip() or None,
            "smtp_port": self.port.value(),
            "smtp_security": self.security.currentText(),
            "smtp_user": self.user.text().strip() or None,
            "smtp_from": self.from_address.text().strip() or "books@localhost",
            "fcm_service_account": self.account.text().strip() or None,
        }

    def secret(self) -> str:
        return self.password.text()

    def _choose_account(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The Firebase service account", "", "JSON (*.json)"
        )
        if path:
            self.account.setText(path)

    def _test_email(self) -> None:
        to, ok = QInputDialog.getText(self, "Test e-mail", "Send a test e-mail to:")
        if ok and to.strip():
            self._run(send_test_email, to.strip())

    def _test_push(self) -> None:
        token, ok = QInputDialog.getText(self, "Test push", "A device token from the app:")
        if ok and token.strip():
            self._run(send_test_push, token.strip())

    def _run(self, fn: Callable[[Settings, str], str], target: str) -> None:
        settings = self.current()
        if fn is send_test_email and not settings.smtp_host:
            self.answer.setText("Set the mail server first.")
            return
        if fn is send_test_push and settings.fcm_service_account is None:
            self.answer.setText("Choose the FCM service account first.")
            return
        self.answer.setText("Sending…")
        future = self._pool.submit(fn, settings, target)
        self.pending = future

        def check() -> None:
            if not future.done():
                QTimer.singleShot(100, check)
                return
            error = future.exception()
            self.answer.setText(f"✗ {error}" if error else f"✓ {future.result()}")

        QTimer.singleShot(100, check)

    def close_pool(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
