"""The token buckets: never more than the limit in any window, and a pause for Retry-After."""

from __future__ import annotations

import asyncio
import time

from medpages.draft.limits import AdaptiveConcurrency, TokenBucket


def _max_in_window(times: list[float], window: float) -> int:
    best = start = 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_no_window_holds_more_than_the_limit_and_the_pace_is_close_to_it():
    async def main():
        bucket = TokenBucket(30, 0.5)
        times = []
        for _ in range(75):
            await bucket.acquire()
            times.append(time.monotonic())
        return times

    times = asyncio.run(main())
    assert _max_in_window(times, 0.5) <= 30
    assert times[-1] - times[0] < 1.5  # 75 at ~56 a second, not much slower


def test_a_pause_holds_every_caller():
    async def main():
        bucket = TokenBucket(1000, 1.0)
        bucket.pause(0.3)
        started = time.monotonic()
        await asyncio.gather(*(bucket.acquire() for _ in range(3)))
        return time.monotonic() - started

    assert asyncio.run(main()) >= 0.29


def test_concurrency_halves_on_429_and_grows_back():
    concurrency = AdaptiveConcurrency(8, recover_after=2)
    concurrency.rate_limited()
    assert concurrency.limit == 4
    for _ in range(4):
        concurrency.succeeded()
    assert concurrency.limit == 6
