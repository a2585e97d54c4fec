"""`pressroom models`: which Gemini models the key may use, for which of Pressroom's roles,
which are configured, and what is known of their shutdown; `pressroom models try MODEL`:
the demo books made by the candidate beside the configured model — gate verdicts, native
resolution, calls, cost and time — the evidence to switch; for the analysis role also the
judge's verdicts on the calibration set of `bench --quality` (faults caught, good pages
flagged).

Each trial runs on a scratch embedded store in a temporary folder (no order, e-mail or
customer link is made in the shop), with the shop's own key and endpoint.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from app.ai.gemini import GeminiProvider
from app.ai.models import model_table, served_ids
from app.ai.usage import native_sizes_in
from app.catalog import load_demo_catalog, place_demo_orders
from app.config import Settings
from app.domain import PressroomError, Status
from app.events import EventBus
from app.pipeline import checkpoints as ck
from app.quality.calibration_judge import judge_calibration, judge_lines
from app.runtime import build_services, make_provider
from app.worker.monitor import Monitor

ROLE_SETTING = {"image": "gemini_image_model", "analysis": "gemini_analysis_model"}


def _gemini(settings: Settings) -> GeminiProvider:
    provider = make_provider(settings)
    if not isinstance(provider, GeminiProvider):
        raise PressroomError(
            "no Gemini key is set (GOOGLE_AI_API_KEY): the offline template provider has no "
            "models to list or try"
        )
    return provider


async def _served(provider: GeminiProvider) -> list[tuple[str, list[str]]]:
    try:
        return [
            (m.name or "", list(m.supported_actions or [])) for m in await provider.served_models()
        ]
    finally:
        await provider.aclose()


def list_models(settings: Settings) -> int:
    """Print the served models that answer generateContent, by role, marking the ones
    configured; the configured ones that are not served are named at the end."""
    served = asyncio.run(_served(_gemini(settings)))
    table = model_table()
    configured = {
        settings.gemini_image_model: "image",
        settings.gemini_analysis_model: "analysis",
    }
    ids = served_ids(served)
    print(f"{'model':<32} {'role':<9} {'sizes':<16} {'price':<22} notes")
    for model in sorted(ids, key=lambda m: (table.role_of(m) or "z", m)):
        role = table.role_of(model)
        if role is None:
            continue
        info = table.get(model)
        sizes = "/".join(info.sizes) if info and info.sizes else ""
        if info is None:
            price = "not in the price table"
        elif info.role == "image":
            price = " ".join(f"{k} ${v:.3f}" for k, v in list(info.per_image.items())[-2:])
        else:
            p = info.token_prices()
            price = f"${p.input_per_million:g}/${p.output_per_million:g} per M"
        notes = []
        if model in configured:
            notes.append(f"configured ({configured[model]})")
        if info and info.shutdown:
            notes.append(f"shutdown {info.shutdown}")
        shown_role = "image" if role == "image" else "analysis"
        print(f"{model:<32} {shown_role:<9} {sizes:<16} {price:<22} {', '.join(notes)}")
    missing = [m for m in configured if m.removeprefix("models/") not in ids]
    for model in missing:
        retired = table.retired.get(model)
        when = f" (shut down on {retired.shutdown})" if retired else ""
        print(f"NOT SERVED: {model}, configured for {configured[model]}{when}")
    print(f"prices and dates: resources/ai/gemini-models.json, read {table.read}")
    return 1 if missing else 0


@dataclass
class Trial:
    model: str
    seconds: float
    outcomes: list[str]
    verdicts: list[str]
    native: list[str]
    calls: int
    failed_calls: int
    cost_usd: float
    judge: list[str] | None = None  # the judge on bench --quality's calibration set

    def lines(self) -> list[str]:
        return [
            f"{self.model}",
            f"  books      {', '.join(self.outcomes)}",
            f"  gate       {', '.join(self.verdicts)}",
            f"  native     {', '.join(self.native)}",
            f"  calls      {self.calls} ({self.failed_calls} failed)",
            f"  cost       ${self.cost_usd:.3f}",
            f"  time       {self.seconds:.1f} s",
            *(self.judge or []),
        ]


def _trial_settings(settings: Settings, root: Path, setting: str, model: str) -> Settings:
    """The shop's Gemini settings on a scratch store: nothing reaches the shop."""
    return settings.model_copy(
        update={
            "data_dir": root,
            setting: model,
            "review_mode": False,
            "supabase_url": None,
            "supabase_service_key": None,
            "database_url": None,
            "smtp_host": None,
            "fcm_service_account": None,
            "worker_id": f"trial-{model}",
        }
    )


