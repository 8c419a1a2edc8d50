"""The one small interface every drafting provider implements, and the errors it raises.

A provider turns a `DraftRequest` (messages, the JSON schema, an output limit) into one HTTP call
and a `ProviderResponse`. It raises `RateLimited` for a 429, `ProviderUnavailable` for a 5xx and
`ProviderRejected` for a request the provider refuses (bad key, unknown model); timeouts and
dropped connections surface as httpx's own transport errors. Retries, limits and validation are
the runner's job, never a provider's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import httpx

from medpages.draft.providers.rate_limits import (  # retry_after_seconds: imported from here before
    ServerLimits,
    read_server_limits,
    retry_after_seconds,  # noqa: F401
)
from medpages.errors import MedpagesError

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "refusal", "safety", "other"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class DraftRequest:
    """One call: the conversation so far and the JSON schema the answer must follow."""

    messages: tuple[Message, ...]
    schema: dict[str, Any]  # draft_json_schema(): the provider converts the dialect it needs
    schema_name: str = "medicine_page"
    max_output_tokens: int = 4096
    temperature: float | None = None


@dataclass
class ProviderResponse:
    """What came back. `data` is the parsed JSON object when the text held one, else None."""

    text: str
    data: dict[str, Any] | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    finish_reason: FinishReason = "stop"
    refused: bool = False  # a refusal or safety block: the model would not write this page
    refusal: str | None = None  # the model's or provider's words for why
    status: int = 200
    raw_finish_reason: str | None = None  # as the provider names it (`MAX_TOKENS`, `content_filter`)
    extra: dict[str, Any] = field(default_factory=dict)
    limits: ServerLimits = field(default_factory=ServerLimits)  # what the answer's headers said of the rate limits


@runtime_checkable
class Provider(Protocol):
    """A drafting backend: a name (`openai`, `gemini`), the model it calls, and one request."""

    name: str
    model: str

    async def complete(self, request: DraftRequest, client: httpx.AsyncClient) -> ProviderResponse: ...

    def describe(self) -> str:
        """Where requests go, for the CLI: `gpt-4o-mini at https://api.openai.com/v1`."""
        ...

    # Optional: `what_to_check(problem) -> str`, the advice the runner adds when it stops a run
    # for a problem no retry mends: "connect" (nothing answers at the address), "auth" (401/403:
    # the key) or "not_found" (404: the model or the address). See `what_to_check` below.


ProviderProblem = Literal["connect", "auth", "not_found"]


def what_to_check(provider: Provider, problem: ProviderProblem) -> str:
    """What a publisher should check when `provider` cannot be reached or refuses the run, in its own terms."""
    advise = getattr(provider, "what_to_check", None)
    if advise is not None:
        return advise(problem)
    return {"connect": "is the server running, and is its address right?",
            "auth": "check the API key",
            "not_found": "check the model name and the address"}[problem]


# --------------------------------------------------------------------------- batch APIs

BatchState = Literal["pending", "running", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled"]
BATCH_FINAL_STATES = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True)
class BatchStatus:
    """A provider batch as last polled: the normalised state (the provider's own in `raw_state`) and its counts."""

    id: str
    state: BatchState
    raw_state: str
    total: int | None = None
    answered: int = 0  # requests the provider has finished, well or not
    failed: int = 0  # requests the provider could not answer
    message: str | None = None  # why the batch as a whole failed, in the provider's words
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the provider's batch object, for `output`

    @property
    def finished(self) -> bool:
        return self.state in BATCH_FINAL_STATES


@dataclass
class BatchOutput:
    """A finished batch's lines mapped to their keys: answers, per-line errors, and lines that could not be
    used at all (malformed, an unknown key, a key twice), described for the summary."""

    responses: dict[str, ProviderResponse] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    anomalies: list[str] = field(default_factory=list)


@runtime_checkable
class BatchBackend(Protocol):
    """A provider's batch API: many first requests submitted at once, answered within hours at a lower price.

    `encode` turns one request into the JSON the batch carries (so the caller can size batches),
    `submit` sends encoded requests under a `label` and returns the batch id, `find` looks a label up
    (a batch created just before a crash), `status` polls, `output` reads a finished batch's lines.
    Like a provider it makes HTTP calls and maps failures through `raise_for_status`; it never waits.
    """

    name: str
    model: str
    max_requests: int  # per batch
    max_bytes: int  # encoded requests per batch

    def encode(self, key: str, request: DraftRequest) -> dict[str, Any]: ...

    async def submit(self, encoded: Sequence[dict[str, Any]], client: httpx.AsyncClient, *, label: str) -> str: ...

    async def find(self, label: str, client: httpx.AsyncClient) -> str | None: ...

    async def status(self, batch_id: str, client: httpx.AsyncClient) -> BatchStatus: ...

    async def output(self, status: BatchStatus, client: httpx.AsyncClient) -> BatchOutput: ...

    def describe(self) -> str: ...


# --------------------------------------------------------------------------- errors


class ProviderError(MedpagesError):
    """A provider's answer that is not a response. `status` is the HTTP status, when there was one."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None):
        self.status = status
        super().__init__(message)


class RateLimited(ProviderError):
    """429: too many requests or tokens. `retry_after` in seconds when the provider said; `limits`, all it said."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None,
                 limits: ServerLimits | None = None):
        self.limits = limits or ServerLimits(retry_after=retry_after)
        self.retry_after = retry_after if retry_after is not None else self.limits.retry_after
        super().__init__(message, status=status)


class ProviderUnavailable(ProviderError):
    """5xx or an unreadable answer: worth another try after a pause."""

    retryable = True


class ProviderRejected(ProviderError):
    """The provider refuses the request itself (400, 401, 403, 404). `fatal`: no other job will fare better."""

    def __init__(self, message: str, *, status: int | None = None, fatal: bool = False):
        self.fatal = fatal
        super().__init__(message, status=status)


class ProviderConfigError(MedpagesError):
    """A provider cannot be set up: a missing key, project or base URL."""


def raise_for_status(response: httpx.Response, provider: str) -> None:
    """Turn an HTTP error status into the error the runner acts on, with the provider's own message."""
    status = response.status_code
    if status < 400:
        return
    detail = _error_detail(response)
    if status == 429:
        limits = read_server_limits(response.headers, _json_or_none(response))
        raise RateLimited(f"{provider} is rate limiting (429){detail}", limits=limits)
    if status >= 500 or status == 408:
        raise ProviderUnavailable(f"{provider} answered {status}{detail}", status=status)
    fatal = status in (401, 403, 404)
    hint = {401: " - check the API key", 403: " - the key may not allow this model",
            404: " - check the model name and base URL"}.get(status, "")
    raise ProviderRejected(f"{provider} refused the request ({status}){detail}{hint}", status=status, fatal=fatal)


def server_limits(response: httpx.Response) -> ServerLimits:
    """The rate limits an answer's headers state (see `rate_limits`), for `ProviderResponse.limits`."""
    return read_server_limits(response.headers)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        text = response.text.strip()[:200]
        return f": {text}" if text else ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return f": {str(message)[:300]}" if message else ""


def setting(settings: Mapping[str, Any], env: Mapping[str, str], key: str, *env_names: str) -> str | None:
    """A provider setting: the explicit one (medpages.toml, options), else the first environment variable set."""
    value = settings.get(key)
    if value not in (None, ""):
        return str(value)
    for name in env_names:
        if env.get(name):
            return env[name]
    return None


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a model's text: all of it, a fenced block, or the outermost braces."""
    text = text.strip()
    candidates = [text]
    candidates += [block.strip() for block in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None
