"""The service's front door: bodies capped as they arrive (chunked ones too), their reading
timed, each client rate-limited, the Bearer scheme in any case, and one error shape for
every refusal — the router's own 404 and a body that is not JSON included."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.events import EventBus
from app.runtime import build_services
from app.worker.http_guard import HttpGuard, Message, RateLimit
from app.worker.service import Service
from tests.conftest import make_settings

TOKEN = "t-0123456789"


def serving(tmp_path: Path, per_minute: int) -> Iterator[TestClient]:
    values = {"max_upload_bytes": 1024 * 1024, "api_requests_per_minute": per_minute}
    settings = make_settings(tmp_path, auto_start_monitor=False, **values)
    service = Service(build_services(settings, EventBus()), TOKEN)
    with TestClient(service.app) as test_client:
        yield test_client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from serving(tmp_path, 20)


@pytest.fixture
def roomy(tmp_path: Path) -> Iterator[TestClient]:
    """No rate limit in reach: what answers is the body's own check."""
    yield from serving(tmp_path, 100_000)


def test_the_bearer_scheme_is_case_insensitive(client: TestClient) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        got = client.get("/monitor/status", headers={"Authorization": f"{scheme} {TOKEN}"})
        assert got.status_code == 200, scheme
    assert (
        client.get("/monitor/status", headers={"Authorization": f"Basic {TOKEN}"}).status_code
        == 401
    )


def test_every_refusal_has_the_documented_shape(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    unknown = client.get("/no/such/path", headers=auth)
    assert unknown.status_code == 404 and unknown.json() == {"error": "no such endpoint"}
    wrong_method = client.delete("/monitor/status", headers=auth)
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == {"error"}
    not_json = client.post(
        "/generate-cover",
        content=b"{not json",
        headers={**auth, "content-type": "application/json"},
    )
    assert not_json.status_code == 422 and set(not_json.json()) == {"error"}


def test_a_chunked_body_over_the_limit_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):  # 2.5 MB in 64 KB pieces, no Content-Length
            yield b"x" * 65536

    auth = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    got = client.post("/generate-cover", content=chunks(), headers=auth)
    assert got.status_code == 413 and got.json() == {"error": "the body is over 1 MB"}


def test_each_client_is_rate_limited_but_health_is_not(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    codes = [client.get("/monitor/status", headers=auth).status_code for _ in range(25)]
    assert codes[:20] == [200] * 20 and set(codes[20:]) == {429}
    limited = client.get("/monitor/status", headers=auth)
    assert (
        "requests a minute" in limited.json()["error"] and int(limited.headers["retry-after"]) >= 1
    )
    assert all(client.get("/health").status_code == 200 for _ in range(30))


def test_the_window_slides() -> None:
    now = [0.0]
    limit = RateLimit(2, clock=lambda: now[0])
    assert [limit.wait_for("a"), limit.wait_for("a")] == [0.0, 0.0]
    assert limit.wait_for("a") == 60.0 and limit.wait_for("b") == 0.0
    now[0] = 59.0
    assert limit.wait_for("a") == pytest.approx(1.0)
    now[0] = 60.0
    assert limit.wait_for("a") == 0.0


def _run(guard: HttpGuard, messages: Any) -> tuple[list[Message], int]:
    """The guard on one POST whose body arrives as `messages` yields; what it sent, and how
    many body messages it asked for."""
    sent: list[Message] = []
    asked = 0

    async def receive() -> Message:
        nonlocal asked
        asked += 1
        return await messages.__anext__()

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/generate-cover", "headers": [], "client": ("1.2.3.4", 5)}
    asyncio.run(guard(scope, receive, send))
    return sent, asked


async def _never_called(*_args: Any) -> None:
    raise AssertionError("the app must not see a refused body")


def test_an_endless_body_is_cut_at_the_limit_without_reading_on() -> None:
    async def endless() -> Any:
        while True:
            yield {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    guard = HttpGuard(_never_called, max_body=1024 * 1024, body_seconds=5, per_minute=100)
    sent, asked = _run(guard, endless())
    assert sent[0]["status"] == 413 and asked == 17  # 16 pieces fit, the 17th is over


def test_a_body_that_trickles_is_timed_out() -> None:
    async def slow() -> Any:
        yield {"type": "http.request", "body": b"{", "more_body": True}
        await asyncio.sleep(5)
        yield {"type": "http.request", "body": b"}", "more_body": False}

    guard = HttpGuard(_never_called, max_body=1024, body_seconds=0.2, per_minute=100)
    sent, _ = _run(guard, slow())
    assert sent[0]["status"] == 408 and b"within 0.2 s" in sent[1]["body"]


def test_a_connection_that_never_finishes_its_headers_is_closed() -> None:
    import socket
    import threading
    import time

    import uvicorn

    from app.worker.http_guard import answer, header_timeout_protocol

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await answer(send, 200, "fine")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
        http=header_timeout_protocol(0.5),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        slow.settimeout(5)
        started = time.monotonic()
        assert slow.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 3
        slow.close()
        good = socket.create_connection(("127.0.0.1", port))
        good.settimeout(5)
        good.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in good.recv(1000)
        good.close()
    finally:
        server.should_exit = True
        thread.join(10)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_any_raw_bytes_get_a_sentence(roomy: TestClient, raw: bytes) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    got = roomy.post("/generate-cover", content=raw, headers=headers)
    assert 400 <= got.status_code < 500 and got.status_code != 429
    assert set(got.json()) == {"error"}
