"""Drafting through a provider's batch API: submit every page at once, poll, collect, at half the price.

`submit_batch` records what it submits in a state file before and after each provider batch is
created, so a later call with the same state file resumes the batches already submitted (a crash
or Ctrl-C between submit and collect never pays twice); `poll_batch` asks the provider how far
each batch is; `collect_batch` reads the finished ones and sends every answer through the same
checks as the interactive runner (`runner.judge_answer`). There is no repair round: an answer
that breaks the schema is reported failed with its problems, and a normal run redrafts it.
`run_batch` does all three; `draft_all_batch` is its synchronous form (Ctrl-C stops polling and
keeps the state, so the next call goes on polling).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from medpages.atomic import write_atomic
from medpages.draft.cache import ResponseCache, cache_key
from medpages.draft.limits import RunLimits
from medpages.draft.pricing import PriceTable
from medpages.draft.providers.base import (
    BatchBackend,
    BatchOutput,
    BatchStatus,
    Provider,
    ProviderConfigError,
    ProviderRejected,
    ProviderUnavailable,
    RateLimited,
)
from medpages.draft.runner import (
    DraftJob,
    DraftResult,
    RunSummary,
    first_request,
    judge_answer,
    page_for,
    run_until_interrupted,
)
from medpages.draft.schema import SCHEMA_VERSION, DraftedPage
from medpages.errors import MedpagesError

__all__ = [
    "BatchHandle", "BatchProgress", "BatchSummary", "SubmittedBatch", "batch_backend", "batch_key", "collect_batch",
    "draft_all_batch", "poll_batch", "run_batch", "submit_batch",
]

STATE_FORMAT = "medpages-draft-batch"
STATE_VERSION = 1
RERUN = "a rerun submits it again"
SUBMIT_ATTEMPTS = 3
SUBMIT_BACKOFF = 2.0  # seconds, doubled for each further try
# Failures that may pass on another try (the provider busy or rate limiting, the network): retried
# when creating a batch, and left for the next poll when polling or reading answers.
_TRANSIENT = (ProviderUnavailable, RateLimited, httpx.TransportError, TimeoutError)
NO_REPAIR = "(a batch has no repair round; a run without --batch redrafts it)"


# --------------------------------------------------------------------------- the provider's batch API


def batch_backend(provider: Provider) -> BatchBackend:
    """The batch API of `provider`: OpenAI (and compatible servers that implement /files and /batches), or
    the Gemini API with a key. Ollama and Vertex AI have none medpages can use."""
    from medpages.draft.providers.gemini import GeminiProvider
    from medpages.draft.providers.openai import OpenAICompatibleProvider

    if isinstance(provider, BatchBackend):
        return provider
    if isinstance(provider, OpenAICompatibleProvider):
        if provider.name == "ollama":
            raise ProviderConfigError("Ollama has no batch API: draft without --batch")
        from medpages.draft.providers.openai_batch import OpenAIBatch

        return OpenAIBatch(provider)
    if isinstance(provider, GeminiProvider):
        from medpages.draft.providers.gemini_batch import GeminiBatch

        return GeminiBatch(provider)
    raise ProviderConfigError(f"the {provider.name} provider has no batch API medpages knows: draft without --batch")


def batch_key(job: DraftJob) -> str:
    """The id of a job's request in a batch: its slug and the hash of its exact prompt (`aspirin-75mg-3fa2b9c1d0e4`)."""
    return f"{job.medicine.slug[:48]}-{job.prompt.fingerprint[:12]}"


# --------------------------------------------------------------------------- state


@dataclass
class SubmittedBatch:
    """One provider batch as the state file records it. `id` is None between "about to create" and "created"."""

    label: str
    keys: dict[str, list[str]]  # key -> [prompt fingerprint, prompt version]
    id: str | None = None
    state: str = "submitting"
    submitted_at: str | None = None
    collected: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "id": self.id, "state": self.state, "submitted_at": self.submitted_at,
                "collected": self.collected, "keys": self.keys}


@dataclass
class BatchSummary(RunSummary):
    """A `RunSummary` (drafted, failed, tokens, cost at the batch price...) and what the batches did:
    `requests` counts the lines collected, `anomalies` the output lines that answered no job."""

    state_path: str = ""
    submitted: int = 0  # provider batches created by this call
    resumed: int = 0  # provider batches picked up from the state file
    batches: dict[str, str] = field(default_factory=dict)  # batch id -> last state (collected when done)
    anomalies: list[str] = field(default_factory=list)  # "output file line 12: not JSON", "an answer for x..."


