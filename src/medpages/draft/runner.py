"""The drafting runner: many pages through one provider, within limits, each ending drafted or failed with a reason.

It knows nothing about any provider: it sends `DraftRequest`s through `Provider.complete`, keeps
to the run's concurrency and per-minute limits and to those the server states or its 429s show
(`limits.RateLimiter`), waits out 429s (Retry-After, seconds or date),
retries 5xx, timeouts and dropped connections with exponential backoff and jitter, validates
every answer against `DraftedPage` (one repair round that shows the model its errors), and
hands each result to `on_result` the moment it is known, so the caller can store it: a rerun
skips what is stored, which is the resume after a crash. Identical reruns are answered by the
response cache. Cancelling (Ctrl-C in `draft_all`) stops at once and keeps everything completed;
jobs interrupted in flight are reported failed as "cancelled".
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import httpx
from pydantic import ValidationError

from medpages.draft.cache import ResponseCache, cache_key
from medpages.draft.limits import AdaptiveConcurrency, RateLimiter, RunLimits
from medpages.draft.pricing import PriceTable
from medpages.draft.prompting import PromptTemplate, RenderedPrompt, render_page_prompt
from medpages.draft.providers.base import (
    DraftRequest,
    Message,
    Provider,
    ProviderError,
    ProviderProblem,
    ProviderRejected,
    ProviderResponse,
    ProviderUnavailable,
    RateLimited,
    extract_json_object,
    what_to_check,
)
from medpages.draft.schema import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    DraftedPage,
    draft_json_schema,
    page_from_draft,
    validation_problems,
)
from medpages.model import Medicine, Page
from medpages.model.facts import LabelFacts

__all__ = [
    "AnswerVerdict", "DraftJob", "DraftResult", "RunEstimate", "RunLimits", "RunProgress", "RunSummary", "draft_all",
    "estimate_run", "first_request", "judge_answer", "make_job", "page_for", "repetition_loop", "run_drafts",
    "unusable_reason",
]

CHARS_PER_TOKEN = 4
REPAIR_PROMPT = (
    "Your answer does not match the required JSON schema. Problems: {problems}\n"
    "Reply again with the complete corrected JSON object only, following the schema exactly."
)
_Result = TypeVar("_Result")
CANCELLED = "cancelled before it finished; a rerun will draft it"
NOT_ATTEMPTED = "not attempted"  # the run was stopped (the provider cannot be reached, or refuses the key)


@dataclass(frozen=True)
class DraftJob:
    """One page to draft: the medicine, its label facts (or None) and the rendered prompt."""

    medicine: Medicine
    facts: LabelFacts | None
    prompt: RenderedPrompt

    @property
    def id(self) -> str:
        return self.medicine.slug


def make_job(medicine: Medicine, facts: LabelFacts | None = None, *, template: PromptTemplate | None = None,
             prompts_dir: Path | str | None = None) -> DraftJob:
    return DraftJob(medicine, facts, render_page_prompt(medicine, facts, template=template, prompts_dir=prompts_dir))


@dataclass
class DraftResult:
    job: DraftJob
    status: Literal["drafted", "failed"]
    page: Page | None = None
    reason: str | None = None  # why it failed, in words a publisher understands
    attempts: int = 0  # requests sent for this page (0: answered from the cache)
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = 0.0  # USD; None when the model has no known price
    cached: bool = False
    repaired: bool = False  # the first answer broke the schema and the repair fixed it
    seconds: float = 0.0
    provider: str = ""
    model: str = ""
    prompt_version: str = ""


@dataclass(frozen=True)
class RunProgress:
    done: int
    drafted: int
    failed: int
    cached: int
    total: int | None
    elapsed: float
    pages_per_minute: float
    eta_seconds: float | None
    cost: float
    cost_known: bool
    input_tokens: int
    output_tokens: int
    rate_limited: int
    concurrency: int


@dataclass
class RunSummary:
    provider: str
    model: str
    drafted: int = 0
    failed: int = 0
    cached: int = 0
    requests: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429s received
    repaired: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    cost_known: bool = True  # False: some model had no price, `cost` counts only the priced ones
    elapsed: float = 0.0
    cancelled: bool = False
    stopped_reason: str | None = None  # the provider refused the run itself (bad key, unknown model)
    failures: Counter = field(default_factory=Counter)  # reason -> pages
    requests_limit: float | None = None  # requests per period kept under at the end: configured, stated or learnt

    @property
    def done(self) -> int:
        return self.drafted + self.failed

    def count(self, result: DraftResult) -> None:
        """Add one job's result to the totals (a cached answer costs nothing)."""
        if result.status == "drafted":
            self.drafted += 1
        else:
            self.failed += 1
            self.failures[result.reason or "unknown"] += 1
        self.cached += result.cached
        self.repaired += result.repaired
        if not result.cached:
            self.input_tokens += result.input_tokens
            self.output_tokens += result.output_tokens
            if result.cost is None:
                self.cost_known = False
            else:
                self.cost += result.cost


