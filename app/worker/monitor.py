"""The monitor: claims paid items and runs up to N book jobs at once on asyncio.

It polls every POLL_INTERVAL, right after a job finishes, and — when the store offers a
cheap change marker (SQLite's data_version), or on Supabase with a database connection
string (LISTEN/NOTIFY, app/store/pg_listen.py) — as soon as another connection commits, so
an idle monitor picks up a fresh paid order within a fraction of a second. Jobs heartbeat
their lease; transient errors requeue the item with backoff until max_attempts; permanent
errors fail it with a readable reason; no single job can take the monitor down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from app.domain import (
    Claim,
    GeminiUnreachable,
    LeaseLost,
    ModelUnavailable,
    OrderItem,
    PermanentError,
    PressroomError,
    QueuePaused,
    SafetyBlocked,
    Status,
    TransientError,
)
from app.events import PausedEvent, StatusEvent
from app.notify.dispatcher import Dispatcher, configured_channels
from app.pipeline.job import BookJob
from app.pipeline.links import renew_due
from app.privacy.erasure import record_line, resume
from app.privacy.retention import sweep
from app.redact import redact
from app.runtime import JobServices
from app.store.pg_listen import CLAIMABLE, on_loop, start_listening

log = logging.getLogger(__name__)

MARKER_CHECK_SECONDS = 0.2
PROBE_FIRST_SECONDS = 5.0  # a paused queue asks the provider again after this, doubling
PROBE_MAX_SECONDS = 300.0
MODEL_CHECK_SECONDS = 20.0  # the start-up check of the configured models, at most
LINK_RENEW_FIRST_SECONDS = 30.0  # after start, so a restart loop does not re-sign in a burst
LINK_RENEW_EVERY_SECONDS = 3600.0
RETENTION_EVERY_SECONDS = 3600.0  # every minute when a photo is kept for 0 days


def new_worker_id() -> str:
    import socket

    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


@dataclass
class MonitorStatus:
    is_running: bool
    processing: int
    poll_interval_ms: int
    paused_reason: str | None
    worker_id: str
    completed: int
    failed: int
    in_flight: list[str] = field(default_factory=list)
    paused_until: float | None = None  # unix time the queue tries again after a pause

    def as_dict(self) -> dict[str, Any]:
        return {
            "isRunning": self.is_running,
            "processingOrders": self.processing,
            "pollInterval": self.poll_interval_ms,
            "pausedReason": self.paused_reason,
            "workerId": self.worker_id,
            "completed": self.completed,
            "failed": self.failed,
            "inFlight": self.in_flight,
            "pausedUntil": self.paused_until,
        }


class Monitor:
    def __init__(self, services: JobServices, worker_id: str | None = None) -> None:
        self.s = services
        self.worker_id = worker_id or services.settings.worker_id or new_worker_id()
        self._jobs: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running = False
        self.paused_reason: str | None = None
        self._resume_at = 0.0  # monotonic: when a paused queue tries again
        self._probe_pause = False  # resume when a probe succeeds, not after a fixed wait
        self._probe_wait = PROBE_FIRST_SECONDS
        self.completed = 0
        self.failed = 0
        self._last_marker: object | None = None
        self._claim_error: str | None = None

    # -- control -----------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self._running

    def status(self) -> MonitorStatus:
        return MonitorStatus(
            is_running=self._running,
            processing=len(self._jobs),
            poll_interval_ms=self.s.settings.poll_interval_ms,
            paused_reason=self.paused_reason,
            worker_id=self.worker_id,
            completed=self.completed,
            failed=self.failed,
            in_flight=sorted(self._jobs),
            paused_until=(
                time.time() + max(0.0, self._resume_at - time.monotonic())
                if self.paused_reason and self._resume_at
                else None
            ),
        )

    def wake(self) -> None:
        """Look for work now (e.g. right after this process placed or retried an order)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def resume(self) -> None:
        was_paused = self.paused_reason is not None
        self.paused_reason = None
        self._probe_pause = False
        if was_paused:
            self.s.events.emit(PausedEvent(None))
        self.wake()

    def pause(self, exc: QueuePaused) -> None:
        """Stop claiming: a spent quota waits PRESSROOM_QUOTA_PAUSE_SECONDS; a missing model
        or an outage is probed with backoff and resumes when the provider answers; a refused
        parameter waits for the setting to change (or an operator's resume)."""
        first = self.paused_reason is None
        self.paused_reason = str(exc)
        if isinstance(exc, (ModelUnavailable, GeminiUnreachable)):
            self._probe_pause = not isinstance(exc, ModelUnavailable) or exc.probe_resumes
            if first:
                self._probe_wait = PROBE_FIRST_SECONDS
            self._resume_at = time.monotonic() + self._probe_wait if self._probe_pause else 0.0
        else:
            self._probe_pause = False
            self._resume_at = time.monotonic() + self.s.settings.quota_pause_seconds
        if first:
            self.s.events.emit(PausedEvent(self.paused_reason))

    async def run(self) -> None:
        """Run until stop(): on stop, jobs in flight are cancelled (their checkpoints stay)
        and their items released so any worker can resume them."""
        self._running = True
        self._stopping.clear()
        self.s.events.message(logging.INFO, f"monitor started as {self.worker_id}")
        loop = asyncio.get_running_loop()
        listener = start_listening(  # Supabase with a database URL: woken at once
            self.s.settings.database_url,
            self.s.store,
            [CLAIMABLE],
            on_loop(loop, lambda _channel, _payload: self.wake()),
            say=on_loop(loop, self.s.events.message),
            fallback=f"polling every {self.s.settings.poll_interval:g} s",
        )
        await self._check_models()
        marker_task = asyncio.create_task(self._watch_marker())
        links_task = asyncio.create_task(self._renew_links())
        retention_task = asyncio.create_task(self._keep_retention())
        notify_task = asyncio.create_task(self._notify())
        try:
            while not self._stopping.is_set():
                self._wake.clear()  # before the claim: a wake-up during it means poll again
                await self._poll_once()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.s.settings.poll_interval)
        finally:
            marker_task.cancel()
            links_task.cancel()
            retention_task.cancel()
            notify_task.cancel()
            if listener is not None:
                await asyncio.to_thread(listener.stop)
            await self._shutdown_jobs()
            await self.s.provider.aclose()
            self._running = False
            self.s.events.message(logging.INFO, "monitor stopped")

    async def run_until_idle(self, item_ids: set[str], timeout: float | None = None) -> None:
        """Run until every item in `item_ids` has left the queue (done, failed or in review)."""
        settled = {Status.COMPLETED, Status.FAILED, Status.AWAITING_REVIEW}
        runner = asyncio.create_task(self.run())
        deadline = time.monotonic() + timeout if timeout else None
        try:
            while True:
                items = await asyncio.to_thread(
                    lambda: [self.s.store.get_item(i) for i in item_ids]
                )
                if all(i.pressroom_status in settled for i in items):
                    return
                if runner.done():
                    runner.result()
                    return
                if deadline and time.monotonic() > deadline:
                    raise TimeoutError("the books were not finished in time")
                await asyncio.sleep(0.1)
        finally:
            self.stop()
            await runner

    # -- the provider's models -----------------------------------------------------------
    async def _check_models(self) -> None:
        """Ask the provider whether it serves the configured models before claiming: a
        missing one pauses the queue with its sentence (nothing offline)."""
        try:
            problems = await asyncio.wait_for(self.s.provider.check_models(), MODEL_CHECK_SECONDS)
        except QueuePaused as exc:
            self.pause(exc)
            self.s.events.message(logging.ERROR, f"queue paused: {exc}")
            return
        except Exception as exc:  # unreachable now: the breaker pauses if it lasts
            self.s.events.message(logging.WARNING, f"could not check the models: {exc}")
            return
        if problems:
            missing = ModelUnavailable("; ".join(problems))
            self.pause(missing)
            self.s.events.message(logging.ERROR, f"queue paused: {missing}")

    async def _probe(self) -> bool:
        """Whether a paused queue can resume: the provider answers and serves its models."""
        try:
            problems = await asyncio.wait_for(self.s.provider.check_models(), MODEL_CHECK_SECONDS)
        except Exception as exc:
            self.s.events.message(logging.INFO, f"still paused: {exc}")
            return False
        if problems:
            self.paused_reason = "; ".join(problems)
            return False
        return True

    # -- polling -----------------------------------------------------------------------
    async def _notify(self) -> None:
        """Deliver the outbox's e-mails and pushes (app/notify) on the channels set up here."""
        try:
            channels = configured_channels(self.s.settings, self.s.store)
        except PressroomError as exc:
            self.s.events.message(logging.ERROR, f"notifications are off: {exc}")
            return
        if not channels:
            return
        dispatcher = Dispatcher(
            self.s.store, self.s.blobs, channels, self.s.settings, self.worker_id, self.s.events
        )
        try:
            await asyncio.to_thread(dispatcher.enable)
        except PressroomError as exc:
            self.s.events.message(logging.ERROR, f"notifications are off: {exc}")
            return
        await dispatcher.run(self._stopping)

    async def _renew_links(self) -> None:
        """Every hour, re-sign the app's links that expire within PRESSROOM_LINK_RENEW_DAYS,
        so a customer's book never stops opening (app/pipeline/links.py)."""
        margin = timedelta(days=self.s.settings.link_renew_days)
        while True:
            await asyncio.sleep(LINK_RENEW_FIRST_SECONDS)
            try:
                report = await asyncio.to_thread(
                    renew_due, self.s.store, self.s.blobs, margin=margin, actor=self.worker_id
                )
            except Exception as exc:  # an outage: try again next time, the links still work
                log.warning("could not renew links: %s", exc, exc_info=True)
            else:
                if report.items:
                    self.s.events.message(logging.INFO, report.line("link renewal", False))
            await asyncio.sleep(LINK_RENEW_EVERY_SECONDS - LINK_RENEW_FIRST_SECONDS)

    async def _keep_retention(self) -> None:
        """Remove what the retention settings say is past its time (app/privacy/retention.py),
        shortly after start and then every hour, after finishing any erasure a crash left
        unfinished; counts are said, never names."""
        settings = self.s.settings
        every = 60.0 if settings.photo_retention_days == 0 else RETENTION_EVERY_SECONDS
        while True:
            await asyncio.sleep(min(every, LINK_RENEW_FIRST_SECONDS))
            try:
                finished = await asyncio.to_thread(resume, self.s.store, self.s.blobs)
                report = await asyncio.to_thread(sweep, self.s.store, self.s.blobs, settings)
            except Exception as exc:  # an outage: the next sweep takes up where this one was
                log.warning("retention sweep stopped: %s", exc, exc_info=True)
            else:
                for record in finished:  # a crash had stopped them halfway
                    self.s.events.message(logging.INFO, record_line(record))
                if any(report.removed.values()):
                    self.s.events.message(logging.INFO, report.line())
            await asyncio.sleep(max(0.0, every - LINK_RENEW_FIRST_SECONDS))

    async def _watch_marker(self) -> None:
        while True:
            await asyncio.sleep(MARKER_CHECK_SECONDS)
            try:
                marker = await asyncio.to_thread(self.s.store.change_marker)
            except Exception:
                log.debug("change marker unavailable", exc_info=True)
                return
            if marker is None:
                return
            if marker != self._last_marker:
                self._last_marker = marker
                self._wake.set()

    async def _poll_once(self) -> None:
        if self.paused_reason and self._resume_at and time.monotonic() >= self._resume_at:
            if not self._probe_pause or await self._probe():
                self.s.events.message(logging.INFO, "resuming the queue after a pause")
                self.resume()
            else:
                self._probe_wait = min(PROBE_MAX_SECONDS, self._probe_wait * 2)
                self._resume_at = time.monotonic() + self._probe_wait
        waiting = len(self.s.waiting_on_batch & self._jobs.keys())  # Google holds those
        capacity = min(
            self.s.settings.orders_at_once - (len(self._jobs) - waiting),
            self.s.settings.batch_orders_at_once - len(self._jobs),
        )
        if capacity <= 0 or self.paused_reason:
            return
        try:
            items = await asyncio.to_thread(
                self.s.store.claim, self.worker_id, capacity, self.s.settings.lease_seconds
            )
        except Exception as exc:
            reason = f"could not claim work: {exc}"
            if reason != self._claim_error:  # say it once, not at every poll
                self._claim_error = reason
                self.s.events.message(logging.ERROR, reason)
            return
        if self._claim_error:
            self._claim_error = None
            self.s.events.message(logging.INFO, "claiming works again")
        for item in items:
            self._start_job(item)

    def _start_job(self, item: OrderItem) -> None:
        claim = Claim(item.id, self.worker_id, item.attempts)
        self.s.events.emit(StatusEvent(item.id, Status.PROCESSING, f"attempt {item.attempts}"))
        self.s.events.message(logging.INFO, f"claimed (attempt {item.attempts})", item.id)
        task = asyncio.create_task(self._guarded(item, claim), name=f"job-{item.id}")
        self._jobs[item.id] = task

    async def _guarded(self, item: OrderItem, claim: Claim) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(claim))
        try:
            if item.attempts > self.s.settings.max_attempts:
                why = item.last_error or (
                    "the workers holding it stopped without finishing (killed or crashed; "
                    "their leases ran out)"
                )
                await self._fail(claim, f"gave up after {item.attempts - 1} attempts: {why}")
                return
            job = BookJob(self.s, item, claim)
            result = await job.run()
            self._report_outcome(result)
        except asyncio.CancelledError:
            raise
        except LeaseLost as exc:
            self.s.events.message(logging.WARNING, f"stopped: {exc}", item.id)
        except SafetyBlocked as exc:
            await self._settle(claim, Status.AWAITING_REVIEW, f"blocked by the model: {exc}")
        except QueuePaused as exc:
            self.pause(exc)
            self.s.events.message(logging.ERROR, f"queue paused: {exc}", item.id)
            await self._settle(claim, Status.PENDING, str(exc), attempts=claim.attempt - 1)
        except TransientError as exc:
            await self._retry_later(claim, exc)
        except PermanentError as exc:
            await self._fail(claim, str(exc))
        except PressroomError as exc:
            await self._fail(claim, str(exc))
        except Exception as exc:
            log.exception("job %s crashed", item.id)
            await self._fail(claim, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            heartbeat.cancel()
            self._jobs.pop(item.id, None)
            self._wake.set()

    def _report_outcome(self, item: OrderItem) -> None:
        if item.pressroom_status is Status.COMPLETED:
            self.completed += 1
        self.s.events.emit(StatusEvent(item.id, item.pressroom_status))
        self.s.events.message(logging.INFO, item.pressroom_status.value, item.id)

    async def _retry_later(self, claim: Claim, exc: TransientError) -> None:
        if claim.attempt >= self.s.settings.max_attempts:
            await self._fail(claim, f"{exc} (gave up after {claim.attempt} attempts)")
            return
        base = self.s.settings.retry_base_seconds * (2 ** (claim.attempt - 1))
        delay = max(exc.retry_after or 0.0, random.uniform(base / 2, base * 1.5))
        await self._settle(
            claim,
            Status.PENDING,
            f"{exc} (will retry in {delay:.0f} s)",
            retry_at=time.time() + delay,
        )

    async def _fail(self, claim: Claim, reason: str) -> None:
        if await self._settle(claim, Status.FAILED, reason):
            self.failed += 1

    async def _settle(
        self,
        claim: Claim,
        dst: Status,
        reason: str,
        retry_at: float | None = None,
        attempts: int | None = None,
    ) -> bool:
        changes: dict[str, Any] = {"last_error": redact(reason)}  # operators and the app see it
        if retry_at is not None:
            changes["retry_at"] = retry_at
        if attempts is not None:
            changes["attempts"] = attempts
        current = await asyncio.to_thread(self.s.store.get_item, claim.item_id)
        try:
            await asyncio.to_thread(
                self.s.store.transition,
                claim.item_id,
                current.pressroom_status,
                dst,
                claim=claim,
                changes=changes,
                actor=self.worker_id,
                note=reason,
            )
        except PressroomError as exc:
            self.s.events.message(
                logging.WARNING, f"could not record outcome: {exc}", claim.item_id
            )
            return False
        level = logging.ERROR if dst is Status.FAILED else logging.WARNING
        self.s.events.emit(StatusEvent(claim.item_id, dst, reason))
        self.s.events.message(level, f"{dst.value}: {reason}", claim.item_id)
        return True

    async def _heartbeat(self, claim: Claim) -> None:
        interval = max(1.0, self.s.settings.lease_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                held = await asyncio.to_thread(
                    self.s.store.heartbeat, claim, self.s.settings.lease_seconds
                )
            except Exception as exc:
                self.s.events.message(logging.WARNING, f"heartbeat failed: {exc}", claim.item_id)
                continue
            if not held:
                task = self._jobs.get(claim.item_id)
                self.s.events.message(
                    logging.WARNING, "lease lost; stopping the job", claim.item_id
                )
                if task is not None:
                    task.cancel()
                return

    async def _shutdown_jobs(self) -> None:
        jobs = dict(self._jobs)
        for task in jobs.values():
            task.cancel()
        await asyncio.gather(*jobs.values(), return_exceptions=True)
        for item_id in jobs:
            await self._release(item_id)

    async def _release(self, item_id: str) -> None:
        """Give an interrupted item back to the queue without counting the attempt."""
        try:
            item = await asyncio.to_thread(self.s.store.get_item, item_id)
            if item.claimed_by != self.worker_id or item.pressroom_status not in (
                Status.PROCESSING,
                Status.PUBLISHING,
            ):
                return
            await asyncio.to_thread(
                self.s.store.transition,
                item_id,
                item.pressroom_status,
                Status.PENDING,
                claim=Claim(item_id, self.worker_id, item.attempts),
                changes={"attempts": item.attempts - 1},
                actor=self.worker_id,
                note="released at shutdown",
            )
            self.s.events.message(logging.INFO, "released for another worker", item_id)
        except PressroomError as exc:
            self.s.events.message(logging.WARNING, f"could not release: {exc}", item_id)
