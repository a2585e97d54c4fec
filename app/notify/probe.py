"""Is each channel set up and reachable? Used by `pressroom --self-check` and by the
settings dialog's test buttons, which also send one real test message."""

from __future__ import annotations

import smtplib

from google.auth.transport.requests import Request
from google.oauth2 import service_account

from app.catalog import demo_photo
from app.config import Settings
from app.domain import PermanentError, TransientError
from app.notify.email import BookReadyMail, build_message, send, server_from, session
from app.notify.push import SCOPE, FcmClient, PushMessage, load_service_account
from app.store.ports import READY_TITLE


def probe_email(settings: Settings) -> str:
    """Connect, greet, secure and log in — no message sent."""
    server = server_from(settings, timeout=10)
    where = f"{server.host}:{server.port}"
    try:
        with session(server):
            pass
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentError(f"{where} refused the login ({exc.smtp_code})") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(f"cannot reach the mail server at {where}: {exc}") from None
    return f"{where} answers ({server.security}{', login ok' if server.user else ''})"


def probe_push(settings: Settings) -> str:
    """Exchange the service account for an access token — no message sent."""
    assert settings.fcm_service_account is not None
    info = load_service_account(settings.fcm_service_account)
    credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
    try:
        credentials.refresh(Request())
    except Exception as exc:
        raise TransientError(f"FCM's token exchange failed: {exc}") from None
    return f"FCM token obtained for project {info['project_id']}"


def channel_report(settings: Settings) -> list[tuple[str, bool | None, str]]:
    """(channel, reachable or None when not configured, sentence) for e-mail and push."""
    report: list[tuple[str, bool | None, str]] = []
    for channel, configured, probe in (
        ("e-mail", bool(settings.smtp_host), probe_email),
        ("push", settings.fcm_service_account is not None, probe_push),
    ):
        if not configured:
            report.append((channel, None, "not configured"))
            continue
        try:
            report.append((channel, True, probe(settings)))
        except (PermanentError, TransientError) as exc:
            report.append((channel, False, str(exc)))
    return report


def send_test_email(settings: Settings, to: str) -> str:
    mail = BookReadyMail(
        to=to,
        child_name="Ada",
        book_title="Ada and the Moon Boat (a test)",
        link="https://example.com/your-book.pdf",
        idempotency_key=f"test:{to}",
        cover_jpeg=demo_photo("child-ada.jpg"),
    )
    send(build_message(mail, settings.smtp_from), server_from(settings, timeout=10))
    return f"a test e-mail went to {to}"


def send_test_push(settings: Settings, token: str) -> str:
    assert settings.fcm_service_account is not None
    client = FcmClient(load_service_account(settings.fcm_service_account), settings.fcm_base_url)
    try:
        name = client.send(PushMessage(token, READY_TITLE, "A test from Pressroom", "test", {}))
    finally:
        client.close()
    return f"a test push went out ({name})"
