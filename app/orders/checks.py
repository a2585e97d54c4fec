"""Orders checked at the door: every way in (the CLI, the console's order dialog,
`POST /generate-cover`, and a claimed item, whose row the mobile app wrote) runs the same
checks and refuses a bad order with one sentence per problem, before any AI call is paid
for and before a book is printed wrong.

`check_order` returns the problems (empty: accepted); `raise_if_refused` turns them into an
`OrderRefused` (a `BadInput`: permanent, never retried); app/orders/place.py places and
claims orders through them. The limits come from the print settings and
the book's own layout, not from guesses:

- the child's name must fit the book's cover title (lettered in DejaVu Serif Bold, with
  Noto Naskh Arabic and Noto Serif Hebrew for those scripts, in `Book.title_box`, no
  smaller than the smallest text Pressroom prints) and every line of its page text (the
  regular faces of the same fonts, wrapped in the text panel as app/print/pdf.py sets
  it);
- every character of the name must be drawable by the shipped fonts, in the title's and in
  the page text's (app/assets.py: Latin with Vietnamese and Latin Extended, Greek,
  Cyrillic, Arabic, Hebrew); an emoji, a Chinese character or a control character is not;
- the age must be a child's, and within the book's age range when it has one;
- the photo must be big enough to draw a face at print size (`min_photo_side`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

from app.assets import TEXT_FONTS, TITLE_FONTS, text_width
from app.assets import undrawable as undrawable_in
from app.config import Settings
from app.domain import (
    BadInput,
    Book,
    Personalization,
)
from app.imageio import decode_image
from app.names import personalize_text, replace_hero_name
from app.orders.contact import email_problem
from app.print.pdf import MM, SAFE_MARGIN_MM, PrintSpec

# The fonts a name is printed in: the title is lettered in the bold faces, page text in the
# regular ones; each family falls back from DejaVu Serif to Noto for Arabic and Hebrew.
NAME_FONTS = (TITLE_FONTS, TEXT_FONTS)

# The smallest text Pressroom prints: the page text's floor in pdf.py's text_size
# (max(11 pt, ...)). The cover lettering's own floor (8 px on a 300 DPI cover, about 2 pt) is
# smaller than anything readable, so a title may shrink to this size and no further.
MIN_TEXT_PT = 11.0
# The cover lettering (app/ai/lettering.py letter_title) keeps the title within 90 % of the
# title box's width.
TITLE_WIDTH_SHARE = 0.9

# Ages: the shop's books are for children (the service's childData.age is 0 to 18 too).
MAX_AGE = 18

# A face at print size. The hero's head is drawn about a fifth of the page's width (the demo
# books' head boxes are 0.18 to 0.22 of it), and a page needs `min_dpi` to print (pdf.py
# refuses less), so the face needs FACE_SHARE_OF_PAGE x trim width x min_dpi pixels. In a
# close portrait the face fills about half the photo's short side (the demo photos: 0.51), so
# the photo's short side must be at least that divided by FACE_SHARE_OF_PHOTO. At the
# defaults (8x8 in, min 150 DPI): 0.2 x 8 in x 150 / 0.5 = 480 px.
FACE_SHARE_OF_PAGE = 0.2
FACE_SHARE_OF_PHOTO = 0.5

# A customer id becomes a folder in every blob key (photos/<id>/…, books/<id>/…) and the
# orders' user_id: one path segment that both the folder store and Supabase Storage accept.
# The app's user ids (uuids), e-mail-like ids and "cust-1" all pass.
CUSTOMER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}")


class Problem(str):
    """One readable sentence about an order, and the field it is about: name, age, photo,
    book or customer."""

    field: str

    def __new__(cls, field: str, text: str) -> Problem:
        problem = super().__new__(cls, text)
        problem.field = field
        return problem

    def __reduce__(self) -> tuple[type[Problem], tuple[str, str]]:  # pickles across processes
        return (Problem, (self.field, str(self)))


class OrderRefused(BadInput):
    """An order that failed its checks; str() is the sentences joined, `problems` each one."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)

    def __reduce__(self) -> tuple[type[OrderRefused], tuple[list[str]]]:
        return (OrderRefused, (self.problems,))


def raise_if_refused(problems: Sequence[str]) -> None:
    if problems:
        raise OrderRefused(problems)


def clean_name(name: str) -> str:
    """The name as it will be printed: composed (NFC) and without surrounding spaces."""
    return unicodedata.normalize("NFC", name).strip()


