"""The shop's vocabulary: books, orders, items, the generation state machine and error kinds.

Two statuses per item. `Status` is Pressroom's own state machine (column
`pressroom_status`): pending, processing, awaiting_review, publishing, completed, failed.
The customers' mobile app reads `generation_status`, a contract kept from the old server:
only `APP_STATUSES`, derived by `app_status` (and by the databases' triggers, which follow
it) — see README.md, "The mobile app's contract".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from app.redact import redact


class Status(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    AWAITING_REVIEW = "awaiting_review"
    PUBLISHING = "publishing"
    COMPLETED = "completed"
    FAILED = "failed"


class Stage(StrEnum):
    ANALYZE_COVER = "analyze_cover"
    ANALYZE_CHILD = "analyze_child"
    PROMPT = "prompt"
    COVER = "cover"
    PAGES = "pages"
    PDF = "pdf"
    CHECK = "check"  # the quality gate
    PUBLISH = "publish"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)
# what an operator reads for each stage (keyed by value: events carry it as a string)
STAGE_WORDS: dict[str, str] = {
    Stage.ANALYZE_COVER.value: "cover analysis",
    Stage.ANALYZE_CHILD.value: "photo analysis",
    Stage.PROMPT.value: "prompts",
    Stage.COVER.value: "cover",
    Stage.PAGES.value: "pages",
    Stage.PDF.value: "PDF",
    Stage.CHECK.value: "quality checks",
    Stage.PUBLISH.value: "publish",
}

# The one place transitions are decided. Claiming (pending -> processing, and reclaiming a
# lease-expired processing/publishing item) is the store's claim operation.
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    # pending -> failed: an order stopped before it was made (its data erased)
    Status.PENDING: frozenset({Status.PROCESSING, Status.FAILED}),
    Status.PROCESSING: frozenset(
        {Status.PUBLISHING, Status.AWAITING_REVIEW, Status.FAILED, Status.PENDING}
    ),
    Status.AWAITING_REVIEW: frozenset({Status.PUBLISHING, Status.PENDING, Status.FAILED}),
    Status.PUBLISHING: frozenset({Status.COMPLETED, Status.FAILED, Status.PENDING}),
    Status.COMPLETED: frozenset(),
    Status.FAILED: frozenset({Status.PENDING}),
}

# The values the mobile app knows (the seed's three, plus failed, the one documented addition).
APP_STATUSES: tuple[str, ...] = ("pending", "processing", "completed", "failed")


def app_status(state: Status, previous: str | None = None) -> str:
    """What the app sees for an item in `state`: pending until first claimed, then
    processing until completed (review, publishing and waiting to retry included), or
    failed. An item that was ever claimed never shows pending again."""
    if state is Status.PENDING:
        return "pending" if previous in (None, "pending") else "processing"
    if state in (Status.COMPLETED, Status.FAILED):
        return state.value
    return "processing"


CLAIMABLE_WHEN_LEASE_EXPIRED: frozenset[Status] = frozenset({Status.PROCESSING, Status.PUBLISHING})


class PressroomError(Exception):
    """Base of every error Pressroom reports to an operator; str() is the readable reason,
    with every registered secret masked where the error becomes text (app/redact.py)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class ConfigurationError(PressroomError):
    """The settings would make Pressroom do the wrong thing quietly: refuse to start instead."""


class IllegalTransition(PressroomError):
    def __init__(self, src: Status, dst: Status) -> None:
        super().__init__(f"an item cannot go from {src.value} to {dst.value}")
        self.src, self.dst = src, dst


class LeaseLost(PressroomError):
    """A compare-and-set found the item changed: another worker or the operator owns it now."""


class TransientError(PressroomError):
    """Worth retrying later: rate limits, 5xx, timeouts, storage hiccups."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueuePaused(PressroomError):
    """Nothing will succeed until someone acts: pause the queue instead of burning retries."""


class QuotaExhausted(QueuePaused):
    """A daily quota is spent."""


class CredentialsRejected(QueuePaused):
    """The service refused the key: every item would fail the same way."""


class ModelUnavailable(QueuePaused):
    """The service does not serve a configured model (retired, misspelt) or refuses one of
    its parameters: a setting must change. Resumes when a probe finds it served."""

    def __init__(self, message: str, model: str = "", probe_resumes: bool = True) -> None:
        super().__init__(message)
        self.model = model
        # a model found missing resumes when a probe finds it served; a refused parameter
        # only when the setting changes (a new monitor) or an operator resumes
        self.probe_resumes = probe_resumes


class GeminiUnreachable(QueuePaused):
    """No call has reached the service for longer than the outage threshold: wait and
    probe instead of failing items one after another."""


class PermanentError(PressroomError):
    """Retrying will not help: a bad photo, an unsupported file, a rejected request."""


class BudgetExceeded(PermanentError):
    """An item's AI spending reached its ceiling: stop before a runaway job costs more."""


class BadInput(PermanentError):
    """An input file is unusable; the message names the file and what is wrong with it."""


class SafetyBlocked(PressroomError):
    """The model refused to produce an image; the item goes to review with the reason."""


def check_transition(src: Status, dst: Status) -> None:
    if dst not in ALLOWED_TRANSITIONS[src]:
        raise IllegalTransition(src, dst)


class BookStatus(StrEnum):
    DRAFT = "draft"  # being made: not shown to customers, cannot be ordered
    LIVE = "live"  # on sale
    RETIRED = "retired"  # no new orders; books already ordered are still made