@dataclass(frozen=True)
class BatchProgress:
    """After each poll: the batches' states, how many requests the provider has answered, what was delivered."""

    states: dict[str, str]  # batch id (or label) -> normalised state
    total: int  # requests in the batches being waited for
    answered: int  # of those, answered by the provider (well or not)
    provider_failed: int
    delivered: int  # results handed to on_result so far (drafted + failed)
    drafted: int
    failed: int
    elapsed: float
    polls: int
    poll_error: str | None = None  # the last poll failed (it is tried again)

    @property
    def finished(self) -> bool:
        return all(state in ("completed", "failed", "expired", "cancelled", "collected")
                   for state in self.states.values())


@dataclass
class BatchHandle:
    """A batch run: the provider batches recorded in `state_path` and the jobs they answer."""

    state_path: Path
    backend: BatchBackend
    batches: list[SubmittedBatch]
    jobs: dict[str, list[DraftJob]]  # key -> the jobs it answers (one, unless a medicine was listed twice)
    limits: RunLimits
    cache: ResponseCache | None = None
    submitted: int = 0  # provider batches this call created
    resumed: int = 0  # provider batches found in the state file (or at the provider after a crash)
    ready: list[DraftResult] = field(default_factory=list)  # answered from the cache, delivered by collect
    summary: BatchSummary | None = None
    started: float = field(default_factory=time.monotonic)
    polls: int = 0
    last_status: dict[str, BatchStatus] = field(default_factory=dict)
    poll_error: str | None = None

    @property
    def open_batches(self) -> list[SubmittedBatch]:
        return [batch for batch in self.batches if not batch.collected]

    def save(self) -> None:
        state = {"format": STATE_FORMAT, "version": STATE_VERSION, "provider": self.backend.name,
                 "model": self.backend.model, "target": self.backend.describe(),
                 "batches": [batch.as_json() for batch in self.batches]}
        # A crash leaves the old state or the new, never half: which batches were paid for is in here.
        write_atomic(self.state_path, json.dumps(state, indent=1).encode("utf-8"))


def _load_state(path: Path, backend: BatchBackend) -> list[SubmittedBatch]:
    if not path.exists():
        return []
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"not a {STATE_FORMAT} file")
        batches = [SubmittedBatch(label=entry["label"], keys={k: list(v) for k, v in entry["keys"].items()},
                                  id=entry.get("id"), state=entry.get("state") or "submitting",
                                  submitted_at=entry.get("submitted_at"), collected=bool(entry.get("collected")))
                   for entry in state.get("batches", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MedpagesError(f"cannot read the batch state {path}: {exc}; if no batch is waiting at the provider, "
                            "delete the file") from exc
    if any(not batch.collected for batch in batches) and (state.get("provider"), state.get("model")) != (
            backend.name, backend.model):
        raise MedpagesError(f"{path} records batches still to collect from {state.get('provider')} "
                            f"{state.get('model')}: run again with that provider and model to collect them "
                            "(or delete the file to abandon them)")
    return batches


# --------------------------------------------------------------------------- submit


async def submit_batch(jobs: Iterable[DraftJob], provider: Provider | BatchBackend, *, state_path: Path | str,
                       limits: RunLimits = RunLimits(), cache: ResponseCache | None = None,
                       client: httpx.AsyncClient | None = None) -> BatchHandle:
    """Submit the jobs no open batch in `state_path` already covers; resume the rest.

    Jobs answered by `cache` are not submitted (`collect_batch` delivers them). Each provider batch
    is recorded under its label before it is created and with its id right after, so a crash in
    between is recovered by `find(label)` at the provider, not by paying again.
    """
    backend = batch_backend(provider)  # type: ignore[arg-type]
    path = Path(state_path)
    open_batches = [batch for batch in _load_state(path, backend) if not batch.collected]  # collected: history
    handle = BatchHandle(path, backend, open_batches, {}, limits, cache)
    for job in jobs:
        handle.jobs.setdefault(batch_key(job), []).append(job)
    async with _client(client, limits) as http:
        # A batch recorded as "about to be created" may have been created just before a crash.
        for batch in handle.open_batches:
            if batch.id is None:
                batch.id = await backend.find(batch.label, http)
                if batch.id is not None:
                    batch.state, batch.submitted_at = "pending", _now()
                    handle.save()
            if batch.id is not None:
                handle.resumed += 1
        covered = {key for batch in handle.open_batches if batch.id is not None for key in batch.keys}
        todo: list[tuple[str, DraftJob]] = []
        for key, same in handle.jobs.items():
            if key in covered:
                continue
            hit = _cached(handle, key, same[0])
            if hit is not None:
                handle.ready += [_result(handle, job, hit, cached=True) for job in same]
                continue
            todo.append((key, same[0]))
        for chunk in _chunks(backend, todo, limits):
            keys = {key: [job.prompt.fingerprint, job.prompt.version] for key, job, _ in chunk}
            batch = next((b for b in handle.open_batches if b.keys == keys and b.id is None), None)
            if batch is None:
                # Unique per submission: `find` must never mistake an earlier batch of the same pages for this one.
                digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:12]
                batch = SubmittedBatch(label=f"medpages-{digest}-{uuid.uuid4().hex[:8]}", keys=keys)
                handle.batches.append(batch)
            label = batch.label
            handle.save()  # before creating it: a crash from here on is recovered by its label
            batch.id = await _create(backend, [encoded for _, _, encoded in chunk], http, label)
            batch.state, batch.submitted_at = "pending", _now()
            handle.save()
            handle.submitted += 1
        # Open batches whose submission never happened (label not found) are submitted again above
        # only when their keys are still wanted; the others are dropped.
        handle.batches = [b for b in handle.batches if b.id is not None or b.collected]
        handle.save()
    return handle


async def _create(backend: BatchBackend, encoded: list[dict], http: httpx.AsyncClient, label: str,
                  attempts: int = SUBMIT_ATTEMPTS) -> str:
    """Create one batch; after a 5xx, 429 or network failure look for it by label (the answer may have been
    lost after the batch was made) before trying again. The last failure is raised as it is."""
    retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=_submit_wait,
                             retry=retry_if_exception_type(_TRANSIENT), reraise=True)
    async for attempt in retrying:
        with attempt:
            if attempt.retry_state.attempt_number > 1:
                found = await backend.find(label, http)
                if found is not None:
                    return found
            return await backend.submit(encoded, http, label=label)
    raise AssertionError("unreachable: the last try returns or raises")


