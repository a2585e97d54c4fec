"""The Batch lane: a book's Gemini calls sent as batch jobs, at half the live price, answered
within 24 hours (usually much sooner): https://ai.google.dev/gemini-api/docs/batch-api.

A job makes its calls as it always does; while a lane is current (`current_lane`), the
provider hands each call here instead of sending it. The calls of one model that arrive
within `linger` seconds of each other (a book's two analyses, its pages, their judgements)
go out as one batch job of inline requests (as many jobs as keep each under the 20 MB
inline limit), each keyed `label#n` (n: the label's answers
so far, so a call asked again after a bad answer is a new request). Each job's name is
written to the item's checkpoint before anything waits on it, so a worker killed while
a job is in flight resumes by polling that job and never submits it twice (a job whose
create was sent but not recorded is found again by its display name). Polled every
`poll` seconds until done; answers are matched by their key. A job that fails, is
cancelled or expires (48 h) raises BatchFellBack: the call, and every later call of the
book, goes out live, and the reason is said on the item.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from google import genai
from google.genai import errors, types

log = logging.getLogger(__name__)

ENDED_BADLY = {
    "JOB_STATE_FAILED": "failed",
    "JOB_STATE_CANCELLED": "was cancelled",
    "JOB_STATE_EXPIRED": "expired (48 h without an answer)",
}
# A job's inline requests must stay under 20 MB in all (the batch guide); what is left of
# it for the pictures and prompts, with room for the JSON around them.
INLINE_BYTES = 18_000_000
# google.rpc code of an inlined error -> the HTTP status the live call would have had
HTTP_OF_RPC = {3: 400, 16: 401, 7: 403, 5: 404, 8: 429, 13: 500, 14: 503, 4: 504}


class BatchFellBack(Exception):
    """The batch lane cannot answer this call: send it live (the reason says why)."""


class InlinedError(errors.APIError):
    """A batch job's answer to one request that is an error, as the live call's would be."""


class JobNotes(Protocol):
    """Where a lane keeps what it submitted: the item's checkpoint (app/pipeline/lane.py)."""

    def load(self) -> dict[str, Any]: ...
    def save(self, notes: dict[str, Any]) -> None: ...


@dataclass
class _Waiting:
    key: str
    digest: str
    request: types.InlinedRequest
    answer: asyncio.Future[types.GenerateContentResponse]

    @property
    def size(self) -> int:
        """About what the request weighs in a job: its pictures, as base64, and its text."""
        contents = self.request.contents if isinstance(self.request.contents, list) else []
        weight = 1_000
        for part in contents:
            if isinstance(part, types.Part) and part.inline_data and part.inline_data.data:
                weight += len(part.inline_data.data) * 4 // 3
            elif isinstance(part, str):
                weight += len(part.encode())
        return weight


