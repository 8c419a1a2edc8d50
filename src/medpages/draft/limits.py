"""How fast drafting may go: the run's limits, token buckets for requests and tokens per minute, adaptive concurrency.

`RateLimiter` guarantees that no window of `period` seconds holds more than the configured number
of requests (or tokens): a bucket with a small burst refilled at `(limit - burst - 1) / period`.
A provider's 429 pauses every caller until its Retry-After, slows the refill, and halves the
concurrency; both recover step by step after successes.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from medpages.errors import InputError


@dataclass(frozen=True)
class RunLimits:
    """The knobs of a drafting run. Per-minute limits count over `period` seconds (tests use 1 s)."""

    concurrency: int = 8
    requests_per_minute: float | None = 60.0
    tokens_per_minute: float | None = None
    period: float = 60.0
    request_timeout: float = 120.0  # seconds, for the whole request, headers to last byte
    max_attempts: int = 5  # requests per exchange for timeouts, 5xx and dropped connections
    max_rate_limit_waits: int = 30  # 429s tolerated per job before it fails
    backoff_base: float = 1.0  # seconds; doubled per attempt, with full jitter
    backoff_max: float = 60.0
    max_output_tokens: int = 4096
    expected_output_tokens: int = 1500  # reserved per request against tokens_per_minute; for estimates
    recover_after: int = 20  # successes before concurrency and rate step back up after a 429

    def __post_init__(self):
        if self.concurrency < 1:
            raise InputError(f"concurrency must be at least 1 (got {self.concurrency})")
        for name in ("requests_per_minute", "tokens_per_minute"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise InputError(f"{name.replace('_', ' ')} must be positive (got {value})")
        if self.max_attempts < 1:
            raise InputError(f"max attempts must be at least 1 (got {self.max_attempts})")
        if self.request_timeout <= 0:
            raise InputError(f"the request timeout must be positive (got {self.request_timeout})")


class TokenBucket:
    """At most `limit` units in any `period`-second window, and at most `burst` at once."""

    def __init__(self, limit: float, period: float = 60.0, *, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = float(limit)
        self.period = float(period)
        # A sixtieth of the limit at once by default (a second's worth of a per-minute limit): a
        # burst of a full minute would let a provider counting over a sliding window see twice it.
        burst = burst if burst is not None else max(1.0, self.limit / 60.0)
        self.capacity = max(1.0, min(float(burst), self.limit))
        # One unit of margin: a request reaches the server a moment after it leaves the bucket.
        headroom = self.limit - self.capacity - (1.0 if self.limit >= self.capacity + 2 else 0.0)
        self.rate = max(headroom, min(1.0, self.limit)) / self.period
        self.factor = 1.0  # lowered by slow_down() after a 429
        self._clock = clock
        self._level = self.capacity
        self._updated = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._level = min(self.capacity, self._level + (now - self._updated) * self.rate * self.factor)
        self._updated = now

    async def acquire(self, amount: float = 1.0) -> float:
        """Wait until `amount` units are free and take them; returns the seconds waited."""
        amount = min(float(amount), self.capacity)  # a request bigger than the bucket still goes, alone
        started = self._clock()
        async with self._lock:  # FIFO: callers are served in the order they asked
            while True:
                now = self._clock()
                self._refill(now)
                wait = self._paused_until - now
                if wait <= 0:
                    if self._level >= amount:
                        self._level -= amount
                        return self._clock() - started
                    wait = (amount - self._level) / (self.rate * self.factor)
                await asyncio.sleep(wait)

    def adjust(self, amount: float) -> None:
        """Charge (positive) or refund (negative) units once the real size is known."""
        self._refill(self._clock())
        self._level = min(self.capacity, self._level - amount)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def slow_down(self) -> None:
        self.factor = max(0.1, self.factor * 0.7)

    def speed_up(self) -> None:
        self.factor = min(1.0, self.factor + 0.1)


class RateLimiter:
    """Requests-per-minute and tokens-per-minute buckets; either may be absent (no limit)."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None = None, *,
                 period: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.requests = TokenBucket(requests_per_minute, period, clock=clock) if requests_per_minute else None
        self.tokens = (TokenBucket(tokens_per_minute, period, burst=tokens_per_minute / 6, clock=clock)
                       if tokens_per_minute else None)
        self.waited = 0.0  # seconds callers spent waiting, for the summary

    @classmethod
    def from_limits(cls, limits: RunLimits) -> RateLimiter:
        return cls(limits.requests_per_minute, limits.tokens_per_minute, period=limits.period)

    async def acquire(self, tokens: int) -> None:
        if self.requests is not None:
            self.waited += await self.requests.acquire(1)
        if self.tokens is not None:
            self.waited += await self.tokens.acquire(tokens)

    def settle(self, reserved: int, used: int) -> None:
        """The request used `used` tokens where `reserved` were taken."""
        if self.tokens is not None:
            self.tokens.adjust(used - reserved)

    def rate_limited(self, retry_after: float | None) -> None:
        for bucket in (self.requests, self.tokens):
            if bucket is not None:
                bucket.slow_down()
                if retry_after:
                    bucket.pause(retry_after)

    def recovered(self) -> None:
        for bucket in (self.requests, self.tokens):
            if bucket is not None:
                bucket.speed_up()


class AdaptiveConcurrency:
    """A semaphore whose size halves on a 429 and grows back by one after `recover_after` successes."""

    def __init__(self, maximum: int, *, recover_after: int = 20):
        self.maximum = maximum
        self.limit = maximum
        self.recover_after = recover_after
        self.in_flight = 0
        self._successes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if not self._waiters and self.in_flight < self.limit:
            self.in_flight += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was granted as we were cancelled: give it back
            else:
                self._waiters.remove(future)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            future = self._waiters.popleft()
            if not future.done():
                self.in_flight += 1
                future.set_result(None)

    def rate_limited(self) -> None:
        self.limit = max(1, self.limit // 2)
        self._successes = 0

    def succeeded(self) -> bool:
        """Count a success; True when the limit stepped back up."""
        self._successes += 1
        if self._successes >= self.recover_after and self.limit < self.maximum:
            self._successes = 0
            self.limit += 1
            self._wake()
            return True
        return False
