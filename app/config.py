"""Settings from the environment, a `.env` file and (later) the settings dialog.

The seed's variable names are accepted as they are (GOOGLE_AI_API_KEY, SUPABASE_URL,
SUPABASE_SERVICE_KEY, PORT, AUTO_START_MONITOR, POLL_INTERVAL in milliseconds); Pressroom's
own settings use the PRESSROOM_ prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.ai.models import DEFAULT_IMAGE_MODEL, DEFAULT_TEXT_MODEL
from app.redact import secrets_in_url

APP_NAME = "pressroom"

TRIM_SIZES_MM: dict[str, tuple[float, float]] = {
    "8x8in": (203.2, 203.2),
    "8.5x8.5in": (215.9, 215.9),
    "8x10in": (203.2, 254.0),
    "a4": (210.0, 297.0),
    "a5": (148.0, 210.0),
}
BLEED_MM = 3.175


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PRESSROOM_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="SQLite + blob folder")
    gemini_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GOOGLE_AI_API_KEY", "GEMINI_API_KEY")
    )
    gemini_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("GEMINI_BASE_URL", "PRESSROOM_GEMINI_BASE_URL"),
        description="a gateway or proxy in front of the Gemini API; empty: Google's endpoint",
    )
    provider: Literal["auto", "gemini", "template"] = Field(
        default="auto",
        description="auto: Gemini with a key, else the offline template (refused with Supabase)",
    )
    # today's ids and why: app/ai/models.py and resources/ai/gemini-models.json
    gemini_analysis_model: str = Field(
        default=DEFAULT_TEXT_MODEL, description="analyses and judgements (`pressroom models`)"
    )
    gemini_image_model: str = Field(
        default=DEFAULT_IMAGE_MODEL, description="covers and pages (`pressroom models`)"
    )
    gemini_outage_seconds: float = Field(
        default=30.0,
        gt=0,
        description="when no call has reached Gemini for this long, pause the queue and probe",
    )
    gemini_api_version: str = "v1beta"
    gemini_timeout_seconds: float = Field(default=120.0, gt=0)
    gemini_concurrency: int = Field(
        default=4, ge=1, description="calls at once per model to begin with (grows as they succeed)"
    )
    gemini_max_concurrency: int = Field(
        default=16, ge=1, description="the most calls at once per model, however well they go"
    )
    gemini_image_rpm: int = Field(
        default=0, ge=0, description="the key's requests per minute for the image model; 0: found"
    )
    gemini_analysis_rpm: int = Field(
        default=0, ge=0, description="the same for the analysis model; 0: found from its 429s"
    )
    gemini_shared_pace: bool = Field(
        default=True,
        description="every worker of the store keeps one pace per model (the limit is the "
        "project's): 429 delays, learned rates and the RPM settings are shared",
    )
    # The Batch lane (app/ai/batch_lane.py): half the price, answered within 24 h
    # (https://ai.google.dev/gemini-api/docs/batch-api)
    ai_lane: Literal["live", "batch", "auto"] = Field(
        default="live",
        description="live: every call at once; batch: a book's calls as batch jobs at half "
        "the price; auto: batch when the book is due at least batch_lane_hours from now",
    )
    batch_lane_hours: float = Field(
        default=24.0,
        gt=0,
        description="auto: a book due at least this many hours from now goes to the batch "
        "lane (Google's target turnaround is 24 h)",
    )
    promised_hours: float = Field(
        default=48.0,
        gt=0,
        description="when a book is due after payment, for an order whose needed_by the "
        "app left empty",
    )
    batch_poll_seconds: float = Field(
        default=30.0, gt=0, description="how often a batch job's state is asked"
    )
    batch_linger_seconds: float = Field(
        default=5.0,
        ge=0,
        description="a book's calls to one model that come this close together go in one job",
    )
    batch_orders_at_once: int = Field(
        default=50,
        ge=1,
        description="books a worker holds at most, counting those waiting on a batch job "
        "(which leave their place in orders_at_once to the next book)",
    )
    budget_per_item_usd: float | None = Field(
        default=None,
        ge=0,
        description="0: no ceiling; unset: twice a clean 12-page book at the models' prices",
    )
    # unset: each model's own price from resources/ai/gemini-models.json (by size and lane)
    price_input_per_million: float | None = Field(default=None, ge=0)
    price_output_per_million: float | None = Field(default=None, ge=0)
    price_per_image: float | None = Field(default=None, ge=0)
    quality_gate: bool = Field(
        default=True, description="check every book; send doubtful ones to review even in auto mode"
    )
    quality_blocking: str = Field(
        default="composition,hero_changed,likeness,style,defects,pdf",
        description="checks whose failure sends a book to review (others only warn): "
        "composition, hero_changed, likeness, style, defects, resolution, pdf",
    )
    quality_min_structure: float = Field(
        default=0.75, ge=0, le=1, description="composition kept: least similarity outside the hero"
    )
    quality_max_structure: float = Field(
        default=0.9, ge=0, le=1, description="an image this similar everywhere was not changed"
    )
    quality_max_palette_distance: float = Field(
        default=15.0, ge=0, description="composition kept: largest palette distance (CIELAB ΔE)"
    )
    quality_min_hero_change: float = Field(
        default=0.08, ge=0, le=1, description="hero changed: least change inside the hero regions"
    )
    quality_min_likeness: float = Field(
        default=0.5, ge=0, le=1, description="the judge's likeness score a page must reach"
    )
    quality_min_native_ppi: float = Field(
        default=150.0, ge=0, description="resolution: least native ppi at trim size"
    )
    daily_budget_usd: float = Field(
        default=50.0, ge=0, description="AI spending per day the overview compares against"
    )
    wait_warn_hours: float = Field(
        default=12.0, gt=0, description="an order waiting this long turns amber in the console"
    )
    wait_late_hours: float = Field(
        default=20.0, gt=0, description="an order waiting this long turns red (a day is promised)"
    )
    quota_pause_seconds: float = Field(
        default=3600.0, ge=1, description="after a quota pause, try again after this long"
    )
    supabase_url: str | None = Field(default=None, validation_alias="SUPABASE_URL")
    supabase_service_key: SecretStr | None = Field(
        default=None, validation_alias="SUPABASE_SERVICE_KEY"
    )
    signed_url_seconds: int = Field(
        default=365 * 24 * 3600, ge=60, description="life of the signed URLs written to orders"
    )
    photo_retention_days: float | None = Field(
        default=30, ge=0, description="days a settled item keeps the child's photo (0: none)"
    )
    work_retention_days: float | None = Field(
        default=30, ge=0, description="days a settled item keeps its checkpoints and drafts"
    )
    book_retention_days: float | None = Field(
        default=None, ge=0, description="days the published book stays (unset: kept)"
    )
    link_renew_days: int = Field(
        default=30, ge=1, description="re-sign the app's links this many days before they expire"
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPABASE_DB_URL", "DATABASE_URL", "PRESSROOM_DATABASE_URL"),
        description="PostgreSQL connection string, for `pressroom migrate` and, with Supabase, "
        "instant pickup (LISTEN/NOTIFY; polling stays the fallback)",
    )
    # telling the customer: e-mail over SMTP and push through FCM (app/notify)
    smtp_host: str | None = Field(
        default=None, validation_alias=AliasChoices("SMTP_HOST", "PRESSROOM_SMTP_HOST")
    )
    smtp_port: int = Field(
        default=587,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("SMTP_PORT", "PRESSROOM_SMTP_PORT"),
    )
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        validation_alias=AliasChoices("SMTP_SECURITY", "PRESSROOM_SMTP_SECURITY"),
        description="starttls, ssl or none",
    )
    smtp_user: str | None = Field(
        default=None, validation_alias=AliasChoices("SMTP_USER", "PRESSROOM_SMTP_USER")
    )
    smtp_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SMTP_PASSWORD", "PRESSROOM_SMTP_PASSWORD")
    )
    smtp_from: str = Field(
        default="books@localhost",
        validation_alias=AliasChoices("SMTP_FROM", "PRESSROOM_SMTP_FROM"),
        description="the sender of the customers' e-mails",
    )
    fcm_service_account: Path | None = Field(
        default=None, description="the Firebase service account JSON file, for push"
    )
    fcm_base_url: str = Field(
        default="https://fcm.googleapis.com", description="FCM's HTTP v1 endpoint"
    )
    notify_max_attempts: int = Field(
        default=6, ge=1, description="tries of one e-mail or push before it is given up"
    )
    notify_retry_seconds: float = Field(
        default=30.0, ge=0, description="the first retry's wait; each later one doubles"
    )
    api_token: SecretStr | None = Field(
        default=None, description="bearer token for `pressroom serve` (all but /health)"
    )
    host: str = Field(default="127.0.0.1", description="where `pressroom serve` listens")
    port: int = Field(default=5000, validation_alias=AliasChoices("PORT", "PRESSROOM_PORT"))
    auto_start_monitor: bool = Field(
        default=True,
        validation_alias=AliasChoices("AUTO_START_MONITOR", "PRESSROOM_AUTO_START_MONITOR"),
    )
    poll_interval_ms: int = Field(
        default=10_000,
        ge=100,
        validation_alias=AliasChoices("POLL_INTERVAL", "PRESSROOM_POLL_INTERVAL"),
        description="how often the monitor looks for paid items (milliseconds, as the seed)",
    )
    orders_at_once: int = Field(default=5, ge=1, le=64, description="book jobs run concurrently")
    pages_at_once: int = Field(default=4, ge=1, le=32, description="pages personalized at once")
    review_mode: bool = Field(default=False, description="stop at awaiting_review for approval")
    max_attempts: int = Field(default=3, ge=1, description="claims of one item before it fails")
    call_retries: int = Field(default=3, ge=1, description="tries of one provider call")
    retry_base_seconds: float = Field(default=2.0, ge=0.0)
    lease_seconds: int = Field(default=120, ge=5)
    trim_size: str = Field(default="8x8in", description=f"one of {', '.join(TRIM_SIZES_MM)}")
    target_dpi: int = Field(default=300, ge=1)
    min_dpi: int = Field(default=150, ge=1, description="refuse page images below this")
    print_profile: str = Field(
        default="digital",
        description="the printer the books are made for (resources/print/); digital: the "
        "reading PDF only",
    )
    cmyk_icc: Path | None = Field(
        default=None, description="the printer's CMYK ICC profile (e.g. Coated FOGRA39)"
    )
    max_image_pixels: int = Field(default=60_000_000, ge=1_000_000)
    max_upload_bytes: int = Field(default=40 * 1024 * 1024, ge=1024)
    api_requests_per_minute: int = Field(
        default=120, ge=1, description="per client address, on every endpoint but /health"
    )
    api_body_seconds: float = Field(default=30.0, gt=0, description="to send a request's body")
    cpu_workers: int = Field(default=2, ge=1, description="threads for image and PDF work")
    worker_id: str | None = None

    @field_validator(
        "cmyk_icc",
        "fcm_service_account",
        "budget_per_item_usd",
        "price_input_per_million",
        "price_output_per_million",
        "price_per_image",
        "photo_retention_days",
        "work_retention_days",
        "book_retention_days",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    def is_blocking(self, check: str) -> bool:
        """Whether a failed `check` sends the book to review (pdf_* checks: "pdf")."""
        family = "pdf" if check.startswith("pdf") else check
        return family in {c.strip() for c in self.quality_blocking.split(",")}

    @property
    def trim_mm(self) -> tuple[float, float]:
        try:
            return TRIM_SIZES_MM[self.trim_size]
        except KeyError:
            raise ValueError(
                f"unknown trim size {self.trim_size!r}; choose one of {', '.join(TRIM_SIZES_MM)}"
            ) from None

    @property
    def poll_interval(self) -> float:
        return self.poll_interval_ms / 1000.0

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = [
            self.gemini_api_key,
            self.supabase_service_key,
            self.api_token,
            self.smtp_password,
        ]
        found = [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]
        for url in (self.gemini_base_url, self.supabase_url, self.database_url, self.fcm_base_url):
            found += secrets_in_url(url)  # a gateway's ?key=…, a database URL's password
        return found
