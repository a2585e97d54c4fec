"""Once the child's photo is gone, a redraw draws the child from their approved likeness
(app/privacy/likeness.py) and says so; with neither photo nor likeness, or after an
erasure, it is refused in one sentence before anything moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.ai.gemini_schema import judge_instructions, judge_labels
from app.ai.prompt import build_cover_prompt, build_page_prompt
from app.domain import PressroomError, Status
from app.events import EventBus, MessageEvent
from app.pipeline.review import reject, retry
from app.privacy.erasure import erase, plan_erasure
from app.privacy.likeness import NEEDS_PHOTO, USING_LIKENESS, likeness_key
from app.privacy.retention import sweep
from app.runtime import build_services
from app.ui.detail_data import load_detail
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book


def test_a_rejected_book_whose_photo_is_gone_is_redrawn_from_its_likeness(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, review_mode=True, photo_retention_days=0)
    events = EventBus()
    said: list[str] = []
    events.subscribe(lambda e: said.append(e.text) if isinstance(e, MessageEvent) else None)
    services = build_services(settings, events)
    store, blobs = services.store, services.blobs
    book = save_small_book(services, pages=1)
    item = order_book(services, book)
    asyncio.run(Monitor(services).run_until_idle({item.id}, timeout=120))
    assert store.get_item(item.id).pressroom_status is Status.AWAITING_REVIEW
    assert blobs.exists(likeness_key(item))  # the gate passed the cover
    reject(store, item.id, "operator-jo", "the sky is too dark")
    sweep(store, blobs, settings, datetime.now(UTC) + timedelta(seconds=5))
    assert not blobs.exists(item.personalization.photo or "")
    shown = load_detail(services, item.id, with_pages=False)  # the Item tab says so
    assert shown.photo is not None and "approved likeness" in shown.photo_note

    retry(store, blobs, item.id, "operator-jo")
    asyncio.run(Monitor(services).run_until_idle({item.id}, timeout=120))
    again = store.get_item(item.id)
    assert again.pressroom_status is Status.AWAITING_REVIEW, again.last_error
    provenance = store.get_provenance(item.id) or {}
    assert provenance["inputs"]["child_drawn_from"] == "approved likeness"
    assert USING_LIKENESS in said

    blobs.delete_prefix(likeness_key(item))  # as if it were never approved
    reject(store, item.id, "operator-jo", "still too dark")
    with pytest.raises(PressroomError, match="needs a new photo from the customer"):
        retry(store, blobs, item.id, "operator-jo")
    assert store.get_item(item.id).pressroom_status is Status.FAILED
    shown = load_detail(services, item.id, with_pages=False)
    assert shown.photo is None and "needs a new photo" in shown.photo_note
    services.store.close()


def test_an_erased_item_is_never_made_again(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    store, blobs = services.store, services.blobs
    item = order_book(services, save_small_book(services, pages=1))
    erase(store, blobs, plan_erasure(store, blobs, item_id=item.id), actor="dpo")
    with pytest.raises(PressroomError, match=r"erased on .* cannot be made again"):
        retry(store, blobs, item.id, "operator-jo")
    services.store.close()


def test_the_models_are_told_the_child_is_drawn_from_a_likeness_not_a_photo(
    tmp_path: Path,
) -> None:
    from app.ai.provider import ChildAnalysis, CoverAnalysis
    from app.catalog.demo import DEMO_CHILDREN
    from app.domain import Book, Page, Personalization

    book = Book("b", "Leo Sails", "Adventure", "3-6", "Leo", "c.jpg", (Page(1, "p.jpg", "Leo"),))
    cover, child = CoverAnalysis(art_style="watercolour"), ChildAnalysis()
    who = Personalization(DEMO_CHILDREN[0].name, 5, "girl", "photos/x.jpg")
    for drawn in (False, True):
        prompts = [
            build_cover_prompt(cover, child, book, who, likeness=drawn),
            build_page_prompt(cover, child, book, who, book.pages[0], likeness=drawn),
            judge_labels(True, drawn)[0],
            judge_instructions("cover", "Leo", with_cover=False, likeness=drawn),
        ]
        for text in prompts:
            told = text.replace("their photo is no longer kept", "")
            assert ("photo" in told) is not drawn, text
    assert NEEDS_PHOTO.endswith("needs a new photo from the customer")
