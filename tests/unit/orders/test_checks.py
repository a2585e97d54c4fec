"""Orders checked at the door: each check on its own, the limits the layout and the print
size give, placing a checked order, and a bad row refused when its item is claimed."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from app.catalog import demo_catalog, demo_photo
from app.config import Settings
from app.domain import Book, OrderItem, Personalization, Status
from app.events import EventBus
from app.orders.checks import (
    OrderRefused,
    Problem,
    age_range,
    check_order,
    clean_name,
    longest_name_that_fits,
    min_photo_side,
    raise_if_refused,
)
from app.orders.place import OrderRequest, place_checked_order
from app.print.pdf import MM, SAFE_MARGIN_MM, BookPage, PrintSpec, compose_book
from app.runtime import JobServices, build_services
from app.store.codec import book_from_dict
from app.worker.monitor import Monitor
from tests.conftest import make_settings, save_small_book
from tests.fakes.provider import ScriptedProvider

DEFAULTS = Settings(data_dir=Path("unused"))  # 8x8 in trim, 150 DPI minimum
SPEC = PrintSpec.from_settings(DEFAULTS)


def demo_books() -> dict[str, Book]:
    spec = demo_catalog()
    return {b["id"]: book_from_dict(b) for b in spec["books"]}


MOON = demo_books()["moon-boat"]  # "Leo and the Moon Boat", ages 3-6 years
GARDEN = demo_books()["giant-garden"]  # "Mia's Garden of Giants", ages 4-7 years


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 160, 140)).save(out, "PNG")
    return out.getvalue()


def problems(
    name: str = "Ada",
    age: int | None = 5,
    book: Book | None = MOON,
    photo: bytes | None = None,
    customer: str | None = "cust-1",
    settings: Settings = DEFAULTS,
) -> list[Problem]:
    return check_order(
        book,
        Personalization(name, age, "girl"),
        photo,
        settings,
        book_id=book.id if book else "no-such-book",
        customer_id=customer,
        photo_name="kid.png",
    )


def test_a_good_order_passes() -> None:
    assert problems(photo=demo_photo("child-ada.jpg")) == []


# -- the name --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["", " ", "   \t  ", "\n"])
def test_an_empty_or_blank_name_is_refused(name: str) -> None:
    assert problems(name) == ["the child's name is empty"]
    assert problems(name)[0].field == "name"


def test_the_longest_name_that_fits_is_measured_from_the_layout() -> None:
    # One long word: it must fit a line of the page text panel, possessive included
    # ("Leo's sail" on page 6, "Leo's boat" on page 5).
    assert longest_name_that_fits(MOON, "a" * 200, SPEC) == 36
    assert longest_name_that_fits(GARDEN, "a" * 200, SPEC) == 36
    # Wide letters fit fewer; narrow ones more.
    assert longest_name_that_fits(MOON, "W" * 200, SPEC) == 21
    assert longest_name_that_fits(MOON, "i" * 200, SPEC) == 68
    # Words wrap on the page, so a long name of short words meets the cover title first.
    assert longest_name_that_fits(MOON, "Anna Maria " * 20, SPEC) == 46


def test_a_name_that_just_fits_passes_and_one_character_more_is_refused() -> None:
    assert problems("a" * 36) == []
    assert problems("a" * 37) == [
        "the child's name is too long: at most 36 of its 37 characters fit "
        "the text of page 5 of this book"
    ]
    words = ("Anna Maria " * 20)[:46].rstrip()
    assert problems(words) == []
    longer = ("Anna Maria " * 20)[:47]
    assert problems(longer) == [
        "the child's name is too long: at most 46 of its 47 characters fit this book's cover title"
    ]


def test_a_5000_character_name_is_refused_in_one_sentence() -> None:
    [sentence] = problems("Ada" * 1700)
    assert sentence == (
        "the child's name is too long: at most 33 of its 5100 characters fit "
        "the text of page 5 of this book"
    )


def test_the_limit_follows_the_print_size() -> None:
    a5 = PrintSpec.from_settings(Settings(data_dir=Path("unused"), trim_size="a5"))
    assert longest_name_that_fits(MOON, "Anna Maria " * 20, a5) < 46


def test_a_name_that_fits_stays_inside_the_safe_area_when_composed() -> None:
    """The measurement follows pdf.py: a name that fits is set inside the safe margins;
    a name far over the limit is not."""

    def widest_line(name: str) -> tuple[float, float]:
        text = f"{name}'s sail caught the night wind and hummed a sleepy song."
        low_res = PrintSpec(trim_mm=SPEC.trim_mm, target_dpi=60, min_dpi=50)
        page = BookPage(png(600, 600), text, "page 1")
        pdf = compose_book(png(600, 600), [page], low_res, title="t", child_name=name).pdf
        with pymupdf.open(stream=pdf, filetype="pdf") as doc:
            blocks = doc[1].get_text("dict")["blocks"]
            spans = [
                s["bbox"]
                for b in blocks
                if b["type"] == 0
                for line in b["lines"]
                for s in line["spans"]
            ]
        return min(b[0] for b in spans), max(b[2] for b in spans)

    width, _ = SPEC.page_size_pt
    margin = (SPEC.bleed_mm + SAFE_MARGIN_MM) * MM
    left, right = widest_line("a" * 36)
    assert left >= margin - 0.5 and right <= width - margin + 0.5
    left, right = widest_line("a" * 45)
    assert left < margin or right > width - margin


@pytest.mark.parametrize(
    "name",
    [
        "Zoë",
        "Łukasz",
        "José",
        "Jose\u0301",
        "Anne-Sophie",
        "D'Arcy",
        "Nguyễn",
        "Đặng Thị Hương",
        "Αλέξης",
        "Иван",
        "Ілля",
        "ليلى",
        "محمد علي",
        "شیرین",  # Persian letters (yeh U+06CC)
        "שירה",
        "Noa שירה",
    ],
)
def test_names_the_shipped_fonts_can_draw_pass(name: str) -> None:
    """Latin with Vietnamese, Greek, Cyrillic (DejaVu Serif), Arabic (Noto Naskh Arabic) and
    Hebrew (Noto Serif Hebrew), in both the title's and the page text's faces."""
    assert problems(name) == []


@pytest.mark.parametrize(
    ("name", "listed"),
    [
        ("Ada😀", "😀 (U+1F600)"),
        ("😀Ada😀🦄", "😀 (U+1F600), 🦄 (U+1F984)"),
        ("李华", "李 (U+674E), 华 (U+534E)"),
        ("ليلى😀", "😀 (U+1F600)"),
        ("अनन्या", "अ (U+0905), न (U+0928), ् (U+094D), य (U+092F), ा (U+093E)"),
        ("สมชาย", "ส (U+0E2A), ม (U+0E21), ช (U+0E0A), า (U+0E32), ย (U+0E22)"),
        ("A\tB", "U+0009"),
    ],
)
def test_characters_no_shipped_font_can_draw_are_named(name: str, listed: str) -> None:
    assert problems(name) == [f"the child's name has characters no shipped font can draw: {listed}"]


def test_the_drawable_check_follows_the_fonts_that_ship(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the Noto fallbacks an Arabic name would print as boxes: it is refused."""
    from app.assets import FONT_BOLD, FONT_REGULAR
    from app.orders import checks as order_checks

    monkeypatch.setattr(order_checks, "NAME_FONTS", ((FONT_BOLD,), (FONT_REGULAR,)))
    assert problems("ليلى") == [
        "the child's name has characters no shipped font can draw: "
        "ل (U+0644), ي (U+064A), ى (U+0649)"
    ]
    assert problems("Zoë") == []


