"""Proposing the hero's name from a book's text: the most frequent capitalised word that
never appears in lower case (so "The" and "Moon" at a sentence start do not count)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Capitalised words a page often starts with that could also be missed in lower case.
_NOT_NAMES = frozenset(
    [
        "A",
        "An",
        "And",
        "As",
        "At",
        "But",
        "By",
        "For",
        "From",
        "He",
        "Her",
        "His",
        "I",
        "If",
        "In",
        "It",
        "Its",
        "Mr",
        "Mrs",
        "No",
        "Not",
        "Now",
        "Of",
        "Oh",
        "On",
        "Once",
        "One",
        "Ooh",
        "She",
        "So",
        "Soon",
        "That",
        "The",
        "Their",
        "Then",
        "There",
        "They",
        "This",
        "To",
        "Up",
        "We",
        "What",
        "When",
        "Where",
        "Who",
        "Why",
        "With",
        "Yes",
        "You",
    ]
)


def _bare(word: str) -> str:
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def propose_hero(texts: Iterable[str]) -> str | None:
    words = [_bare(w) for text in texts for w in _WORD.findall(text)]
    lower = {w.lower() for w in words if w[:1].islower()}
    names = Counter(
        w
        for w in words
        if w[:1].isupper() and len(w) > 1 and w not in _NOT_NAMES and w.lower() not in lower
    )
    if not names:
        return None
    return names.most_common(1)[0][0]


def mentions(text: str, name: str) -> bool:
    """Whether `text` names `name` as a word (possessives included)."""
    return bool(name) and any(_bare(w) == name for w in _WORD.findall(text))
