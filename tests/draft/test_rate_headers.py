"""What servers say about their rate limits: read when it makes sense, ignored when it does not, and used.

The parsers are pure functions, tested on headers as servers send them and on hostile ones; the
`RateLimiter` runs on the fake clock of test_limits; the runner meets a real server on 127.0.0.1 that
enforces a limit it is not told, with and without rate-limit headers.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medpages.catalog import medicine_from_title
from medpages.draft.limits import RateLimiter, RunLimits
from medpages.draft.providers import RateLimited, get_provider
from medpages.draft.providers.base import raise_for_status
from medpages.draft.providers.rate_limits import (
    MAX_COUNT,
    MAX_SECONDS,
    ServerLimits,
    parse_duration,
    read_server_limits,
    retry_after_seconds,
)
from medpages.draft.runner import make_job, run_drafts

from .fake_llm_server import FakeLLMServer
from .test_limits import FakeTime

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(asyncio, "sleep", fake.sleep)
    return fake


# --------------------------------------------------------------------------- reading headers


@pytest.mark.parametrize("text, seconds", [
    ("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("7.66s", 7.66), ("500us", 0.0005),
    ("0s", 0.0), ("2.5", 2.5), (" 3s ", 3.0),
])
def test_durations_are_read_as_openai_writes_them(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", [
    "", "s", "1x", "-1s", "1s-", "1 s", "one second", "nan", "inf", "-inf", "1e999", "-5", "25h", "99999h",
    "1s1", "1..5s", "ms", "1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m1m", "NaNs",
])
def test_durations_that_make_no_sense_are_none(text):
    assert parse_duration(text) is None


def test_openai_headers_give_the_limits_per_window():
    limits = read_server_limits(httpx.Headers({
        "x-ratelimit-limit-requests": "120", "x-ratelimit-remaining-requests": "117",
        "x-ratelimit-reset-requests": "1.5s", "x-ratelimit-limit-tokens": "40000",
        "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s",
    }), now=NOW)
    assert limits == ServerLimits(requests=120, requests_left=117, requests_reset=1.5, tokens=40000, tokens_left=0,
                                  tokens_reset=360)


def test_anthropic_headers_give_the_limits_with_a_reset_time():
    reset = (NOW + timedelta(seconds=12)).isoformat().replace("+00:00", "Z")
    limits = read_server_limits({
        "anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-requests-reset": reset, "anthropic-ratelimit-tokens-limit": "80000",
        "anthropic-ratelimit-tokens-remaining": "79000", "anthropic-ratelimit-tokens-reset": "soon",
        "retry-after": "4",
    }, now=NOW)
    assert (limits.requests, limits.requests_left, limits.requests_reset) == (50, 49, 12)
    assert (limits.tokens, limits.tokens_left, limits.tokens_reset) == (80000, 79000, None)
    assert limits.retry_after == 4


def test_retry_after_in_milliseconds_seconds_or_a_date():
    assert retry_after_seconds({"Retry-After-Ms": "250", "Retry-After": "1"}) == 0.25
    assert retry_after_seconds({"retry-after": "7"}) == 7
    date = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds({"Retry-After": date}, now=NOW) == 30
    past = format_datetime(NOW - timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds({"Retry-After": past}, now=NOW) == 0  # just past: now


@pytest.mark.parametrize("headers", [
    {"retry-after": "-3"}, {"retry-after": "nan"}, {"retry-after": "inf"}, {"retry-after": "1e12"},
    {"retry-after": "tomorrow"}, {"retry-after": ""}, {"retry-after-ms": "-1"}, {"retry-after-ms": "NaN"},
    {"retry-after": format_datetime(NOW + timedelta(days=400), usegmt=True)},
    {"retry-after": "Mon, 99 Foo 2026 99:99:99 GMT"},
])
def test_retry_after_that_cannot_be_believed_is_ignored(headers):
    assert retry_after_seconds(headers, now=NOW) is None


@pytest.mark.parametrize("value", ["-120", "0", "0.5", "nan", "inf", "1e300", str(int(MAX_COUNT * 10)), "lots", "", "12,13"])
def test_a_hostile_limit_is_as_if_none_was_sent(value):
    limits = read_server_limits({"x-ratelimit-limit-requests": value, "x-ratelimit-remaining-requests": value,
                                 "anthropic-ratelimit-tokens-reset": value}, now=NOW)
    assert limits.requests is None and limits.tokens_reset is None
    assert limits.requests_left == {"0": 0, "0.5": 0.5}.get(value)  # none left is a real answer


def test_more_left_than_the_limit_is_not_believed():
    limits = read_server_limits({"x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "50"})
    assert (limits.requests, limits.requests_left) == (10, None)


def test_gemini_says_when_to_retry_and_its_per_minute_quota_in_the_429_body():
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded", "details": [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "quotaValue": "10"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]}}
    response = httpx.Response(429, json=body, request=httpx.Request("POST", "http://127.0.0.1/x"))
    with pytest.raises(RateLimited) as caught:
        raise_for_status(response, "gemini")
    assert caught.value.retry_after == 37 and caught.value.limits.requests == 10
    assert "Quota exceeded" in str(caught.value)


@pytest.mark.parametrize("body", [
    None, "text", [], {"error": "busy"}, {"error": {"details": "x"}}, {"error": {"details": [1, None, "x"]}},
    {"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": -5}]}},
    {"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "-5s"}]}},
    {"error": {"details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                            "violations": [{"quotaId": "RequestsPerMinute", "quotaValue": "NaN"}, "x"]}]}},
])
def test_a_gemini_body_of_any_shape_is_read_without_a_crash(body):
    limits = read_server_limits({}, body)
    assert limits.retry_after is None and limits.requests is None


_HEADER_NAMES = st.sampled_from([
    "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", "retry-after",
    "retry-after-ms", "anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset"])
_VALUES = st.one_of(st.text(max_size=30), st.floats(allow_nan=True, allow_infinity=True).map(str),
                    st.integers(min_value=-10**30, max_value=10**30).map(str),
                    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()))


@given(st.dictionaries(_HEADER_NAMES, _VALUES, max_size=8))
def test_any_header_values_give_believable_numbers_or_none(headers):
    limits = read_server_limits(headers, now=NOW)
    for name, value in vars(limits).items():
        if value is None:
            continue
        assert math.isfinite(value) and value >= 0, (name, value)
        bound = MAX_SECONDS if name.endswith(("reset", "after")) else MAX_COUNT
        assert value <= bound, (name, value)


# --------------------------------------------------------------------------- the limiter


def test_a_stated_limit_sets_the_pace_and_a_lower_configured_one_wins(fake_time):
    limiter = RateLimiter(None, period=1.0, clock=fake_time.clock)
    assert limiter.requests is None  # nothing configured, nothing said: as fast as the concurrency goes
    limiter.answered(0.0, ServerLimits(requests=120, requests_left=119))
    assert limiter.requests_limit == 120 and limiter.requests.limit == 120
    capped = RateLimiter(60, period=1.0, clock=fake_time.clock)
    capped.answered(0.0, ServerLimits(requests=120))
    assert capped.requests_limit == 60
    capped.answered(0.0, ServerLimits(requests=30))
    assert capped.requests_limit == 30 and capped.requests.limit == 30


def test_none_left_means_waiting_for_one_to_come_back(fake_time):
    async def main():
        limiter = RateLimiter(None, period=1.0, clock=fake_time.clock)
        limiter.answered(0.0, ServerLimits(requests=100, requests_left=0, requests_reset=1.0))
        await limiter.acquire(1)
        return fake_time.now

    # a steady refill brings one back in reset / limit = 10 ms; the bucket's full level is not trusted
    assert asyncio.run(main()) >= 0.01


def test_a_429_teaches_what_the_server_answered_in_the_last_period_once_per_burst(fake_time):
    async def main():
        limiter = RateLimiter(None, period=1.0, min_count=4, clock=fake_time.clock)
        sent = []
        for _ in range(30):
            sent.append(await limiter.acquire(1))
            fake_time.now += 0.02
            limiter.answered(sent[-1])
        assert limiter.requests is None
        first = await limiter.acquire(1)
        second = await limiter.acquire(1)
        assert limiter.rate_limited(first) is True
        assert limiter.rate_limited(second) is False  # the same burst: lowered once
        return limiter

    limiter = asyncio.run(main())
    assert limiter.learnt == 30 and limiter.requests_limit == 30


def test_a_429_before_enough_answers_teaches_nothing(fake_time):
    limiter = RateLimiter(None, period=60.0, min_count=8, clock=fake_time.clock)
    limiter.answered(0.0)
    assert limiter.rate_limited(0.0) is True  # the concurrency halves ...
    assert limiter.requests_limit is None  # ... but one answer says nothing about a pace


def test_the_learnt_limit_grows_back_to_the_stated_one(fake_time):
    async def main():
        limiter = RateLimiter(None, period=1.0, min_count=1, clock=fake_time.clock)
        limiter.answered(0.0, ServerLimits(requests=50))
        for _ in range(40):
            limiter.answered(await limiter.acquire(1))
        fake_time.now += 2.0  # older than a period: the run is not young any more
        for _ in range(40):
            limiter.answered(await limiter.acquire(1))
        limiter.rate_limited(await limiter.acquire(1))
        lowered = limiter.requests_limit
        for _ in range(40):
            limiter.answered(await limiter.acquire(1))
        a_period_later = limiter.requests_limit
        for _ in range(1000):
            limiter.answered(await limiter.acquire(1))
        return lowered, a_period_later, limiter.requests_limit, limiter.learnt

    lowered, a_period_later, grown, learnt = asyncio.run(main())
    assert lowered == 40  # what the server answered in the last period
    assert 40 < a_period_later <= 41.5  # slowly: about one request a period
    assert grown == 50 and learnt is None  # back to what the server states, no higher


# --------------------------------------------------------------------------- the runner, against a real server


def _jobs(count: int, prefix: str):
    return [make_job(medicine_from_title(f"{prefix}{i} 5mg", resolve_names=False)) for i in range(count)]


def _draft(server: FakeLLMServer, jobs, limits: RunLimits):
    provider = get_provider("openai", "fake-model", {"base_url": f"{server.url}/v1", "api_key": "test"}, env={})
    results = []
    summary = asyncio.run(run_drafts(jobs, provider, limits=limits, on_result=results.append))
    return summary, results


def test_the_runner_keeps_to_the_limit_the_headers_state():
    # 20 a second, stated in every answer; the runner is told no limit (`period` is its "minute").
    with FakeLLMServer(limit=20, window=1.0, rate_headers=True) as server:
        summary, results = _draft(server, _jobs(70, "Stated"), RunLimits(concurrency=8, period=1.0,
                                                                         request_timeout=5.0))
        assert len(results) == 70 and summary.drafted == 70, summary.failures
        assert server.rate_limited <= 1  # the first answers' headers come before the window fills
        assert summary.requests_limit == 20
        assert server.max_in_window(1.0) <= 20 + server.rate_limited


@pytest.mark.parametrize("fixed", [False, True], ids=["sliding", "fixed"])
def test_without_headers_the_runner_learns_the_limit_from_429s(fixed):
    # Bare 429s: no Retry-After, no x-ratelimit headers. The first window is found by running into it.
    with FakeLLMServer(limit=20, window=1.0, rate_headers=False, retry_after_header=False,
                       fixed_window=fixed) as server:
        summary, results = _draft(server, _jobs(100, "Unsaid"), RunLimits(
            concurrency=8, period=1.0, request_timeout=5.0, backoff_base=0.05, backoff_max=0.5))
        assert len(results) == 100 and summary.drafted == 100, summary.failures
        assert summary.rate_limited == server.rate_limited
        # Few 429s: the requests in flight when the first window fills, and at most one such burst more
        # (the pace passing the limit once while it grows); not one burst a window.
        assert server.rate_limited <= 2 * 8, server.rate_limited
        assert 14 <= summary.requests_limit <= 30  # found near the limit: neither stuck low nor far above
