"""The Provider port: what the pipeline asks of an AI backend, and the shapes it gets back.

The analysis models double as the structured-output schemas for Gemini, so the template
provider and Gemini fill the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

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

    async def analyze_cover(self, image: bytes) -> CoverAnalysis: ...
    async def analyze_child(self, photo: bytes) -> ChildAnalysis: ...
    async def generate_cover(self, task: ImageTask) -> bytes: ...
    async def personalize_page(self, task: ImageTask) -> bytes: ...
    async def aclose(self) -> None:
        """Release network connections held for the running event loop."""
        ...
