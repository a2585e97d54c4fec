"""The push channel: Firebase Cloud Messaging's HTTP v1 API (the customers' app is a
Flutter app), authenticated with a service account through google-auth (an OAuth 2.0
JWT-bearer exchange at the account's token_uri). One message per device token; a token
FCM calls UNREGISTERED is reported so the caller removes it. The collapse key (the
outbox's idempotency key) makes a message sent twice after a crash replace itself on the
device instead of showing twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from app.domain import PermanentError, TransientError

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


class Unregistered(PermanentError):
    """The device token is no longer valid: remove it."""

    def __init__(self, token: str) -> None:
        super().__init__(f"device token …{token[-8:]} is no longer registered")
        self.token = token


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    collapse_key: str
    data: dict[str, str]


def load_service_account(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PermanentError(
            f"PRESSROOM_FCM_SERVICE_ACCOUNT {path}: cannot be read ({exc})"
        ) from None
    missing = [
        k for k in ("project_id", "client_email", "private_key", "token_uri") if k not in info
    ]
    if missing:
        raise PermanentError(f"PRESSROOM_FCM_SERVICE_ACCOUNT {path}: missing {', '.join(missing)}")
    return dict(info)


class FcmClient:
    def __init__(
        self,
        info: dict[str, Any],
        base_url: str = "https://fcm.googleapis.com",
        timeout: float = 30,
    ) -> None:
        self.project = info["project_id"]
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
        self.session = AuthorizedSession(credentials)

    def send(self, message: PushMessage) -> str:
        """Deliver one message; returns FCM's message name. Raises Unregistered,
        PermanentError or TransientError with a sentence."""
        url = f"{self.base_url}/v1/projects/{self.project}/messages:send"
        body: dict[str, Any] = {
            "message": {
                "token": message.token,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
                "android": {"collapse_key": message.collapse_key[:64]},
                "apns": {"headers": {"apns-collapse-id": message.collapse_key[:64]}},
            }
        }
        try:
            answer = self.session.post(url, json=body, timeout=self.timeout)
        except GoogleAuthError as exc:
            raise PermanentError(f"FCM refused the service account: {exc}") from None
        except requests.RequestException as exc:
            raise TransientError(f"cannot reach FCM at {self.base_url}: {exc}") from None
        if answer.status_code == 200:
            return str(answer.json().get("name", ""))
        error = _error(answer)
        code = _fcm_code(error)
        said = (
            f"FCM said {answer.status_code} {error.get('status', '')}: {error.get('message', '')}"
        )
        if code == "UNREGISTERED" or (answer.status_code == 404 and code in ("", "UNREGISTERED")):
            raise Unregistered(message.token)
        if answer.status_code in (429, 500, 502, 503, 504) or code in (
            "QUOTA_EXCEEDED",
            "UNAVAILABLE",
            "INTERNAL",
        ):
            raise TransientError(said.strip())
        raise PermanentError(said.strip())

    def close(self) -> None:
        self.session.close()


def _error(answer: requests.Response) -> dict[str, Any]:
    try:
        return dict(answer.json().get("error", {}))
    except ValueError:
        return {"message": answer.text[:200]}


def _fcm_code(error: dict[str, Any]) -> str:
    for detail in error.get("details", []):
        if str(detail.get("@type", "")).endswith("FcmError"):
            return str(detail.get("errorCode", ""))
    return ""
