"""What a provider says about its rate limits: OpenAI's `x-ratelimit-*`, Anthropic's `anthropic-ratelimit-*`,
`retry-after(-ms)` and Gemini's `RetryInfo`, read into one `ServerLimits` the runner paces itself by.

Servers are not trusted: a value that does not parse, is negative, not finite, or beyond any real limit
(`MAX_COUNT`, `MAX_SECONDS`) is ignored as if it had not been sent, never raised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

MAX_COUNT = 1e9  # requests or tokens a window could plausibly allow
MAX_SECONDS = 86400.0  # a wait or a reset further away than a day is not believed

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


@dataclass(frozen=True)
class ServerLimits:
    """A provider's word on its limits in one answer. Counts are per window (a minute for OpenAI and
    Anthropic); `*_reset` is seconds until the count is whole again; None: not said (or not believable)."""

    requests: float | None = None
    requests_left: float | None = None
    requests_reset: float | None = None
    tokens: float | None = None
    tokens_left: float | None = None
    tokens_reset: float | None = None
    retry_after: float | None = None

    def __bool__(self) -> bool:
        return any(value is not None for value in vars(self).values())


def read_server_limits(headers: Mapping[str, str], body: Any = None, *, now: datetime | None = None) -> ServerLimits:
    """The limits stated in an answer's headers (and, for a 429, Gemini's `RetryInfo` in its JSON `body`)."""
    headers = {str(key).lower(): value for key, value in headers.items()}
    now = now or datetime.now(UTC)
    values: dict[str, float | None] = {}
    for kind in ("requests", "tokens"):
        limit = _count(headers.get(f"x-ratelimit-limit-{kind}")) or _count(headers.get(f"anthropic-ratelimit-{kind}-limit"))
        left = _count(headers.get(f"x-ratelimit-remaining-{kind}"), allow_zero=True)
        if left is None:
            left = _count(headers.get(f"anthropic-ratelimit-{kind}-remaining"), allow_zero=True)
        if left is not None and limit is not None and left > limit:
            left = None  # more left than the limit: one of the two is wrong, and we cannot tell which
        reset = parse_duration(headers.get(f"x-ratelimit-reset-{kind}"))
        if reset is None:
            reset = _moment(headers.get(f"anthropic-ratelimit-{kind}-reset"), now)
        values.update({kind: limit, f"{kind}_left": left, f"{kind}_reset": reset})
    retry_after = retry_after_seconds(headers, now=now)
    if retry_after is None and body is not None:
        retry_after = _gemini_retry_delay(body)
    if values["requests"] is None and body is not None:
        values["requests"] = _gemini_requests_per_minute(body)
    return ServerLimits(**values, retry_after=retry_after)


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: `retry-after-ms` (OpenAI, Azure), else a number of seconds or an HTTP date
    (RFC 9110 §10.2.3). A date just past means now; anything unbelievable is None."""
    headers = {str(key).lower(): value for key, value in headers.items()}
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None and 0 <= millis / 1000 <= MAX_SECONDS:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds if 0 <= seconds <= MAX_SECONDS else None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _until(when, now or datetime.now(UTC))


def parse_duration(text: str | None) -> float | None:
    """A Go-style duration as OpenAI sends it (`1s`, `6m0s`, `20ms`, `1h2m3.5s`), or plain seconds; None
    for anything else, negative or beyond a day."""
    if text is None:
        return None
    text = text.strip()
    plain = _number(text)
    if plain is not None:
        return plain if 0 <= plain <= MAX_SECONDS else None
    if not text or len(text) > 40:
        return None
    position, seconds = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(text):
        return None
    return seconds if seconds <= MAX_SECONDS else None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except (ValueError, AttributeError):
        return None
    return value if math.isfinite(value) else None


def _count(text: str | None, *, allow_zero: bool = False) -> float | None:
    """A count of requests or tokens: a limit is at least one (less would stall a run), what is left may be 0."""
    value = _number(text)
    if value is None or value > MAX_COUNT or value < 0 or (value < 1 and not allow_zero):
        return None
    return value


def _moment(text: str | None, now: datetime) -> float | None:
    """An RFC 3339 time (Anthropic's resets) as seconds from now."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return _until(when, now)


def _until(when: datetime, now: datetime) -> float | None:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        seconds = (when - now).total_seconds()
    except OverflowError:
        return None
    if seconds < -MAX_SECONDS or seconds > MAX_SECONDS:
        return None  # a clock or a header far off: not something to wait for
    return max(0.0, seconds)


def _gemini_details(body: Any) -> list[dict]:
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    return [detail for detail in details if isinstance(detail, dict)] if isinstance(details, list) else []


def _gemini_retry_delay(body: Any) -> float | None:
    """`google.rpc.RetryInfo.retryDelay` ("37s", a protobuf Duration in JSON) in a 429's body."""
    for detail in _gemini_details(body):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = detail.get("retryDelay")
            if isinstance(delay, str) and delay.strip().endswith("s"):
                return parse_duration(delay)
    return None


def _gemini_requests_per_minute(body: Any) -> float | None:
    """The per-minute request quota a Gemini 429 names (`QuotaFailure` with a `...RequestsPerMinute...` id)."""
    for detail in _gemini_details(body):
        if not str(detail.get("@type", "")).endswith("google.rpc.QuotaFailure"):
            continue
        for violation in detail.get("violations") or []:
            if not isinstance(violation, dict):
                continue
            quota = str(violation.get("quotaId", "")) + str(violation.get("quotaMetric", ""))
            if "requestsperminute" in quota.lower().replace("_", ""):
                value = _count(str(violation.get("quotaValue", "")))
                if value is not None:
                    return value
    return None
