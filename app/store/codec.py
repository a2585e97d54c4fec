"""Plain-JSON shapes of domain objects, shared by every store backend."""

from __future__ import annotations

from typing import Any

from app.domain import Book, Box, Page, Personalization


def book_to_dict(book: Book) -> dict[str, Any]:
    return {
        "id": book.id,
        "title": book.title,
        "genre": book.genre,
        "age_range": book.age_range,
        "hero_name": book.hero_name,
        "hero_gender": book.hero_gender,
        "cover_image": book.cover_image,
        "cover_hero_regions": [b.as_list() for b in book.cover_hero_regions],
        "title_box": book.title_box.as_list() if book.title_box else None,
        "pages": [
            {
                "index": p.index,
                "image": p.image,
                "text": p.text,
                "hero_regions": [b.as_list() for b in p.hero_regions],
            }
            for p in book.pages
        ],
    }


def book_from_dict(data: dict[str, Any]) -> Book:
    return Book(
        id=str(data["id"]),
        title=str(data["title"]),
        genre=str(data.get("genre", "")),
        age_range=str(data.get("age_range", "")),
        hero_name=str(data["hero_name"]),
        hero_gender=data.get("hero_gender") or None,
        cover_image=str(data["cover_image"]),
        cover_hero_regions=tuple(Box.from_list(b) for b in data.get("cover_hero_regions") or ()),
        title_box=Box.from_list(data["title_box"]) if data.get("title_box") else None,
        pages=tuple(
            Page(
                index=int(p["index"]),
                image=str(p["image"]),
                text=str(p.get("text", "")),
                hero_regions=tuple(Box.from_list(b) for b in p.get("hero_regions") or ()),
            )
            for p in data.get("pages", ())
        ),
    )


def personalization_to_dict(p: Personalization) -> dict[str, Any]:
    return {"child_name": p.child_name, "age": p.age, "gender": p.gender, "photo": p.photo}


def personalization_from_dict(data: dict[str, Any]) -> Personalization:
    age = data.get("age")
    return Personalization(
        child_name=str(data.get("child_name") or data.get("name") or ""),
        age=int(age) if age not in (None, "") else None,
        gender=data.get("gender") or None,
        photo=data.get("photo") or None,
    )
