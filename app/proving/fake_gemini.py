"""A fake Gemini API speaking the REST protocol the google-genai SDK uses:
`POST /{version}/models/{model}:generateContent`, key in `x-goog-api-key`.

By default it answers like the real service: structured JSON that fits the request's
`responseSchema`, or an inline PNG (the first reference image, re-tinted, with a marker
drawn where the face goes) when `responseModalities` asks for IMAGE. A judge call (a
schema with `same_child`) gets a passing verdict by default, a locate call (a schema with
`box_2d`) one box. Tests script replies (errors with Google's error bodies, safety blocks,
malformed JSON, a judge's verdict, a blocked or malformed one, a locate call's boxes), add
latency, and read back every request the SDK sent.

It serves today's models (`SERVED`: ListModels and Get answer with them, as Google's
`GET /v1beta/models` does) and answers a generateContent for any other id with Google's
404 NOT_FOUND, an `imageSize` the model does not take with a 400, and draws an image at
the size asked (512, 1K, 2K, 4K; about 1K when none is). `unreachable` makes every request
end with a dropped connection, as an outage does.

Two modes for the speed bench: `Latency` answers analyses and images after fixed times, as
a real model takes its time; `per_minute` enforces a rolling per-minute request limit per
model, as a real key's quota does: a request over it is answered at once with Google's
per-minute 429 and a retry hint saying when the oldest counted request leaves the window
(refused requests do not count). `calls` logs every call's model, kind, times and status.

`batches` is its Batch API (app/proving/fake_gemini_batch.py): batch jobs of the same
requests, answered by the same logic when the job is done.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from app.proving.fake_gemini_batch import BatchDesk
from app.proving.fake_gemini_models import NOT_FOR_GENERATION, SERVED, model_entry
from app.proving.fake_gemini_replies import *  # noqa: F403 (the replies tests script)
from app.proving.fake_gemini_replies import (
    JUDGE_PASS,
    Reply,
    _b64,
    bad_request,
    drawn_image,
    error_body,
    invalid_image_size,
    malformed_json,
    model_not_found,
    rate_limited,
    sample_answer,
    unavailable,
)
from app.proving.fake_server import FakeServer, QuietHandler

VALID_KEY = "test-gemini-key"
INLINE_LIMIT = 20 * 1024 * 1024
TOO_LARGE = f"Request payload size exceeds the limit: {INLINE_LIMIT} bytes."


@dataclass
class Recorded:
    path: str
    model: str
    headers: dict[str, str]
    body: dict[str, Any]
    batch: bool = False  # sent inside a batch job

    @property
    def parts(self) -> list[dict[str, Any]]:
        return [p for c in self.body.get("contents", []) for p in c.get("parts", [])]

    @property
    def images(self) -> list[bytes]:
        found = [p.get("inlineData") or p.get("inline_data") for p in self.parts]
        return [_b64(data["data"]) for data in found if data]

    @property
    def text(self) -> str:
        return "\n".join(p["text"] for p in self.parts if "text" in p)

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.body.get("generationConfig", {}))


def _asks_image(recorded: Recorded) -> bool:
    return "IMAGE" in [m.upper() for m in recorded.config.get("responseModalities", [])]


@dataclass(frozen=True)
class Latency:
    """Seconds before a structured (analysis, judge, locate) and an image call answer."""

    analysis: float = 0.0
    image: float = 0.0


@dataclass(frozen=True)
class Call:
    model: str
    kind: str  # "image" or "analysis"
    arrived: float  # time.monotonic()
    answered: float
    status: int


@dataclass(frozen=True)
class Faults:
    """Random faults for the chaos run: shares of calls answered 503, 429 with a retry
    hint, malformed (structured calls only), or answered only after `slow_seconds` (past
    the client's timeout). Seeded, so a run can be repeated."""

    unavailable: float = 0.20
    rate_limited: float = 0.10
    malformed: float = 0.02
    slow: float = 0.03
    slow_seconds: float = 8.0
    seed: int = 7


MEET_SECONDS = 30.0


class FakeGemini(FakeServer):
    def __init__(
        self,
        faults: Faults | None = None,
        latency: Latency | None = None,
        per_minute: dict[str, int] | None = None,
        window_seconds: float = 60.0,
        served: dict[str, dict[str, int] | None] | None = None,
    ) -> None:
        self.served = dict(SERVED if served is None else served)
        self.unreachable = False  # every request ends with a dropped connection
        self.faults = faults
        self.latency = latency or Latency()
        self.per_minute = per_minute or {}  # model -> requests accepted per window
        self.window_seconds = window_seconds
        self._counted: dict[str, deque[float]] = {}  # model -> accepted requests' times
        self.calls: list[Call] = []
        self._random = random.Random(faults.seed if faults else 0)
        self.injected: Counter[str] = Counter()  # fault kind -> times
        # image calls: (time, sha256 of the source reference, of the photo, HTTP status)
        self.image_log: list[tuple[float, str, str, int]] = []
        self.requests: list[Recorded] = []
        self.scripts: dict[str, deque[Reply]] = {}
        self.delay = 0.0
        # Until `meet` requests of one model are in flight together, each waits (up to
        # MEET_SECONDS): a test of concurrency waits for the overlap, not for a lucky clock.
        self.meet = 0
        self.lock = threading.Condition()
        self.concurrent: dict[str, int] = {}
        self.max_concurrent: dict[str, int] = {}
        self.batches = BatchDesk(self._batch_answer)
        self.serve(self._handler())

    def _batch_answer(self, model: str, request: dict[str, Any]) -> Reply:
        """One request of a finished batch job: answered as generateContent answers it."""
        recorded = Recorded(f"batch {model}", model, {}, request, batch=True)
        with self.lock:
            self.requests.append(recorded)
        return (
            self._refused_config(recorded, "v1beta")
            or self._next_reply(model)
            or self._default_reply(recorded)
        )

    def script(self, model_or_any: str, *replies: Reply) -> None:
        """Queue replies for a model (or "*" for any); later calls get the default."""
        self.scripts.setdefault(model_or_any, deque()).extend(replies)

    def calls_to(self, model: str) -> list[Recorded]:
        return [r for r in self.requests if r.model == model]

    def answered(self) -> int:
        """Model calls answered 200 so far: the work done, whatever the clock says."""
        with self.lock:
            return sum(call.status == 200 for call in self.calls)

    def _next_reply(self, model: str) -> Reply | None:
        with self.lock:
            for key in (model, "*"):
                queue = self.scripts.get(key)
                if queue:
                    return queue.popleft()
        return None

    def _fault(self, recorded: Recorded) -> Reply | None:
        faults = self.faults
        if faults is None:
            return None
        with self.lock:
            roll = self._random.random()
        structured = "responseSchema" in recorded.config
        edges = (
            ("503", faults.unavailable),
            ("429", faults.rate_limited),
            ("malformed", faults.malformed if structured else 0.0),
            ("slow", faults.slow),
        )
        for kind, share in edges:
            if roll < share:
                with self.lock:
                    self.injected[kind] += 1
                if kind == "503":
                    return unavailable()
                if kind == "429":
                    return rate_limited(1)
                if kind == "malformed":
                    return malformed_json()
                reply = self._default_reply(recorded)
                reply.delay = faults.slow_seconds
                return reply
            roll -= share
        return None

    def _over_limit(self, model: str, now: float) -> Reply | None:
        """The rolling per-minute limit: count this request, or refuse it with a hint."""
        limit = self.per_minute.get(model)
        if limit is None:
            return None
        with self.lock:
            window = self._counted.setdefault(model, deque())
            while window and window[0] <= now - self.window_seconds:
                window.popleft()
            if len(window) < limit:
                window.append(now)
                return None
            wait = window[0] + self.window_seconds - now
        return rate_limited(max(1, math.ceil(wait)))

    def _log_image(self, recorded: Recorded, status: int, at: float) -> None:
        """`at`: when the request arrived (a slow answer is logged when it leaves)."""
        if not _asks_image(recorded):
            return
        images = recorded.images
        if len(images) >= 2:
            source, photo = (hashlib.sha256(i).hexdigest() for i in images[:2])
            with self.lock:
                self.image_log.append((at, source, photo, status))

    def _refused_config(self, recorded: Recorded, version: str) -> Reply | None:
        """A model it does not serve (404), or an image size the model does not take (400)."""
        if recorded.model not in self.served:
            return model_not_found(recorded.model, version)
        size = (recorded.config.get("imageConfig") or {}).get("imageSize")
        if size is not None and size not in (self.served[recorded.model] or {}):
            return invalid_image_size(str(size))
        return None

    def _default_reply(self, recorded: Recorded) -> Reply:
        config = recorded.config
        usage = {"promptTokenCount": 1200 + 258 * len(recorded.images), "candidatesTokenCount": 0}
        if _asks_image(recorded):
            image_config = config.get("imageConfig") or {}
            aspect = image_config.get("aspectRatio")
            sizes = self.served.get(recorded.model) or {}
            side = sizes.get(str(image_config.get("imageSize")), 1024)
            data = base64.b64encode(drawn_image(recorded.images, aspect, side)).decode()
            usage["candidatesTokenCount"] = {512: 747, 1024: 1120, 2048: 1680}.get(side, 2520)
            parts: list[dict[str, Any]] = [{"inlineData": {"mimeType": "image/png", "data": data}}]
        else:
            schema = config.get("responseSchema") or {"type": "OBJECT"}
            if "same_child" in (schema.get("properties") or {}):
                answer = dict(JUDGE_PASS)
            else:
                answer = sample_answer(schema)
            usage["candidatesTokenCount"] = 180
            parts = [{"text": json.dumps(answer)}]
        usage["totalTokenCount"] = usage["promptTokenCount"] + usage["candidatesTokenCount"]
        return Reply(
            body={
                "candidates": [
                    {
                        "content": {"role": "model", "parts": parts},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": usage,
                "modelVersion": recorded.model,
            }
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _drop(self) -> bool:
                """An outage: the connection ends without an answer."""
                if not fake.unreachable:
                    return False
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)
                return True

            def do_GET(self) -> None:
                """ListModels (`/v1beta/models?pageSize=…&pageToken=…`) and Get."""
                if self._drop():
                    return
                path, _, query = self.path.partition("?")
                parts = path.strip("/").split("/")
                if self.headers.get("x-goog-api-key") != VALID_KEY:
                    return self._send(
                        bad_request("API key not valid. Please pass a valid API key.")
                    )
                if parts[1:2] == ["batches"]:
                    if len(parts) == 2:
                        return self._send(fake.batches.listing())
                    return self._send(fake.batches.get(parts[2]))
                names = [*fake.served, *NOT_FOR_GENERATION]
                if len(parts) == 2 and parts[1] == "models":
                    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
                    size = max(1, min(1000, int(params.get("pageSize", "50"))))
                    start = int(params.get("pageToken") or 0)
                    page = names[start : start + size]
                    body: dict[str, Any] = {"models": [model_entry(m) for m in page]}
                    if start + size < len(names):
                        body["nextPageToken"] = str(start + size)
                    return self._send(Reply(200, body))
                if len(parts) == 3 and parts[1] == "models":
                    if parts[2] in names:
                        return self._send(Reply(200, model_entry(parts[2])))
                    return self._send(
                        Reply(404, error_body(404, "NOT_FOUND", f"Model {parts[2]} not found."))
                    )
                return self._send(Reply(404, error_body(404, "NOT_FOUND", f"no route {path}")))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                if self._drop():
                    return
                path = self.path.split("?", 1)[0]
                parts = path.strip("/").split("/")
                if len(parts) == 3 and (parts[1] == "batches" or ":batch" in parts[2]):
                    return self._batch_post(parts, raw)
                if (
                    len(parts) != 3
                    or parts[1] != "models"
                    or not parts[2].endswith(":generateContent")
                ):
                    return self._send(Reply(404, error_body(404, "NOT_FOUND", f"no route {path}")))
                model = parts[2].rsplit(":", 1)[0]
                arrived = time.time()
                recorded = Recorded(
                    path, model, dict(self.headers.items()), json.loads(raw or b"{}")
                )
                with fake.lock:
                    fake.requests.append(recorded)
                    now = fake.concurrent[model] = fake.concurrent.get(model, 0) + 1
                    fake.max_concurrent[model] = max(fake.max_concurrent.get(model, 0), now)
                    fake.lock.notify_all()
                    fake.lock.wait_for(
                        lambda: fake.max_concurrent[model] >= fake.meet, MEET_SECONDS
                    )
                try:
                    if self.headers.get("x-goog-api-key") != VALID_KEY:
                        return self._send(
                            bad_request("API key not valid. Please pass a valid API key.")
                        )
                    started = time.monotonic()
                    kind = "image" if _asks_image(recorded) else "analysis"
                    refused = fake._refused_config(recorded, parts[0]) or fake._over_limit(
                        model, started
                    )
                    reply = (
                        refused
                        or fake._next_reply(model)
                        or fake._fault(recorded)
                        or fake._default_reply(recorded)
                    )
                    # the latency counts from arrival: making the reply is part of it
                    latency = 0.0 if refused else getattr(fake.latency, kind)
                    spent = time.monotonic() - started
                    time.sleep(max(0.0, latency - spent) + fake.delay + reply.delay)
                    fake._log_image(recorded, reply.status, arrived)
                    with fake.lock:
                        fake.calls.append(
                            Call(model, kind, started, time.monotonic(), reply.status)
                        )
                    self._send(reply)
                finally:
                    with fake.lock:
                        fake.concurrent[model] -= 1

            def _batch_post(self, parts: list[str], raw: bytes) -> None:
                if self.headers.get("x-goog-api-key") != VALID_KEY:
                    return self._send(
                        bad_request("API key not valid. Please pass a valid API key.")
                    )
                target, _, verb = parts[2].partition(":")
                if parts[1] == "models" and verb == "batchGenerateContent":
                    if len(raw) > INLINE_LIMIT:  # the batch guide's 20 MB for inline requests
                        return self._send(bad_request(TOO_LARGE))
                    if target not in fake.served:
                        return self._send(model_not_found(target, parts[0]))
                    return self._send(fake.batches.create(target, json.loads(raw or b"{}")))
                if parts[1] == "batches" and verb == "cancel":
                    return self._send(fake.batches.cancel(target))
                path = "/".join(parts)
                return self._send(Reply(404, error_body(404, "NOT_FOUND", f"no route /{path}")))

            def do_DELETE(self) -> None:
                parts = self.path.split("?", 1)[0].strip("/").split("/")
                if len(parts) == 3 and parts[1] == "batches":
                    return self._send(fake.batches.delete(parts[2]))
                return self._send(Reply(404, error_body(404, "NOT_FOUND", "no route")))

            def _send(self, reply: Reply) -> None:
                payload = json.dumps(reply.body or {}).encode()
                self.send_response(reply.status)
                self.send_header("content-type", "application/json; charset=UTF-8")
                self.send_header("content-length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

        return Handler
