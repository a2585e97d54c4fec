"""The usage and cost ledger: tokens and images per provider call, retries included,
summed per item, with a per-item budget ceiling that stops a runaway job.

The job opens a ledger for its item and makes it current (a context variable, so every
page task of that job records into it); the provider records each HTTP attempt.

The ledger also keeps the **native** pixel size of every image a provider answered with,
per task label ("cover", "page 3"), before anything resized it to print size: Gemini's
~1024 px answer is upscaled to the page, and the quality gate's resolution check must see
the 1024, not the upscaled file. `native_size_of(label)` reads it for the running job; the
job writes `ledger.native_sizes` into each run's provenance, and `native_sizes_in(provenance)`
reads them back for a resumed job whose pages were drawn by an earlier run.
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass, field
from typing import Any

from app.ai.models import model_table
from app.domain import BudgetExceeded

# What a call to a model the table does not know is counted at: the dearest known
# prices, so that an unknown model can never slip under a budget.
UNKNOWN_PRICES = (2.00, 12.00, 0.24)


@dataclass(frozen=True)
class Prices:
    """Overrides of the model table's prices (PRESSROOM_PRICE_*); None keeps the table's
    (resources/ai/gemini-models.json, per model, size and lane: app/ai/models.py)."""

    input_per_million: float | None = None
    output_per_million: float | None = None
    per_image: float | None = None

    def of_call(
        self,
        model: str,
        *,
        tokens_in: int,
        tokens_out: int,
        images: int,
        size: str | None = None,
        lane: str = "live",
    ) -> float:
        """US dollars for one call. An image call's output is the image (priced per image
        at its size); its output tokens are those of the image, not charged again."""
        table = model_table()
        info = table.get(model)
        if info is not None:
            listed = info.token_prices()
            inp, out, img = (
                listed.input_per_million,
                listed.output_per_million,
                info.image_price(size),
            )
            is_image_model = info.role == "image"
        else:
            inp, out, img = UNKNOWN_PRICES
            is_image_model = "image" in model
        inp = inp if self.input_per_million is None else self.input_per_million
        out = out if self.output_per_million is None else self.output_per_million
        img = img if self.per_image is None else self.per_image
        text_out = 0 if is_image_model else tokens_out
        cost = (tokens_in * inp + text_out * out) / 1e6 + images * img
        return cost * (table.batch_discount if lane == "batch" else 1.0)


@dataclass
class ProcessTotals:
    """Every call this process made, for `/metrics`: calls per (model, outcome) — "ok",
    or the error's kind, "RateLimited" for a 429 — and US dollars per model."""

    calls: dict[tuple[str, str], int] = field(default_factory=dict)
    cost_usd: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, model: str, outcome: str, cost: float) -> None:
        with self.lock:
            self.calls[(model, outcome)] = self.calls.get((model, outcome), 0) + 1
            self.cost_usd[model] = self.cost_usd.get(model, 0.0) + cost


TOTALS = ProcessTotals()


