"""The dynamic prompt: built only from the analyses, the book's metadata and the order's
personalization. No character description is written here; every descriptive word comes
from an analysis or from the order.
"""

from __future__ import annotations

from app.ai.provider import ChildAnalysis, CoverAnalysis
from app.domain import Book, Page, Personalization
from app.names import personalize_text, replace_hero_name


def _join(parts: list[str], sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


def describe_child(child: ChildAnalysis, who: Personalization) -> str:
    """'a 5-year-old girl named Ada, with dark brown wavy hair, brown eyes, light skin …'"""
    age = f"{who.age}-year-old" if who.age else child.apparent_age
    subject = _join([age, who.gender or "child"], " ")
    looks = _join(
        [
            _join([child.hair_color, child.hair_style], " ") + " hair" if child.hair_color else "",
            f"{child.eye_color} eyes" if child.eye_color else "",
            f"{child.skin_tone} skin" if child.skin_tone else "",
            *child.distinguishing_features,
            f"a {child.expression} expression" if child.expression else "",
        ]
    )
    article = "an" if subject[:1].lower() in "aeiou8" else "a"
    text = f"{article} {subject} named {who.child_name}"
    return f"{text}, with {looks}" if looks else text


def describe_style(cover: CoverAnalysis) -> str:
    colours = _join(list(dict.fromkeys(cover.palette_names[:5])) or cover.palette[:5])
    return _join(
        [
            f"{cover.art_style} style" if cover.art_style else "",
            f"rendered as {cover.medium}" if cover.medium else "",
            f"a palette of {colours}" if colours else "",
            f"{cover.lighting} lighting" if cover.lighting else "",
            f"a {cover.mood} mood" if cover.mood else "",
        ]
    )


def personalized_title(book: Book, who: Personalization) -> str:
    return replace_hero_name(book.title, book.hero_name, who.child_name)


def build_cover_prompt(
    cover: CoverAnalysis,
    child: ChildAnalysis,
    book: Book,
    who: Personalization,
    instruction: str | None = None,
    *,
    likeness: bool = False,
) -> str:
    face = (
        "matching the child as drawn in the second reference (their approved likeness)"
        if likeness
        else "matching the face in the reference photo"
    )
    lines = [
        f"Recreate this children's book cover for the {book.genre.lower() or 'picture'} book "
        f'"{book.title}"{f" (for ages {book.age_range})" if book.age_range else ""}, keeping its '
        f"{describe_style(cover)}.",
        f"Replace the main character, {book.hero_name}, with {describe_child(child, who)}, "
        f"{face} while drawing it in the cover's own style.",
    ]
    if cover.composition or cover.hero_pose:
        lines.append(
            "Keep the composition: "
            + _join([cover.composition, f"the hero {cover.hero_pose}" if cover.hero_pose else ""])
            + "."
        )
    lines.append(
        f'Letter the title "{personalized_title(book, who)}"'
        + (
            f" where the original title is ({cover.text_placement})."
            if cover.text_placement
            else "."
        )
    )
    if instruction:
        lines.append(f"Operator's note: {instruction}")
    return "\n".join(lines)


def build_page_prompt(
    cover: CoverAnalysis,
    child: ChildAnalysis,
    book: Book,
    who: Personalization,
    page: Page,
    instruction: str | None = None,
    *,
    likeness: bool = False,
) -> str:
    text = personalize_text(page.text, book.hero_name, book.hero_gender, who.child_name, who.gender)
    lines = [
        f'Redraw page {page.index} of "{personalized_title(book, who)}" exactly as the first '
        f"reference image, in its {describe_style(cover)}.",
        f"Wherever {book.hero_name} appears, draw {describe_child(child, who)} instead, looking "
        "the same as on the personalized cover (third reference) and like the "
        + ("approved likeness (second)." if likeness else "photo (second)."),
        "Change nothing else; add no text to the picture.",
        f"The page's text, for context: “{text}”",  # curly: the text has its own quotes
    ]
    if instruction:
        lines.append(f"Operator's note: {instruction}")
    return "\n".join(lines)
