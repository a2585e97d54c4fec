"""What stands in front of the service's routes, as one ASGI layer outside FastAPI (so that
even its own error handling never reads more than it must): a body limit counted as the
bytes arrive (a chunked body has no Content-Length to trust), a time limit on reading the
body, and a per-client rate limit. Every refusal is `{"error": "<sentence>"}` with its
status — the shape every endpoint answers in."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNLIMITED_PATHS = ("/health",)  # a load balancer's probe is never rate-limited


async def answer(
    send: Send, status: int, sentence: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"error": sentence}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """At most `per_minute` requests per client address in any 60 s (a sliding window)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._seen: dict[str, deque[float]] = {}

    def wait_for(self, client: str) -> float:
        """0 when `client` may go on (and counts it), else the seconds until it may."""
        now = self.clock()
        seen = self._seen.setdefault(client, deque())
        while seen and now - seen[0] >= 60:
            seen.popleft()
        if len(seen) >= self.per_minute:
            return 60 - (now - seen[0])
        seen.append(now)
        if len(self._seen) > 10_000:  # forget idle clients, bounded memory
            self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < 60}
        return 0.0


class HttpGuard:
    def __init__(
        self, app: ASGIApp, *, max_body: int, body_seconds: float, per_minute: int
    ) -> None:
        self.app, self.max_body, self.body_seconds = app, max_body, body_seconds
        self.limit = RateLimit(per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mb = self.max_body // (1024 * 1024)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await answer(send, 413, f"the body is over {mb} MB")
            return
        if scope["path"] not in UNLIMITED_PATHS:
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.limit.wait_for(client)
            if wait:
                await answer(
                    send,
                    429,
                    f"more than {self.limit.per_minute} requests a minute from {client}: "
                    f"try again in {wait:.0f} s",
                    {"retry-after": str(max(1, round(wait)))},
                )
                return
        body = await self._read_body(receive, send, mb)
        if body is None:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: a disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive, send: Send, mb: int) -> bytes | None:
        """The whole body, counted as it arrives; None when it was refused (answered) or the
        client went away."""
        chunks: list[bytes] = []
        received = 0
        deadline = time.monotonic() + self.body_seconds
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                await answer(send, 408, f"the body did not arrive within {self.body_seconds:g} s")
                return None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body:
                await answer(send, 413, f"the body is over {mb} MB")
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)


def header_timeout_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request line and headers have
    not all arrived `seconds` after it opened or after its last response (uvicorn has no
    such limit: 150 connections sending half a header each held the server until it
    answered even /health with 503)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeout(H11Protocol):
        _timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._timer is not None:
                self._timer.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self.loop.call_later(seconds, self._late, self.cycle)

        def _late(self, cycle_then: object) -> None:
            if self.cycle is cycle_then and not self.transport.is_closing():  # no new request
                self.transport.close()

    return HeaderTimeout
