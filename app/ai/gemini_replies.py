"""What a Gemini reply holds: its image, its text, and whether it was a refusal (a block
reason, a safety finish, no image), the same for a live answer and a batch job's."""

from __future__ import annotations

from typing import TypeVar

from google.genai import types
from pydantic import BaseModel, ValidationError

from app.domain import SafetyBlocked

SchemaT = TypeVar("SchemaT", bound=BaseModel)

_REFUSALS = {
    "SAFETY",
    "IMAGE_SAFETY",
    "PROHIBITED_CONTENT",
    "BLOCKLIST",
    "SPII",
    "RECITATION",
    "NO_IMAGE",
    "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION",
    "IMAGE_OTHER",
    "OTHER",
}


def raise_if_blocked(response: types.GenerateContentResponse, label: str) -> None:
    feedback = response.prompt_feedback
    if not response.candidates and feedback is not None and feedback.block_reason:
        reason = getattr(feedback.block_reason, "value", feedback.block_reason)
        detail = f" ({feedback.block_reason_message})" if feedback.block_reason_message else ""
        raise SafetyBlocked(f"{label}: the request was blocked: {reason}{detail}")
    if response.candidates:
        candidate = response.candidates[0]
        finish = getattr(candidate.finish_reason, "value", candidate.finish_reason)
        if candidate.content is None and finish in _REFUSALS:
            raise SafetyBlocked(f"{label}: the model declined (finish reason {finish})")


def _parts(response: types.GenerateContentResponse) -> list[types.Part]:
    if not response.candidates or response.candidates[0].content is None:
        return []
    return [p for p in response.candidates[0].content.parts or [] if not p.thought]


def last_image(response: types.GenerateContentResponse) -> bytes | None:
    images = [
        p.inline_data.data
        for p in _parts(response)
        if p.inline_data
        and p.inline_data.data
        and (p.inline_data.mime_type or "").startswith("image/")
    ]
    return images[-1] if images else None


def reply_text(response: types.GenerateContentResponse) -> str | None:
    texts = [p.text for p in _parts(response) if p.text]
    return "\n".join(texts) if texts else None


def parsed_as(response: types.GenerateContentResponse, schema: type[SchemaT]) -> SchemaT | None:
    """The structured answer: as the SDK parsed it (a live call), else read from the text
    (a batch job's answer, which the SDK does not parse)."""
    if isinstance(response.parsed, schema):
        return response.parsed
    text = reply_text(response)
    try:
        return schema.model_validate_json(text) if text else None
    except ValidationError:
        return None