def min_photo_side(spec: PrintSpec) -> int:
    """The smallest short side, in pixels, of a photo that can give a face at print size
    (see FACE_SHARE_OF_PAGE above)."""
    width_in = min(spec.trim_mm) / 25.4
    face_px = FACE_SHARE_OF_PAGE * width_in * spec.min_dpi
    return math.ceil(face_px / FACE_SHARE_OF_PHOTO)


def check_order(
    book: Book | None,
    who: Personalization,
    photo: bytes | None,
    settings: Settings,
    *,
    book_id: str = "",
    customer_id: str | None = None,
    customer_email: str | None = None,
    photo_name: str = "the photo",
    known_books: Sequence[str] = (),
) -> list[Problem]:
    """Every problem with an order, one sentence each; empty when it can be made.

    `book` is None when `book_id` is not in the catalog. `photo` None: not checked here (the
    caller says why there is none). `customer_id` None: no customer to check."""
    spec = PrintSpec.from_settings(settings)
    problems: list[Problem] = []
    if book is None:
        hint = (
            f" (the catalog has {', '.join(known_books)})"
            if known_books
            else " (the catalog is empty: `pressroom book import` adds a book, `pressroom demo` "
            "the demo books on the embedded store)"
        )
        problems.append(Problem("book", f"book {book_id!r} is not in the catalog{hint}"))
    problems += name_problems(book, who, spec)
    if who.age_text is not None:
        problems.append(Problem("age", f"the age {who.age_text!r} is not a number of years"))
    problems += age_problems(book, who.age)
    if photo is not None:
        problems += photo_problems(photo, photo_name, spec, settings.max_image_pixels)
    if customer_id is not None and not CUSTOMER_ID.fullmatch(customer_id):
        shown = customer_id if len(customer_id) <= 40 else customer_id[:40] + "…"
        problems.append(
            Problem(
                "customer",
                f"customer id {shown!r} cannot be used: it must be 1 to 128 letters, digits "
                "and . _ @ + - (starting with a letter or digit), like the app's user ids",
            )
        )
    if customer_email:
        wrong = email_problem(customer_email)
        if wrong:
            problems.append(Problem("email", wrong))
    return problems


# -- the name ------------------------------------------------------------------------------
def name_problems(book: Book | None, who: Personalization, spec: PrintSpec) -> list[Problem]:
    name = clean_name(who.child_name)
    if not name:
        return [Problem("name", "the child's name is empty")]
    unreadable = unreadable_name(name)
    if unreadable:
        return [Problem("name", unreadable)]
    missing = undrawable(name)
    if missing:
        listed = ", ".join(_describe_char(c) for c in missing)
        return [
            Problem(
                "name",
                f"the child's name has characters no shipped font can draw: {listed}",
            )
        ]
    if book is None:
        return []
    if _too_long_for(book, name, who.gender, spec) is None:
        return []
    fits = longest_name_that_fits(book, name, spec, who.gender)
    # where the next character no longer fits: the limit the sentence names
    where = _too_long_for(book, name[: fits + 1], who.gender, spec)
    return [
        Problem(
            "name",
            f"the child's name is too long: at most {fits} of its {len(name)} characters "
            f"fit {where}",
        )
    ]


# Joiners shape Arabic, Persian and Indic names; every other format character (zero-width
# spaces, direction overrides and isolates, BOMs) prints as nothing or reorders the name.
ALLOWED_FORMAT = frozenset("\u200c\u200d")
MAX_MARKS = 3  # combining marks on one letter (Vietnamese needs 2 at most, composed fewer)


def unreadable_name(name: str) -> str | None:
    """Why `name` would not print as a name a parent can read, or None."""
    hidden = [c for c in dict.fromkeys(name) if unicodedata.category(c) == "Cf"]
    hidden = [c for c in hidden if c not in ALLOWED_FORMAT]
    if hidden:
        listed = ", ".join(
            f"U+{ord(c):04X} {unicodedata.name(c, 'format character')}" for c in hidden
        )
        return f"the child's name has invisible or direction-changing characters: {listed}"
    if not any(unicodedata.category(c).startswith("L") for c in name):
        return "the child's name has no letters"
    marks = 0
    for c in name:
        marks = marks + 1 if unicodedata.category(c).startswith("M") else 0
        if marks > MAX_MARKS:
            return (
                f"the child's name stacks more than {MAX_MARKS} accents on one letter; "
                "write it as it is spelled"
            )
    return None


