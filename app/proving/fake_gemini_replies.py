"""The fake Gemini's replies, shaped as the real service shapes them: Google's error
bodies (a per-minute 429 with its retry hint, a daily quota, a 503, a 400), safety blocks,
refusals, malformed JSON, the judge's and the locate step's structured answers, and the
default answers: a structured one that fits the request's schema, and a drawn picture."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw, ImageOps

from app.ai.imaging import face_region, thumbnail


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _b64(text: str) -> bytes:
    """The SDK sends URL-safe base64; the API accepts both alphabets."""
    return base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))


def error_body(
    code: int, status: str, message: str, details: list[Any] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, "details": details or []}}


def rate_limited(retry_seconds: int = 1) -> Reply:
    return Reply(
        429,
        error_body(
            429,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {
                            "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",  # noqa: E501
                            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                        }
                    ],
                },
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{retry_seconds}s",
                },
            ],
        ),
    )


def daily_quota() -> Reply:
    return Reply(
        429,
        error_body(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota.",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {
                            "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests_per_day",  # noqa: E501
                            "quotaId": "GenerateRequestsPerDayPerProjectPerModel",
                        }
                    ],
                },
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3600s"},
            ],
        ),
    )


def unavailable() -> Reply:
    return Reply(
        503, error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
    )


def bad_request(message: str = "Request contains an invalid argument.") -> Reply:
    return Reply(400, error_body(400, "INVALID_ARGUMENT", message))


def image_safety() -> Reply:
    return Reply(
        body={
            "candidates": [{"finishReason": "IMAGE_SAFETY", "index": 0}],
            "usageMetadata": {"promptTokenCount": 1300, "totalTokenCount": 1300},
        }
    )


def prompt_blocked(reason: str = "SAFETY") -> Reply:
    return Reply(
        body={
            "promptFeedback": {"blockReason": reason},
            "usageMetadata": {"promptTokenCount": 900, "totalTokenCount": 900},
        }
    )


def text_refusal(text: str = "I can't make that picture.") -> Reply:
    return Reply(
        body={
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
            ]
        }
    )


def malformed_json() -> Reply:
    return Reply(
        body={
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [{"text": '```json\n{"art_style": \n```'}],
                    },
                    "finishReason": "STOP",
                }
            ]
        }
    )


JUDGE_PASS: dict[str, Any] = {
    "reasons": "The hero has the child's brown bob, fair skin and blue eyes, drawn in the "
    "original's flat style; the layout is unchanged.",
    "same_child": True,
    "likeness": 0.86,
    "style_matches": True,
    "defects": [],
}


def _json_reply(answer: Any, finish: str = "STOP") -> Reply:
    return Reply(
        body={
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": json.dumps(answer)}]},
                    "finishReason": finish,
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 2300,
                "candidatesTokenCount": 150,
                "totalTokenCount": 2450,
            },
        }
    )


def judge_verdict(**fields: Any) -> Reply:
    """A judge's structured answer: the passing verdict with `fields` changed, e.g.
    `judge_verdict(same_child=False, likeness=0.2, defects=[{"kind": "second_child",
    "reason": "…"}])`."""
    return _json_reply({**JUDGE_PASS, **fields})


def judge_blocked(reason: str = "SAFETY") -> Reply:
    """The judge's request refused outright (a prompt block: no candidates)."""
    return prompt_blocked(reason)


def judge_declined() -> Reply:
    """The judge stopped for safety with no content."""
    return Reply(
        body={
            "candidates": [{"finishReason": "SAFETY", "index": 0}],
            "usageMetadata": {"promptTokenCount": 2300, "totalTokenCount": 2300},
        }
    )


def judge_malformed() -> Reply:
    """A verdict that does not fit the schema: likeness as a percentage, a field missing."""
    return _json_reply({"reasons": "Looks like her.", "same_child": "yes", "likeness": 87})


# A locate call's default answer: Gemini's box_2d, [ymin, xmin, ymax, xmax] on 0..1000.
LOCATE_BOX = (200, 250, 700, 600)


def locate_reply(*boxes_2d: Any) -> Reply:
    """A locate call's structured answer, one entry per box_2d given (y first, 0..1000;
    anything, to test what the provider does with it); none: nothing found."""
    return _json_reply({"boxes": [{"box_2d": list(box)} for box in boxes_2d]})


def locate_malformed() -> Reply:
    """Boxes that do not fit the schema: three fractions where four thousandths belong."""
    return _json_reply({"boxes": [{"box_2d": [0.2, 0.25, 0.7]}], "hero": "left"})


def model_not_found(model: str, version: str = "v1beta") -> Reply:
    """Google's answer for a model id it does not serve (retired, misspelt)."""
    return Reply(
        404,
        error_body(
            404,
            "NOT_FOUND",
            f"models/{model} is not found for API version {version}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their "
            "supported methods.",
        ),
    )


def invalid_image_size(size: str) -> Reply:
    """The answer for an image_size the model does not take (Google's invalid-value form)."""
    return bad_request(f"Invalid value at 'generation_config.image_config.image_size', \"{size}\"")


def sample_answer(schema: dict[str, Any], name: str = "") -> Any:
    kind = str(schema.get("type", "STRING")).upper()
    if schema.get("anyOf"):
        return sample_answer(schema["anyOf"][0], name)
    if schema.get("enum"):
        return schema["enum"][0]
    if name == "box_2d":
        return list(LOCATE_BOX)
    if kind == "OBJECT":
        return {k: sample_answer(v, k) for k, v in schema.get("properties", {}).items()}
    if kind == "ARRAY":
        item = schema.get("items", {})
        if str(item.get("type", "")).upper() in ("NUMBER", "INTEGER"):
            return [0.3, 0.2, 0.7, 0.6]
        if "box_2d" in (item.get("properties") or {}):
            return [sample_answer(item, name)]  # one box: where the hero stands
        return [sample_answer(item, name) for _ in range(2)]
    if kind in ("NUMBER", "INTEGER"):
        return 5
    if kind == "BOOLEAN":
        return False
    return f"model's {name.replace('_', ' ')}"


def drawn_image(references: list[bytes], aspect: str | None, side: int = 1024) -> bytes:
    """What an image model would return: a picture `side` px on its long side (the size
    asked), based on the first reference."""
    base = (
        Image.open(io.BytesIO(references[0])).convert("RGB")
        if references
        else Image.new("RGB", (side, side), "white")
    )
    w, h = (int(v) for v in (aspect or "1:1").split(":"))
    size = (side, round(side * h / w)) if w >= h else (round(side * w / h), side)
    out = ImageOps.fit(base, size)
    draw = ImageDraw.Draw(out)
    # Where the hero's face is (the largest face-like skin region, as the template provider
    # finds it), a new face, as a model would draw; else the upper middle.
    found = face_region(thumbnail(out, 256))  # found small: a 4K flood fill takes 20 s
    if found is not None:
        left, top, right, bottom = found[0].to_pixels(*size)
        pad = max(4, (right - left) // 6)
        box = (left - pad, top - pad, right + pad, bottom + pad)
    else:
        cx, cy, r = size[0] // 2, size[1] // 3, size[0] // 10
        box = (cx - r, cy - r, cx + r, cy + r)
    draw.ellipse(box, fill=(150, 96, 70), outline=(40, 30, 30), width=6)
    buf = io.BytesIO()
    out.save(buf, "PNG", compress_level=1)
    return buf.getvalue()
