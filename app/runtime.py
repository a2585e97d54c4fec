"""Wiring: settings -> stores, provider, event bus -> the services a job and monitor use."""

from __future__ import annotations

import logging

from app import cpu
from app.ai.provider import Provider
from app.ai.template import TemplateProvider
from app.config import Settings
from app.events import EventBus
from app.pipeline.job import JobServices
from app.store import open_stores

log = logging.getLogger(__name__)


def make_provider(settings: Settings) -> Provider:
    """Gemini when a key is set, else the offline template provider."""
    key = settings.gemini_api_key.get_secret_value() if settings.gemini_api_key else ""
    if not key:
        return TemplateProvider(max_pixels=settings.max_image_pixels)
    from app.ai.gemini import GeminiProvider

    log.info(
        "using Gemini (%s, %s) at %s",
        settings.gemini_analysis_model,
        settings.gemini_image_model,
        settings.gemini_base_url or "Google's endpoint",
    )
    return GeminiProvider(
        key,
        analysis_model=settings.gemini_analysis_model,
        image_model=settings.gemini_image_model,
        base_url=settings.gemini_base_url or None,
        api_version=settings.gemini_api_version,
        timeout_seconds=settings.gemini_timeout_seconds,
        concurrency_per_model=settings.gemini_concurrency,
        max_pixels=settings.max_image_pixels,
    )


def build_services(settings: Settings, events: EventBus | None = None) -> JobServices:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cpu.configure(settings.cpu_workers)  # keeps the kind (threads or processes) chosen
    store, blobs = open_stores(settings)
    return JobServices(
        store=store,
        blobs=blobs,
        provider=make_provider(settings),
        settings=settings,
        events=events or EventBus(),
    )
