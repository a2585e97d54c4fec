"""Print-ready PDF composition with PyMuPDF, and quick page previews.

Each page is trim size plus bleed on every side (MediaBox = BleedBox), with the TrimBox
set inside it. Illustrations fill the bleed; images below `min_dpi` at that size are
refused, below `target_dpi` they are accepted with a warning. Page text is set in
embedded fonts on a soft panel inside the safe area: DejaVu Serif, with Noto for the scripts
it lacks (app/assets.py), laid out by MuPDF's HTML engine, which shapes Arabic and puts a
right-to-left name in its place inside a left-to-right sentence.
"""

from __future__ import annotations

import html
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import pymupdf
from PIL import Image

from app.assets import TEXT_FONTS, font_bytes, font_runs, has_glyph
from app.config import Settings
from app.domain import BadInput
from app.print.pdf_open import with_mupdf
from app.print.profiles import load_profile

MM = 72 / 25.4  # points per millimetre
SAFE_MARGIN_MM = 12.7  # text stays half an inch inside the trim
LEADING = 1.35  # line pitch, in font sizes
TEXT_RGB = (0.12, 0.1, 0.16)
TEXT_COLOUR = "#1f1a29"  # TEXT_RGB in CSS
PURE_K = (0.0, 0.0, 0.0, 1.0)  # text for a CMYK printer: black ink only (Gelato's rule)
# MuPDF puts a line's baseline this many font sizes below the top of its line box (DejaVu
# Serif's ascent plus half the leading): the first baseline lands 1.5 font sizes into the
# panel, as it always has.
_FIRST_BASELINE = 0.975


@dataclass(frozen=True)
class PrintSpec:
    trim_mm: tuple[float, float] = (203.2, 203.2)
    bleed_mm: float = 3.175
    target_dpi: int = 300
    min_dpi: int = 150
    max_pixels: int = 60_000_000  # a picture may hold no more (Settings.max_image_pixels)

    @property
    def page_size_pt(self) -> tuple[float, float]:
        w, h = self.trim_mm
        return (w + 2 * self.bleed_mm) * MM, (h + 2 * self.bleed_mm) * MM

    @property
    def page_size_in(self) -> tuple[float, float]:
        w, h = self.page_size_pt
        return w / 72, h / 72

    @classmethod
    def from_settings(cls, settings: Settings, *, printer: bool = False) -> PrintSpec:
        """The reading PDF's page, from the print settings. With `printer`, the page the
        chosen printer prints (its trim, its widest bleed, its resolution thresholds): what
        a book's pictures must fill; the digital profile is the reading PDF's."""
        profile = load_profile(settings.print_profile) if printer else None
        if profile is None or profile.is_digital:
            return cls(
                trim_mm=settings.trim_mm,
                target_dpi=settings.target_dpi,
                min_dpi=settings.min_dpi,
                max_pixels=settings.max_image_pixels,
            )
        b = profile.interior.bleed
        return cls(
            trim_mm=(profile.trim[0] * 25.4, profile.trim[1] * 25.4),
            bleed_mm=max(b.top, b.bottom, b.outer, b.inner) * 25.4,
            target_dpi=round(profile.min_ppi_warn),
            min_dpi=round(profile.min_ppi_fail),
            max_pixels=settings.max_image_pixels,
        )

    def pixels_needed(self, dpi: int | None = None) -> tuple[int, int]:
        w, h = self.page_size_in
        d = dpi or self.target_dpi
        return round(w * d), round(h * d)


@dataclass(frozen=True)
class BookPage:
    image: bytes  # JPEG (passed through) or PNG
    text: str = ""
    label: str = ""


@dataclass
class ComposedBook:
    pdf: bytes
    warnings: list[str] = field(default_factory=list)


def effective_dpi(image: bytes, spec: PrintSpec) -> float:
    with Image.open(io.BytesIO(image)) as img:
        width, height = img.size
    w_in, h_in = spec.page_size_in
    return min(width / w_in, height / h_in)


def _check_resolution(page: BookPage, spec: PrintSpec, warnings: list[str]) -> None:
    dpi = effective_dpi(page.image, spec)
    trim = "x".join(f"{v:g}" for v in spec.trim_mm)
    if dpi < spec.min_dpi:
        raise BadInput(
            f"{page.label}: image is {dpi:.0f} DPI at {trim} mm trim; "
            f"at least {spec.min_dpi} DPI is needed for print"
        )
    if dpi < spec.target_dpi - 0.5:
        warnings.append(f"{page.label}: image is {dpi:.0f} DPI (print target {spec.target_dpi})")