def test_every_font_the_name_can_be_printed_in_ships_with_its_licence() -> None:
    from app.assets import TEXT_FONTS, TITLE_FONTS, resource

    fonts = resource("fonts")
    for name in {*TEXT_FONTS, *TITLE_FONTS}:
        assert fonts.joinpath(name).is_file(), name
    licences = [p.name for p in fonts.iterdir() if p.name.startswith("LICENSE")]
    assert sorted(licences) == ["LICENSE-DejaVu.txt", "LICENSE-Noto.txt"]
    assert "SIL Open Font License" in fonts.joinpath("LICENSE-Noto.txt").read_text()


def test_an_arabic_name_is_measured_in_its_own_font() -> None:
    """The fit is measured with the font that draws the name, not DejaVu's missing glyphs."""
    arabic = longest_name_that_fits(MOON, "ل" * 200, SPEC)
    assert 10 < arabic < 200


def test_the_name_is_cleaned_before_it_is_printed() -> None:
    assert clean_name("  Jose\u0301 ") == "José"


# -- the age ---------------------------------------------------------------------------------
def test_ages_inside_the_books_range_pass_and_a_missing_age_is_fine() -> None:
    assert problems(age=3) == problems(age=6) == problems(age=None) == []


def test_an_age_outside_the_books_range_is_refused() -> None:
    assert problems(age=7) == ["age 7 is outside this book's range (3-6 years)"]
    assert problems(age=3, book=GARDEN) == ["age 3 is outside this book's range (4-7 years)"]


@pytest.mark.parametrize("age", [-5, -1, 19, 200])
def test_an_age_no_child_has_is_refused_even_without_a_range(age: int) -> None:
    no_range = Book("plain", "A Book", "", "", "Leo", "c.jpg", ())
    assert problems(age=age, book=no_range) == [f"age {age} is not a child's age (0 to 18)"]


