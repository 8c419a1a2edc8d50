"""How fast drafting may go: the run's limits, token buckets for requests and tokens per minute, adaptive concurrency.

`RateLimiter` guarantees that no window of `period` seconds holds more than its limit of requests
(or tokens): a bucket with a small burst refilled at `(limit - burst - 1) / period`. The limit is
the lowest of the one configured, the one the server states in its rate-limit headers, and the one
its 429s show (learnt AIMD-style, without headers). A 429 pauses every caller until its
Retry-After and halves the concurrency, which grows back step by step after successes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from medpages.draft.providers.rate_limits import ServerLimits
from medpages.errors import InputError


@dataclass(frozen=True)
class RunLimits:
    """The knobs of a drafting run. Per-minute limits count over `period` seconds (tests use 1 s)."""

    concurrency: int = 8
    requests_per_minute: float | None = None  # None: as the server states, or as its 429s show
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
    """At most `limit` units in any `period`-second window, and at most `burst` at once. `retune` changes the
    limit mid-run (what the server says it allows), keeping what has been taken."""

    def __init__(self, limit: float, period: float = 60.0, *, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.period = float(period)
        # A sixtieth of the limit at once by default (a second's worth of a per-minute limit): a
        # burst of a full minute would let a provider counting over a sliding window see twice it.
        self._burst_share = burst / limit if burst is not None else None
        self._clock = clock
        self._updated = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._size(limit)
        self._level = self.capacity

    def _size(self, limit: float) -> None:
        self.limit = float(limit)
        burst = self.limit * self._burst_share if self._burst_share is not None else max(1.0, self.limit / 60.0)
        self.capacity = max(1.0, min(burst, self.limit))
        # One unit of margin: a request reaches the server a moment after it leaves the bucket.
        headroom = self.limit - self.capacity - (1.0 if self.limit >= self.capacity + 2 else 0.0)
        self.rate = max(headroom, min(1.0, self.limit)) / self.period

    def retune(self, limit: float) -> None:
        if limit != self.limit:
            self._refill(self._clock())
            self._size(limit)
            self._level = min(self._level, self.capacity)

    def _refill(self, now: float) -> None:
        self._level = min(self.capacity, self._level + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self, amount: float = 1.0) -> float:
        """Wait until `amount` units are free and take them; returns the seconds waited."""
        started = self._clock()
        async with self._lock:  # FIFO: callers are served in the order they asked
            while True:
                now = self._clock()
                self._refill(now)
                wait = self._paused_until - now
                if wait <= 0:
                    wanted = min(float(amount), self.capacity)  # bigger than the bucket: still goes, alone
                    if self._level >= wanted:
                        self._level -= wanted
                        return self._clock() - started
                    wait = (wanted - self._level) / self.rate
                await asyncio.sleep(wait)

    def adjust(self, amount: float) -> None:
        """Charge (positive) or refund (negative) units once the real size is known."""
        self._refill(self._clock())
        self._level = min(self.capacity, self._level - amount)

    def at_most(self, left: float) -> None:
        """The server says only `left` units are free: never count on more than that."""
        self._refill(self._clock())
        self._level = min(self._level, left)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class RateLimiter:
    """The pace of a run: requests and tokens per `period`, kept just under the lowest of the configured
    limits, the limits the server states (`ServerLimits`, from its rate-limit headers) and, once a 429
    shows the server allows less, the requests it answered in the last period.

    That learnt limit is AIMD: each new 429 (from a request sent after the last one lowered it) sets it to
    what the server answered in the period before, and each answer raises it again: by one request while
    below where the last 429 came (doubling the pace each period), then by one request a period. With no
    limit configured, stated or learnt, requests go as fast as the concurrency lets them.
    """

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None = None, *,
                 period: float = 60.0, min_count: int = 1, clock: Callable[[], float] = time.monotonic):
        self.period = float(period)
        self.min_count = min_count  # answers in a young run's first period before a 429 teaches a pace
        self._clock = clock
        self.configured = (requests_per_minute or None, tokens_per_minute or None)
        self.stated: tuple[float | None, float | None] = (None, None)  # requests, tokens
        self.learnt: float | None = None  # requests per period the 429s show
        self._ceiling = 0.0  # the pace the last 429 came at: above it, the learnt limit grows slowly
        self._lowered_at = -math.inf
        self._sent: deque[float] = deque()  # when requests went, within the last period
        self._answered: deque[float] = deque()  # when answers (not 429s) came, within the last period
        self._first_sent: float | None = None
        self.requests = TokenBucket(requests_per_minute, period, clock=clock) if requests_per_minute else None
        self.tokens = (TokenBucket(tokens_per_minute, period, burst=tokens_per_minute / 6, clock=clock)
                       if tokens_per_minute else None)
        self.waited = 0.0  # seconds callers spent waiting, for the summary

    @classmethod
    def from_limits(cls, limits: RunLimits) -> RateLimiter:
        return cls(limits.requests_per_minute, limits.tokens_per_minute, period=limits.period,
                   min_count=limits.concurrency)

    @property
    def requests_limit(self) -> float | None:
        """The requests per period the run keeps under now (None: no limit known)."""
        return _lowest(self.configured[0], self.stated[0], self.learnt)

    async def acquire(self, tokens: int) -> float:
        """Wait for a request's turn; returns when it went (for `answered` and `rate_limited`)."""
        if self.requests is not None:
            self.waited += await self.requests.acquire(1)
        if self.tokens is not None:
            self.waited += await self.tokens.acquire(tokens)
        now = self._clock()
        if self._first_sent is None:
            self._first_sent = now
        self._sent.append(now)
        self._forget(self._sent, now)
        return now

    def settle(self, reserved: int, used: int) -> None:
        """The request used `used` tokens where `reserved` were taken."""
        if self.tokens is not None:
            self.tokens.adjust(used - reserved)

    def answered(self, sent_at: float, limits: ServerLimits | None = None) -> None:
        """A request sent at `sent_at` was answered (not a 429), with what the server said of its limits."""
        now = self._clock()
        self._answered.append(now)
        self._forget(self._answered, now)
        if limits:
            self._heed(limits)
        if self.learnt is not None and sent_at >= self._lowered_at and len(self._answered) >= self.learnt / 2:
            self.learnt += 1.0 if self.learnt < self._ceiling else 1.0 / self.learnt
            cap = _lowest(self.configured[0], self.stated[0])
            if cap is not None and self.learnt >= cap:
                self.learnt = None  # back up to the limit configured or stated
            self._retune_requests(self._sent)

    def rate_limited(self, sent_at: float, limits: ServerLimits | None = None) -> bool:
        """A 429 for the request sent at `sent_at`: every caller pauses for its Retry-After, and unless an
        earlier 429 of the same burst did already, the learnt limit comes down. True when it did."""
        if limits:
            self._heed(limits)
            if limits.retry_after:
                for bucket in (self.requests, self.tokens):
                    if bucket is not None:
                        bucket.pause(limits.retry_after)
        if sent_at <= self._lowered_at:
            return False  # sent before the pace came down: the same burst, not news
        now = self._clock()
        self._lowered_at = now
        self._forget(self._answered, now)
        answered = float(len(self._answered))
        # A run younger than a period has not seen a whole window: its count is where the pace starts, not
        # where it must stay (it doubles per period until the next 429); and a count smaller than the
        # requests in flight at once says nothing of a pace: halving the concurrency is the answer then.
        young = self._first_sent is None or now - self._first_sent < self.period
        if young and answered < self.min_count:
            return True
        current = self.requests_limit
        target = answered if current is None else min(answered, current * 0.97)
        self.learnt = max(1.0, target)
        self._ceiling = math.inf if young else max(answered, self.learnt)
        had_bucket = self.requests is not None
        self._retune_requests(self._answered)  # a server counts the requests it answered, not those it refused
        if had_bucket and self.requests is not None:
            # The server's window is full now: nothing more until the oldest answer in it is a period old.
            self.requests.at_most(0)
            if self._answered and not (limits and limits.retry_after):
                self.requests.pause(self._answered[0] + self.period - now)
        return True

    def _heed(self, limits: ServerLimits) -> None:
        requests, tokens = self.stated
        self.stated = (limits.requests or requests, limits.tokens or tokens)
        if self.learnt is not None and self.stated[0] is not None and self.learnt >= self.stated[0]:
            self.learnt = None
        self._retune_requests(self._sent)
        if self.stated[1] is not None:
            limit = _lowest(self.configured[1], self.stated[1])
            if self.tokens is None:
                self.tokens = TokenBucket(limit, self.period, burst=limit / 6, clock=self._clock)
            else:
                self.tokens.retune(limit)
        for bucket, left, reset, stated in ((self.requests, limits.requests_left, limits.requests_reset, limits.requests),
                                            (self.tokens, limits.tokens_left, limits.tokens_reset, limits.tokens)):
            if bucket is None or left is None:
                continue
            bucket.at_most(left)
            if left < 1 and reset:
                # Nothing left: wait for one unit to come back (a steady refill brings one in reset / limit).
                bucket.pause(min(reset, self.period) / max(1.0, stated or 1.0))

    def _retune_requests(self, counted: deque[float]) -> None:
        limit = self.requests_limit
        if limit is None:
            return
        if self.requests is not None:
            self.requests.retune(limit)
            return
        # A first limit mid-run: charge what the server `counted` in the last period, less what a bucket
        # would have refilled since the first of them, so its window is not overrun at once.
        now = self._clock()
        self._forget(counted, now)
        self.requests = TokenBucket(limit, self.period, clock=self._clock)
        if counted:
            self.requests.adjust(len(counted) - (now - counted[0]) * self.requests.rate)

    def _forget(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.period:
            times.popleft()


def _lowest(*limits: float | None) -> float | None:
    known = [limit for limit in limits if limit is not None]
    return min(known) if known else None


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
