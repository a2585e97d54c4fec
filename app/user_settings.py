"""Settings an operator changes in the console, kept between runs.

Plain values go to a JSON file in the user's config folder (written atomically); the two
keys (Gemini, Supabase service key) go to the system keyring when one is available and
are never written to that file or to a log. The environment still wins over both, as
the seed expects (`.env`, GOOGLE_AI_API_KEY, …).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import platformdirs

from app.config import APP_NAME, Settings

log = logging.getLogger(__name__)

KEYRING_SERVICE = "pressroom"
SECRET_FIELDS = {
    "gemini_api_key": "GOOGLE_AI_API_KEY",
    "supabase_service_key": "SUPABASE_SERVICE_KEY",
    "smtp_password": "SMTP_PASSWORD",
}
EDITABLE = (
    "gemini_base_url",
    "gemini_analysis_model",
    "gemini_image_model",
    "supabase_url",
    "pages_at_once",
    "orders_at_once",
    "poll_interval_ms",
    "review_mode",
    "trim_size",
    "print_profile",
    "auto_start_monitor",
    "wait_warn_hours",
    "wait_late_hours",
    "daily_budget_usd",
    "use_gemini",
    "use_supabase",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "smtp_from",
    "fcm_service_account",
)
ENV_NAMES = {
    "gemini_base_url": "GEMINI_BASE_URL",
    "supabase_url": "SUPABASE_URL",
    "poll_interval_ms": "POLL_INTERVAL",
    "auto_start_monitor": "AUTO_START_MONITOR",
    "smtp_host": "SMTP_HOST",
    "smtp_port": "SMTP_PORT",
    "smtp_security": "SMTP_SECURITY",
    "smtp_user": "SMTP_USER",
    "smtp_from": "SMTP_FROM",
}


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def load_saved() -> dict[str, Any]:
    path = settings_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}
    return {k: v for k, v in data.items() if k in EDITABLE}


def save(values: dict[str, Any]) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in values.items() if k in EDITABLE}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(clean, indent=2, sort_keys=True))
    os.replace(tmp, path)
    return path


def keyring_available() -> bool:
    try:
        import keyring
        from keyring.backends.fail import Keyring as FailKeyring
        from keyring.backends.null import Keyring as NullKeyring

        return not isinstance(keyring.get_keyring(), FailKeyring | NullKeyring)
    except Exception:
        return False


def get_secret(field: str) -> str | None:
    if not keyring_available():
        return None
    import keyring

    try:
        return keyring.get_password(KEYRING_SERVICE, field)
    except Exception as exc:
        log.warning("the keyring could not be read (%s)", type(exc).__name__)
        return None


def set_secret(field: str, value: str | None) -> bool:
    """Store (or with None/"" delete) a key; False when no keyring can hold it."""
    if not keyring_available():
        return False
    import keyring

    try:
        if value:
            keyring.set_password(KEYRING_SERVICE, field, value)
        elif keyring.get_password(KEYRING_SERVICE, field) is not None:
            keyring.delete_password(KEYRING_SERVICE, field)
        return True
    except Exception as exc:
        log.warning("the keyring could not store a key (%s)", type(exc).__name__)
        return False


def load_settings(**overrides: Any) -> Settings:
    """Settings = defaults < saved file < keyring < environment/.env < explicit overrides."""
    saved = load_saved()
    use_gemini = saved.pop("use_gemini", True)
    use_supabase = saved.pop("use_supabase", True)
    values: dict[str, Any] = {
        k: v
        for k, v in saved.items()
        if ENV_NAMES.get(k, f"PRESSROOM_{k.upper()}") not in os.environ
    }
    for field, env_name in SECRET_FIELDS.items():
        if env_name in os.environ or (field == "gemini_api_key" and "GEMINI_API_KEY" in os.environ):
            continue
        secret = get_secret(field)
        if secret:
            values[field] = secret
    settings = Settings(**{**values, **overrides})
    updates: dict[str, Any] = {}
    if not use_gemini:  # chosen in the dialog: the template provider, knowingly
        updates["gemini_api_key"] = None
        updates["provider"] = "template"
    if not use_supabase:
        updates["supabase_url"] = None
        updates["supabase_service_key"] = None
    return settings.model_copy(update=updates) if updates else settings