def run_trial(
    settings: Settings, setting: str, model: str, timeout: float, pages: int | None = None
) -> Trial:
    with tempfile.TemporaryDirectory(prefix="pressroom-trial-") as tmp:
        services = build_services(_trial_settings(settings, Path(tmp), setting, model), EventBus())
        try:
            books = load_demo_catalog(services.store, services.blobs)
            if pages is not None:  # a shorter book, on the scratch store only
                books = [replace(b, pages=b.pages[: max(1, pages)]) for b in books]
                for book in books:
                    services.store.save_book(book)
            items = place_demo_orders(services.store, services.blobs, books)
            started = time.monotonic()
            monitor = Monitor(services)
            asyncio.run(monitor.run_until_idle({i.id for i in items}, timeout=timeout))
            seconds = time.monotonic() - started
            if monitor.paused_reason:
                raise PressroomError(f"{model}: {monitor.paused_reason}")
            done = [services.store.get_item(i.id) for i in items]
            verdicts = services.store.quality_summaries([i.id for i in items])
            outcomes, native, calls, failed, cost = [], [], 0, 0, 0.0
            for item in done:
                state = item.pressroom_status.value
                if item.pressroom_status is Status.FAILED:
                    state += f" ({(item.last_error or '')[:60]})"
                outcomes.append(f"{item.book_id}: {state}")
                provenance = ck.Checkpoints(services.blobs, item.id).get_json(ck.PROVENANCE) or {}
                usage = provenance.get("usage_total") or {}
                calls += int(usage.get("calls", 0))
                failed += int(usage.get("failed_calls", 0))
                cost += float(usage.get("cost_usd", 0.0))
                sizes = native_sizes_in(provenance)
                if sizes:
                    longest = sorted({max(s) for s in sizes.values()})
                    native.append(f"{item.book_id}: {'/'.join(map(str, longest))} px")
            return Trial(
                model,
                seconds,
                outcomes,
                [f"{i.book_id}: {verdicts.get(i.id) or 'not checked'}" for i in done],
                native or ["not recorded"],
                calls,
                failed,
                cost,
            )
        finally:
            services.store.close()


def try_model(
    settings: Settings,
    candidate: str,
    role: str,
    timeout: float = 1800.0,
    pages: int | None = None,
) -> int:
    """The demo books (their first `pages` pages) on the configured model, then on
    `candidate` in its place."""
    setting = ROLE_SETTING[role]
    configured = str(getattr(settings, setting))
    provider = _gemini(settings.model_copy(update={setting: candidate}))

    async def check() -> list[str]:
        try:
            return await provider.check_models()
        finally:
            await provider.aclose()

    problems = asyncio.run(check())
    if problems:
        raise PressroomError("; ".join(problems))
    print(f"Trying {candidate} as the {role} model beside {configured} on the demo books")
    trials = [
        run_trial(settings, setting, model, timeout, pages)
        for model in dict.fromkeys((configured, candidate))
    ]
    if role == "analysis":  # the model that judges: its verdicts on the calibration set
        for trial in trials:
            trial.judge = calibrate_judge(settings.model_copy(update={setting: trial.model}))
    for trial in trials:
        print("\n".join(trial.lines()))
    return 0


def calibrate_judge(settings: Settings) -> list[str]:
    provider = _gemini(settings)

    async def judged() -> list[str]:
        try:
            return judge_lines(await judge_calibration(provider, settings))
        finally:
            await provider.aclose()

    return asyncio.run(judged())
