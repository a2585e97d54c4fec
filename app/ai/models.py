"""What Pressroom knows of Gemini's models, from `resources/ai/gemini-models.json`: each
model's role (image or text), the output sizes it takes, its prices per token and per
image (by size, and in the Batch lane), and the shutdown dates of retired ids.

The table is data so that a price change or a new model is an edit of one file (its
`sources` name the pages the figures come from). The ledger prices each call from it;
the per-item budget's default is computed from it; `pressroom models` and the start-up
check of the configured models read the roles and the retired ids.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from app.assets import resource

Role = Literal["image", "text"]
Lane = Literal["live", "batch"]

# A book's calls besides its images, for the budget: two analyses and one judgement per
# image; each about this many tokens in (pictures as references) and out (JSON).
TEXT_CALL_TOKENS_IN = 6_000
TEXT_CALL_TOKENS_OUT = 600
IMAGE_CALL_TOKENS_IN = 4_000
BUDGET_HEADROOM = 2.0  # retries, a regenerated cover or pages: twice a clean run


@dataclass(frozen=True)
class TokenPrices:
    input_per_million: float
    output_per_million: float
    until: date | None = None  # the last day these prices hold (a promotion)


@dataclass(frozen=True)
class ModelInfo:
    model: str
    name: str
    role: Role
    sizes: dict[str, int] = field(default_factory=dict)  # label -> long side in pixels
    per_image: dict[str, float] = field(default_factory=dict)  # size label -> US dollars
    prices: tuple[TokenPrices, ...] = ()
    max_references: int | None = None
    shutdown: str | None = None

    @property
    def takes_size(self) -> bool:
        return bool(self.sizes)

    def token_prices(self, on: date | None = None) -> TokenPrices:
        """The prices on `on` (today when None): the first period that has not ended."""
        day = on or date.today()
        for period in self.prices:
            if period.until is None or day <= period.until:
                return period
        return self.prices[-1]

    def image_price(self, size: str | None) -> float:
        """The price of one image at `size` (the smallest size's price when the model
        takes no size, or the size is unknown: a model without sizes answers at ~1K)."""
        if not self.per_image:
            return 0.0
        if size in self.per_image:
            return self.per_image[size]
        return self.per_image.get("1K", next(iter(self.per_image.values())))

    def size_for(self, side_px: int | None) -> str | None:
        """The smallest size that covers `side_px` (the largest when none does), or None
        for a model that takes no size."""
        if side_px is None or not self.sizes:
            return None
        ordered = sorted(self.sizes.items(), key=lambda kv: kv[1])
        return next((label for label, side in ordered if side >= side_px), ordered[-1][0])


@dataclass(frozen=True)
class Retired:
    model: str
    shutdown: str
    role: Role
    replacement: str | None


@dataclass(frozen=True)
class ModelTable:
    models: dict[str, ModelInfo]
    retired: dict[str, Retired]
    batch_discount: float
    sources: dict[str, str]
    read: str

    def get(self, model: str) -> ModelInfo | None:
        """A model's entry; a dated or suffixed id (`…-001`, `models/…`) finds its base."""
        key = model.removeprefix("models/")
        if key in self.models:
            return self.models[key]
        matches = [m for m in self.models if re.match(re.escape(m) + r"-\d", key)]
        return self.models[max(matches, key=len)] if matches else None

    def role_of(self, model: str) -> Role | None:
        info = self.get(model)
        if info is not None:
            return info.role
        retired = self.retired.get(model.removeprefix("models/"))
        return retired.role if retired else guess_role(model)

    def in_role(self, role: Role) -> list[str]:
        return [m for m, info in self.models.items() if info.role == role]


def guess_role(model: str) -> Role | None:
    """For a served model the table does not know: image models say so in their id."""
    name = model.removeprefix("models/")
    if not name.startswith("gemini-"):
        return None
    if "image" in name:
        return "image"
    if any(word in name for word in ("tts", "live", "audio", "embedding", "robotics", "omni")):
        return None
    return "text"


def _prices(entry: dict[str, Any]) -> tuple[TokenPrices, ...]:
    periods = entry.get("prices") or [entry]
    return tuple(
        TokenPrices(
            float(p.get("input_per_million", 0.0)),
            float(p.get("output_per_million", 0.0)),
            date.fromisoformat(p["until"]) if p.get("until") else None,
        )
        for p in periods
    )


@functools.cache
def model_table() -> ModelTable:
    data = json.loads(resource("ai", "gemini-models.json").read_text("utf-8"))
    models = {
        model: ModelInfo(
            model=model,
            name=entry.get("name", model),
            role=entry["role"],
            sizes={k: int(v) for k, v in (entry.get("sizes") or {}).items()},
            per_image={k: float(v) for k, v in (entry.get("per_image") or {}).items()},
            prices=_prices(entry),
            max_references=entry.get("max_references"),
            shutdown=entry.get("shutdown"),
        )
        for model, entry in data["models"].items()
    }
    retired = {
        model: Retired(model, entry["shutdown"], entry["role"], entry.get("replacement"))
        for model, entry in data.get("retired", {}).items()
    }
    return ModelTable(
        models, retired, float(data.get("batch_discount", 0.5)), data["sources"], data["read"]
    )


