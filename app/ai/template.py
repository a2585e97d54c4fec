"""The offline provider: real analysis and compositing with Pillow, no account needed.

It measures the cover (palette, brightness, saturation, edges -> style; the hero's head
as the largest skin-toned region) and the photo (face, skin, hair and eye colours), then
personalizes by placing the child's face — stylized and colour-matched to the page —
into the hero's head region (from the book's metadata, else detected, else a framed
portrait inset), and letters the personalized title. Same inputs, same bytes out.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from app.ai import imaging, lettering
from app.ai.provider import (
    ChildAnalysis,
    CoverAnalysis,
    ImageTask,
    JudgeTask,
    JudgeVerdict,
    Located,
    LocateTask,
)
from app.ai.template_judge import judge_offline
from app.ai.usage import note_native_size
from app.cpu import run_cpu
from app.domain import Box
from app.imageio import decode_image, encode_jpeg

MODEL_ID = "pressroom-template-1"
LOCATE_NOTE = "The offline provider cannot find the hero or the title; draw the regions by hand."


class TemplateProvider:
    name = "template"
    model = MODEL_ID
    resolution_note: str | None = None  # it draws at the source's own size

    async def check_models(self) -> list[str]:
        return []  # offline: no service to ask

    def __init__(self, max_pixels: int = 60_000_000, jpeg_quality: int = 90) -> None:
        self.max_pixels = max_pixels
        self.jpeg_quality = jpeg_quality

    async def analyze_cover(self, image: bytes) -> CoverAnalysis:
        return await run_cpu(self._analyze_cover, image)

    async def analyze_child(self, photo: bytes) -> ChildAnalysis:
        return await run_cpu(self._analyze_child, photo)

    async def generate_cover(self, task: ImageTask) -> bytes:
        return _drawn(task.label, await run_cpu(self._personalize, task))

    async def personalize_page(self, task: ImageTask) -> bytes:
        return _drawn(task.label, await run_cpu(self._personalize, task))

    async def judge(self, task: JudgeTask) -> JudgeVerdict:
        """The offline judge: colours and layout measured, no face recognition (its limits
        are in app/ai/template_judge.py and in every verdict's reasons)."""
        return await run_cpu(judge_offline, task, self.max_pixels)

    async def locate(self, task: LocateTask) -> Located:
        """No boxes: without a model nothing here can tell the hero from the other
        characters or find a title (the skin-tone head finder takes the first face-coloured
        blob), and a made-up box would look like a finding."""
        return Located((), "template", LOCATE_NOTE)

    async def prepare(self, images: list[bytes]) -> None:
        """Nothing to prepare: each call works on the pictures themselves."""

    async def aclose(self) -> None:
        """Nothing to release: no connections."""

    # -- analysis ----------------------------------------------------------------------
    def _analyze_cover(self, image: bytes) -> CoverAnalysis:
        img = decode_image(image, "cover", self.max_pixels)
        small = imaging.thumbnail(img, 256)
        colours = imaging.palette(small)
        brightness, saturation = imaging.brightness_saturation(small)
        edges = imaging.edge_density(small)
        style, medium = imaging.style_label(brightness, saturation, edges, imaging.flatness(small))
        thumb = imaging.thumbnail(img, 96)
        found = imaging.face_region(thumb)
        hero = imaging.head_region(thumb, found[0]) if found else None
        lighting = (
            "bright, even" if brightness > 0.65 else "dim, moody" if brightness < 0.35 else "soft"
        )
        mood = (
            "cheerful"
            if saturation > 0.4 and brightness > 0.5
            else "calm"
            if saturation < 0.25
            else "warm"
        )
        return CoverAnalysis(
            art_style=style,
            medium=medium,
            palette=[imaging.hex_colour(rgb) for rgb, _ in colours],
            palette_names=[imaging.nearest_name(rgb) for rgb, _ in colours],  # one per colour
            brightness=round(brightness, 3),
            saturation=round(saturation, 3),
            edge_density=round(edges, 3),
            lighting=lighting,
            composition=(
                f"hero in the {imaging.position_words(hero)} of the frame"
                if hero
                else "scene without a clear central figure"
            ),
            hero_position=[round(v, 4) for v in hero.as_list()] if hero else None,
            hero_pose="facing the reader" if hero else "",
            text_placement="",
            mood=mood,
        )

    def _analyze_child(self, photo: bytes) -> ChildAnalysis:
        img = imaging.thumbnail(decode_image(photo, "photo", self.max_pixels), 256)
        found = imaging.face_region(img, min_share=0.01)
        if found is None:
            return ChildAnalysis()
        face, face_mask = found
        skin = imaging.median_colour(img, face_mask)
        hair = self._hair_colour(img, face_mask, face, skin)
        eyes = self._eye_colour(img, face_mask, face)
        return ChildAnalysis(
            apparent_age="",
            hair_color=imaging.nearest_name(hair, imaging.HAIR_COLOURS) if hair else "",
            hair_style="",
            eye_color=imaging.nearest_name(eyes, imaging.EYE_COLOURS) if eyes else "",
            skin_tone=imaging.nearest_name(skin, imaging.SKIN_TONES) if skin else "",
            distinguishing_features=[],
            expression="",
            face_box=[round(v, 4) for v in face.as_list()],
            skin_rgb=list(skin) if skin else None,
            hair_rgb=list(hair) if hair else None,
        )

    @staticmethod
    def _hair_colour(
        img: Image.Image, face_mask: np.ndarray, face: Box, skin: tuple[int, int, int] | None
    ) -> tuple[int, int, int] | None:
        """Just above the face, whatever is not face-coloured is hair."""
        left, top, right, bottom = face.to_pixels(img.width, img.height)
        height = max(3, (bottom - top) // 8)
        band = np.zeros_like(face_mask)
        inner = (right - left) // 5
        band[max(0, top - height) : top, left + inner : right - inner] = True
        if skin is not None:
            pixels = np.asarray(img, dtype=np.int16)
            far = np.sqrt(((pixels - np.array(skin)) ** 2).sum(axis=2)) >= 60
            band &= far
        return imaging.median_colour(img, band) if band.any() else None

    @staticmethod
    def _eye_colour(
        img: Image.Image, face_mask: np.ndarray, face: Box
    ) -> tuple[int, int, int] | None:
        """Irises: mid-dark, non-skin pixels in the eye band (pupils and whites excluded)."""
        left, top, right, bottom = face.to_pixels(img.width, img.height)
        h, w = bottom - top, right - left
        band = np.zeros_like(face_mask)
        band[top + h // 10 : top + h * 2 // 5, left + w // 6 : right - w // 6] = True
        gray = np.asarray(img.convert("L"))
        iris = band & ~face_mask & (gray >= 30) & (gray < 140)
        return imaging.median_colour(img, iris) if iris.any() else None

    # -- personalization ---------------------------------------------------------------
    def _personalize(self, task: ImageTask) -> bytes:
        page = decode_image(task.source, task.label, self.max_pixels)
        photo = decode_image(task.photo, "photo", self.max_pixels)
        child = task.child_analysis
        face_box = Box.from_list(child.face_box) if child.face_box else Box(0.2, 0.15, 0.8, 0.85)
        page_palette = [rgb for rgb, _ in imaging.palette(page)]
        regions = list(task.hero_regions)
        if not regions:
            thumb = imaging.thumbnail(page, 96)
            detected = imaging.face_region(thumb)
            if detected is not None:
                regions = [imaging.head_region(thumb, detected[0])]
        if regions:
            for region in regions:
                self._place_face(page, photo, face_box, region, page_palette)
        else:
            self._place_inset(page, photo, face_box, page_palette)
        if task.title and task.title_box:
            lettering.letter_title(page, task.title, task.title_box)
        return encode_jpeg(page, self.jpeg_quality, dpi=300)

    def _place_face(
        self,
        page: Image.Image,
        photo: Image.Image,
        face_box: Box,
        region: Box,
        page_palette: list[tuple[int, int, int]],
    ) -> None:
        left, top, right, bottom = region.to_pixels(*page.size)
        size = (max(8, right - left), max(8, bottom - top))
        face = stylized_face(photo, face_box, size, page_palette)
        page.paste(face, (left, top), face)

    def _place_inset(
        self,
        page: Image.Image,
        photo: Image.Image,
        face_box: Box,
        page_palette: list[tuple[int, int, int]],
    ) -> None:
        width, height = page.size
        diameter = min(width, height) // 4
        margin = min(width, height) // 12
        x, y = width - margin - diameter, height - margin - diameter
        frame = page_palette[0] if page_palette else (255, 255, 255)
        border = max(4, diameter // 24)
        ImageDraw.Draw(page).ellipse(
            (x - border, y - border, x + diameter + border, y + diameter + border),
            fill=lettering.contrast(frame),
        )
        face = stylized_face(photo, face_box, (diameter, diameter), page_palette)
        page.paste(face, (x, y), face)


def _drawn(label: str, image: bytes) -> bytes:
    """Record the native size of a page drawn here: the source's own size (nothing is
    resized), read from the answer's header."""
    with Image.open(io.BytesIO(image)) as img:
        note_native_size(label, img.size)
    return image


def stylized_face(
    photo: Image.Image,
    face_box: Box,
    size: tuple[int, int],
    page_palette: list[tuple[int, int, int]],
) -> Image.Image:
    """The child's face (with hair), flattened into a few colours pulled toward the page's
    palette, inked round the edge, on an elliptical alpha mask."""
    width, height = photo.size
    left, top, right, bottom = face_box.to_pixels(width, height)
    fw, fh = right - left, bottom - top
    crop = photo.crop(
        (
            max(0, left - fw // 8),
            max(0, top - fh * 3 // 10),
            min(width, right + fw // 8),
            min(height, bottom + fh // 20),
        )
    )
    work = ImageOps.fit(
        crop, (max(16, size[0] // 2), max(16, size[1] // 2)), Image.Resampling.LANCZOS
    )
    work = work.filter(ImageFilter.MedianFilter(3)).filter(ImageFilter.SMOOTH_MORE)
    quantized = work.quantize(colors=8, method=Image.Quantize.MEDIANCUT)
    flat = quantized.getpalette() or []
    if page_palette:
        shifted: list[int] = []
        for i in range(0, min(len(flat), 8 * 3), 3):
            own = (flat[i], flat[i + 1], flat[i + 2])
            ref = min(
                page_palette, key=lambda c: sum((a - b) ** 2 for a, b in zip(c, own, strict=True))
            )
            shifted.extend(round(0.78 * a + 0.22 * b) for a, b in zip(own, ref, strict=True))
        quantized.putpalette(shifted + flat[len(shifted) :])
    face = quantized.convert("RGB").resize(size, Image.Resampling.NEAREST)
    ink = min(page_palette, key=sum) if page_palette else (30, 30, 30)
    mask = _ellipse_mask(size)
    rim = mask.filter(ImageFilter.MaxFilter(3))
    outline = Image.new("RGB", size, ink)
    # the ink ring: the face inside an ellipse inset by the ring's width (a rank filter of
    # that width over a page-sized face took a minute)
    outline.paste(face, (0, 0), _ellipse_mask(size, inset=max(3, size[0] // 40) // 2))
    outline.putalpha(rim)
    return outline


def _ellipse_mask(size: tuple[int, int], scale: int = 4, inset: int = 0) -> Image.Image:
    big = Image.new("L", (size[0] * scale, size[1] * scale), 0)
    edge = inset * scale
    ImageDraw.Draw(big).ellipse((edge, edge, big.width - 1 - edge, big.height - 1 - edge), fill=255)
    return big.resize(size, Image.Resampling.LANCZOS)
