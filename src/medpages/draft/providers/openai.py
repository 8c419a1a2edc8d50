"""Any OpenAI-compatible `/chat/completions` endpoint: OpenAI, Azure, OpenRouter, Ollama, vLLM, llama.cpp, LM Studio.

Structured output is chosen by `structured`: `json_schema` sends the page schema as a strict
`response_format` (OpenAI, recent Ollama, vLLM, llama.cpp); `json_object` asks only for a JSON
object; `none` sends neither and reads the JSON out of the text (servers that reject both).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from medpages.draft.providers.base import (
    DraftRequest,
    ProviderConfigError,
    ProviderProblem,
    ProviderResponse,
    ProviderUnavailable,
    extract_json_object,
    raise_for_status,
    server_limits,
    setting,
)

OPENAI_BASE_URL = "https://api.openai.com/v1"
OLLAMA_BASE_URL = "http://localhost:11434/v1"
DEFAULT_MODEL = "gpt-4o-mini"
Structured = Literal["json_schema", "json_object", "none"]

_FINISH = {"stop": "stop", "length": "length", "content_filter": "safety"}


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, model: str, *, base_url: str = OPENAI_BASE_URL, api_key: str | None = None,
                 structured: Structured = "json_schema", api_version: str | None = None,
                 max_tokens_field: str | None = None, extra_body: Mapping[str, Any] | None = None,
                 name: str = "openai"):
        if structured not in ("json_schema", "json_object", "none"):
            raise ProviderConfigError(f"structured output must be json_schema, json_object or none (got {structured!r})")
        self.name = name
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.structured = structured
        self.api_version = api_version  # Azure OpenAI: `api-version` query and `api-key` header
        official = self.base_url.startswith(OPENAI_BASE_URL)
        # OpenAI's newer models take only max_completion_tokens; most compatible servers only max_tokens.
        self.max_tokens_field = max_tokens_field or ("max_completion_tokens" if official else "max_tokens")
        self.extra_body = dict(extra_body or {})

    def describe(self) -> str:
        mode = {"json_schema": "strict JSON schema", "json_object": "JSON mode", "none": "JSON read from text"}
        return f"{self.model} at {self.base_url} ({mode[self.structured]})"

    def what_to_check(self, problem: ProviderProblem) -> str:
        """The advice a stopped run prints: for Ollama its server and models, else the base URL and key."""
        if self.name == "ollama":
            return {
                "connect": f"is Ollama running at {self.base_url.removesuffix('/v1')}? Start it with `ollama serve` "
                           f"(or set OLLAMA_HOST to where it listens), and pull the model: `ollama pull {self.model}`",
                "auth": "Ollama needs no key; a proxy in front of it may: set [draft.ollama] api_key",
                "not_found": f"is the model pulled? `ollama pull {self.model}` (`ollama list` shows the ones there)",
            }[problem]
        return {
            "connect": "is the server running there? Check the base URL (OPENAI_BASE_URL or [draft.openai] "
                       "base_url in medpages.toml)",
            "auth": "check the API key: OPENAI_API_KEY (or [draft.openai] api_key), and that it is meant for "
                    f"{self.base_url}",
            "not_found": f"check the model name ({self.model}) and the base URL (OPENAI_BASE_URL or "
                         "[draft.openai] base_url)",
        }[problem]

    def _headers(self) -> dict[str, str]:
        if not self.api_key:
            return {}
        if self.api_version:
            return {"api-key": self.api_key}
        return {"Authorization": f"Bearer {self.api_key}"}

    def request_body(self, request: DraftRequest) -> dict[str, Any]:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        if self.structured != "json_schema":
            # Without structured output the model only knows the schema if the prompt shows it.
            schema_text = "The JSON schema of the answer:\n" + json.dumps(request.schema, separators=(",", ":"))
            if messages and messages[0]["role"] == "system":
                messages[0] = {"role": "system", "content": f"{messages[0]['content']}\n\n{schema_text}"}
            else:
                messages.insert(0, {"role": "system", "content": schema_text})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            self.max_tokens_field: request.max_output_tokens,
        }
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if self.structured == "json_schema":
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.schema_name, "strict": True, "schema": request.schema}}
        elif self.structured == "json_object":
            body["response_format"] = {"type": "json_object"}
        body.update(self.extra_body)
        return body

    async def complete(self, request: DraftRequest, client: httpx.AsyncClient) -> ProviderResponse:
        params = {"api-version": self.api_version} if self.api_version else None
        response = await client.post(f"{self.base_url}/chat/completions", json=self.request_body(request),
                                     headers=self._headers(), params=params)
        raise_for_status(response, self.name)
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"{self.name} sent an answer without choices: {response.text[:200]}",
                                      status=response.status_code) from exc
        answer = self.parse_completion(body, status=response.status_code, raw=response.text)
        answer.limits = server_limits(response)
        return answer

    def parse_completion(self, body: Any, *, status: int = 200, raw: str | None = None) -> ProviderResponse:
        """A `chat.completion` body as a `ProviderResponse` (also each line of a Batch API output file)."""
        try:
            choice = body["choices"][0]
            message = choice.get("message") or {}
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            shown = raw if raw is not None else json.dumps(body)[:200]
            raise ProviderUnavailable(f"{self.name} sent an answer without choices: {shown[:200]}",
                                      status=status) from exc
        usage = body.get("usage") or {}
        text = message.get("content") or ""
        if isinstance(text, list):  # some servers send content parts
            text = "".join(part.get("text", "") for part in text if isinstance(part, dict))
        raw_finish = choice.get("finish_reason")
        refusal = message.get("refusal")
        finish = "refusal" if refusal else _FINISH.get(raw_finish or "stop", "other")
        return ProviderResponse(
            text=text,
            data=extract_json_object(text) if text else None,
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
            finish_reason=finish,
            refused=bool(refusal) or finish == "safety",
            refusal=refusal or ("the provider's content filter stopped the answer" if finish == "safety" else None),
            status=status,
            raw_finish_reason=raw_finish,
        )


def from_settings(model: str | None, settings: Mapping[str, str], env: Mapping[str, str]) -> OpenAICompatibleProvider:
    """Settings (or environment): `api_key` (OPENAI_API_KEY), `base_url` (OPENAI_BASE_URL), `structured`
    (MEDPAGES_DRAFT_STRUCTURED: json_schema, json_object or none), `api_version` (OPENAI_API_VERSION, Azure)."""
    base_url = setting(settings, env, "base_url", "OPENAI_BASE_URL") or OPENAI_BASE_URL
    api_key = setting(settings, env, "api_key", "OPENAI_API_KEY")
    if not api_key and base_url.rstrip("/").startswith(OPENAI_BASE_URL):
        raise ProviderConfigError("the openai backend needs an API key: set OPENAI_API_KEY, or OPENAI_BASE_URL "
                                  "for a compatible server such as Ollama (http://localhost:11434/v1)")
    return OpenAICompatibleProvider(
        model or settings.get("model") or DEFAULT_MODEL, base_url=base_url, api_key=api_key,
        structured=setting(settings, env, "structured", "MEDPAGES_DRAFT_STRUCTURED") or "json_schema",  # type: ignore[arg-type]
        api_version=setting(settings, env, "api_version", "OPENAI_API_VERSION"),
        max_tokens_field=settings.get("max_tokens_field"),
    )


def ollama_from_settings(model: str | None, settings: Mapping[str, str], env: Mapping[str, str]) -> OpenAICompatibleProvider:
    """A local Ollama through its OpenAI-compatible endpoint (OLLAMA_HOST, else localhost:11434); no key."""
    if not (model or settings.get("model")):
        raise ProviderConfigError("the ollama backend needs a model name, e.g. --model llama3.1:8b")
    base_url = settings.get("base_url")
    if not base_url and env.get("OLLAMA_HOST"):
        host = env["OLLAMA_HOST"].rstrip("/")
        base_url = (host if "://" in host else f"http://{host}") + "/v1"
    return OpenAICompatibleProvider(
        model or settings["model"], base_url=base_url or OLLAMA_BASE_URL, api_key=settings.get("api_key") or None,
        structured=setting(settings, env, "structured", "MEDPAGES_DRAFT_STRUCTURED") or "json_schema",  # type: ignore[arg-type]
        name="ollama",
    )
