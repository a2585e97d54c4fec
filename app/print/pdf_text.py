"""A composed PDF read back, for the quality gate's PDF checks and for preflight: every
printed span with its font, size, box and glyph ids (PyMuPDF's text trace), and whole-word
name matching that sees through case, possessives and the glyphs a font's ToUnicode map
cannot spell; and how a span's script is drawn (boxes, unjoined Arabic, right-to-left
letters laid out backwards)."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

import pymupdf

from app.print.pdf_open import with_mupdf

MIN_TYPE_PT = 7.0  # the smallest type printers accept (KDP, Gelato)
TOLERANCE_PT = 0.5  # rounding in the file's coordinates
TRIM_TOLERANCE_MM = 0.5

CHECKS = (
    "pdf_hero_name",
    "pdf_child_name",
    "pdf_glyphs",
    "pdf_safe_area",
    "pdf_type_size",
    "pdf_pages",
    "pdf_boxes",
)
_INVISIBLE = 3  # texttrace "type" of text drawn in render mode 3 (searchable, not printed)
_NOTDEF = 0
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")


# -- reading the file --------------------------------------------------------------------
@dataclass(frozen=True)
class Glyph:
    char: str  # as the file's ToUnicode reads it
    gid: int
    origin: tuple[float, float]
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class Span:
    font: str
    size: float  # effective size on the page (the font size times the text's scale)
    glyphs: tuple[Glyph, ...]
    printed: bool  # False: invisible text (render mode 3)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """Around its letters (spaces too)."""
        boxes = [g.bbox for g in self.glyphs] or [(0.0, 0.0, 0.0, 0.0)]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    @property
    def text(self) -> str:
        """The letters, a space where the span goes on to another line."""
        out = ""
        last_y: float | None = None
        for glyph in self.glyphs:
            if last_y is not None and abs(glyph.origin[1] - last_y) > 0.3 * self.size:
                out += " "
            out += glyph.char
            last_y = glyph.origin[1]
        return out


@dataclass
class PageText:
    number: int  # 0: the cover
    text: str  # the text layer, lines joined by spaces, ligatures expanded
    glyph_text: str  # the glyphs' letters in drawing order, a space between lines
    spans: list[Span]
    trimbox: pymupdf.Rect
    boxes: dict[str, pymupdf.Rect | None]  # "TrimBox", "BleedBox": None when not set
    mediabox: pymupdf.Rect
    unembedded: set[str]  # fonts the page uses without embedding them

    @property
    def label(self) -> str:
        return "the cover" if self.number == 0 else f"page {self.number}"


def printed_spans(page: PageText) -> list[Span]:
    """The spans a reader sees: printed (not invisible) and with letters."""
    return [s for s in page.spans if s.printed and s.text.strip()]


def overrun(span: Span, area: pymupdf.Rect) -> float:
    """How far, in points, the span's letters reach past `area` (0: all inside)."""
    beyond = 0.0
    for glyph in span.glyphs:
        if glyph.char.isspace():
            continue
        x0, y0, x1, y1 = glyph.bbox
        beyond = max(beyond, area.x0 - x0, area.y0 - y0, x1 - area.x1, y1 - area.y1)
    return beyond


@dataclass
class PdfText:
    pages: list[PageText]
    metadata: dict[str, str]  # "title", "subject", …, "XMP", "outline"


@with_mupdf
def read_pdf(pdf: bytes) -> PdfText:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        pages = [read_page(doc, page) for page in doc]
        metadata = {k: v for k, v in (doc.metadata or {}).items() if isinstance(v, str) and v}
        xmp = doc.get_xml_metadata()
        if xmp:
            metadata["XMP"] = xmp
        outline = " / ".join(str(entry[1]) for entry in doc.get_toc())
        if outline:
            metadata["outline"] = outline
    return PdfText(pages, metadata)