@dataclass(frozen=True)
class BookEstimate:
    """What a clean run of one book costs at list prices, and the budget made from it."""

    pages: int
    image_model: str
    text_model: str
    size: str | None
    images_usd: float
    text_usd: float
    lane: Lane = "live"

    @property
    def total_usd(self) -> float:
        return self.images_usd + self.text_usd

    @property
    def budget_usd(self) -> float:
        return round(self.total_usd * BUDGET_HEADROOM + 0.005, 2)

    def line(self) -> str:
        size = f" at {self.size}" if self.size else ""
        return (
            f"a {self.pages}-page book on {self.image_model}{size} + {self.text_model} "
            f"({self.lane}): ${self.images_usd:.2f} images + ${self.text_usd:.2f} analyses and "
            f"judgements = ${self.total_usd:.2f}; budget per item ${self.budget_usd:.2f}"
        )


def estimate_book(
    image_model: str,
    text_model: str,
    side_px: int | None,
    pages: int = 12,
    lane: Lane = "live",
    on: date | None = None,
) -> BookEstimate:
    """A book of `pages` pages: a cover and each page drawn, two analyses, a judgement per
    image; unknown models cost nothing here (the ledger then says so per call)."""
    table = model_table()
    factor = table.batch_discount if lane == "batch" else 1.0
    images = pages + 1
    image_info, text_info = table.get(image_model), table.get(text_model)
    size = image_info.size_for(side_px) if image_info else None
    images_usd = 0.0
    if image_info is not None:
        inp = image_info.token_prices(on).input_per_million
        images_usd = images * (image_info.image_price(size) + IMAGE_CALL_TOKENS_IN * inp / 1e6)
    text_usd = 0.0
    if text_info is not None:
        p = text_info.token_prices(on)
        per_call = (
            TEXT_CALL_TOKENS_IN * p.input_per_million + TEXT_CALL_TOKENS_OUT * p.output_per_million
        ) / 1e6
        text_usd = (2 + images) * per_call
    return BookEstimate(
        pages, image_model, text_model, size, images_usd * factor, text_usd * factor, lane
    )


# The defaults, chosen from Google's models and deprecations pages as read on 2026-12-02
# (https://ai.google.dev/gemini-api/docs/models, …/docs/deprecations): Nano Banana 2 for
# images (GA 28 May 2026, image_size 512 to 4K), the newest stable Flash for analyses and
# judgements. gemini-2.5-flash-image was shut down on 2 October 2026, gemini-2.5-flash on
# 1 December 2026. Both are settings: `pressroom models` lists what a key may use.
DEFAULT_IMAGE_MODEL = "gemini-3.1-flash-image"
DEFAULT_TEXT_MODEL = "gemini-3.8-flash"

ROLE_OF_SETTING: dict[str, Role] = {"image": "image", "analysis": "text"}


def retired_note(model: str) -> str:
    """What the table knows of an id no longer served: "shut down on …, replaced by …"."""
    retired = model_table().retired.get(model.removeprefix("models/"))
    if retired is None:
        return "not in the list of models this key may use"
    instead = f"; its replacement is {retired.replacement}" if retired.replacement else ""
    return f"shut down on {retired.shutdown}{instead}"


def served_ids(served: list[tuple[str, list[str]]]) -> list[str]:
    """The ids (without `models/`) that answer generateContent."""
    return [
        name.removeprefix("models/")
        for name, actions in served
        if not actions or "generateContent" in actions
    ]


def missing_models(served: list[tuple[str, list[str]]], configured: dict[str, str]) -> list[str]:
    """For each configured model (by setting: "image", "analysis") that the served list
    lacks, one sentence naming it, what is known of it, and the served ids of its role."""
    ids = served_ids(served)
    table = model_table()
    problems = []
    for setting, model in configured.items():
        if model.removeprefix("models/") in ids:
            continue
        role = ROLE_OF_SETTING.get(setting, "text")
        fitting = [m for m in ids if table.role_of(m) == role]
        known = [m for m in fitting if table.get(m) is not None] or fitting
        env = f"PRESSROOM_GEMINI_{setting.upper()}_MODEL"
        choice = ", ".join(known[:6]) if known else "none"
        problems.append(
            f"the {setting} model {model} is not served by Gemini ({retired_note(model)}); "
            f"set {env} to one it serves for {role}: {choice}"
        )
    return problems


def image_size_for(model: str, side_px: int | None) -> str | None:
    """The smallest `image_size` the model takes that covers `side_px` (its largest when
    none does), or None for a model that takes no size (resources/ai/gemini-models.json):
    preflight then reports the native resolution it really got."""
    info = model_table().get(model)
    return info.size_for(side_px) if info is not None else None


def resolution_note(model: str, side_px: int | None) -> str | None:
    """Why this model cannot draw a page at the printer's resolution, or None when it can."""
    if side_px is None:
        return None
    info = model_table().get(model)
    if info is None or not info.takes_size:
        return (
            f"{model} takes no image_size, so it draws at its own size (about 1K) where the "
            f"printer needs {side_px} px on the long side"
        )
    largest = max(info.sizes.values())
    if largest < side_px:
        label = max(info.sizes, key=lambda k: info.sizes[k])
        return (
            f"{model} draws at most {label} ({largest} px) where the printer needs "
            f"{side_px} px on the long side"
        )
    return None
