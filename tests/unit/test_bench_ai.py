"""The AI bound the speed bench compares Pressroom with, against schedules worked by hand."""

from __future__ import annotations

from app.proving.bench_ai import ANALYSIS, IMAGE, ai_bound, book_calls

CAPS = {ANALYSIS: 4, IMAGE: 4}


def test_two_twelve_page_books_at_four_calls_per_model() -> None:
    books = [book_calls(12, False, 2.0, 5.0) for _ in range(2)]
    # analyses 2 s; both covers 5 s; 24 pages, 4 at a time: 6 rounds of 5 s
    assert ai_bound(books, CAPS) == 2 + 5 + 6 * 5
    judged = [book_calls(12, True, 2.0, 5.0) for _ in range(2)]
    # each judge follows its own image; only the last round's judges add to the path
    assert ai_bound(judged, CAPS) == 2 + 5 + 6 * 5 + 2


def test_caps_bind_per_model() -> None:
    one = [book_calls(3, True, 1.0, 4.0)]
    # one slot per model: 2 analyses in a row, cover, 3 pages; the last page's judge
    assert ai_bound(one, {ANALYSIS: 1, IMAGE: 1}) == 1 + 1 + 4 + 3 * 4 + 1
    assert ai_bound(one, {ANALYSIS: 8, IMAGE: 8}) == 1 + 4 + 4 + 1
