"""Batch drafting against the fake server's OpenAI Batch API and Gemini batch mode.

Every job ends drafted or failed with its reason, at the batch price; a second call with the same
state file polls the batch already submitted and submits nothing; failed and expired batches fail
every job; hostile output (an unknown key, a malformed line, a line twice, a line missing) is
reported without losing the other answers.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from medpages.catalog import medicine_from_title
from medpages.draft.batch import batch_backend, batch_key, run_batch, submit_batch
from medpages.draft.cache import ResponseCache
from medpages.draft.pricing import ModelPrice, PriceTable
from medpages.draft.providers import ProviderConfigError, get_provider
from medpages.draft.providers.openai_batch import OpenAIBatch
from medpages.draft.runner import DraftResult, make_job
from medpages.model import DISCLAIMER_TEXT

from .fake_llm_server import FakeLLMServer

PRICES = PriceTable({"fake-model": ModelPrice(1.0, 2.0)})  # batch: 0.5 and 1.0 per million

SCRIPT = {
    "Valid 1mg": ("valid", "drafted", None),
    "Invalid 1mg": ("invalid", "failed", "does not match the page schema"),
    "Refused 1mg": ("refusal", "failed", "refused|filters"),
    "Blocked 1mg": ("safety", "failed", "safety filters"),
    "Truncated 1mg": ("truncated", "failed", "truncated"),
    "Empty 1mg": ("empty", "failed", "empty content"),
    "Looping 1mg": ("loop", "failed", "repetition loop"),
    "Errored 1mg": ("error_line", "failed", "could not answer it in the batch"),
    "Missing 1mg": ("missing", "failed", "no answer for this page"),
}


def _jobs(titles):
    return [make_job(medicine_from_title(title, resolve_names=False)) for title in titles]


def _provider(server, api):
    if api == "openai":
        return get_provider("openai", "fake-model", {"base_url": f"{server.url}/v1", "api_key": "test"}, env={})
    return get_provider("gemini", "fake-model", {"base_url": server.url, "api_key": "test"}, env={})


def _run(jobs, provider, state_path, **options):
    results: list[DraftResult] = []
    progress = []
    summary = asyncio.run(run_batch(jobs, provider, state_path=state_path, poll_interval=0.02, pricing=PRICES,
                                    on_result=results.append, on_progress=progress.append, **options))
    return summary, results, progress


@pytest.fixture
def server():
    with FakeLLMServer() as running:
        yield running


@pytest.mark.parametrize("api", ["openai", "gemini"])
def test_every_job_ends_drafted_or_failed_with_its_reason_at_the_batch_price(server, api, tmp_path):
    for title, (behaviour, _, _) in SCRIPT.items():
        server.script(title, [behaviour])
    server.script_batch(["pending", "running", "running", "completed"], extra=["unknown", "malformed", "duplicate"])
    jobs = _jobs(SCRIPT)
    summary, results, progress = _run(jobs, _provider(server, api), tmp_path / "batch.json")

    assert len(results) == len(SCRIPT) and len({r.job.id for r in results}) == len(SCRIPT)
    by_title = {r.job.medicine.title: r for r in results}
    for title, (_, status, reason) in SCRIPT.items():
        result = by_title[title]
        assert result.status == status, (title, result.reason)
        if status == "failed":
            assert result.page is None
            assert any(word in result.reason for word in reason.split("|")), (title, result.reason)
        else:
            assert result.reason is None and result.page.status == "draft"
            assert result.page.disclaimer == DISCLAIMER_TEXT
            assert result.page.provenance["usage"].by == "fake-model"
    assert "a run without --batch redrafts it" in by_title["Invalid 1mg"].reason  # no repair round in a batch
    assert len(server.batches) == 1 and summary.requests == len(SCRIPT)
    assert summary.drafted == 1 and summary.failed == len(SCRIPT) - 1 and not summary.cancelled

    # cost at the batch price: half of 1.0 / 2.0 USD per million
    answered = [r for r in results if r.input_tokens]
    assert len(answered) == 7  # the error line and the missing line cost nothing
    for result in answered:
        assert result.cost == pytest.approx((result.input_tokens * 0.5 + result.output_tokens * 1.0) / 1e6)
        assert result.cost == pytest.approx(PRICES.cost("fake-model", result.input_tokens, result.output_tokens) / 2)
    assert summary.cost == pytest.approx(sum(r.cost for r in results)) and summary.cost > 0

    # hostile output is reported, and lost nothing
    anomalies = summary.anomalies
    assert not any(reason.startswith("batch output") for reason in summary.failures)
    assert any("nobody-asked" in a for a in anomalies), anomalies
    assert any("not JSON" in a or "not an object" in a for a in anomalies), anomalies
    assert any("twice" in a for a in anomalies), anomalies

    # progress after every poll, with the provider's states
    assert len(progress) >= 3 and progress[-1].finished and progress[-1].delivered == len(SCRIPT)
    assert any(state in ("pending", "running") for p in progress[:-1] for state in p.states.values())

    # the batch carried the same requests as the interactive runner: system + user, the page schema
    body = server.requests[0].body
    if api == "openai":
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
        assert body["response_format"]["json_schema"]["strict"] is True
    else:
        assert body["generationConfig"]["responseMimeType"] == "application/json"


@pytest.mark.parametrize("api", ["openai", "gemini"])
def test_a_new_call_with_the_same_state_file_polls_the_batch_and_submits_nothing(server, api, tmp_path):
    state = tmp_path / "batch.json"
    server.script_batch(["running"] * 4 + ["completed"])
    titles = [f"Resumed{i} 5mg" for i in range(4)]
    first, results, _ = _run(_jobs(titles), _provider(server, api), state, timeout=0.05)  # "crashed" waiting
    assert first.cancelled and "run again" in first.stopped_reason and results == []
    assert first.submitted == 1 and list(first.batches.values()) == ["running"]
    assert len(server.batches) == 1 and json.loads(state.read_text())["batches"][0]["id"]
    uploads = len(server.files)

    second, results, _ = _run(_jobs(titles), _provider(server, api), state)
    assert len(server.batches) == 1 and len(server.files) - uploads <= 1  # only the output file appeared
    assert second.drafted == 4 and not second.cancelled and (second.submitted, second.resumed) == (0, 1)
    assert sorted(r.job.medicine.title for r in results) == sorted(titles)


@pytest.mark.parametrize("api", ["openai", "gemini"])
def test_a_batch_created_just_before_a_crash_is_found_by_its_label_not_paid_twice(server, api, tmp_path):
    state = tmp_path / "batch.json"
    titles = [f"Crashed{i} 5mg" for i in range(3)]
    asyncio.run(submit_batch(_jobs(titles), _provider(server, api), state_path=state))
    recorded = json.loads(state.read_text())
    recorded["batches"][0]["id"] = None  # the crash: created at the provider, never recorded
    recorded["batches"][0]["state"] = "submitting"
    state.write_text(json.dumps(recorded))

    summary, results, _ = _run(_jobs(titles), _provider(server, api), state)
    assert len(server.batches) == 1
    assert summary.drafted == 3 and len(results) == 3


@pytest.mark.parametrize("api", ["openai", "gemini"])
@pytest.mark.parametrize("failure", ["before", "after"])
def test_a_failed_create_is_looked_up_by_label_before_it_is_tried_again(server, api, failure, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr("medpages.draft.batch.SUBMIT_BACKOFF", 0.01)
    server.create_failures.append(failure)  # "after": created at the provider, the answer lost
    summary, results, _ = _run(_jobs([f"Retried{i} 5mg" for i in range(3)]), _provider(server, api),
                               tmp_path / "batch.json")
    assert len(server.batches) == 1 and summary.drafted == 3 and len(results) == 3


@pytest.mark.parametrize("api", ["openai", "gemini"])
@pytest.mark.parametrize("ending", ["failed", "expired"])
def test_a_failed_or_expired_batch_fails_every_job_with_a_clear_reason(server, api, ending, tmp_path):
    state = tmp_path / "batch.json"
    server.script_batch(["running", ending])
    titles = [f"Lost{i} 5mg" for i in range(3)]
    summary, results, _ = _run(_jobs(titles), _provider(server, api), state)
    assert len(results) == 3 and summary.failed == 3 and summary.cost == 0
    for result in results:
        assert result.status == "failed" and ending in result.reason and "a rerun submits it again" in result.reason

    # the batch is collected: the next call submits these pages again
    again, results, _ = _run(_jobs(titles), _provider(server, api), state)
    assert len(server.batches) == 2 and again.drafted == 3


def test_a_large_catalogue_goes_in_several_batches_and_the_cache_answers_a_rerun(server, tmp_path):
    backend = OpenAIBatch(_provider(server, "openai"))
    backend.max_requests = 2
    titles = [f"Many{i} 5mg" for i in range(5)]
    with ResponseCache(tmp_path / "responses.sqlite") as cache:
        summary, results, _ = _run(_jobs(titles), backend, tmp_path / "batch.json", cache=cache)
        assert len(server.batches) == 3 and summary.drafted == 5
        again, results, _ = _run(_jobs(titles), backend, tmp_path / "batch.json", cache=cache)
    assert len(server.batches) == 3  # nothing submitted: every page came from the cache
    assert again.drafted == again.cached == 5 and again.cost == 0
    assert all(r.cached and r.page is not None for r in results)


def test_batch_keys_are_stable_and_differ_by_prompt():
    first, second = _jobs(["Stable 5mg"]), _jobs(["Stable 5mg"])
    assert batch_key(first[0]) == batch_key(second[0]) and batch_key(first[0]).startswith(first[0].medicine.slug)
    assert batch_key(first[0]) != batch_key(_jobs(["Other 5mg"])[0])


def test_providers_without_a_batch_api_say_so():
    with pytest.raises(ProviderConfigError, match="Ollama has no batch API"):
        batch_backend(get_provider("ollama", "llama3.1:8b", {}, env={}))
    vertex = get_provider("vertex", "gemini-2.5-flash", {"project": "p", "access_token": "t"}, env={})
    with pytest.raises(ProviderConfigError, match="Cloud Storage or BigQuery"):
        batch_backend(vertex)


def test_batch_prices_are_half_unless_the_table_says_otherwise():
    table = PriceTable.from_mapping({"m": {"input": 1.0, "output": 4.0},
                                     "n": {"input": 1.0, "output": 4.0, "batch_input": 0.8, "batch_output": 3.0}})
    assert table.batch_cost("m", 1_000_000, 1_000_000) == pytest.approx(2.5)
    assert table.batch_cost("n", 1_000_000, 1_000_000) == pytest.approx(3.8)
    assert table.batch_cost("unknown-model", 10, 10) is None
