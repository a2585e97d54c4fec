"""`pressroom serve`: the monitor, headless, plus the seed's HTTP control endpoints.

GET /health (no token), GET /monitor/status, POST /monitor/start, POST /monitor/stop, POST
/generate-cover, POST /erase (a customer's or an item's personal data, app/privacy); an
OpenAPI description at /openapi.json and /docs. Every endpoint but /health needs
`Authorization: Bearer <PRESSROOM_API_TOKEN>`; app/worker/http_guard.py caps bodies as they
arrive, times their reading, and rate-limits each client. Bad JSON, wrong types, oversized
bodies, bad images and a child the order checks refuse (a blank name, characters the fonts
lack, an age outside the book's range, a photo too small for print) get a 4xx with a
sentence naming the field, always as {"error": …}. SIGTERM stops gracefully: jobs in flight
are checkpointed and their leases released for another worker.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.ai.one_cover import personalize_cover
from app.domain import BadInput, Book, Personalization, PressroomError
from app.imageio import decode_image, encode_jpeg
from app.logs import register_personal
from app.orders.checks import check_order, clean_name
from app.pipeline.calls import runner_for
from app.privacy.erasure import NothingToErase, erase, plan_erasure
from app.runtime import JobServices
from app.worker.http_guard import HttpGuard, header_timeout_protocol
from app.worker.metrics import Metrics
from app.worker.monitor import Monitor
from app.worker.signals import on_stop_signals

log = logging.getLogger(__name__)
MAX_CONNECTIONS = 100  # open at once; slow clients past it are turned away with a 503
HEADER_SECONDS = 10.0  # for a request line and its headers to arrive


class BookData(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    name: str = Field(default="", max_length=300)
    genre: str = Field(default="", max_length=100)
    age_range: str = Field(default="", alias="ageRange", max_length=50)
    hero_name: str = Field(default="", alias="heroName", max_length=100)


class ChildData(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=100)
    age: int | None = Field(default=None, ge=0, le=18)
    gender: str | None = Field(default=None, max_length=30)


class GenerateCoverRequest(BaseModel):
    originalCoverImage: str = Field(description="base64 JPEG, PNG or WebP")
    childImage: str = Field(description="base64 JPEG, PNG or WebP")
    bookData: BookData = Field(default_factory=BookData)
    childData: ChildData


class GenerateCoverResponse(BaseModel):
    success: bool
    coverImage: str
    mimeType: str
    coverAnalysis: dict[str, Any]
    childAnalysis: dict[str, Any]
    prompt: str


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customerId: str | None = Field(default=None, min_length=1, max_length=200)
    itemId: str | None = Field(default=None, min_length=32, max_length=64)
    dryRun: bool = Field(default=False, description="say what would go; change nothing")
    requestedBy: str = Field(default="the service", max_length=100, description="for the record")


class EraseResponse(BaseModel):
    success: bool
    dryRun: bool
    removes: list[str]
    erasure: dict[str, Any] | None


def _b64(value: str, what: str) -> bytes:
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, f"{what} is not valid base64") from None


class Service:
    """The monitor and its control API, sharing one event loop."""

    def __init__(self, services: JobServices, token: str) -> None:
        self.s = services
        self.token = token
        self.monitor = Monitor(services)
        self.metrics = Metrics(
            services.store, services.events, lambda: self.monitor.status().paused_reason is not None
        )
        self._run: asyncio.Task[None] | None = None
        settings = services.settings
        self.routes = self._build_app()
        self.app = HttpGuard(
            self.routes,
            max_body=settings.max_upload_bytes,
            body_seconds=settings.api_body_seconds,
            per_minute=settings.api_requests_per_minute,
        )

    # -- the monitor -------------------------------------------------------------------
    async def start(self) -> None:
        if self._run is None or self._run.done():
            self._run = asyncio.create_task(self.monitor.run())
            await asyncio.sleep(0)

    async def stop(self) -> None:
        if self._run is not None and not self._run.done():
            self.monitor.stop()
            await self._run

    def status(self) -> dict[str, Any]:
        counts = {s.value: n for s, n in self.s.store.count_by_status().items()}
        return {
            **self.monitor.status().as_dict(),
            "isRunning": self.monitor.is_running,
            "queue": counts,
            "provider": self.s.provider.name,
        }

    # -- HTTP --------------------------------------------------------------------------
    def _build_app(self) -> FastAPI:
        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            if self.s.settings.auto_start_monitor:
                await self.start()
            try:
                yield
            finally:
                await self.stop()
                await self.s.provider.aclose()

        app = FastAPI(
            title="Pressroom worker",
            version="1",
            lifespan=lifespan,
            description="Control endpoints compatible with the seed's server.",
        )

        @app.middleware("http")
        async def guard(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            if request.url.path != "/health" and not self._authorized(request):
                return JSONResponse(
                    {
                        "error": "missing or wrong token: send "
                        "'Authorization: Bearer <PRESSROOM_API_TOKEN>'"
                    },
                    401,
                )
            return await call_next(request)

        @app.exception_handler(RequestValidationError)
        async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
            first = exc.errors()[0] if exc.errors() else {}
            where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
            return JSONResponse({"error": f"{where or 'body'}: {first.get('msg', 'invalid')}"}, 422)

        @app.exception_handler(StarletteHTTPException)  # also the router's own 404 and 405
        async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
            detail = "no such endpoint" if exc.detail == "Not Found" else exc.detail
            return JSONResponse({"error": detail}, exc.status_code, headers=exc.headers)

        @app.get("/health")
        async def health() -> dict[str, Any]:
            return {"status": "ok", "isRunning": self.monitor.is_running}

        @app.get("/monitor/status")
        async def monitor_status() -> dict[str, Any]:
            return await asyncio.to_thread(self.status)

        @app.post("/monitor/start")
        async def monitor_start() -> dict[str, Any]:
            await self.start()
            return {"success": True, "isRunning": True}

        @app.post("/monitor/stop")
        async def monitor_stop() -> dict[str, Any]:
            await self.stop()
            return {"success": True, "isRunning": False}

        @app.get("/metrics", response_class=Response)
        async def metrics() -> Response:
            body, content_type = await asyncio.to_thread(self.metrics.text)
            return Response(body, media_type=content_type)

        @app.post("/generate-cover", response_model=GenerateCoverResponse)
        async def generate_cover(body: GenerateCoverRequest) -> GenerateCoverResponse:
            return await self.generate_cover(body)

        @app.post("/erase", response_model=EraseResponse)
        async def erase(body: EraseRequest) -> EraseResponse:
            return await asyncio.to_thread(self.erase, body)

        return app

    def erase(self, body: EraseRequest) -> EraseResponse:
        store, blobs = self.s.store, self.s.blobs
        try:
            plan = plan_erasure(store, blobs, customer_id=body.customerId, item_id=body.itemId)
            if body.dryRun:
                return EraseResponse(success=True, dryRun=True, removes=plan.lines(), erasure=None)
            done = erase(store, blobs, plan, actor=f"{body.requestedBy} (POST /erase)")
        except NothingToErase as exc:
            raise HTTPException(404, str(exc)) from None
        except BadInput as exc:
            raise HTTPException(422, str(exc)) from None
        except PressroomError as exc:  # an item a worker holds now, or an outage
            raise HTTPException(409, str(exc)) from None
        record = {**asdict(done), "started_at": done.started_at.isoformat()}
        record["finished_at"] = done.finished_at.isoformat() if done.finished_at else None
        return EraseResponse(success=True, dryRun=False, removes=plan.lines(), erasure=record)

    def _authorized(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        given = (
            credentials.strip()
            if scheme.lower() == "bearer"  # schemes are case-insensitive (RFC 9110 11.1)
            else request.headers.get("x-api-token", "")
        )
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def _problems(self, cover: bytes, photo: bytes, book: Book, who: Personalization) -> list[str]:
        """Every problem with the request, each naming its field: the order checks every
        way in runs (app/orders/checks.py), on the child and the photo."""
        problems: list[str] = []
        try:
            decode_image(cover, "originalCoverImage", self.s.settings.max_image_pixels)
        except BadInput as exc:
            problems.append(str(exc))
        found = check_order(book, who, photo, self.s.settings, photo_name="childImage")
        fields = {"name": "childData.name: ", "age": "childData.age: "}
        problems += [f"{fields.get(p.field, '')}{p}" for p in found]
        return problems

    async def generate_cover(self, body: GenerateCoverRequest) -> GenerateCoverResponse:
        cover = _b64(body.originalCoverImage, "originalCoverImage")
        photo = _b64(body.childImage, "childImage")
        limit = self.s.settings.max_image_pixels
        child = body.childData
        register_personal((child.name,))  # never in a log line
        who = Personalization(clean_name(child.name), child.age, child.gender)
        book = Book(
            "adhoc",
            body.bookData.name,
            body.bookData.genre,
            body.bookData.age_range,
            body.bookData.hero_name or "the main character",
            "",
            (),
        )
        problems = await asyncio.to_thread(self._problems, cover, photo, book, who)
        if problems:
            raise HTTPException(422, "; ".join(problems))
        provider = self.s.provider
        try:
            call = runner_for(self.s.settings).call  # the job's retries and retry hints
            result = await personalize_cover(provider, cover, photo, book, who, call)
        except BadInput as exc:
            raise HTTPException(422, str(exc)) from None
        except PressroomError as exc:
            raise HTTPException(502, f"the cover could not be generated: {exc}") from None
        jpeg = await asyncio.to_thread(_as_jpeg, result.image, limit)
        return GenerateCoverResponse(
            success=True,
            coverImage=base64.b64encode(jpeg).decode(),
            mimeType="image/jpeg",
            coverAnalysis=result.cover_analysis.model_dump(),
            childAnalysis=result.child_analysis.model_dump(),
            prompt=result.prompt,
        )


def _as_jpeg(image: bytes, limit: int) -> bytes:
    return image if image[:2] == b"\xff\xd8" else encode_jpeg(decode_image(image, "cover", limit))


async def serve(services: JobServices, token: str, host: str, port: int) -> None:
    """Run the API and the monitor until SIGTERM or SIGINT; then stop both gracefully."""
    import uvicorn

    service = Service(services, token)

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:  # ours below stop the monitor too
            yield

    server = _Server(
        uvicorn.Config(
            service.app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_keep_alive=5,  # an idle connection is closed
            limit_concurrency=MAX_CONNECTIONS,  # past it: 503, not a process out of sockets
            h11_max_incomplete_event_size=64 * 1024,  # request line and headers
            http=header_timeout_protocol(HEADER_SECONDS),
        )
    )
    loop = asyncio.get_running_loop()

    def shutdown() -> None:
        services.events.message(logging.INFO, "stopping: releasing jobs in flight")
        server.should_exit = True

    on_stop_signals(loop, shutdown)
    await server.serve()