def read_page(doc: pymupdf.Document, page: pymupdf.Page) -> PageText:
    spans = [
        Span(
            font=str(trace["font"]),
            size=float(trace["size"]),
            glyphs=tuple(
                Glyph(chr(c[0]) if c[0] >= 0 else "\ufffd", int(c[1]), c[2], c[3])
                for c in trace["chars"]
            ),
            printed=trace["type"] != _INVISIBLE and trace.get("opacity", 1) > 0,
        )
        for trace in page.get_texttrace()
    ]
    # flags=0: ligatures expanded into their letters, text outside the page kept
    text = " ".join(page.get_text("text", flags=0).split())
    # The letters as drawn, a space where a line ends (a line break drops its space; a
    # right-to-left run broken over two lines is one span in drawing order).
    glyph_text = ""
    last_y: float | None = None
    for span in spans:
        for glyph in span.glyphs:
            y = glyph.origin[1]
            if last_y is not None and abs(y - last_y) > 0.3 * span.size:
                glyph_text += " "
            # a box (.notdef) is nobody's letter: it never stands for one of the name's
            glyph_text += "\x00" if glyph.gid == _NOTDEF else glyph.char
            last_y = y
    boxes: dict[str, pymupdf.Rect | None] = {}
    for key in ("TrimBox", "BleedBox"):
        kind, _ = doc.xref_get_key(page.xref, key)
        boxes[key] = (
            None if kind == "null" else (page.trimbox if key == "TrimBox" else page.bleedbox)
        )
    unembedded = {
        _plain_font(name) for _, ext, _, name, *_ in page.get_fonts(full=True) if ext == "n/a"
    }
    return PageText(
        page.number or 0, text, glyph_text, spans, page.trimbox, boxes, page.mediabox, unembedded
    )


def _plain_font(name: str) -> str:
    """A font's name without its subset tag, spaces or hyphens, lower case: "DejaVu Serif
    Book" and texttrace's "DejaVuSerif" meet as "dejavuserif…"."""
    return re.sub(r"[\s_-]", "", _SUBSET_TAG.sub("", name)).lower()


# -- names in text -----------------------------------------------------------------------
_JOINERS = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def _fold(text: str) -> str:
    """What name matching compares: compatibility-composed (Arabic presentation forms back
    to letters, ligatures to letters), without zero-width joiners (a PDF reads a ZWNJ back
    as nothing or as a space). Case is ignored by the patterns."""
    return _JOINERS.sub("", unicodedata.normalize("NFKC", text))


@functools.cache
def _word(name: str) -> re.Pattern[str]:
    """`name` as whole words (a possessive 's may follow), a space inside it as any space,
    a joiner inside it as an optional space."""
    words = unicodedata.normalize("NFKC", name).split()
    parts = [r"\s*".join(re.escape(p) for p in _JOINERS.split(w) if p) for w in words]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def count_name(text: str, name: str) -> int:
    """How often `name` stands as whole words in `text`."""
    return len(_word(name).findall(_fold(text))) if name.strip() else 0


def _without(text: str, name: str) -> str:
    return _word(name).sub("\x00", _fold(text)) if name.strip() else _fold(text)


def _context(text: str, name: str, width: int = 36) -> str:
    """The words around the first `name` in `text`, for a sentence."""
    folded = _fold(text)
    match = _word(name).search(folded)
    if match is None:
        return _clip(text, 2 * width)
    start, end = max(0, match.start() - width), min(len(folded), match.end() + width)
    return ("…" if start else "") + folded[start:end].strip() + ("…" if end < len(folded) else "")


def count_name_spelled(glyphs: str, name: str) -> int:
    """How often `name` stands as whole words in a page's glyphs read in drawing order,
    where a glyph the file cannot spell (U+FFFD: an Arabic ligature such as lam-alef, or a
    mark cluster such as shadda with fatha, has no entry in the font's ToUnicode map) may
    stand for one to three letters of the name. Any other letter must be the name's own."""
    text = " ".join(_fold(glyphs).split())
    plain = count_name(text, name)
    target = " ".join(_fold(name).split()).casefold()
    if not target or _UNSPELLED not in text:
        return plain
    count = 0
    at = 0
    while at < len(text):
        end = _spelled_at(text, at, target) if not (at and _is_word(text[at - 1])) else None
        if end is not None:
            count += 1
            at = end
        else:
            at += 1
    return max(plain, count)


_UNSPELLED = "\ufffd"


def _is_word(char: str) -> bool:
    return bool(re.match(r"\w", char)) or char == _UNSPELLED