def _submit_wait(state: RetryCallState) -> float:
    """The wait the provider asked for (Retry-After), else SUBMIT_BACKOFF doubled for each further try."""
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RateLimited) and error.retry_after:
        return error.retry_after
    return SUBMIT_BACKOFF * 2 ** (state.attempt_number - 1)


def _chunks(backend: BatchBackend, todo: list[tuple[str, DraftJob]], limits: RunLimits):
    chunk: list[tuple[str, DraftJob, dict]] = []
    size = 0
    for key, job in todo:
        encoded = backend.encode(key, first_request(job, limits.max_output_tokens))
        length = len(json.dumps(encoded, separators=(",", ":"))) + 1
        if chunk and (len(chunk) >= backend.max_requests or size + length > backend.max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append((key, job, encoded))
        size += length
    if chunk:
        yield chunk


def _cached(handle: BatchHandle, key: str, job: DraftJob):
    if handle.cache is None:
        return None
    hit = handle.cache.get(cache_key(handle.backend.name, handle.backend.model, job.prompt.fingerprint,
                                     SCHEMA_VERSION))
    if hit is None:
        return None
    try:
        return DraftedPage.model_validate_json(hit.text), hit.input_tokens, hit.output_tokens
    except ValueError:
        return None  # stored by an older schema: draft again


# --------------------------------------------------------------------------- poll


async def poll_batch(handle: BatchHandle, *, client: httpx.AsyncClient | None = None) -> BatchProgress:
    """Ask the provider about every open batch. A failed poll (5xx, 429, the network) is kept in
    `poll_error` and tried again next time; a rejected key (401, 403) is raised."""
    handle.polls += 1
    handle.poll_error = None
    async with _client(client, handle.limits) as http:
        for batch in handle.open_batches:
            if batch.id is None or (batch.id in handle.last_status and handle.last_status[batch.id].finished):
                continue
            try:
                status = await handle.backend.status(batch.id, http)
            except _TRANSIENT as exc:
                handle.poll_error = f"{batch.id}: {exc or type(exc).__name__}"
                continue
            except ProviderRejected as exc:
                if exc.status != 404:
                    raise
                status = BatchStatus(id=batch.id, state="failed", raw_state="not found",
                                     message=f"{handle.backend.name} does not know this batch ({exc})")
            handle.last_status[batch.id] = status
            if status.state != batch.state:
                batch.state = status.state
                handle.save()
    return _progress(handle)


def _progress(handle: BatchHandle) -> BatchProgress:
    summary = handle.summary or RunSummary(provider=handle.backend.name, model=handle.backend.model)
    states, total, answered, failed = {}, 0, 0, 0
    for batch in handle.batches:
        if batch.collected and batch.id not in handle.last_status:
            continue  # collected by an earlier run
        name = batch.id or batch.label
        states[name] = "collected" if batch.collected else batch.state
        status = handle.last_status.get(batch.id or "")
        total += status.total if status and status.total is not None else len(batch.keys)
        answered += status.answered if status else 0
        failed += status.failed if status else 0
    return BatchProgress(states=states, total=total, answered=answered, provider_failed=failed,
                         delivered=summary.done, drafted=summary.drafted, failed=summary.failed,
                         elapsed=time.monotonic() - handle.started, polls=handle.polls, poll_error=handle.poll_error)


# --------------------------------------------------------------------------- collect


async def collect_batch(handle: BatchHandle, on_result: Callable[[DraftResult], None] | None = None, *,
                        pricing: PriceTable | None = None, client: httpx.AsyncClient | None = None) -> BatchSummary:
    """Deliver the results of every finished batch not yet collected (and the cached answers), one
    `on_result` per job: drafted, or failed with its reason. Batches still running are left for a
    later call. The summary accumulates over calls on the same handle."""
    pricing = pricing or PriceTable()
    if handle.summary is None:
        handle.summary = BatchSummary(provider=handle.backend.name, model=handle.backend.model,
                                      state_path=str(handle.state_path))
    summary = handle.summary
    summary.submitted, summary.resumed = handle.submitted, handle.resumed
    while handle.ready:
        _deliver(summary, handle.ready.pop(0), on_result)
    async with _client(client, handle.limits) as http:
        for batch in handle.open_batches:
            status = handle.last_status.get(batch.id or "")
            if status is None or not status.finished:
                continue
            output = BatchOutput()
            if status.state != "failed":
                try:
                    output = await handle.backend.output(status, http)
                except _TRANSIENT as exc:
                    handle.poll_error = f"{batch.id}: reading its answers failed ({exc}); tried again"
                    continue
            summary.anomalies += [f"{batch.id}: {anomaly}" for anomaly in output.anomalies]
            summary.anomalies += [f"{batch.id}: an answer for {key}, which this batch did not ask for"
                                  for key in sorted(output.responses.keys() | output.errors.keys())
                                  if key not in batch.keys]
            for key, (fingerprint, version) in batch.keys.items():
                for result in _judged(handle, status, output, key, fingerprint, version, pricing):
                    _deliver(summary, result, on_result)
            summary.requests += len(batch.keys)
            batch.collected = True
            handle.save()
    summary.batches = {batch.id or batch.label: "collected" if batch.collected else batch.state
                       for batch in handle.batches}
    summary.elapsed = time.monotonic() - handle.started
    return summary


def _judged(handle: BatchHandle, status: BatchStatus, output: BatchOutput, key: str, fingerprint: str,
            version: str, pricing: PriceTable) -> list[DraftResult]:
    """The results for one key, one per job that wants it (the tokens and cost on the first: one request
    was paid). A valid answer goes in the cache even when no job of this call wants it."""
    backend = handle.backend
    jobs = handle.jobs.get(key, [])
    response = output.responses.get(key)
    if response is None:
        if key in output.errors:
            reason = f"the provider could not answer it in the batch: {output.errors[key]}; {RERUN}"
        elif status.state == "failed":
            reason = f"the batch {status.id} failed at {backend.name}: {status.message or status.raw_state}; {RERUN}"
        elif status.state in ("expired", "cancelled"):
            reason = f"the batch {status.id} {status.state} before this page was answered; {RERUN}"
        else:
            reason = f"no answer for this page in the batch output; {RERUN}"
        return [DraftResult(job, "failed", reason=reason, attempts=1, cost=0.0, provider=backend.name,
                            model=backend.model, prompt_version=job.prompt.version) for job in jobs]
    verdict = judge_answer(response, handle.limits.max_output_tokens)
    if verdict.drafted is not None and handle.cache is not None:
        handle.cache.put(cache_key(backend.name, backend.model, fingerprint, SCHEMA_VERSION), provider=backend.name,
                         model=backend.model, prompt_version=version, text=verdict.drafted.model_dump_json(),
                         input_tokens=response.input_tokens, output_tokens=response.output_tokens)
    if verdict.drafted is not None:
        reason = None
    elif verdict.unusable:
        reason = verdict.unusable
    else:
        reason = f"the answer does not match the page schema {NO_REPAIR}: {verdict.problems}"
    results = []
    for number, job in enumerate(jobs):
        paid = number == 0
        results.append(DraftResult(
            job, "drafted" if verdict.drafted is not None else "failed", reason=reason,
            page=page_for(job, verdict.drafted, backend.model) if verdict.drafted is not None else None,
            attempts=1 if paid else 0, input_tokens=response.input_tokens if paid else 0,
            output_tokens=response.output_tokens if paid else 0,
            cost=pricing.batch_cost(backend.model, response.input_tokens, response.output_tokens) if paid else 0.0,
            provider=backend.name, model=backend.model, prompt_version=job.prompt.version))
    return results


def _result(handle: BatchHandle, job: DraftJob, hit, *, cached: bool) -> DraftResult:
    drafted, input_tokens, output_tokens = hit
    return DraftResult(job, "drafted", page=page_for(job, drafted, handle.backend.model), attempts=0,
                       input_tokens=input_tokens, output_tokens=output_tokens, cost=0.0, cached=cached,
                       provider=handle.backend.name, model=handle.backend.model, prompt_version=job.prompt.version)


def _deliver(summary: RunSummary, result: DraftResult, on_result: Callable[[DraftResult], None] | None) -> None:
    summary.count(result)
    if on_result is not None:
        on_result(result)


# --------------------------------------------------------------------------- all of it


async def run_batch(
    jobs: Iterable[DraftJob],
    provider: Provider | BatchBackend,
    *,
    state_path: Path | str,
    poll_interval: float = 60.0,
    timeout: float | None = None,
    on_result: Callable[[DraftResult], None] | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
    pricing: PriceTable | None = None,
    limits: RunLimits = RunLimits(),
    cache: ResponseCache | None = None,
    stop: asyncio.Event | None = None,
    client: httpx.AsyncClient | None = None,
) -> BatchSummary:
    """Submit (or resume), poll every `poll_interval` seconds with `on_progress`, and deliver one result per
    job through `on_result` as each batch finishes.

    After `timeout` seconds, or when `stop` is set, polling stops: the summary says `cancelled` and
    `stopped_reason`, the batches go on at the provider, and the next call with the same state file
    polls them again and submits nothing new for them.
    """
    async with _client(client, limits) as http:
        handle = await submit_batch(jobs, provider, state_path=state_path, limits=limits, cache=cache, client=http)
        summary = await collect_batch(handle, on_result, pricing=pricing, client=http)  # the cached answers
        deadline = None if timeout is None else time.monotonic() + timeout
        while handle.open_batches:
            progress = await poll_batch(handle, client=http)
            summary = await collect_batch(handle, on_result, pricing=pricing, client=http)
            if on_progress is not None:
                on_progress(_progress(handle))
            if not handle.open_batches:
                break
            wait = poll_interval if deadline is None else min(poll_interval, deadline - time.monotonic())
            if wait <= 0 or (stop is not None and stop.is_set()):
                summary.cancelled = True
                states = ", ".join(f"{name} {state}" for name, state in progress.states.items()
                                   if state != "collected")
                summary.stopped_reason = (f"stopped waiting: {states} at {handle.backend.name}; run again with the "
                                          f"same state file ({handle.state_path}) to collect, nothing is paid twice")
                break
            if stop is None:
                await asyncio.sleep(wait)
            else:
                try:
                    await asyncio.wait_for(stop.wait(), wait)
                except TimeoutError:
                    pass
        summary.elapsed = time.monotonic() - handle.started
        return summary


def draft_all_batch(jobs: Iterable[DraftJob], provider: Provider | BatchBackend, **options) -> BatchSummary:
    """`run_batch` for synchronous callers. Ctrl-C stops polling (the batches keep running at the provider)
    and returns the summary, `cancelled`; the next call with the same state file goes on."""
    return run_until_interrupted(lambda stop: run_batch(jobs, provider, stop=stop, **options))


# --------------------------------------------------------------------------- plumbing


class _client:
    """The caller's httpx client, or one of our own for the duration."""

    def __init__(self, client: httpx.AsyncClient | None, limits: RunLimits):
        self.client, self.limits, self.own = client, limits, client is None

    async def __aenter__(self) -> httpx.AsyncClient:
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=httpx.Timeout(max(self.limits.request_timeout, 120.0),
                                                                  connect=30.0))
        return self.client

    async def __aexit__(self, *exc) -> None:
        if self.own and self.client is not None:
            await self.client.aclose()
            self.client = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
