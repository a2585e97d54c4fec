"""How Gemini's failures are read: a per-minute or a daily 429 (from the RetryInfo and
QuotaFailure details of Google's error body), a transport fault of the async client, and a
configuration fault — a model id Gemini does not serve, or a parameter it refuses for the
model — that pauses the queue with the setting to change (app/ai/gemini.py classifies)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx2
from google.genai import errors

from app.ai.models import retired_note
from app.ai.outage import OutageBreaker
from app.domain import (
    CredentialsRejected,
    GeminiUnreachable,
    ModelUnavailable,
    PermanentError,
    QuotaExhausted,
    TransientError,
)


def is_rate_limit(exc: BaseException) -> bool:
    """A per-minute 429 (a daily quota is classified as QuotaExhausted, not transient)."""
    return isinstance(exc, errors.APIError) and exc.code == 429


def is_aiohttp_error(exc: BaseException) -> bool:
    """With aiohttp installed the SDK's async client uses it; its errors are transport faults."""
    return any(cls.__module__.startswith("aiohttp") for cls in type(exc).__mro__)


def _details(details: Any) -> list[dict[str, Any]]:
    if isinstance(details, dict):
        inner = details.get("error", details)
        found = inner.get("details", []) if isinstance(inner, dict) else []
        return [d for d in found if isinstance(d, dict)]
    return [d for d in details or [] if isinstance(d, dict)]


def is_daily_quota(details: Any) -> bool:
    for detail in _details(details):
        for violation in detail.get("violations", []) or []:
            quota = f"{violation.get('quotaId', '')} {violation.get('quotaMetric', '')}".lower()
            if "perday" in quota or "per_day" in quota or "daily" in quota:
                return True
    return False


def retry_delay(details: Any) -> float | None:
    for detail in _details(details):
        delay = detail.get("retryDelay")
        if isinstance(delay, str) and (match := re.fullmatch(r"([\d.]+)s", delay.strip())):
            return float(match.group(1))
    return None


def configuration_fault(
    code: int, message: str, model: str | None, image_model: str
) -> ModelUnavailable | None:
    """A 404 for a model id, or a 400 saying a parameter is not supported by the model:
    every item would fail the same way, so the queue pauses with what to set."""
    if model is None:
        return None
    lowered = message.lower()
    role = "image" if model == image_model else "analysis"
    setting = (
        "PRESSROOM_GEMINI_IMAGE_MODEL" if role == "image" else "PRESSROOM_GEMINI_ANALYSIS_MODEL"
    )
    if code == 404 and ("not found" in lowered or "not supported" in lowered):
        return ModelUnavailable(
            f"Gemini does not serve the {role} model {model} ({retired_note(model)}): set "
            f"{setting} to a model it serves (`pressroom models` lists them)",
            model=model,
        )
    names_a_setting = any(w in lowered for w in ("image_size", "imagesize", "image size"))
    if code == 400 and (names_a_setting or ("not supported" in lowered and "model" in lowered)):
        return ModelUnavailable(
            f"Gemini refused a setting for the {role} model {model}: {message[:200]}. "
            f"Choose another model with {setting} (`pressroom models`).",
            model=model,
            probe_resumes=False,
        )
    return None


def classify(
    exc: BaseException, model: str | None, image_model: str, where: str, breaker: OutageBreaker
) -> BaseException:
    """What a failed call means for the job: transient (retried, with the server's hint), a
    paused queue (quota, key, a model or setting, an outage), or permanent."""
    if isinstance(exc, asyncio.CancelledError):
        return exc
    if isinstance(exc, errors.APIError):
        breaker.answered()  # it answered: reachable, whatever it said
        message = exc.message or str(exc)
        if exc.code == 429:
            if is_daily_quota(exc.details):
                return QuotaExhausted(f"Gemini's daily quota is used up ({message})")
            return TransientError(f"Gemini rate limit: {message}", retry_delay(exc.details))
        if exc.code in (401, 403) or "API key not valid" in message:
            return CredentialsRejected(f"Gemini rejected the API key: {message}")
        if exc.code in (408, 500, 502, 503, 504) or exc.code >= 500:
            return TransientError(f"Gemini is unavailable ({exc.code} {exc.status}): {message}")
        fault = configuration_fault(exc.code, message, model, image_model)
        if fault is not None:
            return fault
        return PermanentError(f"Gemini refused the request ({exc.code} {exc.status}): {message}")
    if isinstance(exc, (httpx2.TimeoutException, TimeoutError)):
        return _unreachable(f"Gemini did not answer in time ({where})", breaker)
    if isinstance(exc, (httpx2.TransportError, OSError)) or is_aiohttp_error(exc):
        return _unreachable(f"cannot reach Gemini at {where}: {exc}", breaker)
    return exc


def _unreachable(said: str, breaker: OutageBreaker) -> TransientError | GeminiUnreachable:
    """A connection fault or a timeout: retried, until every call has failed so for longer
    than the breaker's threshold; then the queue pauses (app/ai/outage.py)."""
    down_for = breaker.failed()
    if down_for is None:
        return TransientError(said)
    return GeminiUnreachable(
        f"{said}; no call has reached Gemini for {down_for:.0f} s. The queue waits and "
        "tries again by itself (items keep their attempts)."
    )