@dataclass
class BatchLane:
    notes: JobNotes
    item_id: str
    poll_seconds: float = 30.0
    linger_seconds: float = 5.0
    on_state: Callable[[str], Awaitable[None]] | None = None
    waiting: set[str] | None = None  # holds item_id while its jobs are polled (the monitor's)
    inline_bytes: int = INLINE_BYTES
    fell_back: str | None = None  # why the book went live (None: it has not)
    answered: Counter[str] = field(default_factory=Counter)  # label -> answers taken
    _saved: dict[str, Any] = field(default_factory=dict)
    _queues: dict[str, list[_Waiting]] = field(default_factory=dict)
    _polls: dict[str, asyncio.Task[dict[str, Any]]] = field(default_factory=dict)
    _submits: set[asyncio.Task[None]] = field(default_factory=set)
    _asking: set[str] = field(default_factory=set)  # keys of the calls waiting now
    _polling: int = 0
    _states: dict[str, str] = field(default_factory=dict)  # job name -> its last state

    def __post_init__(self) -> None:
        self._saved = self.notes.load() or {}
        self._saved.setdefault("keys", {})
        self._saved.setdefault("submitting", {})

    @property
    def open(self) -> bool:
        return self.fell_back is None

    async def call(
        self,
        client: genai.Client,
        model: str,
        contents: list[Any],
        config: types.GenerateContentConfig,
        label: str,
    ) -> types.GenerateContentResponse:
        """The answer to one call, by batch; raises BatchFellBack to send it live, or the
        SDK's APIError an inlined error stands for (as the live call would have raised)."""
        if not self.open:
            raise BatchFellBack(self.fell_back)
        n = self.answered[label] + 1
        while f"{label}#{n}" in self._asking:  # the same label asked twice at once
            n += 1
        key = f"{label}#{n}"
        self._asking.add(key)
        digest = _digest(model, contents, config)
        known = self._saved["keys"].get(key)
        if known is not None and known.get("digest") == digest:  # resumed: poll its job
            answer = asyncio.get_running_loop().create_future()
            settle = functools.partial(_settle, answer)
            self._answer_of(client, known["job"], key).add_done_callback(settle)
        else:
            waiting = _Waiting(
                key,
                digest,
                types.InlinedRequest(contents=contents, config=config, metadata={"key": key}),
                asyncio.get_running_loop().create_future(),
            )
            queue = self._queues.setdefault(model, [])
            queue.append(waiting)
            if len(queue) == 1:
                self._submits.add(asyncio.create_task(self._submit_later(client, model)))
            answer = waiting.answer
        try:
            response = await answer
        except InlinedError:
            self.answered[label] += 1  # an answer, if an error: asked again, a new request
            raise
        finally:
            self._asking.discard(key)
        self.answered[label] += 1
        return response

    async def aclose(self) -> None:
        """Stop polling (a stopping worker: the jobs go on at Google, and are polled again
        by whichever worker resumes the book)."""
        tasks = [*self._polls.values(), *self._submits]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- submitting --------------------------------------------------------------------
    async def _submit_later(self, client: genai.Client, model: str) -> None:
        await asyncio.sleep(self.linger_seconds)
        group = self._queues.pop(model, [])
        await asyncio.gather(*(self._submit(client, model, part) for part in self._parts(group)))

    def _parts(self, group: list[_Waiting]) -> list[list[_Waiting]]:
        """The group in jobs under the inline size limit (each part at least one call)."""
        parts: list[list[_Waiting]] = [[]]
        size = 0
        for waiting in group:
            bytes_ = waiting.size
            if parts[-1] and size + bytes_ > self.inline_bytes:
                parts.append([])
                size = 0
            parts[-1].append(waiting)
            size += bytes_
        return parts

    async def _submit(self, client: genai.Client, model: str, group: list[_Waiting]) -> None:
        keys = sorted(w.key + ":" + w.digest for w in group)
        digest = hashlib.sha256("".join(keys).encode()).hexdigest()[:12]
        display = f"pressroom {self.item_id} {digest}"
        try:
            name = await self._find(client, display) or await self._create(
                client, model, group, display
            )
        except BaseException as exc:
            for waiting in group:
                if not waiting.answer.done():
                    waiting.answer.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for waiting in group:
            self._saved["keys"][waiting.key] = {"job": name, "digest": waiting.digest}
        self._saved["submitting"].pop(display, None)
        self._save()
        for waiting in group:
            settle = functools.partial(_settle, waiting.answer)
            self._answer_of(client, name, waiting.key).add_done_callback(settle)

    async def _create(
        self, client: genai.Client, model: str, group: list[_Waiting], display: str
    ) -> str:
        self._saved["submitting"][display] = model
        self._save()
        job = await client.aio.batches.create(
            model=model,
            src=[w.request for w in group],
            config=types.CreateBatchJobConfig(display_name=display),
        )
        log.info("%s: batch job %s for %d call(s) to %s", self.item_id, job.name, len(group), model)
        return str(job.name)

    async def _find(self, client: genai.Client, display: str) -> str | None:
        """A job this item submitted whose name was never written down (the worker was
        killed between the create and the checkpoint): found by its display name."""
        if display not in self._saved["submitting"]:
            return None
        pager = await client.aio.batches.list()
        async for job in pager:
            if job.display_name == display and job.name:
                return str(job.name)
        return None

    # -- answers -----------------------------------------------------------------------
    def _answer_of(
        self, client: genai.Client, name: str, key: str
    ) -> asyncio.Future[types.GenerateContentResponse]:
        async def answer() -> types.GenerateContentResponse:
            # shielded: the poll serves every call of the job, one cancelled must not stop it
            done = await asyncio.shield(self._poll(client, name))
            found = done.get(key)
            if found is None:
                raise BatchFellBack(f"batch job {name} gave no answer for {key}")
            if isinstance(found, types.GenerateContentResponse):
                return found
            raise found

        return asyncio.ensure_future(answer())

    def _poll(self, client: genai.Client, name: str) -> asyncio.Task[dict[str, Any]]:
        if name not in self._polls:
            self._polls[name] = asyncio.create_task(self._poll_until_done(client, name))
        return self._polls[name]

    async def _poll_until_done(self, client: genai.Client, name: str) -> dict[str, Any]:
        self._polling += 1
        if self.waiting is not None:
            self.waiting.add(self.item_id)
        try:
            return await self._polled(client, name)
        finally:
            self._polling -= 1
            if self.waiting is not None and not self._polling:
                self.waiting.discard(self.item_id)

    async def _polled(self, client: genai.Client, name: str) -> dict[str, Any]:
        while True:
            try:
                job = await client.aio.batches.get(name=name)
            except errors.APIError as exc:
                if exc.code == 404:
                    await self._fall_back(name, "is gone")
                if exc.code not in (429, 500, 502, 503, 504):
                    raise
                log.warning("%s: polling batch job %s: %s", self.item_id, name, exc)
                job = None
            except OSError as exc:  # the network: poll again later
                log.warning("%s: polling batch job %s: %s", self.item_id, name, exc)
                job = None
            if job is not None:
                state = job.state.name if job.state is not None else "JOB_STATE_UNSPECIFIED"
                if state in ENDED_BADLY:
                    await self._fall_back(name, ENDED_BADLY[state])
                await self._note_state(name, state)
                if job.done:
                    return _answers(job)
            await asyncio.sleep(self.poll_seconds)

    async def _fall_back(self, name: str, what: str) -> None:
        reason = f"batch job {name} {what}"
        self.fell_back = self.fell_back or f"{reason}: the book goes on in the live lane"
        keys = self._saved["keys"]
        for key in [k for k, v in keys.items() if v["job"] == name]:
            del keys[key]  # a resumed run does not poll it again
        self._save()
        self._states[name] = "fell back"
        if self.on_state is not None:
            await self.on_state(self.summary())
        raise BatchFellBack(self.fell_back)

    async def _note_state(self, name: str, state: str) -> None:
        if self._states.get(name) == state:
            return
        self._states[name] = state
        if self.on_state is not None:
            await self.on_state(self.summary())

    def summary(self) -> str:
        """The lane's state in a few words, for the console: "batch: 2 running"."""
        if self.fell_back:
            return f"live since the batch fell back ({self.fell_back.split(':')[0]})"
        counts = Counter(s.removeprefix("JOB_STATE_").lower() for s in self._states.values())
        return "batch: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))

    def _save(self) -> None:
        self.notes.save(self._saved)


