"""`pressroom --self-check`: every part, exercised once, in a temporary folder. Exit 0, or
print what is broken. The bundle's smoke test in CI."""

from __future__ import annotations

import asyncio
import importlib
import ssl
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.runtime import JobServices

MODULES = (
    "app.domain",
    "app.config",
    "app.store.embedded",
    "app.store.supabase",
    "app.store.migrate",
    "app.ai.template",
    "app.ai.gemini",
    "app.ai.prompt",
    "app.pipeline.job",
    "app.print.pdf",
    "app.worker.monitor",
    "app.worker.service",
    "app.catalog",
    "app.migrations",
    "app.resources",
)


def run_self_check() -> int:
    from app import cpu

    checks: list[tuple[str, Callable[[Path], str]]] = [
        ("imports", _imports),
        ("certificates", _certificates),
        ("embedded store", _store),
        ("PDF", _pdf),
        ("demo cover (template provider)", _cover),
        ("monitor start and stop", _monitor),
        ("console (Qt)", _qt),
        ("console's display platform", _display),
        ("notifications", _notifications),
        ("Gemini models", _gemini_models),
    ]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="pressroom-selfcheck-") as tmp:
        for name, check in checks:
            try:
                detail = check(Path(tmp))
                print(f"ok    {name}{f' — {detail}' if detail else ''}", flush=True)
            except Exception as exc:
                failures += 1
                print(f"FAIL  {name}: {type(exc).__name__}: {exc}", flush=True)
                traceback.print_exc()
    cpu.shutdown()
    print("self-check passed" if not failures else f"self-check: {failures} part(s) broken")
    return 0 if not failures else 1


def _notifications(_: Path) -> str:
    """Which channels are set up, and whether each answers (no message is sent)."""
    from app.notify.probe import channel_report
    from app.user_settings import load_settings

    report = channel_report(load_settings())
    broken = [f"{c}: {said}" for c, ok, said in report if ok is False]
    if broken:
        raise RuntimeError("; ".join(broken))
    return "; ".join(f"{c}: {said}" for c, _, said in report)


def _gemini_models(_: Path) -> str:
    """With a Gemini key: the configured models are among those Gemini serves."""
    from app.ai.gemini import GeminiProvider
    from app.runtime import make_provider
    from app.user_settings import load_settings

    settings = load_settings()
    provider = make_provider(settings)
    if not isinstance(provider, GeminiProvider):
        return "offline (template provider): no models to check"

    async def check() -> list[str]:
        try:
            return await asyncio.wait_for(provider.check_models(), 30)
        finally:
            await provider.aclose()

    problems = asyncio.run(check())
    if problems:
        raise RuntimeError("; ".join(problems))
    return f"{settings.gemini_image_model} and {settings.gemini_analysis_model} are served"


def _imports(_: Path) -> str:
    for name in MODULES:
        importlib.import_module(name)
    return f"{len(MODULES)} modules"


def _certificates(_: Path) -> str:
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    return f"{len(context.get_ca_certs())} CA certificates from certifi"


def _services(tmp: Path) -> JobServices:
    from app.config import Settings
    from app.runtime import build_services

    return build_services(Settings(data_dir=tmp / "data", poll_interval_ms=200))


def _store(tmp: Path) -> str:
    from app.catalog import load_demo_catalog

    services = _services(tmp)
    books = load_demo_catalog(services.store, services.blobs)
    return f"{len(books)} demo books in {tmp / 'data'}"


def _pdf(_: Path) -> str:
    from app.assets import demo_root
    from app.print.pdf import BookPage, PrintSpec, compose_book, render_page_png

    page = demo_root().joinpath("moon-boat", "page-01.jpg").read_bytes()
    cover = demo_root().joinpath("moon-boat", "cover.jpg").read_bytes()
    book = compose_book(
        cover,
        [BookPage(page, "Ada sails.", "page 1")],
        PrintSpec(),
        title="Self-check",
        child_name="Ada",
    )
    png = render_page_png(book.pdf, 1, dpi=30)
    return f"{len(book.pdf) // 1024} KB PDF, page rendered ({len(png)} bytes PNG)"


def _cover(tmp: Path) -> str:
    from app.ai.one_cover import personalize_cover
    from app.ai.template import TemplateProvider
    from app.assets import demo_root
    from app.catalog import demo_photo
    from app.domain import Book, Personalization

    provider = TemplateProvider()
    cover = demo_root().joinpath("giant-garden", "cover.jpg").read_bytes()
    photo = demo_photo("child-kofi.jpg")

    book = Book("self-check", "Mia's Garden of Giants", "", "", "Mia", "", ())
    result = asyncio.run(personalize_cover(provider, cover, photo, book, Personalization("Kofi")))
    image = result.image
    (tmp / "cover.jpg").write_bytes(image)
    return f"{len(image) // 1024} KB cover"


def _monitor(tmp: Path) -> str:
    from app.worker.monitor import Monitor

    services = _services(tmp)

    async def start_stop() -> bool:
        monitor = Monitor(services)
        task = asyncio.create_task(monitor.run())
        await asyncio.sleep(0.3)
        running = monitor.is_running
        monitor.stop()
        await task
        return running and not monitor.is_running

    if not asyncio.run(start_stop()):
        raise RuntimeError("the monitor did not start and stop")
    return "started and stopped"


def _display(_: Path) -> str:
    from app.ui.selfcheck import check_console_platform

    return check_console_platform()


def _qt(_: Path) -> str:
    from app.ui.selfcheck import check_qt  # the only part that needs Qt

    return check_qt()
