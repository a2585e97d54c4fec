"""Putting the child's name where the hero's name was, in page text and titles."""

from __future__ import annotations

import re

_APOSTROPHES = "'\u2019"


def possessive(name: str, apostrophe: str = "'") -> str:
    return f"{name}{apostrophe}s"


def replace_hero_name(text: str, hero_name: str, child_name: str) -> str:
    """Replace every whole-word use of `hero_name` (plain, possessive, capitalised or all
    caps) with `child_name`, keeping the apostrophe style of the original."""
    hero = hero_name.strip()
    child = child_name.strip()
    if not hero or not child or not text:
        return text
    pattern = re.compile(
        rf"(?<![\w])({re.escape(hero)})(?:([{_APOSTROPHES}])s)?(?![\w])",
        re.IGNORECASE,
    )

    def swap(match: re.Match[str]) -> str:
        found, apostrophe = match.group(1), match.group(2)
        name = child
        if found.isupper() and len(found) > 1:
            name = child.upper()
        return possessive(name, apostrophe) if apostrophe else name

    return pattern.sub(swap, text)


_FEMININE = {"girl", "female", "f", "she"}
_MASCULINE = {"boy", "male", "m", "he"}
# After "her", these words mean "her" is an object ("gave her a", "saw her.") -> "him".
_OBJECT_FOLLOWERS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "and",
        "or",
        "but",
        "with",
        "at",
        "in",
        "on",
        "up",
        "down",
        "out",
        "back",
        "home",
        "that",
        "this",
        "so",
        "as",
        "if",
        "when",
        "then",
        "too",
        "again",
        "goodbye",
        "hello",
    ]
)


def _kind(gender: str | None) -> str | None:
    g = (gender or "").strip().lower()
    return "f" if g in _FEMININE else "m" if g in _MASCULINE else None


def _match_case(word: str, template: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    return word.capitalize() if template[:1].isupper() else word


def swap_pronouns(text: str, hero_gender: str | None, child_gender: str | None) -> str:
    """Turn the hero's pronouns into the child's when their genders differ."""
    src, dst = _kind(hero_gender), _kind(child_gender)
    if src is None or dst is None or src == dst:
        return text
    words = re.compile(
        r"\b(she|he|her|hers|him|his|herself|himself)\b(?=[ \t]*(\w*))", re.IGNORECASE
    )

    def to_masculine(m: re.Match[str]) -> str:
        word, follower = m.group(1), m.group(2)
        low = word.lower()
        if low == "her":
            new = "him" if not follower or follower.lower() in _OBJECT_FOLLOWERS else "his"
        else:
            new = {"she": "he", "hers": "his", "herself": "himself"}.get(low, low)
        return _match_case(new, word)

    def to_feminine(m: re.Match[str]) -> str:
        word, follower = m.group(1), m.group(2)
        low = word.lower()
        if low == "his":
            new = "hers" if not follower else "her"
        else:
            new = {"he": "she", "him": "her", "himself": "herself"}.get(low, low)
        return _match_case(new, word)

    return words.sub(to_masculine if dst == "m" else to_feminine, text)


def personalize_text(
    text: str, hero_name: str, hero_gender: str | None, child_name: str, child_gender: str | None
) -> str:
    return swap_pronouns(replace_hero_name(text, hero_name, child_name), hero_gender, child_gender)
