"""One Supabase project reached through supabase-py: the client with our own HTTP timeouts,
and every call made through `call`, which retries what never reached the server and turns
the rest into Pressroom's error kinds — a rejected key is one clear sentence
(CredentialsRejected), an outage is transient, a lost lease is LeaseLost."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from postgrest import APIError
from storage3.exceptions import StorageApiError
from supabase import Client, ClientOptions, create_client
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from app.domain import CredentialsRejected, LeaseLost, PressroomError, TransientError

log = logging.getLogger(__name__)
# Retried at once: the request never reached the server, so even a POST is safe to resend.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Reported as transient (the monitor requeues with backoff): the request may have run.
_TRANSPORT = (httpx.TransportError, httpx.TimeoutException)


def ts(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _is_auth_error(message: str, code: str | None) -> bool:
    text = message.lower()
    return code in {"PGRST301", "PGRST302", "401", "403", "42501"} or any(
        s in text for s in ("invalid api key", "jwt", "invalid signature", "unauthorized")
    )


class SupabaseConnection:
    """One supabase-py client with our timeouts, and the error policy every call shares."""

    def __init__(self, url: str, key: str, timeout: float = 30.0, attempts: int = 3) -> None:
        self.url = url
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0))
        try:
            self.client: Client = create_client(
                url,
                key,
                # postgrest-py's own retry (GETs only, up to 7 s) is off: ours covers all calls.
                options=ClientOptions(
                    httpx_client=self._http,
                    postgrest_client_timeout=timeout,
                    postgrest_client_retry=False,
                ),
            )
        except Exception as exc:
            self._http.close()
            raise PressroomError(f"SUPABASE_URL {url!r} cannot be used: {exc}") from None
        self.attempts = attempts

    def call(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run one request with the shared policy; supabase-py's replies are untyped JSON."""
        retrying = Retrying(
            retry=retry_if_exception_type(_NOT_SENT),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=0.5, max=5),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return fn()
        except _TRANSPORT as exc:
            raise TransientError(f"cannot reach Supabase at {self.url} ({what}): {exc}") from None
        except APIError as exc:
            message = exc.message or str(exc)
            if message.startswith("lease lost: "):
                raise LeaseLost(message.removeprefix("lease lost: ")) from None
            if _is_auth_error(message, exc.code):
                raise CredentialsRejected(f"Supabase rejected the service key: {message}") from None
            # PGRST000-003: PostgREST cannot reach its database or schema cache (HTTP 503).
            transient_codes = {"408", "429", "PGRST000", "PGRST001", "PGRST002", "PGRST003"}
            if str(exc.code or "").startswith("5") or str(exc.code) in transient_codes:
                raise TransientError(f"Supabase is unavailable ({what}): {message}") from None
            raise PressroomError(f"Supabase refused {what}: {message}") from None
        except StorageApiError as exc:
            status = str(exc.status)
            if status in ("401", "403") or _is_auth_error(exc.message, exc.code):
                raise CredentialsRejected(
                    f"Supabase Storage rejected the key: {exc.message}"
                ) from None
            if status.startswith("5"):
                raise TransientError(f"Supabase Storage failed ({what}): {exc.message}") from None
            raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._http.close()