def undrawable(name: str) -> list[str]:
    """The characters of `name` (each once, in order) that one of the font families it is
    printed in cannot draw; control characters are never drawable."""
    found: list[str] = []
    for fonts in NAME_FONTS:
        found += [c for c in undrawable_in(name, fonts) if c not in found]
    return sorted(found, key=name.index)


def _describe_char(char: str) -> str:
    code = f"U+{ord(char):04X}"
    return code if not char.isprintable() else f"{char} ({code})"


def longest_name_that_fits(
    book: Book, name: str, spec: PrintSpec, gender: str | None = None
) -> int:
    """How many characters of `name` (from its start) the book's layout can hold."""
    low, high = 0, len(name)  # name[:low] fits (the empty name changes nothing)
    while low < high:
        mid = (low + high + 1) // 2
        if _too_long_for(book, name[:mid].rstrip(), gender, spec) is None:
            low = mid
        else:
            high = mid - 1
    return low


def _too_long_for(book: Book, name: str, gender: str | None, spec: PrintSpec) -> str | None:
    """Where `name` does not fit this book ("this book's cover title", …), or None."""
    if not name:
        return None
    if not _title_fits(book, name, spec):
        return "this book's cover title"
    for page in book.pages:
        text = personalize_text(page.text, book.hero_name, book.hero_gender, name, gender)
        if text != page.text and not _page_text_fits(text, spec):
            return f"the text of page {page.index} of this book"
    return None


def _title_fits(book: Book, name: str, spec: PrintSpec) -> bool:
    """The personalized title, lettered at MIN_TEXT_PT, fits the title box. The cover fills
    the page with its bleed (pdf.py), so the box is that share of the page's width."""
    box = book.title_box
    title = replace_hero_name(book.title, book.hero_name, name)
    if box is None or not title or title == book.title:
        return True
    page_width, _ = spec.page_size_pt
    room = TITLE_WIDTH_SHARE * (box.right - box.left) * page_width
    return text_width(title, TITLE_FONTS, MIN_TEXT_PT) <= room


def _page_text_fits(text: str, spec: PrintSpec) -> bool:
    """The page text as pdf.py sets it: every word fits a line of the panel (lines break only
    between words), and the panel fits inside the safe area. Arabic is measured unjoined,
    close to its shaped width."""
    width_pt, height_pt = spec.page_size_pt
    margin = spec.bleed_mm * MM + SAFE_MARGIN_MM * MM
    line = width_pt - 2 * margin
    fontsize = max(MIN_TEXT_PT, min(22.0, height_pt / 28))
    lines, current = 0, ""
    for word in text.split():
        if text_width(word, TEXT_FONTS, fontsize) > line - fontsize:
            return False
        trial = f"{current} {word}".strip()
        if current and text_width(trial, TEXT_FONTS, fontsize) <= line - fontsize:
            current = trial
        else:
            lines += 1 if current else 0
            current = word
    lines += 1 if current else 0
    panel = fontsize * 1.35 * lines + fontsize
    return panel <= height_pt - 2 * margin


# -- the age -------------------------------------------------------------------------------
_RANGE = re.compile(r"(\d+)\s*(?:-|–|—|to)\s*(\d+)")
_AT_LEAST = re.compile(r"(\d+)\s*\+")


def age_range(text: str) -> tuple[int, int] | None:
    """The ages in a book's age range ("3-6 years", "4 to 7", "5+"), or None."""
    if match := _RANGE.search(text):
        low, high = int(match.group(1)), int(match.group(2))
        return (min(low, high), max(low, high))
    if match := _AT_LEAST.search(text):
        return (int(match.group(1)), MAX_AGE)
    return None


def age_problems(book: Book | None, age: int | None) -> list[Problem]:
    if age is None:
        return []
    if not 0 <= age <= MAX_AGE:
        return [Problem("age", f"age {age} is not a child's age (0 to {MAX_AGE})")]
    ages = age_range(book.age_range) if book is not None else None
    if book is not None and ages is not None and not ages[0] <= age <= ages[1]:
        return [Problem("age", f"age {age} is outside this book's range ({book.age_range})")]
    return []


# -- the photo -----------------------------------------------------------------------------
def photo_problems(photo: bytes, name: str, spec: PrintSpec, max_pixels: int) -> list[Problem]:
    try:
        img = decode_image(photo, name, max_pixels)
    except BadInput as exc:
        return [Problem("photo", str(exc))]
    need = min_photo_side(spec)
    if min(img.size) < need:
        return [
            Problem(
                "photo",
                f"{name}: the photo is {img.width}×{img.height} px, but at least {need} px on the "
                "short side is needed to draw a face at print size",
            )
        ]
    return []
