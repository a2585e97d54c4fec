"""Plain-JSON shapes of domain objects, shared by every store backend."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.domain import (
    Book,
    BookStatus,
    Box,
    Notification,
    OrderItem,
    Page,
    Personalization,
    Stage,
    Status,
)
from app.logs import register_personal


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
        "blurb": book.blurb,
        "version": book.version,
        "status": book.status.value,
        **({"isbn": book.isbn} if book.isbn else {}),
        "pages": [
            {
                "index": p.index,
                "image": p.image,
                "text": p.text,
                "hero_regions": [b.as_list() for b in p.hero_regions],
                "text_box": p.text_box.as_list() if p.text_box else None,
                "hero_absent": p.hero_absent,
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
                text_box=Box.from_list(p["text_box"]) if p.get("text_box") else None,
                hero_absent=bool(p.get("hero_absent", False)),
            )
            for p in data.get("pages", ())
        ),
        blurb=str(data.get("blurb") or ""),
        version=int(data.get("version") or 1),
        status=BookStatus(data.get("status") or BookStatus.LIVE),
        isbn=str(data["isbn"]) if data.get("isbn") else None,
    )


def personalization_to_dict(p: Personalization) -> dict[str, Any]:
    if p.erased_at:
        return {"erased_at": p.erased_at}
    data = {"child_name": p.child_name, "age": p.age, "gender": p.gender, "photo": p.photo}
    if p.print_profile:
        data["print_profile"] = p.print_profile
    if p.language:
        data["language"] = p.language
    return data


def personalization_from_dict(data: dict[str, Any]) -> Personalization:
    raw = data.get("age")
    try:
        age = int(raw) if raw not in (None, "") else None
        age_text = None
    except (TypeError, ValueError):  # a row the app wrote badly: refused at claim, not here
        age, age_text = None, str(raw)
    return Personalization(
        child_name=str(data.get("child_name") or data.get("name") or ""),
        age=age,
        gender=data.get("gender") or None,
        photo=data.get("photo") or None,
        age_text=age_text,
        print_profile=data.get("print_profile") or None,
        language=data.get("language") or None,
        erased_at=data.get("erased_at") or None,
    )


ORDER_FACTS = ("paid_at", "customer_name", "customer_email", "needed_by")


def order_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    """The order's paid_at, customer_name, customer_email and needed_by from an item row: its own
    columns, else its embedded `orders` row; None for any the shop's rows do not have."""
    embedded = row.get("orders")
    order = embedded if isinstance(embedded, Mapping) else {}
    return {k: row[k] if row.get(k) is not None else order.get(k) for k in ORDER_FACTS}


def item_from_record(row: Mapping[str, Any], ts: Callable[[Any], datetime | None]) -> OrderItem:
    """An OrderItem from a joined item row (any backend); `ts` reads its timestamps."""
    who = row["personalization"]
    facts = order_facts(row)
    personalization = personalization_from_dict(json.loads(who) if isinstance(who, str) else who)
    # every item this process reads: its people are hidden from the log from now on
    register_personal((personalization.child_name, facts["customer_name"], facts["customer_email"]))
    return OrderItem(
        id=str(row["id"]),
        order_id=str(row["order_id"]),
        customer_id=str(row["customer_id"]),
        book_id=str(row["book_id"]),
        personalization=personalization,
        pressroom_status=Status(row["pressroom_status"]),
        app_status=row.get("generation_status"),
        payment_status=row["payment_status"],
        stage=Stage(row["stage"]) if row["stage"] else None,
        progress_done=row["progress_done"],
        progress_total=row["progress_total"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        claimed_by=row["claimed_by"],
        lease_expires_at=ts(row["lease_expires_at"]),
        pdf_url=row["pdf_url"],
        cover_image_url=row["cover_image_url"],
        generated_at=ts(row["generated_at"]),
        created_at=ts(row["created_at"]),
        updated_at=ts(row["updated_at"]),
        paid_at=ts(facts["paid_at"]),
        customer_name=facts["customer_name"] or None,
        customer_email=facts["customer_email"] or None,
        needed_by=ts(facts["needed_by"]),
    )


def notification_from_record(
    row: Mapping[str, Any], ts: Callable[[Any], datetime | None]
) -> Notification:
    created = ts(row["created_at"])
    assert created is not None
    return Notification(
        id=str(row["id"]),
        user_id=str(row["user_id"]),
        order_item_id=str(row["order_item_id"]) if row["order_item_id"] else None,
        title=row["title"],
        body=row["body"],
        created_at=created,
        read=bool(row["read"]),
    )
