"""The order door against hostile input: names that print as nothing, reorder themselves or
stack accents without end; e-mail addresses that are not one mailbox; and customers' text
reaching the operator's terminal. Every case ends in one sentence, never an exception."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog import demo_catalog
from app.cli.common import terminal_safe
from app.cli.records import _status_line
from app.config import Settings
from app.domain import OrderItem, Personalization, Status
from app.orders.checks import check_order
from app.orders.contact import email_problem
from app.store.codec import book_from_dict

DEFAULTS = Settings(data_dir=Path("unused"))
MOON = book_from_dict(demo_catalog()["books"][0])


def name_problems(name: str) -> list[str]:
    return check_order(MOON, Personalization(name, 5, "girl"), None, DEFAULTS, book_id=MOON.id)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("\u200b\u200b", "invisible or direction-changing characters: U+200B ZERO WIDTH SPACE"),
        ("Ada\u202eeve", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u2067Ada\u2069", "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ("\ufeffAda", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("A" + "\u0301" * 500, "stacks more than 3 accents on one letter"),
        ("- . -", "has no letters"),
    ],
)
def test_names_that_would_not_print_as_a_name_are_refused(name: str, said: str) -> None:
    [problem] = name_problems(name)
    assert said in problem and problem.field == "name"


@pytest.mark.parametrize("name", ["Nguyễn", "Zoë", "Ana-María", "محمد\u200cرضا", "O'Brien"])
def test_real_names_with_accents_and_joiners_pass(name: str) -> None:
    assert name_problems(name) == []


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_name_gives_sentences_or_a_printable_name(name: str) -> None:
    found = name_problems(name)
    assert all(isinstance(p, str) and p and "\n" not in p for p in found)
    if not found:
        cleaned = unicodedata.normalize("NFC", name).strip()
        assert any(unicodedata.category(c).startswith("L") for c in cleaned)
        assert not [
            c for c in cleaned if unicodedata.category(c) == "Cf" and c not in "\u200c\u200d"
        ]


@pytest.mark.parametrize(
    "address",
    [
        "not-an-email",
        "x@y.z,second@example.com",
        "ada@example.com\r\nBcc: eve@example.com",
        "a" * 5000 + "@example.com",
        "ada@localhost",
        "",
    ],
)
def test_an_address_that_is_not_one_mailbox_is_refused_at_the_door(address: str) -> None:
    found = check_order(
        MOON,
        Personalization("Ada", 5, "girl"),
        None,
        DEFAULTS,
        book_id=MOON.id,
        customer_email=address,
    )
    if not address:
        assert found == []  # no address: no e-mail is sent, nothing to refuse
        return
    [problem] = found
    assert problem.field == "email" and "cannot receive the book" in problem
    assert "\n" not in problem and "\r" not in problem and len(problem) < 400


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80) | st.emails())
def test_any_address_is_a_mailbox_or_a_sentence(address: str) -> None:
    said = email_problem(address)
    if said is None:
        assert "," not in address.split("@")[-1] and "\n" not in address and "\r" not in address
        assert address.count("@") >= 1 and len(address) <= 254
    else:
        assert said.startswith("the e-mail address") and "\n" not in said


def test_status_prints_customers_text_as_text() -> None:
    hostile = "Eve\x1b[2J\x1b]0;owned\x07\r\nfake line\u202e"
    item = OrderItem(
        id="0" * 32,
        order_id="o",
        book_id="moon-boat",
        personalization=Personalization(hostile, 5, "girl"),
        pressroom_status=Status.FAILED,
        customer_id="c",
        customer_name=hostile,
        last_error="bad\nthing",
    )
    line = _status_line(item, 40)
    assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
    assert "\n" not in line and "\r" not in line
    assert "Eve" in line and "fake line" in line


@given(st.text())
def test_terminal_safe_leaves_no_control_character(text: str) -> None:
    safe = terminal_safe(text)
    assert len(safe) == len(text)
    assert all(unicodedata.category(c) not in ("Cc", "Cf") or c in "\u200c\u200d" for c in safe)


def test_reading_a_name_back_is_not_recursive() -> None:
    """The gate reads a printed name back letter by letter; a name of thousands of accents
    (a row the app wrote, before the door's check) ended the job in RecursionError."""
    from app.print.pdf_text import count_name_spelled

    name = "A" + "\u0301" * 3000
    assert count_name_spelled(f"One night {name} found a boat, and {name} sailed.", name) == 2
