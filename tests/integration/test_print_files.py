"""A demo book made for a printer on both stores: the interior and the cover spread pass
preflight, are published beside the reading PDF, and their URLs are recorded on the item
(the app's `pdf_url` still points at the reading PDF)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pymupdf

from app.catalog import load_demo_catalog, place_demo_orders
from app.domain import Status
from app.events import EventBus
from app.runtime import build_services
from app.worker.monitor import Monitor
from tests.integration.conftest import Backend


def fetch(url: str) -> bytes:
    if url.startswith("file://"):
        return Path(url.removeprefix("file://")).read_bytes()
    return httpx.get(url).content


def test_print_files_are_published_and_recorded(tmp_path: Path, backend: Backend) -> None:
    settings = backend.settings.model_copy(update={"print_profile": "kdp-paperback-8.5x8.5"})
    services = build_services(settings, EventBus())
    try:
        books = load_demo_catalog(services.store, services.blobs)[:1]
        [item] = place_demo_orders(services.store, services.blobs, books)
        asyncio.run(Monitor(services, worker_id="w").run_until_idle({item.id}, timeout=240))
        done = services.store.get_item(item.id)
        assert done.pressroom_status is Status.COMPLETED, done.last_error
        files = services.store.print_files(item.id)
        assert set(files) == {"interior", "cover"}
        assert done.pdf_url is not None and "-interior" not in done.pdf_url
        with pymupdf.open(stream=fetch(files["interior"]), filetype="pdf") as doc:
            assert doc.page_count == 24
            assert round(doc[0].rect.width / 72, 3) == 8.625  # KDP: no bleed in the gutter
        with pymupdf.open(stream=fetch(files["cover"]), filetype="pdf") as doc:
            assert round(doc[0].rect.width / 72, 4) == round(17.25 + 24 * 0.002347, 4)
        quality = services.store.get_quality(item.id)
        assert quality is not None
        preflight = [c for c in quality["checks"] if c["name"].startswith("preflight_")]
        assert preflight and all(c["passed"] for c in preflight)
    finally:
        services.store.close()
