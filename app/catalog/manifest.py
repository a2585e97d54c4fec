"""The shape of `book.json`, checked field by field before a book is built from it: types,
lengths, the page count, unique page indexes, regions of four numbers, and a book id that
is safe as a key in the stores. A wrong field is refused in one sentence naming the field
(`book.json: pages → 3 → text_box: …`), never an unexpected error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from app.catalog.intake import IntakeLimits, read_capped
from app.domain import BadInput
from app.print.barcode import normalized_isbn

BOOK_ID = r"[a-z0-9][a-z0-9-]{0,63}"  # a key in both stores and in blob paths
ID_RULE = "a book id is lower-case letters, digits and hyphens (at most 64), like 'moon-boat'"
MAX_REGIONS = 8
MAX_PAGE_TEXT = 2000  # characters: a picture book's page, with room to spare
Number = Annotated[float, Field(allow_inf_nan=False)]
Region = Annotated[list[Number], Field(min_length=4, max_length=4)]
Name = Annotated[str, Field(max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, str_strip_whitespace=False)


class PageEntry(_Strict):
    index: int = Field(ge=1)
    image: str = Field(min_length=1, max_length=255)
    text: str = Field(default="", max_length=MAX_PAGE_TEXT)
    hero_regions: list[Region] | None = Field(default=None, max_length=MAX_REGIONS)
    text_box: Region | None = None
    hero_absent: bool = False


class TextEntry(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True)  # else any page dict would fit

    text: str = Field(default="", max_length=MAX_PAGE_TEXT)


class Manifest(_Strict):
    """Every field optional: a folder of pictures may carry only its title and texts; a
    bundle (`format` set) must carry what `app.store.codec.book_from_dict` reads."""

    format: str | None = Field(default=None, max_length=40)
    id: str | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    genre: Name = ""
    age_range: str = Field(default="", max_length=20)
    hero_name: Name = ""
    hero_gender: Literal["girl", "boy", "child"] | None = None
    cover_image: str | None = Field(default=None, min_length=1, max_length=255)
    cover_hero_regions: list[Region] | None = Field(default=None, max_length=MAX_REGIONS)
    title_box: Region | None = None
    blurb: str | None = Field(default=None, max_length=2000)
    isbn: str | None = Field(default=None, max_length=30)
    pages: list[PageEntry | TextEntry | Annotated[str, Field(max_length=MAX_PAGE_TEXT)]] = Field(
        default_factory=list, max_length=10_000
    )

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(BOOK_ID, value):
            raise ValueError(ID_RULE)
        return value

    @field_validator("isbn")
    @classmethod
    def _isbn13(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalized_isbn(value)
        except BadInput as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _unique_indexes(self) -> Manifest:
        seen: set[int] = set()
        for page in self.pages:
            if isinstance(page, PageEntry):
                if page.index in seen:
                    raise ValueError(f"page index {page.index} appears twice; each page once")
                seen.add(page.index)
        return self


def _sentence(path: Path, exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    steps = [p for p in first["loc"] if p not in ("PageEntry", "TextEntry", "str")]
    where = " → ".join(f"entry {p + 1}" if isinstance(p, int) else str(p) for p in steps)
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{path}: {where + ': ' if where else ''}{message}"


def load_manifest(folder: Path, limits: IntakeLimits) -> dict[str, Any] | None:
    """The folder's book.json checked against `Manifest` and the page limit (None: there is
    none), as plain data for `book_from_dict`."""
    path = folder / "book.json"
    if not path.exists() and not path.is_symlink():
        return None
    raw = read_capped(path, limits.max_manifest_bytes, "book.json")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise BadInput(f"{path}: nested too deeply to be a book") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected a JSON object")
    pages = data.get("pages")
    if isinstance(pages, list) and len(pages) > limits.max_pages:
        raise BadInput(
            f"{path}: {len(pages):,} pages; the printer takes at most {limits.max_pages}"
        )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise BadInput(_sentence(path, exc)) from None
    except RecursionError:
        raise BadInput(f"{path}: nested too deeply to be a book") from None
    return manifest.model_dump(exclude_none=True)