def _settle(
    future: asyncio.Future[types.GenerateContentResponse], done: asyncio.Future[Any]
) -> None:
    if future.done():
        return
    if done.cancelled():
        future.cancel()
    elif done.exception() is not None:
        future.set_exception(done.exception())  # type: ignore[arg-type]
    else:
        future.set_result(done.result())


def _answers(job: types.BatchJob) -> dict[str, Any]:
    """Each answer by its request's key: a response, or the APIError its error stands for."""
    found: dict[str, Any] = {}
    for n, inlined in enumerate((job.dest.inlined_responses if job.dest else None) or []):
        key = (inlined.metadata or {}).get("key", f"#{n}")
        if inlined.error is not None:
            status = HTTP_OF_RPC.get(inlined.error.code or 0, 500)
            body = {"error": {"code": status, "message": inlined.error.message or ""}}
            found[key] = InlinedError(status, body)
        elif inlined.response is not None:
            found[key] = inlined.response
    return found


def _digest(model: str, contents: list[Any], config: types.GenerateContentConfig) -> str:
    """What a request asks, for telling a resumed call from a different one under its key."""
    texts = [c for c in contents if isinstance(c, str)]
    blobs = [
        hashlib.sha256(p.inline_data.data).hexdigest()
        for p in contents
        if isinstance(p, types.Part) and p.inline_data and p.inline_data.data
    ]
    asked = config.model_dump(mode="json", exclude_none=True, exclude={"response_schema"})
    wire = json.dumps([model, texts, blobs, asked], sort_keys=True)
    return hashlib.sha256(wire.encode()).hexdigest()[:16]


current_lane: contextvars.ContextVar[BatchLane | None] = contextvars.ContextVar(
    "current_lane", default=None
)