def test_age_ranges_are_read_from_the_books_text() -> None:
    assert age_range("3-6 years") == (3, 6)
    assert age_range("ages 4 to 7") == (4, 7)
    assert age_range("4–8") == (4, 8)
    assert age_range("5+") == (5, 18)
    assert age_range("") is None and age_range("all ages") is None


# -- the photo -------------------------------------------------------------------------------
def test_the_smallest_photo_follows_the_print_size() -> None:
    assert min_photo_side(SPEC) == 480  # 0.2 x 8 in x 150 DPI / 0.5
    assert (
        min_photo_side(PrintSpec.from_settings(Settings(data_dir=Path("u"), trim_size="a5"))) == 350
    )
    assert min_photo_side(PrintSpec.from_settings(Settings(data_dir=Path("u"), min_dpi=300))) == 960


def test_a_photo_too_small_for_a_face_at_print_size_is_refused() -> None:
    assert problems(photo=png(1, 1)) == [
        "kid.png: the photo is 1×1 px, but at least 480 px on the short side is needed to draw "
        "a face at print size"
    ]
    assert problems(photo=png(479, 900))[0].startswith("kid.png: the photo is 479×900 px")
    assert problems(photo=png(480, 900)) == []


@pytest.mark.parametrize("name", ["child-ada.jpg", "child-kofi.jpg", "child-rosie.jpg"])
def test_the_demo_photos_pass(name: str) -> None:
    assert problems(photo=demo_photo(name)) == []


def test_a_photo_that_is_not_an_image_is_refused_by_the_image_intake() -> None:
    assert problems(photo=b"hello") == ["kid.png: not an image (expected JPEG, PNG, WebP or HEIC)"]


# -- the book and the customer ---------------------------------------------------------------
def test_an_unknown_book_is_named_with_the_catalog() -> None:
    found = check_order(
        None,
        Personalization("Ada", 5),
        None,
        DEFAULTS,
        book_id="no-such-book",
        known_books=["giant-garden", "moon-boat"],
    )
    assert found == [
        "book 'no-such-book' is not in the catalog (the catalog has giant-garden, moon-boat)"
    ]


@pytest.mark.parametrize(
    "customer",
    [
        "cust-1",
        "walk-in",
        "c",
        str(uuid.uuid5(uuid.NAMESPACE_URL, "pressroom-demo-customer-1")),
        "grace@example.com",
        "user_42.b+x",
    ],
)
def test_customer_ids_the_app_and_the_demo_use_pass(customer: str) -> None:
    assert problems(customer=customer) == []


@pytest.mark.parametrize("customer", ["", "../x", "a/b", ".", "..", " c", "ünï", "x" * 129])
def test_customer_ids_that_would_break_a_blob_key_are_refused(customer: str) -> None:
    [sentence] = problems(customer=customer)
    assert sentence.startswith("customer id ") and "cannot be used" in sentence


def test_every_problem_is_one_sentence_and_the_helper_joins_them() -> None:
    found = problems(" ", age=-5, photo=png(1, 1), customer="a/b")
    assert [p.field for p in found] == ["name", "age", "photo", "customer"]
    with pytest.raises(OrderRefused) as refused:
        raise_if_refused(found)
    assert refused.value.problems == found
    assert str(refused.value) == "; ".join(found)
    raise_if_refused([])  # nothing to refuse


# -- placing a checked order -----------------------------------------------------------------
def test_a_refused_order_places_nothing_and_uploads_nothing(
    services: JobServices, tmp_path: Path
) -> None:
    save_small_book(services, pages=2)
    photo = tmp_path / "kid.png"
    photo.write_bytes(png(1, 1))
    request = OrderRequest("small", "  ", photo, age=-5, customer_id="a/../b")
    with pytest.raises(OrderRefused) as refused:
        place_checked_order(services.store, services.blobs, services.settings, request)
    assert len(refused.value.problems) == 4
    assert services.store.list_items() == []
    assert services.blobs.list("photos/") == []


def test_an_accepted_order_is_placed_paid_with_the_cleaned_name(
    services: JobServices, tmp_path: Path
) -> None:
    save_small_book(services, pages=2)
    photo = tmp_path / "kid.jpg"
    photo.write_bytes(demo_photo("child-rosie.jpg"))
    request = OrderRequest("small", " Rosie ", photo, age=4, gender="girl", customer_id="c-9")
    item = place_checked_order(services.store, services.blobs, services.settings, request)
    assert item.payment_status == "paid" and item.pressroom_status is Status.PENDING
    assert item.personalization.child_name == "Rosie"
    assert item.personalization.photo and services.blobs.exists(item.personalization.photo)


