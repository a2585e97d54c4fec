"""What Gemini is asked to fill when it analyzes a cover or a photo, judges a generated
image or locates the hero or the title (the structured-output schemas), the instructions
that go with them, and the aspect ratios its image models take.

The instructions say what to describe, never what the answer is: every descriptive word in
a prompt comes from these analyses or from the order.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.ai.provider import ChildAnalysis, CoverAnalysis, LocateTarget
from app.domain import Box

ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9")

COVER_INSTRUCTIONS = (
    "You are helping an illustrator redraw this children's book cover with a different child "
    "as the main character. Describe the cover so the redrawn one keeps its look: art style, "
    "medium, dominant colours (hex and names), lighting, composition, where the main "
    "character's head is (left, top, right, bottom as fractions of the width and height), the "
    "character's pose, where the title is lettered, and the mood."
)
PHOTO_INSTRUCTIONS = (
    "Describe the child in this photo so an illustrator can draw them recognisably as a "
    "storybook character: apparent age, hair colour and style, eye colour, skin tone, "
    "distinguishing features (such as glasses or freckles; none if there are none), "
    "expression, and where the face is (left, top, right, bottom as fractions). Describe only "
    "what is visible; do not guess identity."
)


def judge_labels(with_cover: bool, likeness: bool = False) -> list[str]:
    """The caption sent before each image of a judge call, in order."""
    labels = [
        "Image 1: the child who must be the main character, as drawn and approved earlier "
        "(their photo is no longer kept)."
        if likeness
        else "Image 1: a photo of the child who must be the main character.",
        "Image 2: the original illustration.",
        "Image 3: the new illustration, to be judged.",
    ]
    if with_cover:
        labels.append("Image 4: the book's new cover, already showing the child.")
    return labels


def judge_instructions(
    target: str,
    hero_name: str,
    *,
    with_cover: bool,
    title: str | None = None,
    likeness: bool = False,
) -> str:
    """What the judge is asked about one generated image (the cover or a page). It names the
    defects it must look for and asks for its reasons before its verdict."""
    hero = hero_name or "the original main character"
    what = "cover" if target == "cover" else f"illustration ({target})"
    child = "the child drawn in image 1" if likeness else "the child in the photo (image 1)"
    text = (
        f"You check a personalized children's book before it is printed. Image 3 is its new "
        f"{what}: image 2 redrawn so that {child} is the main "
        f"character instead of {hero}, keeping image 2's art style, palette and layout. "
    )
    if with_cover:
        text += "The child must look the same as on the new cover (image 4). "
    if title:
        text += f'Any title lettered in image 3 must read exactly "{title}". '
    text += (
        "First say briefly what you compared and what you saw (reasons). Then answer: is "
        f"the main character in image 3 recognisably {child}, drawn as a "
        "storybook character (same_child); how alike, from 0 (someone else) to 1 "
        "(unmistakably the same child: hair colour and style, skin tone, eye colour, "
        "features, glasses or freckles if any) (likeness); does image 3 keep image 2's art "
        "style, palette and composition (style_matches); and list every defect, each with "
        "its reason: extra or missing limbs, hands or fingers (extra_limbs); misspelt, "
        "garbled or unreadable lettering (garbled_text); a second child who is not in "
        f"image 2 (second_child); {hero} still visible, whole or in part "
        "(original_hero_visible); anything else that should not be printed (other). An "
        "empty list if there are none. Judge only what is visible; do not identify anyone."
    )
    return text


def locate_instructions(
    target: LocateTarget, hero_name: str = "", hint: str = "", label: str = "page"
) -> str:
    """What a locate call asks for, in Gemini's own bounding-box convention: box_2d is
    [ymin, xmin, ymax, xmax], integers from 0 to 1000 relative to the image's height and
    width, the origin at the top left."""
    where = "the cover" if label == "cover" else f"an illustration ({label})"
    if target == "hero":
        hero = f"the main character named {hero_name}" if hero_name else "the main character"
        text = (
            f"This is {where} of a children's book. Find {hero}: give one box for every "
            "appearance of the main character on the image, each around the character's "
            "head (hair, ears and any hat included; not the body) — the part that will be "
            "redrawn with another child's face. Do not box other characters. Return an "
            "empty list when the main character is not on the image. "
        )
    else:
        text = (
            f"This is {where} of a children's book. Give the box around the lettered book "
            "title: one box around all of the title's words and lines, tight to the "
            "letters, leaving out any other text such as the author's name. Return an empty "
            "list when no title is lettered on the image. "
        )
    if hint.strip():
        text += f'The text that goes with this image reads: "{hint.strip()}". '
    return text + (
        "Each box is box_2d: [ymin, xmin, ymax, xmax] as integers from 0 to 1000, relative "
        "to the image's height and width, with 0, 0 at the top left."
    )


class CoverAnalysisWire(BaseModel):
    art_style: str = Field(description="e.g. watercolor, flat vector cartoon, pencil sketch")
    medium: str = Field(description="the apparent medium or technique")
    palette_hex: list[str] = Field(description="3 to 6 dominant colours as #rrggbb")
    palette_names: list[str] = Field(description="plain names of those colours")
    lighting: str
    composition: str = Field(description="layout of the main elements")
    hero_head_box: list[float] = Field(description="left, top, right, bottom in 0..1")
    hero_pose: str
    text_placement: str = Field(description="where and how the title is lettered")
    mood: str

    def to_analysis(self) -> CoverAnalysis:
        box = self.hero_head_box
        valid = (
            len(box) == 4 and all(0 <= v <= 1 for v in box) and box[0] < box[2] and box[1] < box[3]
        )
        return CoverAnalysis(
            art_style=self.art_style,
            medium=self.medium,
            palette=self.palette_hex,
            palette_names=self.palette_names,
            lighting=self.lighting,
            composition=self.composition,
            hero_position=box if valid else None,
            hero_pose=self.hero_pose,
            text_placement=self.text_placement,
            mood=self.mood,
        )


class PhotoAnalysisWire(BaseModel):
    apparent_age: str
    hair_color: str
    hair_style: str
    eye_color: str
    skin_tone: str
    distinguishing_features: list[str]
    expression: str
    face_box: list[float] = Field(description="left, top, right, bottom in 0..1")

    def to_analysis(self) -> ChildAnalysis:
        box = self.face_box
        valid = (
            len(box) == 4 and all(0 <= v <= 1 for v in box) and box[0] < box[2] and box[1] < box[3]
        )
        return ChildAnalysis(
            apparent_age=self.apparent_age,
            hair_color=self.hair_color,
            hair_style=self.hair_style,
            eye_color=self.eye_color,
            skin_tone=self.skin_tone,
            distinguishing_features=[
                f
                for f in self.distinguishing_features
                if f and f.strip().lower() not in {"none", "n/a"}
            ],
            expression=self.expression,
            face_box=box if valid else None,
        )


class LocatedBoxWire(BaseModel):
    box_2d: list[int] = Field(
        min_length=4, max_length=4, description="ymin, xmin, ymax, xmax as integers 0..1000"
    )


class LocateWire(BaseModel):
    boxes: list[LocatedBoxWire] = Field(
        description="one box per appearance; empty if it is not on the image"
    )

    def to_boxes(self) -> tuple[tuple[Box, ...], int]:
        """The boxes as normalized left/top/right/bottom, clamped to the image, duplicates
        merged, and how many were dropped for having no area (after clamping)."""
        boxes: list[Box] = []
        dropped = 0
        for wire in self.boxes:
            ymin, xmin, ymax, xmax = (min(max(v / 1000, 0.0), 1.0) for v in wire.box_2d)
            if xmax <= xmin or ymax <= ymin:
                dropped += 1
                continue
            box = Box(xmin, ymin, xmax, ymax)
            if box not in boxes:
                boxes.append(box)
        return tuple(boxes), dropped


def _is_box(box: list[float]) -> bool:
    """A usable normalized box; models sometimes answer pixels or an empty list."""
    return len(box) == 4 and all(0 <= v <= 1 for v in box) and box[0] < box[2] and box[1] < box[3]


def nearest_aspect_ratio(width: int, height: int) -> str:
    target = width / height

    def ratio(text: str) -> float:
        w, h = (int(v) for v in text.split(":"))
        return w / h

    return min(ASPECT_RATIOS, key=lambda text: abs(ratio(text) - target))
