"""Providers: chosen from settings and the usual environment variables, and speaking each API correctly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from medpages.draft.providers import ProviderConfigError, choose_provider, get_provider
from medpages.draft.providers.base import (
    DraftRequest,
    Message,
    extract_json_object,
    retry_after_seconds,
)
from medpages.draft.schema import draft_json_schema

from .fake_llm_server import FakeLLMServer


def test_the_choice_says_which_provider_and_why():
    assert choose_provider(env={}).name is None
    assert "no provider is configured" in choose_provider(env={}).reason
    assert choose_provider(env={"OPENAI_API_KEY": "k"}).name == "openai"
    choice = choose_provider(env={"OPENAI_BASE_URL": "http://localhost:11434/v1", "GEMINI_API_KEY": "g"})
    assert (choice.name, choice.reason) == ("openai", "OPENAI_BASE_URL is set (http://localhost:11434/v1)")
    assert choose_provider(env={"GOOGLE_API_KEY": "g"}).name == "gemini"
    assert choose_provider(env={"GOOGLE_CLOUD_PROJECT": "p"}).name == "vertex"
    assert choose_provider({"provider": "ollama"}, env={"OPENAI_API_KEY": "k"}).name == "ollama"


def test_providers_read_the_usual_environment_variables():
    openai = get_provider("openai", None, env={"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://h:8000/v1/"})
    assert (openai.model, openai.base_url, openai.api_key) == ("gpt-4o-mini", "http://h:8000/v1", "k")
    assert openai.max_tokens_field == "max_tokens"  # a compatible server
    official = get_provider("openai", "gpt-4.1", env={"OPENAI_API_KEY": "k"})
    assert official.max_tokens_field == "max_completion_tokens"
    ollama = get_provider("ollama", "llama3.1:8b", env={})
    assert ollama.base_url == "http://localhost:11434/v1" and ollama.api_key is None
    gemini = get_provider("gemini", None, env={"GOOGLE_API_KEY": "g"})
    assert gemini.url == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    vertex = get_provider("gemini", "gemini-2.0-flash", env={"GOOGLE_CLOUD_PROJECT": "proj", "GOOGLE_CLOUD_LOCATION": "europe-west4"})
    assert vertex.name == "vertex" and vertex.url == (
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/proj/locations/europe-west4"
        "/publishers/google/models/gemini-2.0-flash:generateContent")


@pytest.mark.parametrize("name, env, words", [
    ("openai", {}, "OPENAI_API_KEY"),
    ("gemini", {}, "GEMINI_API_KEY"),
    ("ollama", {}, "model name"),
    ("claude-by-carrier-pigeon", {}, "known providers"),
])
def test_a_provider_that_cannot_be_set_up_says_what_is_missing(name, env, words):
    with pytest.raises(ProviderConfigError, match=words):
        get_provider(name, None, env=env)


def test_retry_after_is_read_as_seconds_or_as_a_date():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"})) == 7
    date = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(httpx.Headers({"Retry-After": date}), now=now) == 30
    assert retry_after_seconds(httpx.Headers({"Retry-After": "1", "Retry-After-Ms": "250"})) == 0.25
    assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Headers({})) is None


def test_json_is_found_in_a_chatty_answer():
    assert extract_json_object('Here it is:\n```json\n{"a": 1}\n```') == {"a": 1}
    assert extract_json_object('Sure! {"a": {"b": 2}} Hope that helps.') == {"a": {"b": 2}}
    assert extract_json_object('{"a": ') is None


def _request() -> DraftRequest:
    return DraftRequest(messages=(Message("system", "Be plain."), Message("user", "Medicine: Aspirin 75mg")),
                        schema=draft_json_schema("openai"), max_output_tokens=500)


@pytest.mark.parametrize("structured", ["json_schema", "json_object", "none"])
def test_openai_compatible_modes_send_what_each_server_expects(structured):
    with FakeLLMServer() as server:
        provider = get_provider("openai", "local", {"base_url": f"{server.url}/v1", "structured": structured}, env={})

        async def call():
            async with httpx.AsyncClient() as client:
                return await provider.complete(_request(), client)

        response = asyncio.run(call())
        body = server.requests[0].body
    assert response.data["generic_name"] == "Aspirin" and response.input_tokens > 0
    assert body["max_tokens"] == 500 and body["messages"][0]["content"].startswith("Be plain.")
    # without structured output, the schema is shown to the model in the system message
    assert ('"generic_name"' in body["messages"][0]["content"]) == (structured != "json_schema")
    expected = {"json_schema": "json_schema", "json_object": "json_object", "none": None}[structured]
    assert (body.get("response_format") or {}).get("type") == expected


def test_vertex_sends_the_bearer_token_to_the_project_path():
    with FakeLLMServer() as server:
        provider = get_provider("vertex", "gemini-2.0-flash", {"base_url": server.url}, env={
            "GOOGLE_CLOUD_PROJECT": "proj", "GOOGLE_CLOUD_LOCATION": "us-east1", "GOOGLE_OAUTH_ACCESS_TOKEN": "tok"})
        seen = {}

        async def call():
            async def hook(request):
                seen["path"], seen["auth"] = request.url.path, request.headers.get("authorization")
            async with httpx.AsyncClient(event_hooks={"request": [hook]}) as client:
                return await provider.complete(_request(), client)

        response = asyncio.run(call())
        body = server.requests[0].body
    assert seen == {"path": "/v1/projects/proj/locations/us-east1/publishers/google/models/gemini-2.0-flash:generateContent",
                    "auth": "Bearer tok"}
    assert body["systemInstruction"] == {"parts": [{"text": "Be plain."}]}
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert response.data["generic_name"] == "Aspirin"


@pytest.mark.parametrize("name", ["openai", "gemini"])
def test_an_answer_carries_the_rate_limits_its_headers_state(name):
    with FakeLLMServer(limit=5, window=60.0, rate_headers=True) as server:
        settings = {"base_url": f"{server.url}/v1" if name == "openai" else server.url, "api_key": "k"}
        provider = get_provider(name, "fake-model", settings, env={})

        async def call():
            async with httpx.AsyncClient() as client:
                return [await provider.complete(_request(), client) for _ in range(2)]

        first, second = asyncio.run(call())
    assert (first.limits.requests, first.limits.requests_left, second.limits.requests_left) == (5, 4, 3)
    assert 59 < second.limits.requests_reset <= 60  # "59.998s": the whole window, from the newest request