@dataclass
class UsageLedger:
    prices: Prices = field(default_factory=Prices)
    budget_usd: float | None = None
    prior_cost_usd: float = 0.0  # spent on this item by earlier runs (before a resume)
    reserved_usd: float = 0.0  # estimated cost of calls in flight
    calls: int = 0
    failed_calls: int = 0
    images: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    saved_usd: float = 0.0  # the live price of its batch-lane calls, less what they cost
    entries: list[dict[str, Any]] = field(default_factory=list)
    native_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (w, h)

    def estimate(
        self,
        model: str,
        images: int,
        size: str | None = None,
        tokens_in: int = 2_000,
        tokens_out: int = 500,
        lane: str = "live",
    ) -> float:
        return self.prices.of_call(
            model, tokens_in=tokens_in, tokens_out=tokens_out, images=images, size=size, lane=lane
        )

    def reserve(self, estimate: float) -> None:
        """Claim room in the budget for a call about to start, or stop the item.
        Counting calls in flight keeps K concurrent pages from all slipping under it."""
        spent = self.prior_cost_usd + self.cost_usd + self.reserved_usd
        if self.budget_usd is not None and spent + estimate > self.budget_usd:
            raise BudgetExceeded(
                f"stopped: this book has used ${self.prior_cost_usd + self.cost_usd:.2f} of AI "
                f"calls, and the next would pass its budget of ${self.budget_usd:.2f}"
            )
        self.reserved_usd += estimate

    def release(self, estimate: float) -> None:
        self.reserved_usd = max(0.0, self.reserved_usd - estimate)

    def record(
        self,
        label: str,
        model: str,
        *,
        tokens_in: int = 0,
        tokens_out: int = 0,
        images: int = 0,
        outcome: str = "ok",
        native_size: tuple[int, int] | None = None,
        size: str | None = None,
        lane: str = "live",
    ) -> None:
        def priced(at: str) -> float:
            return self.prices.of_call(
                model, tokens_in=tokens_in, tokens_out=tokens_out, images=images, size=size, lane=at
            )

        cost = priced(lane)
        if lane == "batch":
            self.saved_usd += priced("live") - cost
        self.cost_usd += cost
        TOTALS.add(model, outcome, cost)
        self.calls += 1
        self.failed_calls += outcome != "ok"
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.images += images
        self.entries.append(
            {
                "label": label,
                "model": model,
                "tokens_in": tokens_in,
                "tokens_out": tokens_out,
                "images": images,
                "outcome": outcome,
                "cost_usd": round(cost, 6),
                **({"size": size} if size else {}),
                **({"lane": lane} if lane != "live" else {}),
                **({"native_size": list(native_size)} if native_size else {}),
            }
        )
        if native_size:
            self.note_native_size(label, native_size)

    def note_native_size(self, label: str, size: tuple[int, int]) -> None:
        """The pixel size a provider drew `label` at, before any resize (the last answer
        for a label wins: a retried page is the retry's image)."""
        self.native_sizes[label] = (int(size[0]), int(size[1]))

    def native_size_of(self, label: str) -> tuple[int, int] | None:
        return self.native_sizes.get(label)

    def summary(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "failed_calls": self.failed_calls,
            "images": self.images,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": round(self.cost_usd, 4),
            "saved_usd": round(self.saved_usd, 4),
        }


current_ledger: contextvars.ContextVar[UsageLedger | None] = contextvars.ContextVar(
    "current_ledger", default=None
)


def note_native_size(label: str, size: tuple[int, int]) -> None:
    """Record `label`'s native size in the running job's ledger (no job, no record)."""
    ledger = current_ledger.get()
    if ledger is not None:
        ledger.note_native_size(label, size)


def native_size_of(label: str) -> tuple[int, int] | None:
    """The native (pre-resize) pixel size of the image the provider returned for `label`
    ("cover", "page 3") in the running job, or None when no provider recorded one (a
    provider that does not say, or an image made by an earlier run: see `native_sizes_in`)."""
    ledger = current_ledger.get()
    return ledger.native_size_of(label) if ledger is not None else None


def native_sizes_in(provenance: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Native sizes recorded by the runs in an item's provenance, the latest run winning:
    each run's `native_sizes`, else the sizes on its image calls."""
    found: dict[str, tuple[int, int]] = {}
    for run in provenance.get("runs", []) or []:
        for entry in run.get("calls", []) or []:
            size = entry.get("native_size")
            if isinstance(size, list) and len(size) == 2:
                found[str(entry.get("label"))] = (int(size[0]), int(size[1]))
        for label, size in (run.get("native_sizes") or {}).items():
            if isinstance(size, (list, tuple)) and len(size) == 2:
                found[str(label)] = (int(size[0]), int(size[1]))
    return found


def sum_usage(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("calls", "failed_calls", "images", "tokens_in", "tokens_out", "cost_usd", "saved_usd")
    total = {k: sum(s.get(k, 0) for s in summaries) for k in keys}
    total["cost_usd"] = round(total["cost_usd"], 4)
    total["saved_usd"] = round(total["saved_usd"], 4)
    return total