def cover_rect(image: bytes, page_rect: pymupdf.Rect) -> pymupdf.Rect:
    """A rect that covers the page with the image's aspect kept (overflow is clipped)."""
    with Image.open(io.BytesIO(image)) as img:
        iw, ih = img.size
    scale = max(page_rect.width / iw, page_rect.height / ih)
    w, h = iw * scale, ih * scale
    cx, cy = page_rect.width / 2, page_rect.height / 2
    return pymupdf.Rect(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def css_colour(ink: Sequence[float]) -> str:
    """`ink` for MuPDF's HTML engine, which takes RGB only: a CMYK ink prints as black
    there (RGB black, which a CMYK conversion makes a four-colour black)."""
    rgb = tuple(ink) if len(ink) == 3 else (0.0, 0.0, 0.0)
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def text_size(page_height_pt: float) -> float:
    """The page text's font size: 1/28 of the page's height, within 11 to 22 pt."""
    return max(11.0, min(22.0, page_height_pt / 28))


def text_html(text: str, fonts: Sequence[str]) -> str:
    """`text` as one left-to-right paragraph, each run of it in the first of `fonts` that has
    its letters (class f1, f2 … for the fallbacks)."""
    parts = []
    for font, run in font_runs(text, fonts):
        index = fonts.index(font)
        escaped = html.escape(run, quote=False)
        parts.append(escaped if index == 0 else f'<span class="f{index}">{escaped}</span>')
    return f'<p dir="ltr">{"".join(parts)}</p>'


def text_css(fonts: Sequence[str], fontsize: float) -> str:
    faces = "".join(
        f"@font-face {{font-family: f{i}; src: url({font});}}\n" for i, font in enumerate(fonts)
    )
    spans = "".join(f".f{i} {{font-family: f{i};}}\n" for i in range(1, len(fonts)))
    return (
        faces
        + "body {margin: 0;}\n"
        + f"p {{margin: 0; font-family: f0; font-size: {fontsize:.4f}px; "
        + f"line-height: {LEADING}; text-align: center; color: {TEXT_COLOUR};}}\n"
        + spans
    )


def needs_shaping(text: str, fonts: Sequence[str]) -> bool:
    """Whether `text` needs more than the first font drawn glyph by glyph: letters from a
    fallback font, right-to-left letters, or combining marks. A character none of `fonts`
    has does not count: it stays in the first font and shows as a box (the checks catch it)."""
    if any(font != fonts[0] for font, _ in font_runs(text, fonts)):
        return True
    return any(
        unicodedata.bidirectional(char) in _RTL or unicodedata.category(char).startswith("M")
        for char in text
        if has_glyph(fonts[0], char)
    )


_RTL = {"R", "AL", "AN", "RLE", "RLO", "RLI"}


class Typesetter:
    """The page text's fonts, loaded once per book.

    Text the first font draws alone (every Latin, Greek or Cyrillic page of the demo books)
    is written glyph by glyph, as Pressroom always has. Text that needs a fallback font,
    right-to-left order or mark placement is laid out by MuPDF's HTML engine (HarfBuzz
    shaping, bidi) in the same size, width, leading, colour and position."""

    def __init__(self, fonts: Sequence[str]) -> None:
        self.fonts = tuple(fonts)
        self.font = pymupdf.Font(fontbuffer=font_bytes(self.fonts[0]))
        self._archive: pymupdf.Archive | None = None

    @property
    def archive(self) -> pymupdf.Archive:
        if self._archive is None:
            self._archive = pymupdf.Archive()
            for font in self.fonts:
                self._archive.add(font_bytes(font), font)
        return self._archive

    def set_text(
        self,
        page: pymupdf.Page,
        text: str,
        area: pymupdf.Rect,
        *,
        panel_opacity: float = 0.86,
        ink: tuple[float, ...] = TEXT_RGB,
    ) -> None:
        """Set `text` on a soft panel standing on the bottom of `area` (the safe area: the
        trim inset by the safe margin), centred in it; the panel too stays inside `area`.
        `ink`: RGB, or CMYK for a CMYK printer (pure K: (0, 0, 0, 1))."""
        # composed letters: "José" typed with a combining accent prints as the precomposed é
        text = unicodedata.normalize("NFC", text)
        fontsize = text_size(page.rect.height)
        # lines wrap half a font size short of the panel's edges on either side
        width = area.width - fontsize
        if needs_shaping(text, self.fonts):
            body, css = text_html(text, self.fonts), text_css(self.fonts, fontsize)
            story = pymupdf.Story(body, user_css=css, archive=self.archive)
            _, filled = story.place(pymupdf.Rect(0, 0, width, page.rect.height))
            count = max(1, round(pymupdf.Rect(filled).height / (fontsize * LEADING)))
            panel = self._panel(page, count, fontsize, area, panel_opacity)
            top = panel.y0 + fontsize * (1.5 - _FIRST_BASELINE)
            left = area.x0 + fontsize / 2
            where = pymupdf.Rect(left, top, left + width, panel.y1)
            css = css.replace(TEXT_COLOUR, css_colour(ink))
            spare, _ = page.insert_htmlbox(where, body, css=css, archive=self.archive, scale_low=1)
            if spare < 0:
                raise BadInput(f"the page text does not fit its page: {text[:60]!r}")
            return
        lines = self._wrap(text, fontsize, width)
        panel = self._panel(page, len(lines), fontsize, area, panel_opacity)
        writer = pymupdf.TextWriter(page.rect)
        y = panel.y0 + fontsize * 1.5
        for line in lines:
            x = area.x0 + (area.width - self.font.text_length(line, fontsize=fontsize)) / 2
            writer.append((x, y), line, font=self.font, fontsize=fontsize)
            y += fontsize * LEADING
        writer.write_text(page, color=ink)

    def _wrap(self, text: str, fontsize: float, width: float) -> list[str]:
        lines: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}".strip()
            if self.font.text_length(trial, fontsize=fontsize) <= width and current:
                current = trial
            elif not current:
                current = word
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
        return lines

    @staticmethod
    def _panel(
        page: pymupdf.Page, lines: int, fontsize: float, area: pymupdf.Rect, opacity: float
    ) -> pymupdf.Rect:
        """The soft white panel behind `lines` lines of text, standing on the safe area's
        bottom edge (opaque where a printer forbids transparency)."""
        box_h = fontsize * LEADING * lines + fontsize
        panel = pymupdf.Rect(area.x0, area.y1 - box_h, area.x1, area.y1)
        page.draw_rect(
            panel,
            color=None,
            fill=(1, 1, 1),
            fill_opacity=opacity,
            radius=0.15,
            overlay=True,
        )
        return panel


