"""The models the fake Gemini serves, as Google's ListModels describes them."""

from __future__ import annotations

from typing import Any

# What Google serves (its models page as read on 2026-12-02): id -> image sizes it takes
# (None: a text model). Retired ids (gemini-2.5-flash-image, gemini-2.5-flash) are absent.
SIZES = {"512": 512, "1K": 1024, "2K": 2048, "4K": 4096}
SERVED: dict[str, dict[str, int] | None] = {
    "gemini-3.1-flash-image": dict(SIZES),
    "gemini-3-pro-image": {k: v for k, v in SIZES.items() if k != "512"},
    "gemini-3.1-flash-lite-image": None,  # answers at its own ~1K, takes no size
    "gemini-3.8-flash": None,
    "gemini-3.7-flash": None,
    "gemini-3.6-flash": None,
    "gemini-3.5-flash": None,
    "gemini-3.5-flash-lite": None,
    "gemini-3.1-flash-lite": None,
    "gemini-3-flash-preview": None,
    "gemini-3.1-pro-preview": None,
}
NOT_FOR_GENERATION = {"gemini-embedding-2": ["embedContent"]}


def model_entry(model: str) -> dict[str, Any]:
    """A model as ListModels describes it (no shutdown date: Google's answer has none)."""
    actions = NOT_FOR_GENERATION.get(
        model, ["generateContent", "countTokens", "batchGenerateContent"]
    )
    return {
        "name": f"models/{model}",
        "version": "001",
        "displayName": model.replace("-", " ").title(),
        "description": f"{model}, as served",
        "inputTokenLimit": 1048576 if "image" not in model else 131072,
        "outputTokenLimit": 65536 if "image" not in model else 32768,
        "supportedGenerationMethods": actions,
    }


__all__ = ["NOT_FOR_GENERATION", "SERVED", "SIZES", "model_entry"]
