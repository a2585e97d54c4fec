"""The fake Gemini's Batch API, as google-genai 3.x speaks it to the Developer API (the wire
was captured from the SDK, and checked against Google's batch guide,
https://ai.google.dev/gemini-api/docs/batch-api, and reference,
https://ai.google.dev/api/batch-mode):

- `POST /{version}/models/{model}:batchGenerateContent` with
  `{"batch": {"displayName": …, "inputConfig": {"requests": {"requests": [{"request": …,
  "metadata": {"key": …}}]}}}}` (snake_case accepted too, as Google does) answers a
  long-running Operation `{"name": "batches/<id>", "metadata": {…, "state":
  "BATCH_STATE_PENDING"}}`;
- `GET /{version}/batches/<id>` answers the same envelope: PENDING, RUNNING, then
  SUCCEEDED with `metadata.output.inlinedResponses.inlinedResponses[]` in the requests'
  order, each echoing its `metadata` and holding a `response` (a GenerateContentResponse)
  or an `error` (`{"code": <google.rpc code>, "message": …}`; no `details`, which the SDK
  cannot parse); or FAILED, CANCELLED, EXPIRED with no output;
- `GET /{version}/batches` lists them, `POST …:cancel` cancels, `DELETE` deletes;
- a create over the 20 MB the guide allows inline requests is refused with a 400.

Each answer is made by the fake's own generateContent logic (scripts, refusals, default
replies), once, when the job finishes; batch requests do not count against the live
per-minute limit. `turnaround` is the seconds from create to done; `end_next` scripts how
the next jobs end (e.g. "BATCH_STATE_EXPIRED").
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.proving.fake_gemini_replies import Reply, error_body

KIND = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
ENDED = (
    "BATCH_STATE_SUCCEEDED",
    "BATCH_STATE_FAILED",
    "BATCH_STATE_CANCELLED",
    "BATCH_STATE_EXPIRED",
)
# HTTP status -> google.rpc code, as an inlined error carries it
RPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 429: 8, 500: 13, 503: 14, 504: 4}


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class BatchJob:
    id: str
    model: str
    display_name: str
    requests: list[dict[str, Any]]  # {"request": …, "metadata": …}
    created: float
    done_at: float
    end: str = "BATCH_STATE_SUCCEEDED"
    cancelled: bool = False
    answers: list[dict[str, Any]] | None = None
    polls: int = 0

    def state(self, now: float) -> str:
        if self.cancelled:
            return "BATCH_STATE_CANCELLED"
        if now >= self.done_at:
            return self.end
        started = self.created + (self.done_at - self.created) / 5
        return "BATCH_STATE_RUNNING" if now >= started else "BATCH_STATE_PENDING"


AnswerFn = Callable[[str, dict[str, Any]], Reply]  # (model, request body) -> its reply


@dataclass
class BatchDesk:
    answer: AnswerFn
    turnaround: float = 1.0
    end_next: deque[str] = field(default_factory=deque)
    jobs: dict[str, BatchJob] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def created(self) -> int:
        """Batch jobs submitted so far."""
        return len(self.jobs)

    def create(self, model: str, body: dict[str, Any]) -> Reply:
        batch = body.get("batch") or {}
        config = batch.get("inputConfig") or batch.get("input_config") or {}
        requests = (config.get("requests") or {}).get("requests") or []
        name = batch.get("displayName") or batch.get("display_name")
        if not name:
            return Reply(400, error_body(400, "INVALID_ARGUMENT", "batch.display_name is required"))
        if not requests:
            return Reply(400, error_body(400, "INVALID_ARGUMENT", "the batch has no requests"))
        now = time.time()
        with self.lock:
            job = BatchJob(
                id=f"fake{next(self._ids):04d}",
                model=model,
                display_name=str(name),
                requests=list(requests),
                created=now,
                done_at=now + self.turnaround,
                end=self.end_next.popleft() if self.end_next else "BATCH_STATE_SUCCEEDED",
            )
            self.jobs[job.id] = job
        return Reply(200, self._envelope(job, now))

    def get(self, job_id: str) -> Reply:
        job = self.jobs.get(job_id)
        if job is None:
            return Reply(404, error_body(404, "NOT_FOUND", f"batches/{job_id} not found"))
        job.polls += 1
        return Reply(200, self._envelope(job, time.time()))

    def listing(self) -> Reply:
        now = time.time()
        return Reply(200, {"operations": [self._envelope(j, now) for j in self.jobs.values()]})

    def cancel(self, job_id: str) -> Reply:
        job = self.jobs.get(job_id)
        if job is None:
            return Reply(404, error_body(404, "NOT_FOUND", f"batches/{job_id} not found"))
        if job.state(time.time()) not in ENDED:
            job.cancelled = True
        return Reply(200, {})

    def delete(self, job_id: str) -> Reply:
        self.jobs.pop(job_id, None)
        return Reply(200, {})

    def _envelope(self, job: BatchJob, now: float) -> dict[str, Any]:
        state = job.state(now)
        counts = {"requestCount": str(len(job.requests))}
        metadata: dict[str, Any] = {
            "@type": KIND,
            "model": f"models/{job.model}",
            "displayName": job.display_name,
            "createTime": _stamp(job.created),
            "updateTime": _stamp(min(now, job.done_at)),
            "batchStats": counts,
            "state": state,
            "name": f"batches/{job.id}",
        }
        envelope: dict[str, Any] = {"name": f"batches/{job.id}", "metadata": metadata}
        if state not in ENDED:
            counts["pendingRequestCount"] = str(len(job.requests))
            return envelope
        metadata["endTime"] = _stamp(job.done_at)
        envelope["done"] = True
        if state == "BATCH_STATE_SUCCEEDED":
            answers = self._answers(job)
            failed = sum("error" in a for a in answers)
            counts.update(
                successfulRequestCount=str(len(answers) - failed), failedRequestCount=str(failed)
            )
            output = {"inlinedResponses": {"inlinedResponses": answers}}
            metadata["output"] = output
            envelope["response"] = {"@type": KIND + "Output", **output}
        elif state == "BATCH_STATE_FAILED":
            envelope["error"] = {"code": 13, "message": "The batch failed."}
        return envelope

    def _answers(self, job: BatchJob) -> list[dict[str, Any]]:
        with self.lock:
            if job.answers is None:  # made once, when first read after the job is done
                job.answers = [self._answer(job.model, entry) for entry in job.requests]
            return job.answers

    def _answer(self, model: str, entry: dict[str, Any]) -> dict[str, Any]:
        reply = self.answer(model, entry.get("request") or {})
        answer: dict[str, Any] = {}
        if reply.status == 200:
            answer["response"] = reply.body or {}
        else:
            error = (reply.body or {}).get("error") or {}
            code = RPC_CODES.get(reply.status, 2)
            answer["error"] = {"code": code, "message": str(error.get("message", ""))}
        if entry.get("metadata") is not None:
            answer["metadata"] = entry["metadata"]
        return answer
