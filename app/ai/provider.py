"""The Provider port: what the pipeline asks of an AI backend, and the shapes it gets back.

The analysis models double as the structured-output schemas for Gemini, so the template
provider and Gemini fill the same fields. So does the judge's verdict: Gemini answers it
as structured output, the template provider's offline judge fills it from measurements.
Locating the hero or the title gives boxes for an operator to confirm or correct.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from app.domain import Box


class CoverAnalysis(BaseModel):
    art_style: str = Field(description="e.g. flat vector cartoon, watercolor, pencil sketch")
    medium: str = ""
    palette: list[str] = Field(default_factory=list, description="dominant colours, #rrggbb")
    palette_names: list[str] = Field(default_factory=list)
    brightness: float = 0.5
    saturation: float = 0.5
    edge_density: float = 0.0
    lighting: str = ""
    composition: str = ""
    hero_position: list[float] | None = Field(
        default=None, description="left, top, right, bottom of the hero's head, 0..1"
    )
    hero_pose: str = ""
    text_placement: str = ""
    mood: str = ""


class ChildAnalysis(BaseModel):
    apparent_age: str = ""
    hair_color: str = ""
    hair_style: str = ""
    eye_color: str = ""
    skin_tone: str = ""
    distinguishing_features: list[str] = Field(default_factory=list)
    expression: str = ""
    face_box: list[float] | None = Field(
        default=None, description="left, top, right, bottom of the face, 0..1"
    )
    skin_rgb: list[int] | None = None
    hair_rgb: list[int] | None = None


@dataclass(frozen=True)
class ImageTask:
    """One image to personalize: a cover or a page."""

    source: bytes  # the original illustration
    photo: bytes  # the child's photo
    prompt: str
    cover_analysis: CoverAnalysis
    child_analysis: ChildAnalysis
    child_name: str
    hero_regions: tuple[Box, ...] = ()  # from the book's metadata; empty: detect
    title: str | None = None  # personalized title to letter on a cover
    title_box: Box | None = None
    reference: bytes | None = None  # the generated cover, for consistency across pages
    label: str = "cover"  # for messages: "cover", "page 7"


DefectKind = Literal[
    "extra_limbs", "garbled_text", "second_child", "original_hero_visible", "other"
]


class Defect(BaseModel):
    kind: DefectKind = Field(
        description="extra_limbs: extra or missing limbs, hands or fingers; garbled_text: "
        "misspelt or unreadable lettering in the picture; second_child: a child who should "
        "not be there; original_hero_visible: the original character still shows; other"
    )
    reason: str = Field(description="what is wrong and where, in one sentence")


class JudgeVerdict(BaseModel):
    """The judge's answer about one generated image. Field order is the order the model
    writes in: what it saw first, then the verdict that follows from it."""

    reasons: str = Field(
        description="briefly, what you compared and what you saw, before the verdict"
    )
    same_child: bool = Field(
        description="the main character is recognisably the child in the photo"
    )
    likeness: float = Field(
        ge=0.0,
        le=1.0,
        description="0 = someone else, 1 = unmistakably the child in the photo "
        "(hair colour and style, skin tone, eye colour, features)",
    )
    style_matches: bool = Field(
        description="the art style, palette and layout of the original are kept"
    )
    defects: list[Defect] = Field(
        description="every defect that should not be printed; empty if there are none"
    )


@dataclass(frozen=True)
class JudgeTask:
    """One generated image to judge: the cover (no `cover`) or a page (the generated cover
    given, so the child can be compared across the book)."""

    photo: bytes  # the child's photo
    original: bytes  # the book's illustration before personalization
    generated: bytes  # what the provider made of it
    child_analysis: ChildAnalysis
    target: str  # "cover", "page 3"
    hero_name: str  # the original hero's name ("Leo")
    cover: bytes | None = None  # the generated cover, for pages
    hero_regions: tuple[Box, ...] = ()  # where the hero stands, from the book's metadata
    title: str | None = None  # the personalized title a cover should letter
    photo_is_likeness: bool = False  # `photo` is the child's approved likeness, drawn


LocateTarget = Literal["hero", "title"]


@dataclass(frozen=True)
class LocateTask:
    """Where the hero stands on one illustration, or where a cover's title is lettered."""

    image: bytes  # the page or cover illustration (JPEG/PNG)
    target: LocateTarget  # "hero": the book's main character; "title": the lettered title
    hero_name: str = ""  # the hero's name in the book's text, e.g. "Leo"
    hint: str = ""  # the page's text, if any (helps the model)
    label: str = "page"  # for messages: "cover", "page 3"


@dataclass(frozen=True)
class Located:
    """What a locate call found: boxes to confirm, never to trust unseen."""

    boxes: tuple[Box, ...]  # normalized 0..1, clamped to the image; empty: not found
    found_by: str  # "gemini" or "template"
    note: str = ""  # a sentence for the operator, e.g. why nothing was found


@dataclass
class Usage:
    calls: int = 0
    images: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    by_call: list[dict[str, object]] = field(default_factory=list)


class Provider(Protocol):
    name: str
    model: str
    # why the image model cannot draw at the printer's resolution (None: it can); the
    # quality report's resolution check says it
    resolution_note: str | None

    async def check_models(self) -> list[str]:
        """One sentence per configured model the service does not serve (empty: all are,
        or there is nothing to check offline). Raises the provider's usual errors."""
        ...

    async def analyze_cover(self, image: bytes) -> CoverAnalysis: ...
    async def analyze_child(self, photo: bytes) -> ChildAnalysis: ...
    async def prepare(self, images: list[bytes]) -> None:
        """Derive now what later calls will send of these pictures (while other calls are
        in flight); nothing for a provider that sends nothing."""
        ...

    async def generate_cover(self, task: ImageTask) -> bytes: ...
    async def personalize_page(self, task: ImageTask) -> bytes: ...
    async def judge(self, task: JudgeTask) -> JudgeVerdict:
        """Whether the generated image shows the child, in the original's style, without
        defects. Raises the provider's usual errors; a refusal is SafetyBlocked."""
        ...

    async def locate(self, task: LocateTask) -> Located:
        """Where the hero is (every appearance, the head: what `hero_regions` hold) or
        where the title is lettered, for an operator to confirm. Raises the provider's
        usual errors; a refusal is SafetyBlocked."""
        ...

    async def aclose(self) -> None:
        """Release network connections held for the running event loop."""
        ...
