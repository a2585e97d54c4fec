"""Settings that would quietly do the wrong thing in a shop are refused at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.domain import ConfigurationError
from app.events import EventBus
from app.runtime import build_services, check_configuration, describe_setup, make_provider


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "sentence"),
    [
        ({"supabase_url": "https://x.supabase.co"}, "SUPABASE_SERVICE_KEY is not"),
        ({"supabase_service_key": "k"}, "SUPABASE_URL is not"),
        (
            {"supabase_url": "https://x.supabase.co", "supabase_service_key": "k"},
            "PRESSROOM_PROVIDER=template",
        ),
        ({"provider": "gemini"}, "needs GOOGLE_AI_API_KEY"),
    ],
)
def test_misconfiguration_is_an_error_with_a_sentence(
    tmp_path: Path, values: dict[str, object], sentence: str
) -> None:
    with pytest.raises(ConfigurationError, match=sentence):
        check_configuration(settings(tmp_path, **values))
    with pytest.raises(ConfigurationError):
        build_services(settings(tmp_path, **values), EventBus())
    assert not (tmp_path / "pressroom.sqlite3").exists()


def test_the_template_provider_on_supabase_only_when_chosen(tmp_path: Path) -> None:
    chosen = settings(
        tmp_path,
        supabase_url="https://x.supabase.co",
        supabase_service_key="k",
        provider="template",
    )
    check_configuration(chosen)  # no error: someone chose it
    assert make_provider(chosen).name == "template"
    keyed = settings(tmp_path, gemini_api_key="AIza-k", provider="template")
    assert make_provider(keyed).name == "template"  # the choice wins over the key


def test_the_setup_is_said_in_one_line(tmp_path: Path) -> None:
    services = build_services(settings(tmp_path), EventBus())
    try:
        line = describe_setup(services)
    finally:
        services.store.close()
    assert line == (
        f"Pressroom: orders from the embedded store {tmp_path / 'pressroom.sqlite3'}; images by "
        f"the offline template provider (no AI model); books published to {tmp_path / 'blobs'}"
    )
