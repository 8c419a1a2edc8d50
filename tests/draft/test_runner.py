"""The drafting runner against a real HTTP server on 127.0.0.1 that behaves like OpenAI and Gemini.

Every scripted misbehaviour ends in a known state with its attempts counted; the server never sees
more requests per window than the runner's limit; an identical rerun is answered from the cache.
Time scales are small: limits per second, Retry-After of 1 s, timeouts under a second.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from medpages.catalog import medicine_from_title
from medpages.draft.cache import ResponseCache
from medpages.draft.limits import RunLimits
from medpages.draft.pricing import ModelPrice, PriceTable
from medpages.draft.providers import get_provider
from medpages.draft.runner import DraftResult, estimate_run, make_job, repetition_loop, run_drafts
from medpages.model import DISCLAIMER_TEXT, NOTE_TEXT
from medpages.publish.seed_writer import render_seed_markdown

from .fake_llm_server import FakeLLMServer

PRICES = PriceTable({"fake-model": ModelPrice(1.0, 2.0)})  # USD per million tokens
FAST = dict(period=1.0, requests_per_minute=None, request_timeout=0.6, backoff_base=0.02, backoff_max=0.1,
            max_attempts=3)

SCRIPT = {
    "Valid 1mg": ([], "drafted", 1),
    "Ratelimited 1mg": (["rate_limit", "valid"], "drafted", 2),
    "Ratedate 1mg": (["rate_limit_date", "valid"], "drafted", 2),
    "Flaky 1mg": (["error", "error", "valid"], "drafted", 3),
    "Broken 1mg": (["error", "error", "error", "valid"], "failed", 3),
    "Slow 1mg": (["slow", "valid"], "drafted", 2),
    "Dropped 1mg": (["drop", "valid"], "drafted", 2),
    "Truncated 1mg": (["truncated"], "failed", 1),
    "Cutoff 1mg": (["broken_json", "valid"], "drafted", 2),
    "Repaired 1mg": (["invalid", "valid"], "drafted", 2),
    "Unrepaired 1mg": (["invalid", "invalid"], "failed", 2),
    "Refused 1mg": (["refusal"], "failed", 1),
    "Blocked 1mg": (["safety"], "failed", 1),
    "Empty 1mg": (["empty"], "failed", 1),
    "Looping 1mg": (["loop"], "failed", 1),
}
REASONS = {
    "Broken 1mg": "gave up after 3 attempts",
    "Truncated 1mg": "truncated",
    "Unrepaired 1mg": "after one repair",
    "Refused 1mg": "refused|filters",  # Gemini has no refusal but its filters (PROHIBITED_CONTENT)
    "Blocked 1mg": "safety filters",
    "Empty 1mg": "empty content",
    "Looping 1mg": "repetition loop",
}


def _jobs(titles):
    return [make_job(medicine_from_title(title, resolve_names=False)) for title in titles]


def _run(jobs, provider, **kwargs):
    results: list[DraftResult] = []
    summary = asyncio.run(run_drafts(jobs, provider, on_result=results.append, pricing=PRICES, **kwargs))
    return summary, {result.job.medicine.title: result for result in results}, results


@pytest.fixture
def server():
    with FakeLLMServer(slow_seconds=1.2, retry_after=1.0) as running:
        yield running


def _openai(server, **settings):
    return get_provider("openai", "fake-model", {"base_url": f"{server.url}/v1", "api_key": "test", **settings}, env={})


def _gemini(server):
    return get_provider("gemini", "fake-model", {"base_url": server.url, "api_key": "test"}, env={})


@pytest.mark.parametrize("api", ["openai", "gemini"])
def test_every_job_ends_in_its_scripted_state(server, api):
    for title, (behaviours, _, _) in SCRIPT.items():
        server.script(title, behaviours)
    provider = _openai(server) if api == "openai" else _gemini(server)
    summary, by_title, results = _run(_jobs(SCRIPT), provider, limits=RunLimits(concurrency=6, **FAST))

    assert len(results) == len(SCRIPT)  # none dropped, none twice
    for title, (_, status, attempts) in SCRIPT.items():
        result = by_title[title]
        assert (result.status, result.attempts) == (status, attempts), (title, result.reason)
        assert server.count(title) == attempts
        if status == "failed":
            assert result.page is None, title
            assert any(word in result.reason for word in REASONS[title].split("|")), (title, result.reason)
        else:
            assert result.reason is None
            page = result.page
            assert page.status == "draft" and page.disclaimer == DISCLAIMER_TEXT and page.note == NOTE_TEXT
            assert {p.kind for k, p in page.provenance.items() if k not in ("disclaimer", "note")} == {"model"}
            assert page.provenance["usage"].by == "fake-model"
            assert page.provenance["usage"].prompt_version == result.prompt_version
            assert render_seed_markdown(page).startswith("---")

    assert summary.drafted == sum(1 for s in SCRIPT.values() if s[1] == "drafted")
    assert summary.failed == len(SCRIPT) - summary.drafted
    assert summary.requests == sum(s[2] for s in SCRIPT.values()) == len(server.requests)
    assert summary.rate_limited == 2
    assert by_title["Repaired 1mg"].repaired and by_title["Cutoff 1mg"].repaired

    # Retry-After is honoured: 1 s, or an HTTP date 1-2 s ahead (dates have whole seconds). A lower
    # bound on real time, as in the pace test below: a slow machine waits longer, never shorter.
    for title in ("Ratelimited 1mg", "Ratedate 1mg"):
        first, second = [r.at for r in server.requests if r.medicine == title]
        assert second - first >= 0.9

    # the repair shows the model its answer and what was wrong with it
    repair = [r.body for r in server.requests if r.medicine == "Repaired 1mg"][1]
    turns = repair["messages"] if api == "openai" else repair["contents"]
    assert len(turns) == (4 if api == "openai" else 3)
    last = turns[-1]["content"] if api == "openai" else turns[-1]["parts"][0]["text"]
    assert "side_effects" in last and "faqs" in last

    # cost: every attempt's tokens at the model's price, per page and for the run
    for result in results:
        assert result.cost == pytest.approx((result.input_tokens * 1.0 + result.output_tokens * 2.0) / 1e6)
    assert summary.cost == pytest.approx(sum(r.cost for r in results)) and summary.cost > 0
    assert summary.input_tokens == sum(r.input_tokens for r in results) > 0


def test_an_identical_rerun_is_answered_from_the_cache(server, tmp_path):
    titles = [f"Cached{i} 5mg" for i in range(6)]
    provider = _openai(server)
    with ResponseCache(tmp_path / "responses.sqlite") as cache:
        first, _, _ = _run(_jobs(titles), provider, limits=RunLimits(concurrency=3, **FAST), cache=cache)
    assert first.drafted == 6 and len(server.requests) == 6
    with ResponseCache(tmp_path / "responses.sqlite") as cache:
        second, by_title, _ = _run(_jobs(titles), provider, limits=RunLimits(concurrency=3, **FAST), cache=cache)
    assert len(server.requests) == 6  # no request at all
    assert second.drafted == second.cached == 6 and second.requests == 0 and second.cost == 0
    assert all(result.cached and result.page.usage is not None for result in by_title.values())


def test_the_server_never_sees_more_requests_per_window_than_the_limit():
    with FakeLLMServer(limit=20, window=1.0) as server:
        provider = _openai(server)
        limits = RunLimits(concurrency=8, requests_per_minute=20, period=1.0, request_timeout=2.0)
        summary, _, _ = _run(_jobs([f"Limited{i} 5mg" for i in range(60)]), provider, limits=limits)
        assert summary.drafted == 60
        assert server.rate_limited == 0
        assert server.max_in_window(1.0) <= 20
        assert summary.elapsed >= 2.0  # 60 requests at under 20 a second


def test_429s_lower_the_pace_and_every_job_still_ends_drafted():
    # The runner is told 60 a second; the server allows 10: it must adapt, not fail.
    with FakeLLMServer(limit=10, window=1.0) as server:
        provider = _openai(server)
        limits = RunLimits(concurrency=8, requests_per_minute=60, period=1.0, request_timeout=2.0,
                           backoff_base=0.05, max_rate_limit_waits=50)
        summary, by_title, _ = _run(_jobs([f"Busy{i} 5mg" for i in range(30)]), provider, limits=limits)
        assert summary.drafted == 30, summary.failures
        assert summary.rate_limited == server.rate_limited > 0
        assert summary.rate_limited < 60  # it backed off instead of hammering


def test_cancelling_keeps_what_is_done_and_reports_what_was_in_flight(server):
    for i in range(20):
        server.script(f"Stopped{i} 5mg", ["slow"])  # every request takes 1.2 s
    server.script("Stopped0 5mg", [])
    provider = _openai(server)
    results: list[DraftResult] = []

    async def main():
        stop = asyncio.Event()

        def on_result(result):
            results.append(result)
            stop.set()  # stop after the first page

        summary = await run_drafts(_jobs([f"Stopped{i} 5mg" for i in range(20)]), provider, on_result=on_result,
                                   limits=RunLimits(concurrency=4, request_timeout=5.0, period=1.0,
                                                    requests_per_minute=None), stop=stop)
        return summary

    summary = asyncio.run(main())
    assert summary.cancelled
    assert results[0].status == "drafted" and results[0].job.medicine.title == "Stopped0 5mg"
    # It stopped at once: had it waited for the three in flight, each would have been drafted (the
    # server answers after 1.2 s, well within their 5 s timeout); they were cancelled instead.
    assert {r.reason for r in results[1:]} == {"cancelled before it finished; a rerun will draft it"}
    assert all(r.status == "failed" and r.page is None for r in results[1:])
    assert len(results) == 4  # the finished one and the three in flight; the rest were never started


def test_a_rejected_key_stops_the_run_with_the_reason(server):
    for i in range(10):
        server.script(f"Denied{i} 5mg", ["unauthorized"])
    summary, by_title, results = _run(_jobs([f"Denied{i} 5mg" for i in range(10)]), _openai(server),
                                      limits=RunLimits(concurrency=2, **FAST))
    assert len(results) == 10 and summary.failed == 10
    assert "check the API key" in summary.stopped_reason
    assert len(server.requests) <= 3  # the rest were not attempted
    assert sum("not attempted" in r.reason for r in results) >= 7


def test_a_dry_run_estimates_without_calling_anything():
    jobs = _jobs(["Estimate1 5mg", "Estimate2 5mg"])
    estimate = estimate_run(jobs, "gpt-4o-mini", limits=RunLimits(requests_per_minute=60, expected_output_tokens=1000))
    prompt_chars = sum(len(job.prompt.system) + len(job.prompt.user) for job in jobs)
    assert estimate.pages == 2
    assert prompt_chars // 4 < estimate.input_tokens < prompt_chars // 4 + 2 * 3000  # prompt + schema
    assert estimate.output_tokens == 2000
    assert estimate.cost == pytest.approx((estimate.input_tokens * 0.15 + 2000 * 0.60) / 1e6)
    assert estimate.minutes == pytest.approx(2 / 60)
    assert estimate_run(jobs, "some-local-model").cost is None  # unknown price: said, not guessed


def test_repetition_loops_are_told_apart_from_ordinary_pages():
    assert repetition_loop("Take it with food and water. " * 8)
    assert repetition_loop("and then " * 2000)
    assert repetition_loop("Ask your doctor. Tell your pharmacist. Take it with water. Ask your doctor.") is None


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on leaving: nothing listens there


def test_a_server_that_is_not_running_stops_the_run_at_the_first_requests():
    port = _closed_port()
    ollama = get_provider("ollama", "llama3.1", {}, env={"OLLAMA_HOST": f"127.0.0.1:{port}"})
    summary, _, results = _run(_jobs([f"Offline{i} 5mg" for i in range(20)]), ollama,
                               limits=RunLimits(concurrency=2, **FAST))
    assert len(results) == 20 and summary.failed == 20 and summary.retries == 0
    assert summary.requests <= 2  # one try each for the requests in flight, none for the rest
    reason = summary.stopped_reason
    assert f"127.0.0.1:{port}" in reason and "is Ollama running" in reason and "ollama serve" in reason
    assert "ollama pull llama3.1" in reason
    assert sum(r.reason.startswith("not attempted") for r in results) >= 18


def test_an_openai_compatible_address_that_refuses_connections_names_the_base_url():
    port = _closed_port()
    provider = get_provider("openai", "local", {"base_url": f"http://127.0.0.1:{port}/v1", "api_key": "none"}, env={})
    summary, _, _ = _run(_jobs(["Offline 5mg"]), provider, limits=RunLimits(concurrency=1, **FAST))
    assert f"http://127.0.0.1:{port}/v1" in summary.stopped_reason and "OPENAI_BASE_URL" in summary.stopped_reason


def test_a_refused_key_names_the_address_and_the_key_variable(server):
    for i in range(6):
        server.script(f"Denied{i} 5mg", ["unauthorized"])
    summary, _, results = _run(_jobs([f"Denied{i} 5mg" for i in range(6)]), _openai(server),
                               limits=RunLimits(concurrency=1, **FAST))
    assert len(server.requests) == 1 and summary.failed == 6
    assert "(401)" in summary.stopped_reason and f"{server.url}/v1" in summary.stopped_reason
    assert "OPENAI_API_KEY" in summary.stopped_reason


def test_connection_failures_after_the_server_answered_are_retried_not_fatal():
    """A server that answered once and then goes away may come back: those failures are retried.
    (httpx's MockTransport stands in for a server that stops accepting connections.)"""
    import httpx

    from .fake_llm_server import answer_text, openai_completion

    answered: list[str] = []

    def transport(request: httpx.Request) -> httpx.Response:
        if answered:
            raise httpx.ConnectError("connection refused", request=request)
        answered.append(request.url.path)
        body = json.loads(request.content)
        text, finish = answer_text("First 5mg", "valid")
        return httpx.Response(200, json=openai_completion(body, text, finish, "valid"))

    provider = get_provider("openai", "fake-model", {"base_url": "http://127.0.0.1:9/v1", "api_key": "test"}, env={})

    async def run():
        async with httpx.AsyncClient(transport=httpx.MockTransport(transport)) as client:
            results: list[DraftResult] = []
            summary = await run_drafts(_jobs(["First 5mg", "Second 5mg"]), provider, on_result=results.append,
                                       pricing=PRICES, limits=RunLimits(concurrency=1, **FAST), client=client)
            return summary, results

    summary, (first, second) = asyncio.run(run())
    assert first.status == "drafted" and second.status == "failed"
    assert summary.stopped_reason is None and "gave up after 3 attempts" in second.reason
    assert second.attempts == 3
