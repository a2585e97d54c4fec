"""A provider for monitor and job tests: the real template provider, with failures,
stalls and call counts scripted per call label ("cover analysis", "photo analysis",
"cover", "page 3", "judge page 3", "locate hero page 3") or per child and label
("Ada/page 3"); scripted verdicts replace the offline judge's for a label, scripted
locations the template's empty answer."""

from __future__ import annotations

import asyncio
from collections import Counter

from app.ai.provider import (
    ChildAnalysis,
    CoverAnalysis,
    ImageTask,
    JudgeTask,
    JudgeVerdict,
    Located,
    LocateTask,
)
from app.ai.template import TemplateProvider


class ScriptedProvider:
    def __init__(
        self,
        failures: dict[str, list[BaseException]] | None = None,
        stall_on: set[str] | None = None,
        verdicts: dict[str, JudgeVerdict] | None = None,
        locations: dict[str, Located] | None = None,
    ) -> None:
        self.inner = TemplateProvider()
        self.name = "scripted-template"
        self.model = self.inner.model
        self.failures = {k: list(v) for k, v in (failures or {}).items()}
        self.stall_on = stall_on or set()
        self.verdicts = dict(verdicts or {})  # "judge page 3" -> the verdict to answer
        self.locations = dict(locations or {})  # "locate hero page 3" -> what to answer
        self.calls: Counter[str] = Counter()
        self.stalled = asyncio.Event()
        self.resolution_note: str | None = None

    async def check_models(self) -> list[str]:
        return []  # nothing to ask offline; not an AI call

    async def _enter(self, label: str, child: str | None = None) -> None:
        self.calls[label] += 1
        for key in (f"{child}/{label}" if child else None, label):
            if key is None:
                continue
            if key in self.stall_on:
                self.stalled.set()
                await asyncio.Event().wait()  # until cancelled
            queue = self.failures.get(key)
            if queue:
                raise queue.pop(0)

    async def analyze_cover(self, image: bytes) -> CoverAnalysis:
        await self._enter("cover analysis")
        return await self.inner.analyze_cover(image)

    async def analyze_child(self, photo: bytes) -> ChildAnalysis:
        await self._enter("photo analysis")
        return await self.inner.analyze_child(photo)

    async def generate_cover(self, task: ImageTask) -> bytes:
        await self._enter("cover", task.child_name)
        return await self.inner.generate_cover(task)

    async def personalize_page(self, task: ImageTask) -> bytes:
        await self._enter(task.label, task.child_name)
        return await self.inner.personalize_page(task)

    async def judge(self, task: JudgeTask) -> JudgeVerdict:
        label = f"judge {task.target}"
        await self._enter(label)
        if label in self.verdicts:
            return self.verdicts[label]
        return await self.inner.judge(task)

    async def locate(self, task: LocateTask) -> Located:
        label = f"locate {task.target} {task.label}"
        await self._enter(label)
        if label in self.locations:
            return self.locations[label]
        return await self.inner.locate(task)

    async def prepare(self, images: list[bytes]) -> None:
        await self.inner.prepare(images)

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def page_calls(self) -> int:
        return sum(n for label, n in self.calls.items() if label.startswith("page "))

    @property
    def judge_calls(self) -> int:
        return sum(n for label, n in self.calls.items() if label.startswith("judge "))

    @property
    def locate_calls(self) -> int:
        return sum(n for label, n in self.calls.items() if label.startswith("locate "))
