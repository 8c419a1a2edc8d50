"""The token buckets: never more than the limit in any window, and a pause for Retry-After.

The buckets run on a fake clock (`clock=`) that moves only when they sleep, so these tests wait
for nothing and measure no real time: the same run gives the same times on any machine.
"""

from __future__ import annotations

import asyncio

import pytest

from medpages.draft.limits import AdaptiveConcurrency, TokenBucket

_real_sleep = asyncio.sleep


class FakeTime:
    """A monotonic clock that jumps forward by what is slept instead of waiting for it.

    The buckets sleep only while holding their lock, one sleeper at a time, so adding each sleep
    to the clock is the time a real run would take.
    """

    def __init__(self):
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # A real sleep always takes some time: without a floor, a wait of 1e-17 s added to a clock
        # at 1.0 would leave it where it was, and the bucket would ask to wait again forever.
        self.now += max(1e-9, seconds)
        await _real_sleep(0)  # still let the other tasks run, as a real sleep would


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(asyncio, "sleep", fake.sleep)
    return fake


def _max_in_window(times: list[float], window: float) -> int:
    best = start = 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_no_window_holds_more_than_the_limit_and_the_pace_is_close_to_it(fake_time):
    async def main():
        bucket = TokenBucket(30, 0.5, clock=fake_time.clock)
        times = []
        for _ in range(75):
            await bucket.acquire()
            times.append(fake_time.now)
        return times

    times = asyncio.run(main())
    assert _max_in_window(times, 0.5) <= 30
    # 75 at ~56 a second (28 per half second, one kept as margin, plus a burst of one): not much slower
    assert 74 / 60 < times[-1] - times[0] < 1.5


def test_a_pause_holds_every_caller(fake_time):
    async def main():
        bucket = TokenBucket(1000, 1.0, clock=fake_time.clock)
        bucket.pause(0.3)

        async def served_at() -> float:
            await bucket.acquire()
            return fake_time.now

        return await asyncio.gather(*(served_at() for _ in range(3)))

    # None before the pause ends; then all three at once (the burst holds them), not one per pause.
    assert asyncio.run(main()) == [pytest.approx(0.3)] * 3


def test_concurrency_halves_on_429_and_grows_back():
    concurrency = AdaptiveConcurrency(8, recover_after=2)
    concurrency.rate_limited()
    assert concurrency.limit == 4
    for _ in range(4):
        concurrency.succeeded()
    assert concurrency.limit == 6


def test_a_retuned_bucket_keeps_to_the_new_limit_from_then_on(fake_time):
    async def main():
        bucket = TokenBucket(10, 1.0, clock=fake_time.clock)
        times = []
        for _ in range(15):
            await bucket.acquire()
            times.append(fake_time.now)
        bucket.retune(60)  # the server said it allows more
        retuned_at = fake_time.now
        for _ in range(120):
            await bucket.acquire()
            times.append(fake_time.now)
        return times, retuned_at

    times, retuned_at = asyncio.run(main())
    assert _max_in_window([t for t in times if t < retuned_at], 1.0) <= 10
    assert _max_in_window(times, 1.0) <= 60
    after = [t for t in times if t > retuned_at]
    assert 55 <= len(after) / (after[-1] - after[0]) <= 60  # 58 a second: 60 less a burst of one and one of margin
