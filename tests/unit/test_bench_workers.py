"""The workers bench's measure (app/proving/bench_workers.py): the busy middle is every
whole minute after the first and before the last image request; 429s count over all calls."""

from __future__ import annotations

from app.proving.bench_workers import pace_figures
from app.proving.fake_gemini import Call


def image(at: float, status: int = 200) -> Call:
    return Call("m", "image", at, at + 1, status)


def test_the_first_minute_and_the_last_part_minute_are_left_out() -> None:
    burst = [image(t / 10) for t in range(60)]  # the whole first window at once
    paced = [image(60 + t) for t in range(150)]  # then one a second: 60 a minute
    refused = [image(5.5, 429), image(61.2, 429)]
    judges = [Call("j", "analysis", 70 + t, 71 + t, 200) for t in range(40)]
    figures = pace_figures(burst + paced + refused + judges, 60, "")
    assert figures.minutes == [60, 60]  # [60, 120) and [120, 180); [180, 209] is not whole
    assert figures.share == 1.0
    assert figures.refused == 2 and figures.refused_first_minute == 1 and figures.calls == 252


def test_a_run_shorter_than_two_minutes_has_no_busy_middle() -> None:
    figures = pace_figures([image(t) for t in range(100)], 60, "")
    assert figures.minutes == [] and figures.share is None
