"""An item's provenance: where its book came from (provider, model, input hashes) and every
run of its job (attempt, worker, outcome, timings, AI usage and native image sizes), with
the usage summed over the runs. Kept with the item's artifacts and in the store."""

from __future__ import annotations

from typing import Any

from app.ai.provider import Provider
from app.ai.usage import sum_usage


def with_run(
    previous: dict[str, Any], run: dict[str, Any], provider: Provider, inputs: dict[str, Any]
) -> dict[str, Any]:
    """The provenance after `run`: the earlier runs kept, the totals summed again."""
    runs = [*previous.get("runs", []), run]
    return {
        "provider": provider.name,
        "model": provider.model,
        "inputs": inputs or previous.get("inputs", {}),
        "usage_total": sum_usage([r.get("usage", {}) for r in runs]),
        "runs": runs,
    }