@dataclass(frozen=True)
class Box:
    """A rectangle in normalized image coordinates (0..1), left/top/right/bottom."""

    left: float
    top: float
    right: float
    bottom: float

    def to_pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        return (
            round(self.left * width),
            round(self.top * height),
            round(self.right * width),
            round(self.bottom * height),
        )

    @classmethod
    def from_list(cls, values: list[float] | tuple[float, ...]) -> Box:
        left, top, right, bottom = (float(v) for v in values)
        return cls(left, top, right, bottom)

    def as_list(self) -> list[float]:
        return [self.left, self.top, self.right, self.bottom]


@dataclass(frozen=True)
class Page:
    index: int
    image: str  # blob key of the illustration
    text: str
    hero_regions: tuple[Box, ...] = ()
    text_box: Box | None = None  # where the page's text stood in the book's own PDF
    hero_absent: bool = False  # the operator's word that the hero is not drawn on this page


@dataclass(frozen=True)
class Book:
    id: str
    title: str
    genre: str
    age_range: str
    hero_name: str
    cover_image: str  # blob key
    pages: tuple[Page, ...]
    cover_hero_regions: tuple[Box, ...] = ()
    title_box: Box | None = None  # where the title is lettered on the cover
    hero_gender: str | None = None  # lets pronouns follow the child's gender
    blurb: str = ""  # the back cover's words in a printed book
    # Editing a live book saves a new version; order items keep the version they were
    # ordered in (see app.catalog.versions). Only live books can be ordered.
    version: int = 1
    status: BookStatus = BookStatus.LIVE
    isbn: str | None = None  # the shop's ISBN-13 for the printed book, as 13 digits


@dataclass(frozen=True)
class Personalization:
    child_name: str
    age: int | None = None
    gender: str | None = None
    photo: str | None = None  # blob key of the child's photo
    # An age the order wrote that is not a number ("five"): kept so the order checks can
    # refuse that one item instead of the read failing for the whole queue.
    age_text: str | None = None
    # The printer this item is made for, when the order names one (else the shop's setting).
    print_profile: str | None = None
    language: str | None = None  # the customer's language for e-mail and push, e.g. "en"
    # When the customer's data was erased (app.privacy.erasure): nothing else is left.
    erased_at: str | None = None


@dataclass(frozen=True)
class Order:
    id: str
    customer_id: str
    payment_status: str
    created_at: datetime


@dataclass(frozen=True)
class OrderItem:
    id: str
    order_id: str
    customer_id: str
    book_id: str
    personalization: Personalization
    pressroom_status: Status
    payment_status: str = "pending"
    stage: Stage | None = None
    progress_done: int = 0
    progress_total: int = 0
    attempts: int = 0
    last_error: str | None = None
    claimed_by: str | None = None
    lease_expires_at: datetime | None = None
    pdf_url: str | None = None
    cover_image_url: str | None = None
    generated_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # the order's facts, for operators; None when the shop's rows do not have them
    paid_at: datetime | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    needed_by: datetime | None = None  # when the shop's app says the book is needed
    # What the mobile app reads (the column generation_status): pending until claimed,
    # processing until completed, or failed. `pressroom_status` is Pressroom's own state.
    app_status: str | None = None

    def with_(self, **changes: object) -> OrderItem:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Notification:
    id: str
    user_id: str
    order_item_id: str | None
    title: str
    body: str
    created_at: datetime
    read: bool = False


@dataclass(frozen=True)
class Delivery:
    """One notification to send on one channel (the outbox's row)."""

    id: str
    item_id: str
    channel: str  # "email" or "push"
    idempotency_key: str  # the e-mail's Message-ID seed, the push's collapse key
    status: str  # pending, sending, sent, failed
    attempts: int = 0
    last_error: str | None = None
    interrupted: int = 0  # attempts that stopped after sending may have begun
    sent_at: datetime | None = None
    next_at: datetime | None = None


@dataclass(frozen=True)
class Claim:
    """What a worker holds while it works on an item: every later write is checked against it."""

    item_id: str
    worker_id: str
    attempt: int


# The shared Gemini pace's policy (app/ai/limiter.py, app/store/embedded_pace.py,
# migrations/0016_shared_pace.sql): paced a hair under the rate, since requests reach the
# server with some jitter; a 429 is read as the rate only with this many calls in its window.
# Until a rate is known the pace probes: one call a second, twice as many every 5 s
# without a 429 (so in a minute it no longer holds anything back). Spread out like this,
# the first 429 comes back before the next calls are sent, where an unpaced start sends
# every worker's calls at once and all of those beyond the limit are refused.
PACE_MARGIN = 0.98
PACE_EVIDENCE = 20
PACE_PROBE_PER_MINUTE = 60.0
PACE_PROBE_DOUBLING_SECONDS = 5.0
# At a rate learned from a 429 the pace follows the window's own log (no more starts in any
# window than the rate allows) and, until that rate is first raised, may run ahead of its
# even spacing by this share of a window: the room a burst leaves as it ages out of the
# window (the probe's, or the pause's backlog) is taken back as it frees, where an even
# spacing never catches up on it.
PACE_CATCH_UP = 0.5


@dataclass(frozen=True)
class PaceSlot:
    """A start for one Gemini call on a model's pace, which every worker of a store shares
    (`OrderStore.pace_take`; migrations/0016_shared_pace.sql)."""

    call_id: int
    wait: float  # seconds from now until the call may start
    epoch: int  # the pace's cuts when the slot was given: a later cut voids the slot
    rate: float | None  # calls per window the pace runs at (the probe's while none is known)


@dataclass(frozen=True)
class PaceNews:
    """What the shared pace says after a call's outcome (`OrderStore.pace_report`)."""

    rate: float | None  # calls per window, learned from the last 429 (None: none yet)
    paused_for: float  # seconds every worker holds its calls (a 429's retry delay)
    cut: bool  # this 429 was the first of its episode: the rate was read from the window


@dataclass
class StageTimings:
    seconds: dict[str, float] = field(default_factory=dict)