# -- at claim time ---------------------------------------------------------------------------
def run_claimed(
    tmp_path: Path, name: str, age: int | None, photo: bytes, customer: str = "cust-1"
) -> tuple[OrderItem, ScriptedProvider, JobServices]:
    services = build_services(make_settings(tmp_path), EventBus())  # min_dpi 50: 160 px
    provider = ScriptedProvider()
    services.provider = provider
    book = save_small_book(services, pages=2)
    key = "photos/cust-1/kid.png"
    services.blobs.put(key, photo)
    # Straight into the store, as the mobile app writes a row: no door to pass.
    who = Personalization(name, age, "girl", key)
    _, [item] = services.store.place_order(customer, [(book.id, who)], paid=True)
    asyncio.run(Monitor(services, worker_id="w").run_until_idle({item.id}, timeout=60))
    return services.store.get_item(item.id), provider, services


@pytest.mark.parametrize(
    ("name", "photo", "reason"),
    [
        ("  ", None, "the child's name is empty"),
        (
            "Ada",
            png(1, 1),
            "the child's photo: the photo is 1×1 px, but at least 160 px on the short side "
            "is needed to draw a face at print size",
        ),
        ("Ada😀", None, "the child's name has characters no shipped font can draw: 😀 (U+1F600)"),
    ],
)
def test_a_bad_row_is_refused_at_claim_time_before_any_ai_call(
    tmp_path: Path, name: str, photo: bytes | None, reason: str
) -> None:
    failed, provider, services = run_claimed(
        tmp_path, name, 5, photo or demo_photo("child-ada.jpg")
    )
    assert failed.pressroom_status is Status.FAILED
    assert failed.last_error == reason
    assert failed.attempts == 1  # permanent: not retried
    assert sum(provider.calls.values()) == 0
    history = [(h["action"], h["note"]) for h in services.store.history(failed.id)]
    assert history[-1] == ("failed", reason)


def test_every_problem_of_a_bad_row_is_in_its_error(tmp_path: Path) -> None:
    failed, provider, _ = run_claimed(tmp_path, "", -3, png(1, 1), customer="bad/../id")
    assert failed.pressroom_status is Status.FAILED
    assert failed.last_error is not None
    parts = failed.last_error.split("; ")
    assert parts[0] == "the child's name is empty"
    assert parts[1] == "age -3 is not a child's age (0 to 18)"
    assert parts[2].startswith("the child's photo: the photo is 1×1 px")
    assert parts[3].startswith("customer id 'bad/../id' cannot be used")
    assert sum(provider.calls.values()) == 0


def test_a_photo_key_outside_storage_is_refused_not_a_crash(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), EventBus())
    book = save_small_book(services, pages=2)
    who = Personalization("Ada", 5, "girl", "photos/../../etc/passwd")
    _, [item] = services.store.place_order("cust-1", [(book.id, who)], paid=True)
    asyncio.run(Monitor(services, worker_id="w").run_until_idle({item.id}, timeout=60))
    failed = services.store.get_item(item.id)
    assert failed.last_error == "child photo 'photos/../../etc/passwd': not a valid storage key"


def test_a_good_row_is_still_made(tmp_path: Path) -> None:
    done, provider, _ = run_claimed(tmp_path, "Ada", 5, demo_photo("child-ada.jpg"))
    assert done.pressroom_status is Status.COMPLETED, done.last_error
    assert provider.calls["cover"] == 1


def test_an_age_that_is_not_a_number_fails_its_item_not_the_queue(tmp_path: Path) -> None:
    import sqlite3

    services = build_services(make_settings(tmp_path), EventBus())
    book = save_small_book(services, pages=1)
    key = "photos/cust-1/kid.jpg"
    services.blobs.put(key, demo_photo("child-ada.jpg"))
    who = Personalization("Ada", 5, "girl", key)
    _, [bad, good] = services.store.place_order("cust-1", [(book.id, who)] * 2, paid=True)
    with sqlite3.connect(services.settings.data_dir / "pressroom.sqlite3") as db:  # the app's row
        row = db.execute("select personalization from order_items where id = ?", (bad.id,))
        data = json.loads(row.fetchone()[0])
        db.execute(
            "update order_items set personalization = ? where id = ?",
            (json.dumps({**data, "age": "five"}), bad.id),
        )
    ids = {bad.id, good.id}
    asyncio.run(Monitor(services, worker_id="w").run_until_idle(ids, timeout=60))
    refused = services.store.get_item(bad.id)
    assert refused.pressroom_status is Status.FAILED
    assert refused.last_error == "the age 'five' is not a number of years"
    assert services.store.get_item(good.id).pressroom_status is Status.COMPLETED