@with_mupdf
def compose_book(
    cover: bytes,
    pages: list[BookPage],
    spec: PrintSpec,
    *,
    title: str,
    child_name: str,
    fonts: Sequence[str] = TEXT_FONTS,
) -> ComposedBook:
    """The print PDF: the cover, then the pages. `fonts`: the page text's fonts, the first
    one's letters first (the shipped set unless a test wants another)."""
    warnings: list[str] = []
    all_pages = [BookPage(cover, "", "cover"), *pages]
    for book_page in all_pages:
        _check_resolution(book_page, spec, warnings)
    width, height = spec.page_size_pt
    bleed = spec.bleed_mm * MM
    trim = pymupdf.Rect(bleed, bleed, width - bleed, height - bleed)
    safe = SAFE_MARGIN_MM * MM
    area = pymupdf.Rect(trim.x0 + safe, trim.y0 + safe, trim.x1 - safe, trim.y1 - safe)
    typesetter = Typesetter(fonts)
    doc = pymupdf.open()
    try:
        for book_page in all_pages:
            page = doc.new_page(width=width, height=height)
            page.set_bleedbox(page.rect)
            page.set_trimbox(trim)
            page.insert_image(cover_rect(book_page.image, page.rect), stream=book_page.image)
            if book_page.text:
                typesetter.set_text(page, book_page.text, area)
        doc.set_metadata(
            {
                "title": title,
                "author": "Pressroom",
                "subject": f"A personalized book for {child_name}",
                "keywords": f"personalized, children's book, {child_name}",
                "creator": "Pressroom",
                "producer": f"PyMuPDF {pymupdf.VersionBind}",
            }
        )
        doc.subset_fonts()
        return ComposedBook(doc.tobytes(garbage=3, deflate=True), warnings)
    finally:
        doc.close()


def render_page_png(pdf: bytes, index: int, dpi: int = 60) -> bytes:
    """A PNG of page `index` (0 = cover), for previews and thumbnails."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        if not 0 <= index < doc.page_count:
            raise IndexError(f"the book has {doc.page_count} pages; there is no page {index}")
        pix = doc[index].get_pixmap(dpi=dpi)
        return pix.tobytes("png")


def page_count(pdf: bytes) -> int:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return doc.page_count
