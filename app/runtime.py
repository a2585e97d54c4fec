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
    if settings.gemini_api_key is not None:
        log.warning("a Gemini key is set, but this build has only the template provider")
    return TemplateProvider(max_pixels=settings.max_image_pixels)


def build_services(settings: Settings, events: EventBus | None = None) -> JobServices:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cpu.configure(settings.cpu_workers)
    store, blobs = open_stores(settings)
    return JobServices(
        store=store,
        blobs=blobs,
        provider=make_provider(settings),
        settings=settings,
        events=events or EventBus(),
    )
