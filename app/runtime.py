"""Wiring: settings -> stores, provider, event bus -> the services a job and monitor use."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

from pydantic import SecretStr

from app import cpu
from app.ai.models import estimate_book
from app.ai.provider import Provider
from app.ai.shared_pace import PaceLedger
from app.ai.template import TemplateProvider
from app.config import Settings
from app.domain import BadInput, ConfigurationError, PressroomError
from app.events import EventBus
from app.print.profiles import print_side_px
from app.redact import register
from app.store import open_stores
from app.store.ports import BlobStore, OrderStore

log = logging.getLogger(__name__)


@dataclass
class JobServices:
    store: OrderStore
    blobs: BlobStore
    provider: Provider
    settings: Settings
    events: EventBus
    # this process's items whose batch jobs Google holds: they wait, and do not count
    # against PRESSROOM_ORDERS_AT_ONCE (app/ai/batch_lane.py)
    waiting_on_batch: set[str] = field(default_factory=set)

    @property
    def item_budget_usd(self) -> float | None:
        """PRESSROOM_BUDGET_PER_ITEM_USD (0: no ceiling), or by default twice what a clean
        12-page book costs on the configured models at the printer's size (app/ai/models.py)."""
        s = self.settings
        if s.budget_per_item_usd is not None:
            return s.budget_per_item_usd or None
        return estimate_book(
            s.gemini_image_model, s.gemini_analysis_model, print_side_px(s)
        ).budget_usd


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def uses_supabase(settings: Settings) -> bool:
    return bool(settings.supabase_url and _secret(settings.supabase_service_key))


def check_configuration(settings: Settings) -> None:
    """Refuse settings that would quietly do the wrong thing in a shop: a half-configured
    Supabase (a worker on a local file that never sees the shop's orders), or paying
    customers' books made by the offline template provider without anyone choosing it."""
    url, key = settings.supabase_url, _secret(settings.supabase_service_key)
    if url and not key:
        raise ConfigurationError(
            "SUPABASE_URL is set but SUPABASE_SERVICE_KEY is not: Pressroom would run on a "
            "local file and never see the shop's orders. Set both, or neither for the "
            "embedded store."
        )
    if key and not url:
        raise ConfigurationError(
            "SUPABASE_SERVICE_KEY is set but SUPABASE_URL is not: set the project's URL too, "
            "or neither for the embedded store."
        )
    from app.print.profiles import load_profile

    try:
        load_profile(settings.print_profile)
    except PressroomError as exc:
        raise ConfigurationError(f"PRESSROOM_PRINT_PROFILE: {exc}") from None
    gemini_key = _secret(settings.gemini_api_key)
    if settings.provider == "gemini" and not gemini_key:
        raise ConfigurationError(
            "PRESSROOM_PROVIDER=gemini needs GOOGLE_AI_API_KEY (or GEMINI_API_KEY)."
        )
    if uses_supabase(settings) and not gemini_key and settings.provider != "template":
        raise ConfigurationError(
            "Supabase is configured but no Gemini key is set: the shop's paying customers would "
            "get books made by the offline template provider. Set GOOGLE_AI_API_KEY, or "
            "PRESSROOM_PROVIDER=template to choose the template provider knowingly."
        )


def make_provider(settings: Settings, pace_ledger: PaceLedger | None = None) -> Provider:
    """Gemini when a key is set (and the template provider is not chosen), else the offline
    template provider."""
    key = _secret(settings.gemini_api_key)
    if not key or settings.provider == "template":
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
        print_side_px=print_side_px(settings),
        outage_seconds=settings.gemini_outage_seconds,
        concurrency_per_model=settings.gemini_concurrency,
        max_concurrency_per_model=max(settings.gemini_max_concurrency, settings.gemini_concurrency),
        requests_per_minute={
            settings.gemini_image_model: settings.gemini_image_rpm,
            settings.gemini_analysis_model: settings.gemini_analysis_rpm,
        },
        max_pixels=settings.max_image_pixels,
        pace_ledger=pace_ledger if settings.gemini_shared_pace else None,
    )


def describe_setup(services: JobServices) -> str:
    """One line: where orders come from, what makes the images, where books go."""
    settings, provider = services.settings, services.provider
    if uses_supabase(settings):
        orders = f"orders from Supabase {settings.supabase_url}"
        books = "books published to its Storage bucket 'books'"
    else:
        orders = f"orders from the embedded store {settings.data_dir / 'pressroom.sqlite3'}"
        books = f"books published to {settings.data_dir / 'blobs'}"
    if provider.name == "template":
        images = "images by the offline template provider (no AI model)"
    else:
        images = (
            f"images by {provider.name} ({settings.gemini_analysis_model} analyses, "
            f"{settings.gemini_image_model} images)"
        )
    return f"Pressroom: {orders}; {images}; {books}"


def build_services(settings: Settings, events: EventBus | None = None) -> JobServices:
    check_configuration(settings)
    register(settings.secrets())  # before anything can fail with a key in its text
    if settings.data_dir.exists() and not settings.data_dir.is_dir():
        raise BadInput(
            f"{settings.data_dir} is a file, not a folder: the data folder (--data-dir, "
            "PRESSROOM_DATA_DIR) is where Pressroom keeps its store"
        )
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # private to the user
    with contextlib.suppress(OSError):  # a folder made 0755 before: children's photos inside
        settings.data_dir.chmod(0o700)
    cpu.configure(settings.cpu_workers)  # keeps the kind (threads or processes) chosen
    store, blobs = open_stores(settings)
    return JobServices(
        store=store,
        blobs=blobs,
        provider=make_provider(settings, store),
        settings=settings,
        events=events or EventBus(),
    )


def demo_refusal(settings: Settings) -> str | None:
    """Why the demo catalog must not be loaded here (None: it may): on Supabase it would
    be the shop's own catalog, which the mobile app lists to customers."""
    if uses_supabase(settings):
        return (
            "the demo books are not loaded into Supabase: its catalog is the shop's, listed "
            "to customers by the mobile app. Try the demo on the embedded store (unset "
            "SUPABASE_URL, or pass another --data-dir)."
        )
    return None


def first_run_demo(services: JobServices) -> int:
    """The console's first start on the embedded store: the demo books when the store has
    no book of its own, and a paid order per book when it has no order yet. Nothing on
    Supabase. Returns the orders placed."""
    from app.catalog import DEMO_BOOKS, load_demo_catalog, place_demo_orders

    if demo_refusal(services.settings):
        return 0
    if any(book.id not in DEMO_BOOKS for book in services.store.list_books()):
        return 0  # a shop's own catalog: leave it as it is
    books = load_demo_catalog(services.store, services.blobs)
    if services.store.list_items(limit=1):
        return 0
    return len(place_demo_orders(services.store, services.blobs, books))
