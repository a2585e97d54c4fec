"""Nothing on the book's critical path but the provider: pages get ready while the cover
is drawn, and judges run while later pages are still being drawn."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.ai.provider import ImageTask, JudgeTask, JudgeVerdict
from app.domain import Status
from app.events import EventBus
from app.runtime import build_services
from app.worker.monitor import Monitor
from tests.conftest import make_settings, order_book, save_small_book
from tests.fakes.provider import ScriptedProvider

WAIT = 20.0  # seconds before a test that would hang fails instead


class Recording(ScriptedProvider):
    """Logs the order of events; the cover is answered only once `ready_before_cover`
    pages were prepared, and the last page only once a page was judged (each with a time-out,
    so a job that does things one after the other fails the test rather than hangs)."""

    def __init__(self, ready_before_cover: int) -> None:
        super().__init__()
        self.log: list[str] = []
        self.ready_before_cover = ready_before_cover
        self.pages_prepared = asyncio.Event()
        self.judged = asyncio.Event()

    async def prepare(self, images: list[bytes]) -> None:
        await super().prepare(images)
        self.log.append("prepare")
        if self.log.count("prepare") >= self.ready_before_cover:
            self.pages_prepared.set()

    async def generate_cover(self, task: ImageTask) -> bytes:
        await asyncio.wait_for(self.pages_prepared.wait(), WAIT)
        self.log.append("cover")
        return await super().generate_cover(task)

    async def personalize_page(self, task: ImageTask) -> bytes:
        if task.label == "page 4":
            await asyncio.wait_for(self.judged.wait(), WAIT)
        self.log.append(task.label)
        return await super().personalize_page(task)

    async def judge(self, task: JudgeTask) -> JudgeVerdict:
        self.log.append(f"judge {task.target}")
        if task.target.startswith("page"):
            self.judged.set()
        return await super().judge(task)


def test_pages_are_ready_before_the_cover_and_judged_while_others_are_drawn(
    tmp_path: Path,
) -> None:
    services = build_services(make_settings(tmp_path, pages_at_once=2), EventBus())
    provider = Recording(ready_before_cover=2)
    services.provider = provider
    item = order_book(services, save_small_book(services, pages=4))
    asyncio.run(Monitor(services, worker_id="w").run_until_idle({item.id}, timeout=90))
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.COMPLETED, done.last_error
    log = provider.log
    assert log.index("cover") > 1 and log[:2] == ["prepare", "prepare"]  # 2 pages at once
    first_page_judge = next(n for n, e in enumerate(log) if e.startswith("judge page"))
    assert first_page_judge < log.index("page 4")
    assert sorted(e for e in log if e.startswith("judge")) == [
        "judge cover",
        "judge page 1",
        "judge page 2",
        "judge page 3",
        "judge page 4",
    ]


def test_a_failed_cover_stops_the_pages_waiting_for_it(tmp_path: Path) -> None:
    from app.domain import PermanentError

    services = build_services(make_settings(tmp_path), EventBus())
    provider = ScriptedProvider(failures={"cover": [PermanentError("the cover was refused")]})
    services.provider = provider
    item = order_book(services, save_small_book(services, pages=3))
    asyncio.run(Monitor(services, worker_id="w").run_until_idle({item.id}, timeout=90))
    done = services.store.get_item(item.id)
    assert done.pressroom_status is Status.FAILED
    assert "the cover was refused" in (done.last_error or "")
    assert not any(label.startswith("page") for label in provider.calls)
