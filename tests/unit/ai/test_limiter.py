"""The adaptive limiter on a clock the test moves: it grows while calls succeed, backs off
on a per-minute 429 (honouring its retry delay, once per episode), learns and paces the
rate the window allows, and paces a configured rate from the first call."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from app.ai.limiter import MARGIN, AdaptiveLimiter, Outcome


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_it_grows_fast_until_a_429_then_by_about_one_per_round_up_to_the_ceiling() -> None:
    async def go() -> None:
        clock = Clock()
        limiter = AdaptiveLimiter(4, 40, clock=clock)
        for _ in range(4):  # one round at 4: one more per success
            await limiter.release(await limiter.acquire(), Outcome.OK)
        assert limiter.at_once == 8
        await limiter.release(await limiter.acquire(), Outcome.RATE_LIMITED, retry_after=1)
        assert limiter.at_once == 4
        limiter.learned_rate = None  # growth only here: no pace to wait for
        clock.now += 1
        for _ in range(4):  # one round at 4 after the cut: about one more
            await limiter.release(await limiter.acquire(), Outcome.OK)
        assert limiter.at_once == 4 and limiter.limit > 4.9
        for _ in range(1000):  # about (40² - 5²) / 2 successes to climb to 40
            await limiter.release(await limiter.acquire(), Outcome.OK)
        assert limiter.at_once == 40  # the ceiling

    run(go())


def test_nothing_is_paced_before_a_429() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(4, 6)
        for _ in range(10):
            await limiter.release(await limiter.acquire(), Outcome.OK)
        assert limiter.rate is None and limiter._next_start == 0.0

    run(go())


def test_a_full_limiter_makes_the_next_call_wait_for_a_slot() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(2, 2, clock=Clock())
        first = await limiter.acquire()
        await limiter.acquire()
        third = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.05)
        assert not third.done()
        await limiter.release(first, Outcome.OTHER)  # a 5xx: a slot, nothing learned
        await asyncio.wait_for(third, 1)
        assert limiter.at_once == 2 and limiter.cuts == 0

    run(go())


def test_a_429_halves_it_once_per_episode_holds_calls_and_learns_the_rate() -> None:
    async def go() -> None:
        clock = Clock()
        limiter = AdaptiveLimiter(8, 16, clock=clock)
        for _ in range(30):  # 30 accepted in this window
            await limiter.release(await limiter.acquire(), Outcome.OK)
            clock.now += 0.5
        at_once = limiter.at_once
        in_flight = [await limiter.acquire() for _ in range(3)]
        await limiter.release(in_flight[0], Outcome.RATE_LIMITED, retry_after=7)
        await limiter.release(in_flight[1], Outcome.RATE_LIMITED, retry_after=7)
        assert limiter.cuts == 1 and limiter.at_once == at_once // 2  # one cut, not two
        # 30 answered in the window and 2 still in flight: the server took 32
        assert limiter.learned_rate == 32 and limiter.rate == 32
        assert limiter.paused_until == clock.now + 7
        waiting = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.05)
        assert not waiting.done()  # held until the retry delay has passed
        clock.now += 7
        async with limiter._changed:
            limiter._changed.notify_all()
        started = await asyncio.wait_for(waiting, 1)
        assert started.at == clock.now
        # from now on paced: the next start is a 32nd of a minute (a hair more) later
        assert limiter._next_start - started.at == pytest.approx(60 / (32 * MARGIN))
        late = in_flight[2]  # started before the cut: the same episode
        await limiter.release(late, Outcome.RATE_LIMITED, retry_after=1)
        assert limiter.cuts == 1

    run(go())


def test_a_configured_rate_is_paced_from_the_first_call() -> None:
    async def go() -> None:
        limiter = AdaptiveLimiter(8, 8, per_minute=120)
        started = [await limiter.acquire() for _ in range(4)]
        gaps = [b.at - a.at for a, b in itertools.pairwise(started)]
        assert all(gap >= 0.5 for gap in gaps)  # 120 a minute: one every half second

    run(go())


def test_the_learned_rate_is_raised_after_a_whole_window_without_429() -> None:
    async def go() -> None:
        clock = Clock()
        limiter = AdaptiveLimiter(4, 8, clock=clock)
        for _ in range(20):
            await limiter.release(await limiter.acquire(), Outcome.OK)
            clock.now += 1
        await limiter.release(await limiter.acquire(), Outcome.RATE_LIMITED, retry_after=1)
        assert limiter.learned_rate == 20
        clock.now += 61
        limiter._next_start = 0.0
        await limiter.release(await limiter.acquire(), Outcome.OK)
        assert limiter.learned_rate == 22.0

    run(go())


def test_the_cut_keeps_enough_calls_at_once_to_carry_the_learned_rate() -> None:
    async def go() -> None:
        clock = Clock()
        limiter = AdaptiveLimiter(6, 6, clock=clock)
        for _ in range(4):  # 4 rounds of 6 calls taking 12 s each: 24 accepted
            started = [await limiter.acquire() for _ in range(6)]
            clock.now += 12
            for when in started:
                await limiter.release(when, Outcome.OK)
        await limiter.release(await limiter.acquire(), Outcome.RATE_LIMITED, retry_after=5)
        assert limiter.learned_rate == 24
        # halving would leave 3; 24 a minute at 12 s a call needs 4.8 in flight
        assert limiter.at_once == 5

    run(go())


def test_a_429_with_hardly_any_calls_taken_pauses_but_paces_nothing() -> None:
    async def go() -> None:
        clock = Clock()
        limiter = AdaptiveLimiter(4, 8, clock=clock)
        await limiter.release(await limiter.acquire(), Outcome.OK)
        await limiter.release(await limiter.acquire(), Outcome.RATE_LIMITED, retry_after=3)
        assert limiter.rate is None  # one call taken says nothing of the rate (a passing 429)
        assert limiter.paused_until == clock.now + 3 and limiter.cuts == 1

    run(go())
