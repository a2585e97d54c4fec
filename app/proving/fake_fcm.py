"""A fake Firebase Cloud Messaging speaking the real HTTP v1 protocol, with the OAuth 2.0
JWT-bearer token exchange google-auth performs for a service account: the assertion's
signature is checked with the account's public key, the access token is then required on
every send. Tokens can be made UNREGISTERED, and a send can be told to fail with 503."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

from app.proving.fake_server import FakeServer, QuietHandler

PROJECT = "pressroom-test"
# google-auth signs the assertion for Google's token endpoint whatever token_uri it posts to
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
SEND = re.compile(r"^/v1/projects/([^/]+)/messages:send$")


class FakeFcm(FakeServer):
    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self._public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self.issued: set[str] = set()
        self.token_requests = 0
        self.sent: list[dict[str, Any]] = []
        self.unregistered: set[str] = set()
        self.unavailable = 0  # answer this many sends with 503
        self.serve(self._handler())

    def service_account(self) -> dict[str, Any]:
        return {
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "key-1",
            "private_key": self._private_pem,
            "client_email": f"pressroom@{PROJECT}.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": f"{self.url}/token",
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/token":
                    return self._token(raw)
                match = SEND.match(self.path)
                if not match:
                    return self._answer(404, {"error": {"code": 404, "message": "no such route"}})
                return self._send(match.group(1), raw)

            def _token(self, raw: bytes) -> None:
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                    return self._answer(400, {"error": "unsupported_grant_type"})
                try:
                    claims = jwt.decode(
                        form["assertion"],
                        certs={"key-1": fake._public_pem},
                        audience=GOOGLE_TOKEN_AUDIENCE,
                    )
                except Exception as exc:
                    return self._answer(
                        400, {"error": "invalid_grant", "error_description": str(exc)}
                    )
                if "firebase.messaging" not in claims.get("scope", ""):
                    return self._answer(400, {"error": "invalid_scope"})
                fake.token_requests += 1
                token = f"ya29.fake-{fake.token_requests}"
                fake.issued.add(token)
                return self._answer(
                    200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
                )

            def _send(self, project: str, raw: bytes) -> None:
                auth = self.headers.get("Authorization", "")
                if auth.removeprefix("Bearer ") not in fake.issued:
                    return self._answer(
                        401,
                        {
                            "error": {
                                "code": 401,
                                "message": "Request had invalid authentication credentials.",
                                "status": "UNAUTHENTICATED",
                            }
                        },
                    )
                message = json.loads(raw)["message"]
                if fake.unavailable:
                    fake.unavailable -= 1
                    return self._answer(
                        503,
                        {
                            "error": {
                                "code": 503,
                                "message": "The service is currently unavailable.",
                                "status": "UNAVAILABLE",
                            }
                        },
                    )
                if message["token"] in fake.unregistered:
                    return self._answer(
                        404,
                        {
                            "error": {
                                "code": 404,
                                "message": "Requested entity was not found.",
                                "status": "NOT_FOUND",
                                "details": [
                                    {
                                        "@type": FCM_ERROR,
                                        "errorCode": "UNREGISTERED",
                                    }
                                ],
                            }
                        },
                    )
                fake.sent.append(message)
                return self._answer(200, {"name": f"projects/{project}/messages/{len(fake.sent)}"})

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