def _spelled_at(text: str, at: int, target: str) -> int | None:
    """Where a spelling of `target` that starts at `at` ends, or None. A glyph that reads
    back unspelled may stand for 1 to 3 letters; the first reading that works wins. (An
    explicit stack, not recursion: a name of hundreds of letters or accents is one level
    per letter deep.)"""
    done: dict[tuple[int, int], int | None] = {}
    stack = [(at, 0)]
    while stack:
        i, j = state = stack[-1]
        if state in done:
            stack.pop()
            continue
        if j == len(target):
            done[state] = i if i == len(text) or not _is_word(text[i]) else None
            stack.pop()
            continue
        if i >= len(text):
            done[state] = None
            stack.pop()
            continue
        if text[i] == _UNSPELLED:
            nexts = [(i + 1, j + take) for take in (1, 2, 3) if j + take <= len(target)]
        else:
            nexts = [(i + 1, j + 1)] if text[i].casefold() == target[j] else []
        for following in nexts:  # in order of preference: the first that works wins
            if following not in done:
                stack.append(following)
                break
            if done[following] is not None:
                done[state] = done[following]
                stack.pop()
                break
        else:
            done[state] = None
            stack.pop()
    return done[(at, 0)]


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _quote(text: str) -> str:
    return f"\u201c{text}\u201d"


# -- scripts: how the glyphs are drawn --------------------------------------------------
@functools.cache
def _dual_joining() -> frozenset[str]:
    """Arabic letters that join on both sides: those with an initial or medial
    presentation form."""
    letters = set()
    for code in range(0xFB50, 0xFEFF):
        char = chr(code)
        name = unicodedata.name(char, "")
        if name.endswith(("INITIAL FORM", "MEDIAL FORM")):
            base = unicodedata.normalize("NFKC", char)
            if len(base) == 1:
                letters.add(base)
    return frozenset(letters)


def _form(char: str) -> str | None:
    """ "isolated", "final", "initial" or "medial" for an Arabic presentation form."""
    name = unicodedata.name(char, "")
    for form in ("ISOLATED", "FINAL", "INITIAL", "MEDIAL"):
        if name.startswith("ARABIC") and name.endswith(f"{form} FORM"):
            return form.lower()
    return None


def _rtl(char: str) -> bool:
    return unicodedata.bidirectional(unicodedata.normalize("NFKC", char)[:1] or char) in {"R", "AL"}


def span_glyph_faults(span: Span) -> list[str]:
    """What is wrong with how a span's letters are drawn, in words."""
    faults: list[str] = []
    # A glyph that reads back as U+FFFD but is not .notdef prints: it is a ligature or a
    # mark cluster the font's ToUnicode map cannot spell (lam-alef, shadda with a vowel).
    # The name check reads through it; only .notdef is a box.
    boxes = sum(g.gid == _NOTDEF for g in span.glyphs)
    if boxes:
        faults.append(f"{boxes} character{'s' * (boxes != 1)} drawn as empty boxes (.notdef)")
    # In logical order a dual-joining Arabic letter followed by another letter joins it: an
    # isolated or final form there is a letter drawn unjoined (unshaped text).
    unjoined = sum(
        _form(first.char) in {"isolated", "final"}
        and _form(second.char) is not None
        and unicodedata.normalize("NFKC", first.char) in _dual_joining()
        for first, second in itertools.pairwise(span.glyphs)
    )
    if unjoined:
        faults.append("Arabic letters drawn unjoined")
    return faults


def backwards(page: PageText, name: str) -> bool:
    """Whether the right-to-left letters of `name` are laid out left to right on `page`:
    on some line, the name's right-to-left letters read in order from left to right and
    not from right to left (as an unshaped fallback prints them)."""
    letters = "".join(c for c in _fold(name) if _rtl(c)).casefold()
    if len(letters) < 2:
        return False
    lines: dict[int, list[Glyph]] = {}
    for span in page.spans:
        if not span.printed:
            continue
        for glyph in span.glyphs:
            if _rtl(glyph.char):
                lines.setdefault(round(glyph.origin[1] / max(span.size * 0.3, 0.1)), []).append(
                    glyph
                )
    for glyphs in lines.values():
        ordered = sorted(glyphs, key=lambda g: g.origin[0])
        left_to_right = _fold("".join(g.char for g in ordered)).casefold()
        right_to_left = left_to_right[::-1]
        if letters in left_to_right and letters not in right_to_left:
            return True
    return False