@dataclass(frozen=True)
class RunEstimate:
    pages: int
    input_tokens: int
    output_tokens: int
    cost: float | None
    minutes: float | None  # at the run's limits, None without any


class _JobFailed(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class _Attempts:
    def __init__(self):
        self.requests = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.repaired = False


def repetition_loop(text: str, *, times: int = 6, min_chars: int = 20) -> str | None:
    """A sentence repeated `times` or more (a model stuck in a loop), or None."""
    counts: Counter[str] = Counter()
    for piece in re.split(r"(?<=[.!?])\s+|\n+|\"\s*[,:]\s*\"", text):
        sentence = " ".join(piece.split()).strip(' "{}[],:').lower()
        if len(sentence) >= min_chars:
            counts[sentence] += 1
    if counts:
        sentence, count = counts.most_common(1)[0]
        if count >= times:
            return f"the same sentence {count} times (\"{sentence[:60]}\")"
    raw = text.encode("utf-8")
    if len(raw) > 3000 and len(raw) / len(zlib.compress(raw, 1)) > 12:
        return "text that repeats itself over and over"
    return None


def first_request(job: DraftJob, max_output_tokens: int, schema: dict | None = None) -> DraftRequest:
    """The first request for a job: its system and user prompt and the page schema (`openai` dialect)."""
    return DraftRequest(messages=(Message("system", job.prompt.system), Message("user", job.prompt.user)),
                        schema=schema if schema is not None else draft_json_schema("openai"), schema_name=SCHEMA_NAME,
                        max_output_tokens=max_output_tokens)


def unusable_reason(response: ProviderResponse, max_output_tokens: int) -> str | None:
    """Why an answer cannot be used and a repair would not help (refusal, safety block, truncated, empty,
    repetition loop), or None."""
    if response.refused:
        kind = "blocked by the provider's safety filters" if response.finish_reason == "safety" else "the model refused"
        return f"{kind}: {response.refusal or response.raw_finish_reason or 'no reason given'}"
    if response.finish_reason == "length":
        return (f"truncated: the answer was cut off at the output limit "
                f"({max_output_tokens} tokens), so its JSON is incomplete")
    if not response.text.strip():
        return f"the model returned empty content (finish reason: {response.raw_finish_reason or 'none'})"
    loop = repetition_loop(response.text)
    if loop:
        return f"the answer is a repetition loop: {loop}"
    return None


@dataclass(frozen=True)
class AnswerVerdict:
    """One answer judged: `drafted` when it is a valid page; else `unusable` (no repair helps) or `problems`
    (it breaks the schema: a repair round may fix it)."""

    drafted: DraftedPage | None = None
    unusable: str | None = None
    problems: str | None = None


def judge_answer(response: ProviderResponse, max_output_tokens: int) -> AnswerVerdict:
    """The checks every answer goes through, interactive or batch: unusable answers first, then the JSON
    object (structured output, else found in the text) validated against `DraftedPage`."""
    unusable = unusable_reason(response, max_output_tokens)
    if unusable:
        return AnswerVerdict(unusable=unusable)
    data = response.data if response.data is not None else extract_json_object(response.text)
    if data is None:
        return AnswerVerdict(problems="the answer is not a complete JSON object (it may be cut off or malformed)"
                             if response.text.lstrip().startswith(("{", "```")) else "the answer is not a JSON object")
    try:
        return AnswerVerdict(drafted=DraftedPage.model_validate(data))
    except ValidationError as error:
        return AnswerVerdict(problems=validation_problems(error))


def page_for(job: DraftJob, drafted: DraftedPage, model: str) -> Page:
    """The page (status draft, model provenance) built from a valid answer."""
    return page_from_draft(job.medicine, drafted, model=model, prompt_version=job.prompt.version, facts=job.facts)


def _address(provider: Provider) -> str:
    return getattr(provider, "base_url", None) or provider.describe()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return "no answer within the time limit"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was dropped before an answer"
    if isinstance(exc, httpx.TransportError):
        return f"the connection failed ({type(exc).__name__}: {exc})" if str(exc) else f"the connection failed ({type(exc).__name__})"
    return str(exc)


class _Run:
    def __init__(self, provider: Provider, limits: RunLimits, cache: ResponseCache | None, pricing: PriceTable,
                 on_result: Callable[[DraftResult], None] | None, on_progress: Callable[[RunProgress], None] | None,
                 total: int | None, client: httpx.AsyncClient):
        self.provider = provider
        self.limits = limits
        self.cache = cache
        self.pricing = pricing
        self.on_result = on_result
        self.on_progress = on_progress
        self.total = total
        self.client = client
        self.schema = draft_json_schema("openai")
        self.schema_chars = len(json.dumps(self.schema))
        self.limiter = RateLimiter.from_limits(limits)
        self.concurrency = AdaptiveConcurrency(limits.concurrency, recover_after=limits.recover_after)
        self.summary = RunSummary(provider=provider.name, model=provider.model)
        self.started = time.monotonic()
        self.stop: asyncio.Event | None = None
        self.connected = False  # the provider has answered once: later connection failures may pass

    # ------------------------------------------------------------------ jobs

    async def work(self, jobs: Iterator[DraftJob]) -> None:
        for job in jobs:
            if self.stop is not None and self.stop.is_set():
                return  # this job was not started: the next run drafts it
            if self.summary.stopped_reason:
                self.deliver(DraftResult(job, "failed", reason=f"{NOT_ATTEMPTED}: {self.summary.stopped_reason}",
                                         provider=self.provider.name, model=self.provider.model,
                                         prompt_version=job.prompt.version))
                continue
            started = time.monotonic()
            attempts = _Attempts()
            try:
                result = await self.draft(job, attempts)
            except _JobFailed as failure:
                result = self.result(job, attempts, "failed", reason=failure.reason)
            except asyncio.CancelledError:
                self.deliver(self.result(job, attempts, "failed", reason=CANCELLED, started=started))
                raise
            result.seconds = time.monotonic() - started
            self.deliver(result)

    def result(self, job: DraftJob, attempts: _Attempts, status: Literal["drafted", "failed"], *,
               page: Page | None = None, reason: str | None = None, cached: bool = False,
               started: float | None = None) -> DraftResult:
        cost = self.pricing.cost(self.provider.model, attempts.input_tokens, attempts.output_tokens)
        return DraftResult(
            job, status, page=page, reason=reason, attempts=attempts.requests, input_tokens=attempts.input_tokens,
            output_tokens=attempts.output_tokens, cost=0.0 if cached else cost, cached=cached,
            repaired=attempts.repaired, provider=self.provider.name, model=self.provider.model,
            prompt_version=job.prompt.version, seconds=time.monotonic() - started if started else 0.0)

    def deliver(self, result: DraftResult) -> None:
        summary = self.summary
        summary.count(result)
        if self.on_result is not None:
            self.on_result(result)
        if self.on_progress is not None:
            self.on_progress(self.progress())

    def progress(self) -> RunProgress:
        s = self.summary
        elapsed = time.monotonic() - self.started
        rate = s.done / elapsed * 60 if elapsed > 0 else 0.0
        eta = (self.total - s.done) / (rate / 60) if self.total is not None and rate > 0 else None
        return RunProgress(done=s.done, drafted=s.drafted, failed=s.failed, cached=s.cached, total=self.total,
                           elapsed=elapsed, pages_per_minute=rate, eta_seconds=eta, cost=s.cost,
                           cost_known=s.cost_known, input_tokens=s.input_tokens, output_tokens=s.output_tokens,
                           rate_limited=s.rate_limited, concurrency=self.concurrency.limit)

    # ------------------------------------------------------------------ one page

    def cache_key(self, job: DraftJob) -> str:
        return cache_key(self.provider.name, self.provider.model, job.prompt.fingerprint, SCHEMA_VERSION)

    async def draft(self, job: DraftJob, attempts: _Attempts) -> DraftResult:
        key = self.cache_key(job) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                try:
                    drafted = DraftedPage.model_validate_json(hit.text)
                except ValidationError:
                    pass  # stored by an older schema: draft again
                else:
                    attempts.input_tokens, attempts.output_tokens = hit.input_tokens, hit.output_tokens
                    return self.result(job, attempts, "drafted", page=self.page(job, drafted), cached=True)
        messages = list(first_request(job, self.limits.max_output_tokens, self.schema).messages)
        while True:
            request = DraftRequest(messages=tuple(messages), schema=self.schema, schema_name=SCHEMA_NAME,
                                   max_output_tokens=self.limits.max_output_tokens)
            response = await self.exchange(request, attempts)
            verdict = judge_answer(response, self.limits.max_output_tokens)
            if verdict.unusable:
                raise _JobFailed(verdict.unusable)
            if verdict.drafted is not None:
                drafted = verdict.drafted
                if self.cache is not None:
                    self.cache.put(key, provider=self.provider.name, model=self.provider.model,
                                   prompt_version=job.prompt.version, text=drafted.model_dump_json(),
                                   input_tokens=attempts.input_tokens, output_tokens=attempts.output_tokens)
                return self.result(job, attempts, "drafted", page=self.page(job, drafted))
            problems = verdict.problems
            if attempts.repaired:
                raise _JobFailed(f"the answer still does not match the page schema after one repair: {problems}")
            attempts.repaired = True
            messages += [Message("assistant", response.text[:20000]),
                         Message("user", REPAIR_PROMPT.format(problems=problems))]

    def page(self, job: DraftJob, drafted: DraftedPage) -> Page:
        return page_for(job, drafted, self.provider.model)

    # ------------------------------------------------------------------ one request, with retries

    def backoff(self, attempt: int) -> float:
        delay = min(self.limits.backoff_max, self.limits.backoff_base * 2 ** (attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)

    async def exchange(self, request: DraftRequest, attempts: _Attempts) -> ProviderResponse:
        reserve = (sum(len(m.content) for m in request.messages) + self.schema_chars) // CHARS_PER_TOKEN \
            + self.limits.expected_output_tokens
        failures = 0
        waits = 0
        while True:
            if self.summary.stopped_reason:  # another request found the provider unreachable, or the key refused
                raise _JobFailed(f"{NOT_ATTEMPTED}: {self.summary.stopped_reason}")
            try:
                response = await self.send(request, reserve, attempts)
            except RateLimited as exc:
                self.connected = True
                waits += 1
                self.summary.rate_limited += 1
                if waits > self.limits.max_rate_limit_waits:
                    raise _JobFailed(f"still rate limited after {waits} tries: {exc}") from exc
                delay = exc.retry_after if exc.retry_after is not None else self.backoff(waits)
                await asyncio.sleep(delay + random.uniform(0, 0.05 + delay * 0.1))
                self.summary.retries += 1
                continue
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if not self.connected:
                    # The first requests cannot connect: nothing listens there, or the address is wrong.
                    # Five tries per medicine would only make the publisher wait longer to be told.
                    reason = f"cannot connect to {self.provider.name} at {_address(self.provider)} ({_describe(exc)})"
                    if not self.stop_run(reason, "connect"):  # a request in flight when another one stopped the run
                        raise _JobFailed(f"{NOT_ATTEMPTED}: {self.summary.stopped_reason}") from exc
                    raise _JobFailed(reason) from exc
                failures = await self.retry_after_failure(exc, failures)
                continue
            except (ProviderUnavailable, TimeoutError, httpx.TransportError) as exc:
                self.connected = self.connected or isinstance(exc, ProviderUnavailable)
                failures = await self.retry_after_failure(exc, failures)
                continue
            except ProviderRejected as exc:
                self.connected = True
                if exc.fatal:
                    problem = "auth" if exc.status in (401, 403) else "not_found"
                    self.stop_run(f"{exc} ({_address(self.provider)})", problem)
                raise _JobFailed(str(exc)) from exc
            self.connected = True
            self.concurrency.succeeded()
            return response

    async def retry_after_failure(self, exc: BaseException, failures: int) -> int:
        """A failure that may pass (5xx, a timeout, a dropped connection): wait and count, or give up."""
        failures += 1
        if failures >= self.limits.max_attempts:
            raise _JobFailed(f"gave up after {failures} attempts: {_describe(exc)}") from exc
        await asyncio.sleep(self.backoff(failures))
        self.summary.retries += 1
        return failures

    def stop_run(self, reason: str, problem: ProviderProblem) -> bool:
        """Stop the run for a problem no retry will mend, saying what to check (the provider knows what).
        False when the run was stopped already."""
        if self.summary.stopped_reason:
            return False
        advice = what_to_check(self.provider, problem)
        self.summary.stopped_reason = f"{reason}: {advice}" if advice else reason
        return True

    async def send(self, request: DraftRequest, reserve: int, attempts: _Attempts) -> ProviderResponse:
        await self.concurrency.acquire()
        try:
            sent_at = await self.limiter.acquire(reserve)
            attempts.requests += 1
            self.summary.requests += 1
            try:
                async with asyncio.timeout(self.limits.request_timeout):
                    response = await self.provider.complete(request, self.client)
            except RateLimited as exc:
                # The first 429 of a burst lowers the pace and the concurrency; the rest of it only wait.
                if self.limiter.rate_limited(sent_at, exc.limits):
                    self.concurrency.rate_limited()
                raise
            except ProviderError:
                self.limiter.answered(sent_at)  # an answer all the same, which the server's window counts
                raise
        finally:
            self.concurrency.release()
        self.limiter.answered(sent_at, getattr(response, "limits", None))
        attempts.input_tokens += response.input_tokens
        attempts.output_tokens += response.output_tokens
        self.limiter.settle(reserve, response.input_tokens + response.output_tokens)
        return response


async def run_drafts(
    jobs: Iterable[DraftJob],
    provider: Provider,
    *,
    limits: RunLimits = RunLimits(),
    cache: ResponseCache | None = None,
    on_result: Callable[[DraftResult], None] | None = None,
    on_progress: Callable[[RunProgress], None] | None = None,
    pricing: PriceTable | None = None,
    total: int | None = None,
    stop: asyncio.Event | None = None,
    client: httpx.AsyncClient | None = None,
) -> RunSummary:
    """Draft every job; each ends in exactly one `on_result` call, drafted or failed with a reason.

    `stop`, when set, ends the run at once: finished results are kept, jobs in flight are
    reported failed as cancelled, jobs not started are left for the next run. Cancelling the
    task does the same and then re-raises. `total` (default: len(jobs) when it has one) feeds
    the progress ETA. `client` lets a caller share an httpx.AsyncClient.
    """
    if total is None and isinstance(jobs, Sized):
        total = len(jobs)
    own_client = client is None
    if client is None:
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(limits.request_timeout, connect=min(30.0, limits.request_timeout)),
            limits=httpx.Limits(max_connections=limits.concurrency + 4, max_keepalive_connections=limits.concurrency + 4),
        )
    run = _Run(provider, limits, cache, pricing or PriceTable(), on_result, on_progress, total, client)
    run.stop = stop
    iterator = iter(jobs)
    workers = [asyncio.create_task(run.work(iterator)) for _ in range(limits.concurrency)]
    watcher = asyncio.create_task(stop.wait()) if stop is not None else None
    try:
        pending = set(workers)
        while pending:
            waiting = pending | ({watcher} if watcher is not None else set())
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if watcher is not None and watcher in done:
                run.summary.cancelled = True
                watcher = None
                for task in pending:
                    task.cancel()
            for task in done & pending:
                pending.discard(task)
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # on_result failed (the caller's store): stop, do not lose more
    except BaseException:
        run.summary.cancelled = True
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        if watcher is not None:
            watcher.cancel()
        run.summary.elapsed = time.monotonic() - run.started
        run.summary.requests_limit = run.limiter.requests_limit
        if own_client:
            await client.aclose()
    return run.summary


def draft_all(jobs: Iterable[DraftJob], provider: Provider, **options) -> RunSummary:
    """`run_drafts` for synchronous callers. Ctrl-C stops the run cleanly and returns its summary (cancelled)."""
    return run_until_interrupted(lambda stop: run_drafts(jobs, provider, stop=stop, **options))


def run_until_interrupted(start: Callable[[asyncio.Event], Awaitable[_Result]]) -> _Result:
    """Run `start(stop)` in a new event loop, with Ctrl-C setting `stop` instead of raising, so that
    the run ends cleanly and returns what it has."""

    async def main() -> _Result:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, stop.set)
            handled = True
        except (NotImplementedError, RuntimeError, ValueError):
            handled = False  # not the main thread, or Windows: KeyboardInterrupt cancels the task instead
        try:
            return await start(stop)
        finally:
            if handled:
                loop.remove_signal_handler(signal.SIGINT)

    return asyncio.run(main())


def estimate_run(jobs: Iterable[DraftJob], model: str, *, limits: RunLimits = RunLimits(),
                 pricing: PriceTable | None = None, output_tokens: int | None = None) -> RunEstimate:
    """A dry run: tokens from the prompts' length (~4 characters a token, the schema included) and an
    assumed answer size, the cost at the model's price, the minutes at the run's limits. Calls nothing."""
    schema_chars = len(json.dumps(draft_json_schema("openai")))
    per_page_output = output_tokens if output_tokens is not None else limits.expected_output_tokens
    pages = input_tokens = 0
    for job in jobs:
        pages += 1
        input_tokens += (len(job.prompt.system) + len(job.prompt.user) + schema_chars) // CHARS_PER_TOKEN
    out = pages * per_page_output
    cost = (pricing or PriceTable()).cost(model, input_tokens, out)
    minutes = []
    if limits.requests_per_minute:
        minutes.append(pages / limits.requests_per_minute)
    if limits.tokens_per_minute:
        minutes.append((input_tokens + out) / limits.tokens_per_minute)
    return RunEstimate(pages=pages, input_tokens=input_tokens, output_tokens=out, cost=cost,
                       minutes=max(minutes) if minutes else None)
