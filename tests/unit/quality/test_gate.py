"""The gate's routing: a good book is published (or waits for approval in review mode); a
book with a doubtful page goes to review even in auto mode, with the reason; the operator
regenerates exactly that page with the checks' reasons; only changed images are judged
again; a judge that cannot answer makes its page doubtful."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.ai.provider import Defect, ImageTask, JudgeVerdict
from app.domain import SafetyBlocked, Status
from app.events import EventBus
from app.pipeline import checkpoints as ck
from app.pipeline import review
from app.quality.report import QualityReport
from app.runtime import JobServices, build_services
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider


class LazyPage(ScriptedProvider):
    """Returns page 2 unchanged the first time: nothing was personalized there."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lazy = True

    async def personalize_page(self, task: ImageTask) -> bytes:
        image = await super().personalize_page(task)
        if task.label == "page 2" and self.lazy:
            self.lazy = False
            return task.source
        return image


def run(tmp_path: Path, provider: ScriptedProvider, **settings: object) -> tuple[JobServices, str]:
    services = build_services(make_settings(tmp_path, **settings), EventBus())
    services.provider = provider
    item = order_book(services, save_small_book(services, pages=3))
    process(services, item.id)
    return services, item.id


def process(services: JobServices, item_id: str) -> None:
    asyncio.run(Monitor(services, worker_id="w").run_until_idle({item_id}, timeout=90))


def report_of(services: JobServices, item_id: str) -> QualityReport:
    data = services.store.get_quality(item_id)
    assert data is not None
    return QualityReport.from_json(data)


def test_a_good_book_passes_and_is_published(tmp_path: Path) -> None:
    services, item_id = run(tmp_path, ScriptedProvider())
    assert services.store.get_item(item_id).pressroom_status is Status.COMPLETED
    report = report_of(services, item_id)
    assert report.passed and report.summary() == "passed"
    targets = {c.target for c in report.checks}
    assert targets == {"cover", "page 1", "page 2", "page 3", "pdf"}
    assert services.blobs.exists(f"work/{item_id}/{ck.QUALITY}")


def test_in_review_mode_a_good_book_still_waits_for_the_operator(tmp_path: Path) -> None:
    services, item_id = run(tmp_path, ScriptedProvider(), review_mode=True)
    item = services.store.get_item(item_id)
    assert item.pressroom_status is Status.AWAITING_REVIEW and item.last_error is None
    assert report_of(services, item_id).passed


def test_an_unchanged_page_sends_the_book_to_review_even_in_auto_mode(tmp_path: Path) -> None:
    provider = LazyPage()
    services, item_id = run(tmp_path, provider)
    item = services.store.get_item(item_id)
    assert item.pressroom_status is Status.AWAITING_REVIEW
    report = report_of(services, item_id)
    assert report.doubtful_pages() == [2] and report.summary() == "1 page doubtful"
    assert item.last_error is not None and item.last_error.startswith("quality gate: page 2: ")
    assert {c.name for c in report.failed} >= {"composition", "hero_changed"}
    history = [h for h in services.store.history(item_id) if h["action"] == "awaiting_review"]
    assert history[-1]["note"] == "quality: 1 page doubtful"

    review.regenerate_doubtful(services.store, services.blobs, item_id, "ops")
    notes = ck.Checkpoints(services.blobs, item_id).get_json(ck.INSTRUCTIONS)
    assert list(notes["pages"]) == ["2"] and "nothing was personalized" in notes["pages"]["2"]
    before = dict(provider.calls)
    process(services, item_id)
    redone = {k: v - before.get(k, 0) for k, v in provider.calls.items() if v != before.get(k, 0)}
    assert redone == {"page 2": 1, "judge page 2": 1}  # exactly the doubtful page, judged again
    assert services.store.get_item(item_id).pressroom_status is Status.COMPLETED
    assert report_of(services, item_id).passed


def test_the_judges_defects_and_a_blocked_judge_make_pages_doubtful(tmp_path: Path) -> None:
    two_children = JudgeVerdict(
        reasons="a second child stands behind the hero",
        same_child=True,
        likeness=0.9,
        style_matches=True,
        defects=[Defect(kind="second_child", reason="a second child behind the hero")],
    )
    provider = ScriptedProvider(
        verdicts={"judge page 1": two_children},
        failures={"judge page 3": [SafetyBlocked("the model declined to judge")] * 3},
    )
    services, item_id = run(tmp_path, provider)
    assert services.store.get_item(item_id).pressroom_status is Status.AWAITING_REVIEW
    report = report_of(services, item_id)
    assert report.doubtful_pages() == [1, 3]
    [defect] = [c for c in report.failed if c.target == "page 1"]
    assert defect.name == "defects" and "second child" in defect.sentence
    [blocked] = [c for c in report.failed if c.target == "page 3"]
    assert blocked.name == "judge" and "declined" in blocked.sentence
    assert report.judge_words["page 1"] == "a second child stands behind the hero"


def test_the_gate_can_be_switched_off(tmp_path: Path) -> None:
    services, item_id = run(tmp_path, LazyPage(), quality_gate=False)
    assert services.store.get_item(item_id).pressroom_status is Status.COMPLETED
    assert services.store.get_quality(item_id) is None


@pytest.mark.parametrize("name", ["ليلى", "שירה", "Nguyễn", "Αλέξης", "Иван", "Zoë", "Łucja"])
def test_names_in_other_scripts_go_through_the_whole_pipeline_and_the_gate(
    tmp_path: Path, name: str
) -> None:
    from app.catalog import demo_photo
    from app.domain import Personalization
    from app.orders.place import upload_photo

    services = build_services(make_settings(tmp_path), EventBus())
    services.provider = ScriptedProvider()
    book = save_small_book(services, pages=2)
    photo = upload_photo(services.blobs, "cust-1", demo_photo("child-ada.jpg"))
    _, [item] = services.store.place_order(
        "cust-1", [(book.id, Personalization(name, 5, "girl", photo))], paid=True
    )
    process(services, item.id)
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.COMPLETED, done.last_error
    report = report_of(services, item.id)
    pdf_checks = {c.name: c.passed for c in report.checks if c.target == "pdf"}
    assert pdf_checks["pdf_glyphs"] and pdf_checks["pdf_child_name"]
    assert pdf_checks["pdf_hero_name"]
